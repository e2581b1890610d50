import { throwIfAborted, type CallOptions, type SnapshotRef, type SourceFile } from '@trawl/core';
import type { PostgresQueryable } from './postgres-store.js';

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

/**
 * Writes files of a snapshot into `files`, their text into `file_contents` once per content hash.
 * Shared by the catalog store and the trigram lexical index, which both own these rows in some
 * setups. Run it inside a transaction; callers validate the files first. Returns rows written.
 */
export async function upsertSnapshotFiles(tx: PostgresQueryable, ref: SnapshotRef, files: readonly SourceFile[], options?: CallOptions): Promise<number> {
  let written = 0;
  for (const batch of batches(files)) {
    throwIfAborted(options?.signal, 'postgres');
    await tx.execute(
      `INSERT INTO file_contents (content_hash, content) SELECT DISTINCT ON (h) h, c FROM unnest($1::text[], $2::text[]) AS t(h, c)
       ON CONFLICT (content_hash) DO NOTHING`,
      [batch.map((f) => f.contentHash), batch.map((f) => f.content)],
      options,
    );
    written += await tx.execute(
      `INSERT INTO files (repo_id, snapshot_id, file_path, content_hash, language, size_bytes, line_count, modified_ms)
       SELECT $1, $2, p, h, l, s, lc, m FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::float8[]) AS t(p, h, l, s, lc, m)
       ON CONFLICT (repo_id, snapshot_id, file_path) DO UPDATE SET content_hash = EXCLUDED.content_hash, language = EXCLUDED.language,
         size_bytes = EXCLUDED.size_bytes, line_count = EXCLUDED.line_count, modified_ms = EXCLUDED.modified_ms`,
      [
        ref.repoId,
        ref.snapshotId,
        batch.map((f) => f.path),
        batch.map((f) => f.contentHash),
        batch.map((f) => f.language),
        batch.map((f) => f.sizeBytes),
        batch.map((f) => f.lineCount),
        batch.map((f) => f.modifiedMs ?? null),
      ],
      options,
    );
  }
  return written;
}
