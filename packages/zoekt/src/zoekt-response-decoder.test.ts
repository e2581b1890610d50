import { describe, expect, it } from 'vitest';
import { byteOffsetToColumn, decodeListResponse, decodeSearchResponse, lineStartsWith } from './zoekt-response-decoder.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('zoekt response decoding', () => {
  it('converts UTF-8 byte offsets to string columns', () => {
    const line = Buffer.from('// 한국어 😀 hello');
    const byteStart = Buffer.byteLength('// 한국어 😀 ');
    const col = byteOffsetToColumn(line, byteStart);
    expect('// 한국어 😀 hello'.slice(col, col + 5)).toBe('hello');
    // an offset inside a multi-byte character clamps to its start
    expect(byteOffsetToColumn(line, 4)).toBe(3);
  });

  it('decodes line matches with context, ranges and stats', () => {
    const text = 'const 이름 = "😀 needle";';
    const offset = Buffer.byteLength('const 이름 = "😀 ');
    const result = decodeSearchResponse(
      {
        Result: {
          Duration: 2_500_000,
          FileCount: 3,
          MatchCount: 4,
          ShardsSkipped: 0,
          FilesSkipped: 0,
          Crashes: 0,
          Files: [
            {
              FileName: 'src/a.ts',
              Repository: 'web',
              Language: 'TypeScript',
              Branches: ['HEAD'],
              Version: 'abc',
              Score: 12.5,
              LineMatches: [{ Line: b64(`${text}\n`), LineNumber: 7, LineStart: 0, LineEnd: 1, Before: b64('a\nb\n'), After: null, Score: 3, LineFragments: [{ LineOffset: offset, Offset: 0, MatchLength: 6 }] }],
              Checksum: 'AA==',
            },
          ],
        },
      },
      'q',
    );
    expect(result.stats.durationMs).toBe(2.5);
    expect(result.partial).toBe(false);
    expect(result.truncated).toBe(true);
    const m = result.files[0]!.matches[0]!;
    expect(m).toMatchObject({ line: 7, text, before: ['a', 'b'], after: [], score: 3, fileNameMatch: false });
    expect(text.slice(m.ranges[0]!.start, m.ranges[0]!.end)).toBe('needle');
    expect(result.files[0]).toMatchObject({ repository: 'web', fileName: 'src/a.ts', language: 'TypeScript', branches: ['HEAD'], version: 'abc', score: 12.5 });
  });

  it('flags partial results', () => {
    expect(decodeSearchResponse({ Result: { ShardsSkipped: 1, Files: null } }, 'q').partial).toBe(true);
    expect(decodeSearchResponse({ Result: { FlushReason: 1 } }, 'q').partial).toBe(true);
    expect(decodeSearchResponse({ Result: { Crashes: 2 } }, 'q').partial).toBe(true);
  });

  it('names the field of an unexpected shape', () => {
    expect(() => decodeSearchResponse({ Result: { Files: [{ FileName: 3 }] } }, 'q')).toThrow(/Result.Files\[0\].Repository should be a string/);
    expect(() => decodeSearchResponse({ nope: 1 }, 'q')).toThrow(/Result should be an object/);
    expect(() => decodeSearchResponse({ Result: { Files: [{ FileName: 'a', Repository: 'r', LineMatches: [{ LineNumber: 'x' }] }] } }, 'q')).toThrow(/LineMatches\[0\].LineNumber should be a number/);
  });

  it('decodes repository lists', () => {
    const repos = decodeListResponse({
      List: {
        Repos: [
          {
            Repository: { ID: 0, Name: 'web', URL: '', Source: '/src/web', Branches: [{ Name: 'HEAD', Version: 'abc' }], HasSymbols: true },
            IndexMetadata: { IndexTime: '2026-11-26T10:50:43.662171496Z' },
            Stats: { Shards: 1, Documents: 2, IndexBytes: 308, ContentBytes: 109 },
          },
        ],
      },
    });
    expect(repos[0]).toMatchObject({ name: 'web', source: '/src/web', branches: [{ name: 'HEAD', version: 'abc' }], shards: 1, documents: 2, hasSymbols: true });
    expect(repos[0]!.indexTime?.toISOString()).toBe('2026-11-26T10:50:43.662Z');
  });
});

