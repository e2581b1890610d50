/** A run of whole lines of a file's text, or a window of one long line: a row of `lexical_segments`. */
export interface LexicalSegment {
  /** 1-based line where the segment starts. */
  startLine: number;
  /** 0 for whole lines; the offset (in characters) of a window inside one long line. */
  startColumn: number;
  text: string;
}

/** Lines up to this many characters are kept whole; longer ones are cut into windows. */
const LONG_LINE = 4096;
/** Whole lines are grouped by the 2,048-character stretch of the text their first character lies in. */
const SEGMENT_CHARS = 2048;
/** A long line's windows start every SEGMENT_CHARS characters and overlap by 256, so any match up to 256 characters lies whole inside one. */
export const LEXICAL_WINDOW_CHARS = 2304;
const WINDOW_CHARS = LEXICAL_WINDOW_CHARS;

/**
 * Cuts a file's text into lexical segments exactly as migration 0007's SQL function
 * `trawl_lexical_segments` does (a test holds them equal): lines split on `\n`; whole lines of
 * up to 4,096 characters grouped by `offset / 2048` of their first character (joined by `\n`,
 * starting at the group's first line); each longer line cut into windows of 2,304 characters
 * every 2,048. Lengths and offsets count characters (code points), as PostgreSQL does. Empty text
 * has no segments.
 */
export function lexicalSegments(content: string): LexicalSegment[] {
  const segments: LexicalSegment[] = [];
  if (content === '') return segments;
  // Code points and UTF-16 units differ only where there are surrogate pairs.
  const astral = /[\uD800-\uDFFF]/.test(content);
  let before = 0; // characters before the current line
  let group = -1;
  let groupLine = 0;
  let groupLines: string[] = [];
  const flush = () => {
    if (groupLines.length) segments.push({ startLine: groupLine, startColumn: 0, text: groupLines.join('\n') });
  };
  let line = 0;
  for (let pos = 0; ; ) {
    const end = content.indexOf('\n', pos);
    const text = end < 0 ? content.slice(pos) : content.slice(pos, end);
    line++;
    const length = astral ? codePoints(text) : text.length;
    if (length <= LONG_LINE) {
      const g = Math.floor(before / SEGMENT_CHARS);
      if (g !== group) {
        flush();
        group = g;
        groupLine = line;
        groupLines = [];
      }
      groupLines.push(text);
    } else {
      for (let off = 0; off < length; off += SEGMENT_CHARS) {
        segments.push({ startLine: line, startColumn: off, text: astral ? codePointSlice(text, off, WINDOW_CHARS) : text.slice(off, off + WINDOW_CHARS) });
      }
    }
    before += length + 1;
    if (end < 0) break;
    pos = end + 1;
  }
  flush();
  return segments;
}

function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // a high surrogate followed by a low one is one character
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** `count` characters (code points) of `text` from character `start`. */
function codePointSlice(text: string, start: number, count: number): string {
  const index = (from: number, skip: number) => {
    let i = from;
    for (let k = 0; k < skip && i < text.length; k++) {
      const c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    }
    return i;
  };
  const from = index(0, start);
  return text.slice(from, index(from, count));
}
