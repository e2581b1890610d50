import type { CallOptions, RepoRecord, SnapshotRecord, SnapshotRef, SnapshotStatus, SourceFile, SourceFileInfo } from '../refs.js';

/**
 * Repositories, their snapshots (with status) and file contents.
 *
 * Contract: a snapshot is created `indexing` and moves once to `ready` or `failed`;
 * `latestReadySnapshot` only ever returns `ready` ones, so a half-indexed snapshot is never
 * searched. Files are stored per snapshot; identical contents may be shared by the backend.
 */
export interface CatalogStore {
  upsertRepo(repo: { repoId: string; rootPath?: string | null }, options?: CallOptions): Promise<RepoRecord>;
  getRepo(repoId: string, options?: CallOptions): Promise<RepoRecord | null>;
  listRepos(options?: CallOptions): Promise<RepoRecord[]>;
  /** Removes a repository with all its snapshots and files. */
  deleteRepo(repoId: string, options?: CallOptions): Promise<void>;

  /** Creates (or restarts) a snapshot in `indexing` state. */
  /**
   * Starts (or restarts) a snapshot as `indexing`. `stats` are kept while it is built (the indexer
   * records who builds it, `owner`, so a snapshot left by a process that died can be told from
   * one being built); `finishSnapshot` replaces them.
   */
  beginSnapshot(
    snapshot: SnapshotRef & { commit?: string | null; baseSnapshotId?: string | null; stats?: Record<string, unknown> },
    options?: CallOptions,
  ): Promise<SnapshotRecord>;
  finishSnapshot(
    snapshot: SnapshotRef,
    result: { status: Exclude<SnapshotStatus, 'indexing'>; error?: string | null; stats?: Record<string, unknown> },
    options?: CallOptions,
  ): Promise<SnapshotRecord>;
  /**
   * Makes a `ready` snapshot the latest one again (its `finishedAt` becomes now): a tree back to
   * an older snapshot's content (a change reverted) is that snapshot. Throws NotFoundError for an
   * unknown snapshot and ConflictError for one that is not ready. Optional: without it the
   * indexer builds such a snapshot again.
   */
  touchSnapshot?(snapshot: SnapshotRef, options?: CallOptions): Promise<SnapshotRecord>;
  /**
   * Marks a `ready` snapshot `failed` (with `error`) before it is removed from the indexes: one
   * whose removal stopped halfway is never searched or made the latest again, and the next prune
   * removes it. Does nothing to a snapshot that is not ready or not there. Optional.
   */
  retireSnapshot?(snapshot: SnapshotRef, error: string, options?: CallOptions): Promise<void>;
  getSnapshot(snapshot: SnapshotRef, options?: CallOptions): Promise<SnapshotRecord | null>;
  /** Newest first. */
  listSnapshots(repoId: string, options?: CallOptions): Promise<SnapshotRecord[]>;
  latestReadySnapshot(repoId: string, options?: CallOptions): Promise<SnapshotRecord | null>;
  deleteSnapshot(snapshot: SnapshotRef, options?: CallOptions): Promise<void>;

  /** Upserts files of a snapshot. */
  saveFiles(snapshot: SnapshotRef, files: readonly SourceFile[], options?: CallOptions): Promise<number>;
  /** Removes files from a snapshot (incremental indexing of deleted paths). */
  deleteFiles(snapshot: SnapshotRef, paths: readonly string[], options?: CallOptions): Promise<number>;
  /** Copies every file of `from` not listed in `except` into `to` (incremental snapshots). */
  copyFiles(from: SnapshotRef, to: SnapshotRef, except: readonly string[], options?: CallOptions): Promise<number>;
  getFile(snapshot: SnapshotRef, path: string, options?: CallOptions): Promise<SourceFile | null>;
  getFiles(snapshot: SnapshotRef, paths: readonly string[], options?: CallOptions): Promise<SourceFile[]>;
  /**
   * Lines of stored files without reading the whole files (a search result shows a few lines of
   * what may be a megabyte of minified code). One answer per range, in order: the lines that
   * exist (fewer at the end of the file), or null when the snapshot has no such file. Optional:
   * callers fall back to `getFiles`. With `maxLineChars`, each line is cut to that many
   * characters (a preview of one line of a minified bundle need not read the megabyte).
   */
  getFileLines?(snapshot: SnapshotRef, ranges: readonly FileLineRange[], options?: CallOptions & { maxLineChars?: number }): Promise<(FileLines | null)[]>;
  /**
   * Records when files of a snapshot last changed on disk (`SourceFile.modifiedMs`) without
   * rewriting them: an incremental run carries unchanged files over with their old times, and a
   * file that was too recent to trust then can be trusted now. Paths the snapshot lacks are
   * ignored. Returns how many files were updated. Optional: without it the times stay as copied.
   */
  updateModifiedTimes?(snapshot: SnapshotRef, times: readonly { path: string; modifiedMs: number | null }[], options?: CallOptions): Promise<number>;
  /** File metadata without contents, ordered by path. */
  listFiles(snapshot: SnapshotRef, options?: CallOptions): Promise<SourceFileInfo[]>;
  close?(): Promise<void>;
}

/** 1-based, inclusive line range of a file. */
export interface FileLineRange {
  path: string;
  startLine: number;
  endLine: number;
}

/** Lines of a file from `startLine`, with the hash of the whole file's content. */
export interface FileLines {
  path: string;
  contentHash: string;
  startLine: number;
  lines: string[];
}
