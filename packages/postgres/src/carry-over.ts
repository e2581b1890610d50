import type { CallOptions } from '@trawl/core';
import type { PostgresQueryable } from './postgres-store.js';

export interface CarryOverRows {
  /** Table keyed by (repo_id, snapshot_id, ..., file_path). Trusted identifier, never user input. */
  table: string;
  /** Every column to copy besides repo_id and snapshot_id (trusted identifiers). */
  columns: readonly string[];
  repoId: string;
  fromSnapshotId: string;
  toSnapshotId: string;
  /** Files replaced or deleted in the new snapshot: their rows are not carried over. */
  exceptPaths: readonly string[];
}

/**
 * Copies the rows of every unchanged file from a base snapshot into a new one, in SQL: the
 * incremental-indexing step every PostgreSQL-backed index shares. Returns how many rows moved.
 *
 * ```ts
 * await carryOverSnapshotRows(tx, { table: 'vector_chunks', columns, repoId, fromSnapshotId: base, toSnapshotId: next, exceptPaths: changed })
 * ```
 */
export function carryOverSnapshotRows(db: PostgresQueryable, rows: CarryOverRows, options?: CallOptions): Promise<number> {
  const cols = rows.columns.join(', ');
  return db.execute(
    `INSERT INTO ${rows.table} (repo_id, snapshot_id, ${cols})
     SELECT repo_id, $2, ${cols} FROM ${rows.table}
     WHERE repo_id = $1 AND snapshot_id = $3 AND NOT (file_path = ANY($4::text[]))`,
    [rows.repoId, rows.toSnapshotId, rows.fromSnapshotId, [...rows.exceptPaths]],
    options,
  );
}
