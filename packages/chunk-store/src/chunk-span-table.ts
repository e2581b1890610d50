import type { Chunk } from '@trawl/core';
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

  /**
   * The snapshot's write stamp when the spans were read (`chunk_snapshot_stamps`), or null when it
   * has none: while the stamp is unchanged, the spans and the rows kept here are the snapshot's.
   */
  readonly stamp: string | null;
  /**
   * The epoch of the stamp announcements (`NotificationWatch.epoch`) under which `stamp` was last
   * known to be the snapshot's; 0 when never. The owner drops the table when a change is announced.
   */
  verifiedEpoch = 0;
  /**
   * Chunk rows of the snapshot read so far, by id, in two generations (at most `maxRows` in all):
   * those read or used since the last turn, and those of the generation before. A row used from
   * the older one moves to the recent one; when the recent one holds half of `maxRows`, it becomes
   * the older and the rows left in the older are dropped. A row used again while recent costs one
   * lookup, not the move to the end of one ordered map that exact least-recently-used order needs
   * on every use (a broad lexical search uses dozens).
   */
  #recent = new Map<string, Chunk>();
  #older = new Map<string, Chunk>();
  readonly #maxRows: number;

  /**
   * `rows` are `[filePath, chunkId, startLine, endLine]`, grouped by file and ranked within it;
   * at most `maxRows` chunk rows are kept.
   */
  constructor(rows: readonly (readonly [string, string, number, number])[], stamp: string | null = null, maxRows = 0) {
    this.stamp = stamp;
    this.#maxRows = stamp === null ? 0 : maxRows;
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

  /** A chunk row kept for the snapshot (the store's own object: copy it before handing it out). */
  row(id: string): Chunk | undefined {
    const recent = this.#recent.get(id);
    if (recent) return recent;
    const older = this.#older.get(id);
    if (older) {
      this.#older.delete(id);
      this.#remember(id, older);
    }
    return older;
  }

  /** Whether every one of `ids` has its row kept. */
  holdsRows(ids: readonly string[]): boolean {
    return this.#maxRows > 0 && ids.every((id) => this.#recent.has(id) || this.#older.has(id));
  }

  /** Keeps chunk rows read for the snapshot (replacing those kept under their ids), within `maxRows`. */
  keep(chunks: readonly Chunk[]): void {
    if (this.#maxRows <= 0) return;
    for (const chunk of chunks) {
      this.#older.delete(chunk.id);
      this.#remember(chunk.id, chunk);
    }
  }

  /** How many chunk rows are kept. */
  get rowsKept(): number {
    return this.#recent.size + this.#older.size;
  }

  #remember(id: string, chunk: Chunk): void {
    this.#recent.set(id, chunk);
    if (this.#recent.size >= Math.ceil(this.#maxRows / 2)) {
      this.#older = this.#recent;
      this.#recent = new Map();
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