describe('many matches on one long non-ASCII line', () => {
  it('converts every range in one pass, in any order', () => {
    const text = `${'é needle '.repeat(2000)}`;
    const line = Buffer.from(text);
    const fragments: { LineOffset: number; Offset: number; MatchLength: number }[] = [];
    let at = 0;
    for (let i = 0; i < 2000; i++) {
      at = line.indexOf('needle', at);
      fragments.push({ LineOffset: at, Offset: at, MatchLength: 6 });
      at += 6;
    }
    fragments.reverse();
    const result = decodeSearchResponse({ Result: { Files: [{ FileName: 'a', Repository: 'r', LineMatches: [{ Line: line.toString('base64'), LineNumber: 1, LineFragments: fragments }] }] } }, 'q');
    const m = result.files[0]!.matches[0]!;
    expect(m.ranges).toHaveLength(2000);
    for (const r of m.ranges) expect(m.text.slice(r.start, r.end)).toBe('needle');
  });
});

describe('lazily decoded line matches', () => {
  const text = 'const 이름 = "needle";';
  const offset = Buffer.byteLength('const 이름 = "');
  const body = () => ({
    Result: {
      Files: [
        {
          FileName: 'a.ts',
          Repository: 'r',
          LineMatches: [{ Line: b64(`${text}\r\n`), LineNumber: 3, Before: b64('x\ny\n'), After: b64('z\n'), Score: 2, LineFragments: [{ LineOffset: offset, MatchLength: 6 }] }],
        },
      ],
    },
  });

  it('decodes text, ranges and context on read, once; JSON carries them', () => {
    const m = decodeSearchResponse(body(), 'q').files[0]!.matches[0]!;
    const plain = { line: 3, text, ranges: [{ start: text.indexOf('needle'), end: text.indexOf('needle') + 6 }], before: ['x', 'y'], after: ['z'], score: 2, fileNameMatch: false };
    expect(m).toMatchObject(plain);
    expect(JSON.parse(JSON.stringify(m))).toEqual(plain);
    expect(m.text).toBe(m.text);
    expect(m.ranges).toBe(m.ranges); // decoded once, then kept
    expect(m.before).toBe(m.before);
  });

  it('checks a prefix without decoding the line, on every prefix length', () => {
    const bytes = Buffer.from(text);
    for (let n = 0; n <= bytes.length; n++) {
      const m = decodeSearchResponse(body(), 'q').files[0]!.matches[0]!;
      expect(lineStartsWith(m, bytes.subarray(0, n)), `prefix of ${n} bytes`).toBe(true);
      expect(lineStartsWith(m, Buffer.concat([bytes.subarray(0, n), Buffer.from('!')]))).toBe(false);
    }
    // the line terminator Zoekt sends is not part of the text
    expect(lineStartsWith(decodeSearchResponse(body(), 'q').files[0]!.matches[0]!, Buffer.from(`${text}\r`))).toBe(false);
    const m = decodeSearchResponse(body(), 'q').files[0]!.matches[0]!;
    void m.text;
    expect(lineStartsWith(m, Buffer.from('const 이'))).toBe(true);
    m.text = 'NOT-INDEXED: too large';
    expect(lineStartsWith(m, Buffer.from('NOT-INDEXED: '))).toBe(true);
    expect(lineStartsWith({ ...m, text: 'plain' }, Buffer.from('pl'))).toBe(true);
  });

  it('lets a caller replace a decoded field', () => {
    const m = decodeSearchResponse(body(), 'q').files[0]!.matches[0]!;
    m.text = 'replaced';
    m.before = [];
    expect(m).toMatchObject({ text: 'replaced', before: [], after: ['z'] });
  });

  it('checks the shape of every field before decoding any', () => {
    const bad = (patch: Record<string, unknown>) => {
      const b = body();
      Object.assign(b.Result.Files[0]!.LineMatches[0]!, patch);
      return () => decodeSearchResponse(b, 'q');
    };
    expect(bad({ Line: 5 })).toThrow(/LineMatches\[0\].Line should be base64 text/);
    expect(bad({ After: [1] })).toThrow(/LineMatches\[0\].After should be base64 text/);
    expect(bad({ LineFragments: [{ LineOffset: 'x' }] })).toThrow(/LineFragments\[0\].LineOffset should be a number/);
    expect(bad({ LineFragments: [{ LineOffset: 1 }] })).toThrow(/LineFragments\[0\].MatchLength should be a number/);
  });
});
