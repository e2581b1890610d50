import {
  ConflictError,
  NotFoundError,
  throwIfAborted,
  type CallOptions,
  type CatalogStore,
  type FileLineRange,
  type FileLines,
  type RepoRecord,
  type SnapshotRecord,
  type SnapshotRef,
  type SnapshotStatus,
  type SourceFile,
  type SourceFileInfo,
} from '@trawl/core';
import {
  checkpointIfWalOver,
  copySnapshotFiles,
  dropSnapshotFiles,
  ensureSchema,
  flushGinPendingLists,
  refreshSnapshotStatistics,
  removeSnapshotFiles,
  setSnapshotFileTimes,
  upsertSnapshotFiles,
  vacuumSnapshotTables,
  type PostgresStore,
} from '@trawl/postgres';
import { lineCharLimit, validateFile, validateModifiedMs, validateRef } from './catalog-validation.js';
import { CHUNK_LINK_SPANS } from './postgres-chunk-store.js';
import { stampWatchOf } from './stamp-watch.js';

interface RepoRow {
  repo_id: string;
  root_path: string | null;
  created_at: Date;
  updated_at: Date;
}
interface SnapshotRow {
  repo_id: string;
  snapshot_id: string;
  status: SnapshotStatus;
  commit_sha: string | null;
  base_snapshot_id: string | null;
  created_at: Date;
  finished_at: Date | null;
  error: string | null;
  stats: Record<string, unknown>;
}
interface FileRow {
  file_path: string;
  language: string | null;
  content_hash: string;
  size_bytes: number;
  line_count: number;
  modified_ms?: number | null;
  content?: string;
}

const repo = (r: RepoRow): RepoRecord => ({ repoId: r.repo_id, rootPath: r.root_path, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at) });
const snapshot = (r: SnapshotRow): SnapshotRecord => ({
  repoId: r.repo_id,
  snapshotId: r.snapshot_id,
  status: r.status,
  commit: r.commit_sha,
  baseSnapshotId: r.base_snapshot_id,
  createdAt: new Date(r.created_at),
  finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  error: r.error,
  stats: r.stats ?? {},
});
const fileInfo = (r: FileRow): SourceFileInfo => ({
  path: r.file_path,
  language: r.language,
  contentHash: r.content_hash,
  sizeBytes: r.size_bytes,
  lineCount: r.line_count,
  // (only when known, so a file saved without it reads back as it was saved)
  ...(r.modified_ms != null ? { modifiedMs: Number(r.modified_ms) } : {}),
});

const SNAPSHOT_COLUMNS = 'repo_id, snapshot_id, status, commit_sha, base_snapshot_id, created_at, finished_at, error, stats';

/**
 * Repositories, snapshots and file contents on PostgreSQL. File text is stored once per distinct
 * content hash (`file_contents`) and shared by every snapshot that has it.
 */
export class PostgresCatalogStore implements CatalogStore {
  readonly db: PostgresStore;
  #ensure: boolean;

  constructor(db: PostgresStore, options: { ensureSchema?: boolean } = {}) {
    this.db = db;
    this.#ensure = options.ensureSchema ?? true;
  }

  async #ready(options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, 'catalog');
    if (this.#ensure) await ensureSchema(this.db, options);
  }

  async upsertRepo(input: { repoId: string; rootPath?: string | null }, options?: CallOptions): Promise<RepoRecord> {
    validateRef({ repoId: input.repoId, snapshotId: '-' });
    await this.#ready(options);
    const row = await this.db.fetchRow<RepoRow>(
      `INSERT INTO repos (repo_id, root_path) VALUES ($1, $2)
       ON CONFLICT (repo_id) DO UPDATE SET root_path = CASE WHEN $3 THEN EXCLUDED.root_path ELSE repos.root_path END, updated_at = now()
       RETURNING *`,
      [input.repoId, input.rootPath ?? null, input.rootPath !== undefined],
      options,
    );
    return repo(row!);
  }

  async getRepo(repoId: string, options?: CallOptions): Promise<RepoRecord | null> {
    await this.#ready(options);
    const row = await this.db.fetchRow<RepoRow>('SELECT * FROM repos WHERE repo_id = $1', [repoId], options);
    return row ? repo(row) : null;
  }

  async listRepos(options?: CallOptions): Promise<RepoRecord[]> {
    await this.#ready(options);
    return (await this.db.fetch<RepoRow>('SELECT * FROM repos ORDER BY repo_id', [], options)).map(repo);
  }

