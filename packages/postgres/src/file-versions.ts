import type { CallOptions } from '@trawl/core';
import type { PostgresQueryable } from './postgres-store.js';
import { SnapshotSpans } from './snapshot-spans.js';

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
 * keyed by (repo_id, file_path, content_hash), and which versions each snapshot has as
 * {@link SnapshotSpans} (a `gens` table numbering the snapshots of a repository, a `spans` table
 * with (repo_id, file_path, content_hash, from_gen, to_gen)). A one-file re-index built on the
 * newest snapshot closes one span and opens one, instead of copying one membership row per file.
 * Table names are the caller's constants, never user input.
 *
 * ```ts
 * const members = new FileVersionMembership({ rows: 'fuzzy_file_identifiers', gens: 'fuzzy_snapshot_gens', spans: 'fuzzy_file_spans' })
 * await members.derive(tx, repoId, baseSnapshotId, snapshotId, replacedPaths, versions)
 * ```
 */
export class FileVersionMembership {
  readonly #spans: SnapshotSpans<FileVersion>;

  constructor(
    readonly tables: { rows: string; gens: string; spans: string },
    batchSize = 2000,
  ) {
    this.#spans = new SnapshotSpans<FileVersion>({ gens: tables.gens, spans: tables.spans, columns: [{ name: 'content_hash', type: 'text' }] }, batchSize);
  }

  /**
   * Makes `versions` the whole membership of the snapshot (a full load; a snapshot that had one
   * is replaced). Run it in a transaction, after the versions' rows are written.
   */
  async replace(tx: PostgresQueryable, repoId: string, snapshotId: string, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    const dropped = await this.#spans.replace(tx, repoId, snapshotId, versions, options);
    await this.collect(tx, repoId, dropped, options);
  }

  /**
   * Makes the snapshot's membership the base's, without `replacedPaths`, plus `versions` (an
   * incremental run; a snapshot that had one is replaced). Returns how many versions were carried
   * over from the base; a base without membership carries nothing. Run it in a transaction,
   * after the versions' rows are written.
   */
  async derive(
    tx: PostgresQueryable,
    repoId: string,
    baseSnapshotId: string,
    snapshotId: string,
    replacedPaths: readonly string[],
    versions: readonly FileVersion[],
    options?: CallOptions,
  ): Promise<number> {
    const dropped = await this.#spans.drop(tx, repoId, snapshotId, options);
    const carried = await this.#spans.derive(tx, repoId, baseSnapshotId, snapshotId, replacedPaths, options);
    await this.#spans.put(tx, repoId, snapshotId, versions, options);
    await this.collect(tx, repoId, dropped, options);
    return carried;
  }

  /**
   * Removes one snapshot (its membership and the versions no other snapshot has) or a whole
   * repository. Run it in a transaction.
   */
  async deleteRepo(tx: PostgresQueryable, repoId: string, snapshotId?: string, options?: CallOptions): Promise<void> {
    if (snapshotId === undefined) {
      await this.#spans.dropRepo(tx, repoId, options);
      await tx.execute(`DELETE FROM ${this.tables.rows} WHERE repo_id = $1`, [repoId], options);
      return;
    }
    await this.collect(tx, repoId, (await this.#spans.drop(tx, repoId, snapshotId, options)), options);
  }

  /** Deletes the rows of those file versions no span has any more. */
  async collect(tx: PostgresQueryable, repoId: string, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    if (!versions.length) return;
    await tx.execute(
      `DELETE FROM ${this.tables.rows} r
       USING unnest($2::text[], $3::text[]) AS v(file_path, content_hash)
       WHERE r.repo_id = $1 AND r.file_path = v.file_path AND r.content_hash = v.content_hash
         AND NOT EXISTS (SELECT 1 FROM ${this.tables.spans} m WHERE m.repo_id = $1 AND m.file_path = v.file_path AND m.content_hash = v.content_hash)`,
      [repoId, versions.map((v) => v.file_path), versions.map((v) => v.content_hash)],
      options,
    );
  }
}
