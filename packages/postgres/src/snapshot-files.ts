import { throwIfAborted, type CallOptions, type SnapshotRef, type SourceFile } from '@trawl/core';
import type { PostgresQueryable, PostgresStore } from './postgres-store.js';
import { lexicalSegments } from './lexical-segments.js';
import { SnapshotSpans } from './snapshot-spans.js';

// A statement carries at most this many files or this much text, whichever comes first: file
// contents go up to 1 MiB each, and one oversized statement would hold all of them in memory twice.
const FILE_BATCH = 2000;
const BATCH_CHARS = 16 * 1024 * 1024;

function* batches(files: readonly SourceFile[]): Generator<SourceFile[]> {
  let batch: SourceFile[] = [];
  let chars = 0;
  for (const f of files) {
    if (batch.length && (batch.length >= FILE_BATCH || chars + f.content.length > BATCH_CHARS)) {
      yield batch;
      batch = [];
      chars = 0;
    }
    batch.push(f);
    chars += f.content.length;
  }
  if (batch.length) yield batch;
}

/** A file's row in a snapshot, as `file_spans` and the `files` view hold it. */
export interface FileSpanRow {
  file_path: string;
  content_hash: string;
  language: string | null;
  size_bytes: number;
  line_count: number;
  modified_ms: number | null;
}

/** The files of each snapshot (migration 0015): spans of generations, read through the `files` view. */
export const FILE_SPANS = new SnapshotSpans<FileSpanRow>(
  {
    gens: 'file_snapshot_gens',
    spans: 'file_spans',
    columns: [
      { name: 'content_hash', type: 'text' },
      { name: 'language', type: 'text' },
      { name: 'size_bytes', type: 'int' },
      { name: 'line_count', type: 'int' },
      { name: 'modified_ms', type: 'float8' },
    ],
  },
  FILE_BATCH,
);

const FILE_COLUMNS = 'file_path, content_hash, language, size_bytes, line_count, modified_ms';

/**
 * Every writer of file rows holds this lock shared for its transaction, and the collection of
 * unused file text holds it exclusively: text a concurrent writer is about to reference is never
 * collected from under it (what a foreign key to `file_contents` guarded before migration 0015).
 */
async function holdContents(tx: PostgresQueryable, mode: 'shared' | 'exclusive', options?: CallOptions): Promise<void> {
  await tx.execute(`SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext('trawl.file_contents'))`, [], options);
}

/**
 * Writes files of a snapshot (each replacing the file its path had there), their text into
 * `file_contents` once per content hash. Shared by the catalog store and the trigram lexical
 * index, which both own these rows in some setups. Run it inside a transaction; callers validate
 * the files first. Returns rows written.
 */
export async function upsertSnapshotFiles(tx: PostgresQueryable, ref: SnapshotRef, files: readonly SourceFile[], options?: CallOptions): Promise<number> {
  await holdContents(tx, 'shared', options);
  for (const batch of batches(files)) {
    throwIfAborted(options?.signal, 'postgres');
    const added = await tx.fetch<{ content_hash: string }>(
      `INSERT INTO file_contents (content_hash, content) SELECT DISTINCT ON (h) h, c FROM unnest($1::text[], $2::text[]) AS t(h, c)
       ON CONFLICT (content_hash) DO NOTHING RETURNING content_hash`,
      [batch.map((f) => f.contentHash), batch.map((f) => f.content)],
      options,
    );
    await insertLexicalSegments(tx, batch, new Set(added.map((r) => r.content_hash)), options);
  }
  // (one row per path: the last one given wins, as an upsert of each in turn would)
  const rows = new Map<string, FileSpanRow>();
  for (const f of files) {
    rows.set(f.path, { file_path: f.path, content_hash: f.contentHash, language: f.language, size_bytes: f.sizeBytes, line_count: f.lineCount, modified_ms: f.modifiedMs ?? null });
  }
  await FILE_SPANS.put(tx, ref.repoId, ref.snapshotId, [...rows.values()], options);
  return files.length;
}

/**
 * Inserts the lexical segments of the text just added to `file_contents` (`added`: its content
 * hashes; text already stored has its segments), cut in Node: migration 0007's trigger cut them
 * in SQL at about five times the cost (migration 0021). Every text is added once, by one writer,
 * so no segment can be there already.
 */
