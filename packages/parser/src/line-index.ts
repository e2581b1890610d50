import { sha256Hex } from './ids.js';

/**
 * Where each line of a text starts, so whole lines can be sliced out without splitting the text
 * into an array of lines first (`slice(a, b)` equals `text.split('\n').slice(a - 1, b).join('\n')`).
 */
export class LineIndex {
  readonly text: string;
  /** Offset of the first character of each line; as many entries as `text.split('\n')` has. */
  readonly starts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  /** Number of `\n`-separated pieces (a trailing newline leaves an empty last piece). */
  get count(): number {
    return this.starts.length;
  }

  /** Line `row` (0-based) without its newline; '' past the end. */
  line(row: number): string {
    if (row < 0 || row >= this.starts.length) return '';
    const end = row + 1 < this.starts.length ? this.starts[row + 1]! - 1 : this.text.length;
    return this.text.slice(this.starts[row]!, end);
  }

  /** The start of line `row` (0-based) up to `column`. */
  prefix(row: number, column: number): string {
    if (row < 0 || row >= this.starts.length) return '';
    const start = this.starts[row]!;
    return this.text.slice(start, Math.min(start + column, this.lineEnd(row)));
  }

  /** Lines `from`..`to` (1-based, inclusive) joined by `\n`; '' when the range is empty. */
  slice(from: number, to: number): string {
    const a = Math.max(1, from);
    const b = Math.min(to, this.starts.length);
    if (a > b) return '';
    return this.text.slice(this.starts[a - 1]!, this.lineEnd(b - 1));
  }

  /**
   * sha256 hex of {@link slice}(from, to), computed once per range: chunks of a minified
   * one-line file all span the same line, and hashing it again for each was most of their cost.
   */
  hashLines(from: number, to: number): string {
    const key = from * 0x100000000 + to;
    let hash = this.#hashes.get(key);
    if (hash === undefined) {
      hash = sha256Hex(this.slice(from, to));
      this.#hashes.set(key, hash);
    }
    return hash;
  }

  readonly #hashes = new Map<number, string>();

  private lineEnd(row: number): number {
    return row + 1 < this.starts.length ? this.starts[row + 1]! - 1 : this.text.length;
  }
}
