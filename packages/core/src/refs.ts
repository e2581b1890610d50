/** Names one snapshot of one repository. Everything Trawl stores is keyed by this pair. */
export interface SnapshotRef {
  repoId: string;
  /** A commit sha, or a content hash for a plain directory. */
  snapshotId: string;
}

/** A snapshot becomes searchable only when every index has it. */
export type SnapshotStatus = 'indexing' | 'ready' | 'failed';

export interface RepoRecord {
  repoId: string;
  /** Absolute path of the working tree it was indexed from, when known. */
  rootPath: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SnapshotRecord extends SnapshotRef {
  status: SnapshotStatus;
  /** The git commit, when the snapshot is one. */
  commit: string | null;
  /** The snapshot this one was built from incrementally, if any. */
  baseSnapshotId: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  error: string | null;
  stats: Record<string, unknown>;
}

/** A file of a snapshot with its text, as the lexical trigram backend and hydration read it. */
export interface SourceFile {
  /** Relative to the repository root, `/`-separated. */
  path: string;
  language: string | null;
  contentHash: string;
  sizeBytes: number;
  lineCount: number;
  content: string;
  /**
   * When the file last changed on disk as it was hashed: the later of its mtime and ctime, in ms.
   * Null (or absent) when unknown or too recent to trust: a file changed again within the clock's
   * resolution of the first read would keep the same time. The next scan skips reading a file
   * whose size and time are unchanged.
   */
  modifiedMs?: number | null;
}

export type SourceFileInfo = Omit<SourceFile, 'content'>;

/** Options every I/O method accepts. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What a health check returns; health checks never throw. */
export interface HealthStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

export function snapshotKey(ref: SnapshotRef): string {
  return `${ref.repoId}\u0000${ref.snapshotId}`;
}