async function insertLexicalSegments(tx: PostgresQueryable, batch: readonly SourceFile[], added: ReadonlySet<string>, options?: CallOptions): Promise<void> {
  if (added.size === 0) return;
  const hashes: string[] = [];
  const lines: number[] = [];
  const columns: number[] = [];
  const texts: string[] = [];
  let chars = 0;
  const flush = async () => {
    if (!hashes.length) return;
    await tx.execute(
      'INSERT INTO lexical_segments (content_hash, start_line, start_column, text) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[])',
      [hashes, lines, columns, texts],
      options,
    );
    hashes.length = lines.length = columns.length = texts.length = chars = 0;
  };
  const pending = new Set(added); // (a text given twice in the batch is cut once)
  for (const f of batch) {
    if (!pending.delete(f.contentHash)) continue;
    for (const s of lexicalSegments(f.content)) {
      hashes.push(f.contentHash);
      lines.push(s.startLine);
      columns.push(s.startColumn);
      texts.push(s.text);
      chars += s.text.length;
    }
    if (chars >= BATCH_CHARS) await flush();
  }
  await flush();
}

/**
 * Gives `to` the files of `from` except `exceptPaths`; files `to` already has are left as they
 * are. A snapshot with no files yet built on the newest one shares its files (nothing is
 * copied). Run it inside a transaction. Returns how many files `to` gained.
 */
export async function copySnapshotFiles(tx: PostgresQueryable, from: SnapshotRef, to: SnapshotRef, exceptPaths: readonly string[], options?: CallOptions): Promise<number> {
  await holdContents(tx, 'shared', options);
  return FILE_SPANS.carryOver(tx, to.repoId, from.snapshotId, to.snapshotId, exceptPaths, options);
}

/** Removes `paths` from a snapshot's files; returns how many it had. Run it inside a transaction. */
export function removeSnapshotFiles(tx: PostgresQueryable, ref: SnapshotRef, paths: readonly string[], options?: CallOptions): Promise<number> {
  return FILE_SPANS.remove(tx, ref.repoId, ref.snapshotId, paths, options);
}

/**
 * Sets when files of a snapshot last changed on disk; other snapshots sharing a file keep their
 * time. Paths the snapshot lacks are ignored. Returns how many files changed. Run it inside a
 * transaction.
 */
export async function setSnapshotFileTimes(tx: PostgresQueryable, ref: SnapshotRef, times: readonly { path: string; modifiedMs: number | null }[], options?: CallOptions): Promise<number> {
  const wanted = new Map(times.map((t) => [t.path, t.modifiedMs]));
  const current = await tx.fetch<FileSpanRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE repo_id = $1 AND snapshot_id = $2 AND file_path = ANY($3::text[])`, [ref.repoId, ref.snapshotId, [...wanted.keys()]], options);
  const changed = current.filter((r) => (r.modified_ms === null ? null : Number(r.modified_ms)) !== wanted.get(r.file_path)).map((r) => ({ ...r, modified_ms: wanted.get(r.file_path)! }));
  await FILE_SPANS.put(tx, ref.repoId, ref.snapshotId, changed, options);
  return changed.length;
}

/**
 * Removes the files of one snapshot, or of every snapshot of a repository, then the text no file
 * uses any more (of the files removed; of all, for a repository). Runs its own transactions.
 */
export async function dropSnapshotFiles(db: PostgresStore, repoId: string, snapshotId: string | undefined, options?: CallOptions): Promise<void> {
  const hashes = await db.transaction(async (tx) => {
    if (snapshotId !== undefined) return [...new Set((await FILE_SPANS.drop(tx, repoId, snapshotId, options)).map((r) => r.content_hash))];
    await FILE_SPANS.dropRepo(tx, repoId, options);
    return undefined;
  }, options);
  if (hashes === undefined || hashes.length > 0) await collectFileContents(db, hashes, options);
}

/** Deletes the text (of the given hashes, or all) that no file of any snapshot uses. */
export async function collectFileContents(db: PostgresStore, hashes?: readonly string[], options?: CallOptions): Promise<void> {
  await db.transaction(async (tx) => {
    await holdContents(tx, 'exclusive', options);
    await tx.execute(
      `DELETE FROM file_contents fc WHERE ($1::text[] IS NULL OR fc.content_hash = ANY($1::text[]))
         AND NOT EXISTS (SELECT 1 FROM file_spans f WHERE f.content_hash = fc.content_hash)`,
      [hashes ? [...hashes] : null],
      options,
    );
  }, options);
}
