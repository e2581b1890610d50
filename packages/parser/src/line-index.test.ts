import { describe, expect, it } from 'vitest';
import { sha256Hex } from './ids.js';
import { LineIndex } from './line-index.js';

const texts = ['', '\n', 'one', 'one\n', 'one\ntwo', 'one\r\ntwo\r\n', '\n\nthree\n\n', 'a\nβ😀\nc\n'];

describe('LineIndex', () => {
  it('slices lines exactly like split/slice/join', () => {
    for (const text of texts) {
      const lines = text.split('\n');
      const index = new LineIndex(text);
      expect(index.count).toBe(lines.length);
      for (let from = 0; from <= lines.length + 1; from++) {
        for (let to = from - 1; to <= lines.length + 1; to++) {
          expect(index.slice(from, to), `${JSON.stringify(text)} ${from}..${to}`).toBe(lines.slice(Math.max(0, from - 1), Math.max(0, to)).join('\n'));
        }
      }
      for (let row = -1; row <= lines.length; row++) {
        expect(index.line(row)).toBe(lines[row] ?? '');
        for (const column of [0, 1, 2, 100]) expect(index.prefix(row, column)).toBe((lines[row] ?? '').slice(0, column));
      }
    }
  });

  it('hashes a line range like sha256Hex of its text, the same answer on a second call', () => {
    const index = new LineIndex('a\nb\nc\n');
    expect(index.hashLines(1, 2)).toBe(sha256Hex('a\nb'));
    expect(index.hashLines(1, 2)).toBe(sha256Hex('a\nb'));
    expect(index.hashLines(2, 1)).toBe(sha256Hex(''));
    expect(index.hashLines(1, 4)).toBe(sha256Hex('a\nb\nc\n'));
  });
});
