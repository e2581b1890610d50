import type { Chunk, ChunkInput } from '../chunk.js';
import type { CallOptions, SnapshotRef } from '../refs.js';

/** A (file, line) pair to resolve to its chunk. */
export interface LineLocation {
  filePath: string;
  /** 1-based. */
  line: number;
}

/** Options of a line lookup. */
export interface LineLookupOptions extends CallOptions {
  /**
   * The caller reads the chunks returned at once, changes none and keeps none (a lexical backend
   * mapping lines to hits): a store may then return the chunks it holds in memory rather than a
   * copy of each. Default false: every chunk returned is the caller's own copy.
   */
  borrow?: boolean;
}

/** A line lookup begun before its lines are known: see {@link ChunkStore.beginLineLookup}. */
export interface LineLookup {
  find(locations: readonly LineLocation[], options?: LineLookupOptions): Promise<(Chunk | null)[]>;
}

/**
 * Stores chunks keyed by (repo, snapshot, chunk id).
 *
 * Contract:
 * - Writes validate every chunk first and are atomic: a failing batch writes nothing.
 * - Saving a chunk that exists (same repo, snapshot, id) with different fields (or soft-deleted)
 *   replaces it, bumps `version` and clears `deleted`; saving identical data writes nothing.
 * - Soft-deleted chunks are invisible to every read.
 * - `findChunkAtLine` prefers function/method over class-like over file (see `chunkKindRank`),
 *   then the smallest span, then the innermost (latest start).
 */
export interface ChunkStore {
  saveChunk(chunk: ChunkInput, options?: CallOptions): Promise<Chunk>;
  /** Batch upsert. Returns how many chunks were written. */
  saveChunks(chunks: readonly ChunkInput[], options?: CallOptions): Promise<number>;
  /**
   * The chunk with this id. Ids are content-derived, so a chunk present in several snapshots is
   * the same chunk; pass `snapshot` to pin one, otherwise the most recently written copy wins.
   */
  getChunk(id: string, options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk | null>;
  /** Many chunks in one round trip, in the order of `ids`; unknown ids are left out. */
  getChunks(ids: readonly string[], options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk[]>;
  /** Every chunk of a repository, or of one of its snapshots, ordered by file then start line. */
  listRepoChunks(repoId: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]>;
  /** Every chunk of one file at one snapshot, ordered by start line then span (outer first). */
  listFileChunks(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk[]>;
  /** Chunks of a repository whose text has this hash (optionally within one snapshot). */
  findByContentHash(repoId: string, contentHash: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]>;
  /** The most specific chunk containing the line, or null. */
  findChunkAtLine(snapshot: SnapshotRef, filePath: string, line: number, options?: CallOptions): Promise<Chunk | null>;
  /** `findChunkAtLine` for many locations in one round trip; results align with `locations`. */
  findChunksAtLines(snapshot: SnapshotRef, locations: readonly LineLocation[], options?: LineLookupOptions): Promise<(Chunk | null)[]>;
  /**
   * Optional: begins a `findChunksAtLines` on `snapshot` before the lines are known, so the work
   * that does not depend on them (a store checking that what it keeps in memory is current) runs
   * while the caller waits for its own backend (a lexical search: Zoekt). `find` answers as
   * `findChunksAtLines` would, for the snapshot as it was when the lookup began or later. A lookup
   * never used costs nothing more.
   */
  beginLineLookup?(snapshot: SnapshotRef, options?: CallOptions): LineLookup;
  /** The file-level chunk of a file, the fallback when no smaller chunk contains a line. */
  getFileChunk(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk | null>;
  /** Soft-deletes every chunk of a snapshot (or only of `filePaths` in it). Returns how many. */
  deleteSnapshot(snapshot: SnapshotRef, options?: CallOptions & { filePaths?: readonly string[] }): Promise<number>;
  /**
   * Copies the chunks of every file of `from` not listed in `exceptPaths` into `to`, ids unchanged
   * (incremental indexing: unchanged files carry over to the new snapshot). Returns how many.
   */
  copySnapshot(from: SnapshotRef, to: SnapshotRef, exceptPaths: readonly string[], options?: CallOptions): Promise<number>;
  close?(): Promise<void>;
}
