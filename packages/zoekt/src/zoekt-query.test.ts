import { describe, expect, it } from 'vitest';
import { buildZoektQuery, escapeRegex, goQueryEscape, literalQuery, quoteAtom } from './zoekt-query.js';
import { shardPrefix } from './zoekt-indexer.js';

describe('zoekt query building', () => {
  it('escapes every RE2 metacharacter', () => {
    expect(escapeRegex('a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o')).toBe('a\\.b\\*c\\+d\\?e\\(f\\)g\\[h\\]i\\{j\\}k\\|l\\^m\\$n\\\\o');
    expect(new RegExp(escapeRegex('(x)[y]{2}')).test('(x)[y]{2}')).toBe(true);
  });

  it('quotes atoms so quotes and backslashes survive', () => {
    expect(quoteAtom('say "hi" \\n')).toBe('"say \\"hi\\" \\\\n"');
  });

  it('escapes a metacharacter or quote wherever it stands alone, and returns other text as it is', () => {
    for (const c of '\\^$.|?*+()[]{}') {
      expect(escapeRegex(`ab${c}`)).toBe(`ab\\${c}`);
      expect(escapeRegex(`${c}${c}ab`)).toBe(`\\${c}\\${c}ab`);
    }
    for (const c of '\\"') expect(quoteAtom(`${c}ab`)).toBe(`"\\${c}ab"`);
    const plain = 'parseConfig_이름 🐟 -file:x';
    expect(escapeRegex(plain)).toBe(plain);
    expect(quoteAtom(plain)).toBe(`"${plain}"`);
  });

  it('writes literals as one quoted content atom', () => {
    expect(literalQuery('file:a.ts or -x "q"')).toBe('content:"file:a\\\\.ts or -x \\"q\\""');
  });

  it('adds case, repository, language and file filters', () => {
    const q = buildZoektQuery({ pattern: 'TODO(', repositories: ['web', 'a.b'], languages: ['typescript', 'go'], filePatterns: ['\\.ts$'], caseSensitive: true });
    expect(q).toBe('content:"TODO\\\\(" case:yes repo:"^(?:web|a\\\\.b)$" (lang:typescript or lang:go) file:"\\\\.ts$"');
    expect(buildZoektQuery({ pattern: 'x' })).toBe('content:"x" case:no');
    expect(buildZoektQuery({ pattern: 'x', caseSensitive: 'auto', includeFileNames: true })).toBe('"x" case:auto');
  });

  it('keeps regexes as written', () => {
    expect(buildZoektQuery({ pattern: 'foo\\s+bar', regex: true })).toBe('content:"foo\\\\s+bar" case:no');
  });

  it('rejects empty queries and bad filters', () => {
    expect(() => buildZoektQuery({ pattern: '  ' })).toThrow(/empty query/);
    expect(() => buildZoektQuery({ pattern: 'x', repositories: [] })).toThrow(/repositories is empty/);
    expect(() => buildZoektQuery({ pattern: 'x', languages: ['c; rm'] })).toThrow(/invalid language/);
    expect(() => buildZoektQuery({ pattern: '(?=x)', regex: true })).toThrow(/lookaround/);
    for (const lookaround of ['a(?!x)', '(?<=a)x', '(?<!a)x']) expect(() => buildZoektQuery({ pattern: lookaround, regex: true })).toThrow(/lookaround/);
    // a named group is not a lookaround: RE2 takes both spellings
    expect(buildZoektQuery({ pattern: '(?<n>needle)', regex: true })).toContain('(?<n>needle)');
    expect(buildZoektQuery({ pattern: '(?P<n>needle)', regex: true })).toContain('(?P<n>needle)');
  });

  it('escapes names like Go url.QueryEscape and derives shard prefixes', () => {
    expect(goQueryEscape('a b/c@d~e_f.g-h')).toBe('a+b%2Fc%40d~e_f.g-h');
    expect(goQueryEscape('한')).toBe('%ED%95%9C');
    expect(shardPrefix('web')).toBe('web');
    const long = 'x'.repeat(250);
    expect(shardPrefix(long)).toHaveLength(208);
  });
});
