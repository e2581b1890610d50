import { ownerAt, paintLineOwners, type LineOwners } from './line-owners.js';

/**
 * The line spans of one snapshot's chunks, in memory, for mapping (file, line) to the chunk a
 * lexical hit belongs to without a database round trip per line. Each file's spans are kept in
 * the order the SQL lookup ranks candidates (kind rank, then the shortest span, then the latest
 * start, then the id), so the first span that contains a line is the one SQL would return.
 */
export class ChunkSpanTable {
  readonly #files = new Map<string, { from: number; to: number; owners?: LineOwners | null }>();
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  readonly #ids: string[];

  /** `rows` are `[filePath, chunkId, startLine, endLine]`, grouped by file and ranked within it. */
  constructor(rows: readonly (readonly [string, string, number, number])[]) {
    this.#starts = new Int32Array(rows.length);
    this.#ends = new Int32Array(rows.length);
    this.#ids = new Array<string>(rows.length);
    let from = 0;
    for (let i = 0; i < rows.length; i++) {
      const [filePath, id, start, end] = rows[i]!;
      this.#starts[i] = start;
      this.#ends[i] = end;
      this.#ids[i] = id;
      if (i + 1 === rows.length || rows[i + 1]![0] !== filePath) {
        this.#files.set(filePath, { from, to: i + 1 });
        from = i + 1;
      }
    }
  }

  /** How many chunks the table holds. */
  get size(): number {
    return this.#ids.length;
  }

  /** The id of the best-ranked chunk of `filePath` whose lines include `line`, or null. */
  find(filePath: string, line: number): string | null {
    const range = this.#files.get(filePath);
    if (!range) return null;
    // Files with many chunks get their lines painted once, on their first lookup.
    if (range.owners === undefined) range.owners = paintLineOwners(this.#starts, this.#ends, range.from, range.to);
    if (range.owners) {
      const i = ownerAt(range.owners, line);
      return i < 0 ? null : this.#ids[range.from + i]!;
    }
    for (let i = range.from; i < range.to; i++) if (this.#starts[i]! <= line && this.#ends[i]! >= line) return this.#ids[i]!;
    return null;
  }
}
