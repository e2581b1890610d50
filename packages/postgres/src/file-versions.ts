import type { CallOptions } from '@trawl/core';
import { carryOverSnapshotRows } from './carry-over.js';
import type { PostgresQueryable } from './postgres-store.js';

/** A file of a snapshot as tables shared by file version key it. */
export interface FileVersion {
  file_path: string;
  content_hash: string;
}

/**
 * The file versions a write covers: every file given (so a file without rows is still a
 * member), plus any path the rows name that no file does (content hash '').
 */
export function fileVersions(files: readonly { path: string; contentHash: string }[], rows: readonly { file_path: string }[]): FileVersion[] {
  const out = new Map(files.map((f) => [f.path, f.contentHash]));
  for (const r of rows) if (!out.has(r.file_path)) out.set(r.file_path, '');
  return [...out].map(([file_path, content_hash]) => ({ file_path, content_hash }));
}

/**
 * The membership side of an index whose rows are stored once per file version: a `rows` table
 * keyed by (repo_id, file_path, content_hash) and a `membership` table listing the versions each
 * snapshot has (repo_id, snapshot_id, file_path, content_hash). A one-file re-index copies
 * membership rows, not the rows and their index entries. Table names are the caller's
 * constants, never user input.
 *
 * ```ts
 * const members = new FileVersionMembership({ rows: 'fuzzy_file_identifiers', membership: 'fuzzy_snapshot_files' })
 * const dropped = await members.drop(tx, repoId, snapshotId)
 * ```
 */
export class FileVersionMembership {
  constructor(
    readonly tables: { rows: string; membership: string },
    readonly batchSize = 2000,
  ) {}

  /** Removes a snapshot's membership rows; returns the versions it had (candidates for {@link collect}). */
  drop(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<FileVersion[]> {
    return tx.fetch<FileVersion>(`DELETE FROM ${this.tables.membership} WHERE repo_id = $1 AND snapshot_id = $2 RETURNING file_path, content_hash`, [repoId, snapshotId], options);
  }

  async add(tx: PostgresQueryable, repoId: string, snapshotId: string, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    for (let i = 0; i < versions.length; i += this.batchSize) {
      const batch = versions.slice(i, i + this.batchSize);
      await tx.execute(
        `INSERT INTO ${this.tables.membership} (repo_id, snapshot_id, file_path, content_hash)
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[])
         ON CONFLICT (repo_id, snapshot_id, file_path) DO UPDATE SET content_hash = EXCLUDED.content_hash`,
        [repoId, snapshotId, batch.map((v) => v.file_path), batch.map((v) => v.content_hash)],
        options,
      );
    }
  }

  /** Copies the base snapshot's membership rows, except the listed paths; returns how many. */
  carryOver(tx: PostgresQueryable, repoId: string, fromSnapshotId: string, toSnapshotId: string, exceptPaths: readonly string[], options?: CallOptions): Promise<number> {
    return carryOverSnapshotRows(tx, { table: this.tables.membership, columns: ['file_path', 'content_hash'], repoId, fromSnapshotId, toSnapshotId, exceptPaths }, options);
  }

  /**
   * Removes one snapshot (its membership and the versions only it had) or a whole repository.
   * Run it in a transaction.
   */
  async deleteRepo(tx: PostgresQueryable, repoId: string, snapshotId?: string, options?: CallOptions): Promise<void> {
    const { rows, membership } = this.tables;
    if (snapshotId === undefined) {
      await tx.execute(`DELETE FROM ${membership} WHERE repo_id = $1`, [repoId], options);
      await tx.execute(`DELETE FROM ${rows} WHERE repo_id = $1`, [repoId], options);
      return;
    }
    // The versions only this snapshot has go first (no membership rows travel to the client).
    // They are found first (fenced), then their rows: checked per row instead, the other
    // snapshots' membership was probed once per stored row, not once per file.
    await tx.execute(
      `DELETE FROM ${rows} r USING (
         SELECT m.file_path, m.content_hash FROM ${membership} m
         WHERE m.repo_id = $1 AND m.snapshot_id = $2
           AND NOT EXISTS (SELECT 1 FROM ${membership} o WHERE o.repo_id = $1 AND o.file_path = m.file_path AND o.content_hash = m.content_hash AND o.snapshot_id <> $2)
         OFFSET 0) d
       WHERE r.repo_id = $1 AND r.file_path = d.file_path AND r.content_hash = d.content_hash`,
      [repoId, snapshotId],
      options,
    );
    await tx.execute(`DELETE FROM ${membership} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options);
  }

  /** Deletes the rows of those file versions no snapshot has any more. */
  async collect(tx: PostgresQueryable, repoId: string, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    if (!versions.length) return;
    await tx.execute(
      `DELETE FROM ${this.tables.rows} r
       USING unnest($2::text[], $3::text[]) AS v(file_path, content_hash)
       WHERE r.repo_id = $1 AND r.file_path = v.file_path AND r.content_hash = v.content_hash
         AND NOT EXISTS (SELECT 1 FROM ${this.tables.membership} m WHERE m.repo_id = $1 AND m.file_path = v.file_path AND m.content_hash = v.content_hash)`,
      [repoId, versions.map((v) => v.file_path), versions.map((v) => v.content_hash)],
      options,
    );
  }
}