  async deleteRepo(repoId: string, options?: CallOptions): Promise<void> {
    await this.#ready(options);
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute('DELETE FROM repos WHERE repo_id = $1', [repoId], options);
        await tx.execute('DELETE FROM chunks WHERE repo_id = $1', [repoId], options);
        await tx.execute('DELETE FROM chunk_snapshot_stamps WHERE repo_id = $1', [repoId], options);
        await CHUNK_LINK_SPANS.dropRepo(tx, repoId, options);
      }, options);
    } finally {
      stampWatchOf(this.db).changed([{ repoId }]); // (the chunk stores of this process, at once)
    }
    await dropSnapshotFiles(this.db, repoId, undefined, options);
    await this.#reclaim(options);
  }

  async beginSnapshot(ref: SnapshotRef & { commit?: string | null; baseSnapshotId?: string | null; stats?: Record<string, unknown> }, options?: CallOptions): Promise<SnapshotRecord> {
    validateRef(ref);
    await this.#ready(options);
    if (!(await this.db.fetchValue('SELECT 1 FROM repos WHERE repo_id = $1', [ref.repoId], options))) {
      throw new NotFoundError(`unknown repository "${ref.repoId}": upsertRepo first`, { component: 'catalog' });
    }
    const row = await this.db.fetchRow<SnapshotRow>(
      `INSERT INTO snapshots (repo_id, snapshot_id, status, commit_sha, base_snapshot_id, stats) VALUES ($1, $2, 'indexing', $3, $4, $5::jsonb)
       ON CONFLICT (repo_id, snapshot_id) DO UPDATE SET status = 'indexing', commit_sha = EXCLUDED.commit_sha,
         base_snapshot_id = EXCLUDED.base_snapshot_id, created_at = now(), finished_at = NULL, error = NULL, stats = EXCLUDED.stats
       RETURNING ${SNAPSHOT_COLUMNS}`,
      [ref.repoId, ref.snapshotId, ref.commit ?? null, ref.baseSnapshotId ?? null, JSON.stringify(ref.stats ?? {})],
      options,
    );
    return snapshot(row!);
  }

  async finishSnapshot(
    ref: SnapshotRef,
    result: { status: Exclude<SnapshotStatus, 'indexing'>; error?: string | null; stats?: Record<string, unknown> },
    options?: CallOptions,
  ): Promise<SnapshotRecord> {
    await this.#ready(options);
    const row = await this.db.fetchRow<SnapshotRow>(
      `UPDATE snapshots SET status = $3, error = $4, stats = $5::jsonb, finished_at = clock_timestamp()
       WHERE repo_id = $1 AND snapshot_id = $2 AND status = 'indexing' RETURNING ${SNAPSHOT_COLUMNS}`,
      [ref.repoId, ref.snapshotId, result.status, result.error ?? null, JSON.stringify(result.stats ?? {})],
      options,
    );
    if (row) {
      // The snapshot's rows are all written: without fresh statistics the planner takes a new
      // snapshot for one row and reads all of it in the plans of the searches that follow, and
      // GIN indexes answer from an unsorted pending list until it is merged (PGlite never vacuums).
      if (result.status === 'ready') {
        await refreshSnapshotStatistics(this.db, ref, options);
        await flushGinPendingLists(this.db, options);
        if (this.db.backend === 'embedded') await checkpointIfWalOver(this.db, undefined, options);
      }
      return snapshot(row);
    }
    const existing = await this.getSnapshot(ref, options);
    if (!existing) throw new NotFoundError(`unknown snapshot ${ref.repoId}@${ref.snapshotId}`, { component: 'catalog' });
    throw new ConflictError(`snapshot ${ref.repoId}@${ref.snapshotId} is already ${existing.status}`, { component: 'catalog' });
  }

  async touchSnapshot(ref: SnapshotRef, options?: CallOptions): Promise<SnapshotRecord> {
    await this.#ready(options);
    // (later than every other snapshot of the repository, even one finished this microsecond)
    const row = await this.db.fetchRow<SnapshotRow>(
      `UPDATE snapshots SET finished_at = greatest(clock_timestamp(), (SELECT max(finished_at) + interval '1 microsecond' FROM snapshots WHERE repo_id = $1))
       WHERE repo_id = $1 AND snapshot_id = $2 AND status = 'ready' RETURNING ${SNAPSHOT_COLUMNS}`,
      [ref.repoId, ref.snapshotId],
      options,
    );
    if (row) return snapshot(row);
    const existing = await this.getSnapshot(ref, options);
    if (!existing) throw new NotFoundError(`unknown snapshot ${ref.repoId}@${ref.snapshotId}`, { component: 'catalog' });
    throw new ConflictError(`snapshot ${ref.repoId}@${ref.snapshotId} is ${existing.status}, not ready`, { component: 'catalog' });
  }

  async retireSnapshot(ref: SnapshotRef, error: string, options?: CallOptions): Promise<void> {
    await this.#ready(options);
    await this.db.execute(`UPDATE snapshots SET status = 'failed', error = $3 WHERE repo_id = $1 AND snapshot_id = $2 AND status = 'ready'`, [ref.repoId, ref.snapshotId, error], options);
  }

  async getSnapshot(ref: SnapshotRef, options?: CallOptions): Promise<SnapshotRecord | null> {
    await this.#ready(options);
    const row = await this.db.fetchRow<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE repo_id = $1 AND snapshot_id = $2`, [ref.repoId, ref.snapshotId], options);
    return row ? snapshot(row) : null;
  }

  async listSnapshots(repoId: string, options?: CallOptions): Promise<SnapshotRecord[]> {
    await this.#ready(options);
    const rows = await this.db.fetch<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE repo_id = $1 ORDER BY created_at DESC, snapshot_id DESC`, [repoId], options);
    return rows.map(snapshot);
  }

  async latestReadySnapshot(repoId: string, options?: CallOptions): Promise<SnapshotRecord | null> {
    await this.#ready(options);
    const row = await this.db.fetchRow<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE repo_id = $1 AND status = 'ready' ORDER BY finished_at DESC LIMIT 1`,
      [repoId],
      options,
    );
    return row ? snapshot(row) : null;
  }

  async deleteSnapshot(ref: SnapshotRef, options?: CallOptions): Promise<void> {
    await this.#ready(options);
    // Its files first (and the text only they used): a snapshot begun again under this id starts empty.
    await dropSnapshotFiles(this.db, ref.repoId, ref.snapshotId, options);
    await this.db.execute('DELETE FROM snapshots WHERE repo_id = $1 AND snapshot_id = $2', [ref.repoId, ref.snapshotId], options);
    await this.#reclaim(options);
  }

  /**
   * On PGlite, which never vacuums or checkpoints on its own, makes the rows a deleted snapshot
   * left behind reusable (the indexer deletes a snapshot from every index and store before the
   * catalog, so this comes last) and bounds the WAL; a server's autovacuum and checkpointer do
   * both there.
   */
  async #reclaim(options?: CallOptions): Promise<void> {
    if (this.db.backend !== 'embedded') return;
    await vacuumSnapshotTables(this.db, options);
    await checkpointIfWalOver(this.db, undefined, options);
  }

  async saveFiles(ref: SnapshotRef, files: readonly SourceFile[], options?: CallOptions): Promise<number> {
    files.forEach(validateFile);
    if (files.length === 0) return 0;
    await this.#ready(options);
    return this.db.transaction(async (tx) => {
      const exists = await tx.fetchValue('SELECT 1 FROM snapshots WHERE repo_id = $1 AND snapshot_id = $2', [ref.repoId, ref.snapshotId], options);
      if (!exists) throw new NotFoundError(`unknown snapshot ${ref.repoId}@${ref.snapshotId}: beginSnapshot first`, { component: 'catalog' });
      return upsertSnapshotFiles(tx, ref, files, options);
    }, options);
  }

  async deleteFiles(ref: SnapshotRef, paths: readonly string[], options?: CallOptions): Promise<number> {
    if (paths.length === 0) return 0;
    await this.#ready(options);
    return this.db.transaction((tx) => removeSnapshotFiles(tx, ref, paths, options), options);
  }

  async copyFiles(from: SnapshotRef, to: SnapshotRef, except: readonly string[], options?: CallOptions): Promise<number> {
    await this.#ready(options);
    return this.db.transaction((tx) => copySnapshotFiles(tx, from, to, except, options), options);
  }

  async updateModifiedTimes(ref: SnapshotRef, times: readonly { path: string; modifiedMs: number | null }[], options?: CallOptions): Promise<number> {
    times.forEach((t, i) => validateModifiedMs(t.modifiedMs, `time #${i} (${t.path})`));
    if (times.length === 0) return 0;
    await this.#ready(options);
    return this.db.transaction((tx) => setSnapshotFileTimes(tx, ref, times, options), options);
  }

  async getFile(ref: SnapshotRef, path: string, options?: CallOptions): Promise<SourceFile | null> {
    return (await this.getFiles(ref, [path], options))[0] ?? null;
  }

  async getFiles(ref: SnapshotRef, paths: readonly string[], options?: CallOptions): Promise<SourceFile[]> {
    if (paths.length === 0) return [];
    await this.#ready(options);
    const rows = await this.db.fetch<FileRow & { content: string }>(
      `SELECT f.file_path, f.language, f.content_hash, f.size_bytes, f.line_count, f.modified_ms, c.content
       FROM files f JOIN file_contents c USING (content_hash)
       WHERE f.repo_id = $1 AND f.snapshot_id = $2 AND f.file_path = ANY($3::text[])`,
      [ref.repoId, ref.snapshotId, [...paths]],
      options,
    );
    const byPath = new Map(rows.map((r) => [r.file_path, { ...fileInfo(r), content: r.content }]));
    return paths.flatMap((p) => {
      const f = byPath.get(p);
      return f ? [f] : [];
    });
  }

  /**
   * Reads the requested lines from `lexical_segments` (file text cut into ~2 KB runs of whole
   * lines as the text is stored), so a few lines of a large file cost a few kilobytes
   * instead of the whole file.
   */
  async getFileLines(ref: SnapshotRef, ranges: readonly FileLineRange[], options?: CallOptions & { maxLineChars?: number }): Promise<(FileLines | null)[]> {
    if (ranges.length === 0) return [];
    const maxLineChars = lineCharLimit(options?.maxLineChars);
    await this.#ready(options);
    // The segments of each range: the one holding its first line, through its last line. Both
    // bounds are index conditions (a LATERAL subquery, not a join filter), so a big file reads
    // the segments asked for, not all of its own; with maxLineChars, only the windows of a long
    // line that start within it.
    const rows = await this.db.fetch<{ ord: string; content_hash: string; start_line: number | null; start_column: number | null; text: string | null }>(
      `SELECT q.ord, f.content_hash, s.start_line, s.start_column, s.text
       FROM unnest($3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS q(path, first_line, last_line, ord)
       JOIN files f ON f.repo_id = $1 AND f.snapshot_id = $2 AND f.file_path = q.path
       LEFT JOIN LATERAL (
         SELECT max(x.start_line) AS from_line FROM lexical_segments x
         WHERE x.content_hash = f.content_hash AND x.start_line <= q.first_line
       ) m ON true
       LEFT JOIN LATERAL (
         SELECT y.start_line, y.start_column, y.text FROM lexical_segments y
         WHERE y.content_hash = f.content_hash AND y.start_line >= m.from_line AND y.start_line <= q.last_line AND y.start_column < $6
       ) s ON true
       ORDER BY q.ord, s.start_line, s.start_column`,
      [ref.repoId, ref.snapshotId, ranges.map((r) => r.path), ranges.map((r) => Math.max(1, r.startLine)), ranges.map((r) => r.endLine), Math.min(maxLineChars, 2 ** 31 - 1)],
      options,
    );
    const answers: (FileLines | null)[] = ranges.map(() => null);
    const segments = new Map<number, { start_line: number; start_column: number; text: string }[]>();
    for (const r of rows) {
      const i = Number(r.ord) - 1;
      answers[i] ??= { path: ranges[i]!.path, contentHash: r.content_hash, startLine: Math.max(1, ranges[i]!.startLine), lines: [] };
      if (r.text !== null) {
        const list = segments.get(i) ?? [];
        list.push({ start_line: Number(r.start_line), start_column: Number(r.start_column), text: r.text });
        segments.set(i, list);
      }
    }
    // An empty file has no segments (string_to_table('') is empty): it is one empty line.
    answers.forEach((a, i) => a && !segments.has(i) && a.startLine === 1 && a.lines.push(''));
    for (const [i, list] of segments) {
      const answer = answers[i]!;
      const end = ranges[i]!.endLine;
      const byLine = new Map<number, string>();
      for (let k = 0; k < list.length; k++) {
        const seg = list[k]!;
        const next = list[k + 1];
        if (next?.start_line === seg.start_line || seg.start_column > 0) {
          // Overlapping windows of one long line: each adds the text up to where the next starts.
          const part = next?.start_line === seg.start_line ? seg.text.slice(0, next.start_column - seg.start_column) : seg.text;
          byLine.set(seg.start_line, (byLine.get(seg.start_line) ?? '') + part);
          continue;
        }
        seg.text.split('\n').forEach((text, j) => byLine.set(seg.start_line + j, text));
      }
      for (let line = answer.startLine; line <= end && byLine.has(line); line++) {
        const text = byLine.get(line)!;
        answer.lines.push(text.length > maxLineChars ? text.slice(0, maxLineChars) : text);
      }
    }
    return answers;
  }

  async listFiles(ref: SnapshotRef, options?: CallOptions): Promise<SourceFileInfo[]> {
    await this.#ready(options);
    // One JSON document rather than a row per file: the driver decodes one value (10k files on
    // PGlite: 184-300 ms as rows, 67-86 ms as JSON; every incremental run starts with this read).
    const json = await this.db.fetchValue<string | null>(
      `SELECT json_agg(json_build_array(file_path, language, content_hash, size_bytes, line_count, modified_ms) ORDER BY file_path COLLATE "C")::text
       FROM files WHERE repo_id = $1 AND snapshot_id = $2`,
      [ref.repoId, ref.snapshotId],
      options,
    );
    const rows = json ? (JSON.parse(json) as [string, string | null, string, number, number, number | null][]) : [];
    return rows.map(([file_path, language, content_hash, size_bytes, line_count, modified_ms]) => fileInfo({ file_path, language, content_hash, size_bytes, line_count, modified_ms }));
  }

  async close(): Promise<void> {}
}
