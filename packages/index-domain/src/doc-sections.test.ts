import { describe, expect, it } from 'vitest';
import { docFormatOf, identifierTerms, splitMarkdown, splitRst, splitText } from './doc-sections.js';

describe('doc sections', () => {
  it('detects documentation files', () => {
    expect(docFormatOf('docs/a.md', null)).toBe('markdown');
    expect(docFormatOf('x/README', null)).toBe('text');
    expect(docFormatOf('guide.rst', null)).toBe('rst');
    expect(docFormatOf('notes', 'markdown')).toBe('markdown');
    expect(docFormatOf('src/a.ts', 'typescript')).toBeNull();
  });

  it('splits Markdown at ATX and setext headings, skipping front matter and fences', () => {
    const md = ['---', 'title: x', '---', 'Intro text.', '', 'Setext Title', '============', 'body one', '', '## Sub ##', '```', '# fake', '```', 'body two'].join('\n');
    const sections = splitMarkdown(md, 'f.md');
    expect(sections.map((s) => [s.title, s.level, s.startLine, s.endLine, s.headingPath])).toEqual([
      ['f.md', 0, 4, 5, []],
      ['Setext Title', 1, 6, 8, []],
      ['Sub', 2, 10, 14, ['Setext Title']],
    ]);
    expect(sections[2]!.body).toContain('# fake');
  });

  it('splits reStructuredText by adornment style order', () => {
    const rst = ['=====', 'Title', '=====', 'intro', '', 'Part', '----', 'text', '', 'Other', '-----', 'more'].join('\n');
    expect(splitRst(rst, 'g.rst').map((s) => [s.title, s.level, s.headingPath])).toEqual([
      ['Title', 1, []],
      ['Part', 2, ['Title']],
      ['Other', 2, ['Title']],
    ]);
  });

  it('groups plain text paragraphs', () => {
    const text = Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? '' : `line ${i}`)).join('\n');
    const sections = splitText(text, 'n.txt', 40);
    expect(sections.length).toBeGreaterThan(1);
    expect(sections[0]!.startLine).toBe(1);
  });

  it('splits identifiers into words', () => {
    expect(identifierTerms('call createUser or pg_trgm, not plain words')).toBe('create user pg trgm');
  });
});
