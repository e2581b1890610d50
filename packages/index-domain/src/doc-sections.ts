/** One section of a documentation file. Lines are 1-based and inclusive. */
export interface DocSection {
  title: string;
  /** Titles of the enclosing headings, outermost first. */
  headingPath: string[];
  /** 0 for text before the first heading, 1.. for heading levels. */
  level: number;
  body: string;
  startLine: number;
  endLine: number;
}

export type DocFormat = 'markdown' | 'rst' | 'text';

const MARKDOWN_EXT = /\.(md|mdx|markdown|mdown|mkd)$/i;
const RST_EXT = /\.(rst|rest)$/i;
const TEXT_EXT = /\.(txt|text|adoc|asciidoc)$/i;
const BARE_DOC = /(^|\/)(README|CHANGELOG|CHANGES|CONTRIBUTING|HISTORY|NOTES|AUTHORS|SECURITY|UPGRADING|MIGRATING)$/i;

/** The documentation format of a file, by language or extension; `null` for code. */
export function docFormatOf(path: string, language: string | null): DocFormat | null {
  const lang = language?.toLowerCase();
  if (lang === 'markdown' || lang === 'mdx' || MARKDOWN_EXT.test(path)) return 'markdown';
  if (lang === 'rst' || lang === 'restructuredtext' || RST_EXT.test(path)) return 'rst';
  if (lang === 'text' || lang === 'plaintext' || TEXT_EXT.test(path) || BARE_DOC.test(path)) return 'text';
  return null;
}

/** Splits a documentation file into sections by heading. */
export function splitDocument(content: string, format: DocFormat, fileTitle: string): DocSection[] {
  switch (format) {
    case 'markdown':
      return splitMarkdown(content, fileTitle);
    case 'rst':
      return splitRst(content, fileTitle);
    case 'text':
      return splitText(content, fileTitle);
  }
}

interface Heading {
  line: number; // 0-based index of the first line of the heading
  bodyFrom: number; // 0-based index of the first body line
  level: number;
  title: string;
}

function sectionsFromHeadings(lines: string[], headings: Heading[], fileTitle: string, firstLine = 0): DocSection[] {
  const sections: DocSection[] = [];
  const stack: { level: number; title: string }[] = [];
  const preambleEnd = headings[0]?.line ?? lines.length;
  const preamble = lines.slice(firstLine, preambleEnd).join('\n').trim();
  if (preamble) {
    sections.push({ title: fileTitle, headingPath: [], level: 0, body: preamble, startLine: firstLine + 1, endLine: preambleEnd });
  }
  headings.forEach((h, i) => {
    const end = headings[i + 1]?.line ?? lines.length;
    while (stack.length && stack[stack.length - 1]!.level >= h.level) stack.pop();
    sections.push({
      title: h.title,
      headingPath: stack.map((s) => s.title),
      level: h.level,
      body: lines.slice(h.bodyFrom, end).join('\n').trim(),
      startLine: h.line + 1,
      endLine: Math.max(h.line + 1, trimTrailingBlank(lines, h.line, end)),
    });
    stack.push({ level: h.level, title: h.title });
  });
  return sections;
}

/** The 1-based last non-blank line in [from, to), at least from + 1. */
function trimTrailingBlank(lines: string[], from: number, to: number): number {
  let end = to;
  while (end > from + 1 && !lines[end - 1]!.trim()) end--;
  return end;
}

/** Markdown: ATX (`## Title`) and setext (`Title` over `===` / `---`) headings, ignoring code fences and front matter. */
export function splitMarkdown(content: string, fileTitle: string): DocSection[] {
  const lines = content.split(/\r?\n/);
  let first = 0;
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'));
    if (close > 0) first = close + 1;
  }
  const headings: Heading[] = [];
  let fence: string | null = null;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) {
      headings.push({ line: i, bodyFrom: i + 1, level: atx[1]!.length, title: atx[2]!.trim() });
      continue;
    }
    const next = lines[i + 1];
    if (line.trim() && !/^\s{4,}/.test(line) && next !== undefined && /^\s{0,3}(=+|-+)\s*$/.test(next) && (i === first || !lines[i - 1]!.trim())) {
      headings.push({ line: i, bodyFrom: i + 2, level: next.trim()[0] === '=' ? 1 : 2, title: line.trim() });
      i++;
    }
  }
  return sectionsFromHeadings(lines, headings, fileTitle, first);
}

const RST_ADORNMENT = /^([=\-`:'"~^_*+#<>.!$%&(),/;?@[\\\]{|}])\1{2,}\s*$/;

/**
 * reStructuredText: a title line underlined (optionally also overlined) with punctuation at
 * least as long as the title. Levels follow the order in which adornment styles first appear.
 */
export function splitRst(content: string, fileTitle: string): DocSection[] {
  const lines = content.split(/\r?\n/);
  const styles: string[] = [];
  const headings: Heading[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const below = lines[i + 1];
    // overline + title + underline
    if (RST_ADORNMENT.test(line) && below?.trim() && lines[i + 2] !== undefined && RST_ADORNMENT.test(lines[i + 2]!) && lines[i + 2]![0] === line[0]) {
      const style = `over${line[0]}`;
      if (!styles.includes(style)) styles.push(style);
      headings.push({ line: i, bodyFrom: i + 3, level: styles.indexOf(style) + 1, title: below.trim() });
      i += 2;
      continue;
    }
    if (line.trim() && !/^\s/.test(line) && below !== undefined && RST_ADORNMENT.test(below) && below.trim().length >= line.trim().length) {
      const style = `under${below[0]}`;
      if (!styles.includes(style)) styles.push(style);
      headings.push({ line: i, bodyFrom: i + 2, level: styles.indexOf(style) + 1, title: line.trim() });
      i++;
    }
  }
  return sectionsFromHeadings(lines, headings, fileTitle);
}

/** Plain text has no headings: paragraphs grouped into sections of about `maxLines` lines. */
export function splitText(content: string, fileTitle: string, maxLines = 60): DocSection[] {
  const lines = content.split(/\r?\n/);
  const sections: DocSection[] = [];
  let start = 0;
  while (start < lines.length) {
    while (start < lines.length && !lines[start]!.trim()) start++;
    if (start >= lines.length) break;
    let end = Math.min(start + maxLines, lines.length);
    if (end < lines.length) {
      // end at a paragraph break when one is near
      for (let j = end; j > start + maxLines / 2; j--) {
        if (!lines[j - 1]!.trim()) {
          end = j;
          break;
        }
      }
    }
    const body = lines.slice(start, end).join('\n').trim();
    sections.push({
      title: sections.length === 0 ? fileTitle : `${fileTitle} (${sections.length + 1})`,
      headingPath: [],
      level: 0,
      body,
      startLine: start + 1,
      endLine: trimTrailingBlank(lines, start, end),
    });
    start = end;
  }
  return sections;
}

/**
 * Identifiers in a text split into words, so prose that mentions `createUser` or `create_user`
 * is found by "create user". Plain lower-case words are left out: the body has them already.
 */
export function identifierTerms(text: string): string {
  const words = new Set<string>();
  for (const token of text.match(/[A-Za-z_$][A-Za-z0-9_$]*(?:[.:][A-Za-z_$][A-Za-z0-9_$]*)*/g) ?? []) {
    if (!/[a-z][A-Z]|[A-Z]{2}[a-z]|_|\.|[A-Za-z][0-9]/.test(token)) continue;
    for (const w of token
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .split(/[^A-Za-z0-9]+/)) {
      if (w) words.add(w.toLowerCase());
    }
  }
  return [...words].join(' ');
}
