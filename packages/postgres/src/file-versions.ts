import type { CallOptions } from '@trawl/core';
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

/** The `to_gen` of a span that is still open: its version belongs to every later generation until replaced. */
const OPEN = 2147483647;

/**
 * The membership side of an index whose rows are stored once per file version: a `rows` table
 * keyed by (repo_id, file_path, content_hash), a `gens` table numbering each snapshot of a
 * repository (repo_id, snapshot_id, gen), and a `spans` table saying which generations have each
 * version (repo_id, file_path, content_hash, from_gen, to_gen: every generation in
 * [from_gen, to_gen)). A snapshot's membership is the spans that cover its generation.
 *
 * A snapshot derived from the newest one (a one-file re-index) takes the next generation, closes
 * the spans of the files it replaces and opens spans for their new versions: its cost is the
 * changed files, not the repository (the old layout copied one membership row per file per run).
 * A snapshot derived from an older one, or loaded in full, closes every open span and opens its
 * own. Dropping the newest snapshot undoes its step exactly (a failed or re-run snapshot);
 * dropping an older one deletes the spans no remaining generation falls in. Writes to one
 * repository take a transaction-scoped advisory lock, so generations are handed out one at a
 * time. Table names are the caller's constants, never user input.
 *
 * ```ts
 * const members = new FileVersionMembership({ rows: 'fuzzy_file_identifiers', gens: 'fuzzy_snapshot_gens', spans: 'fuzzy_file_spans' })
 * await members.derive(tx, repoId, baseSnapshotId, snapshotId, replacedPaths, versions)
 * ```
 */
export class FileVersionMembership {
  constructor(
    readonly tables: { rows: string; gens: string; spans: string },
    readonly batchSize = 2000,
  ) {}

  /**
   * Makes `versions` the whole membership of the snapshot (a full load; a snapshot that had one
   * is replaced). Run it in a transaction, after the versions' rows are written.
   */
  async replace(tx: PostgresQueryable, repoId: string, snapshotId: string, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    const { spans } = this.tables;
    await this.#lock(tx, repoId, options);
    const dropped = await this.#drop(tx, repoId, snapshotId, options);
    const gen = await this.#next(tx, repoId, snapshotId, options);
    await tx.execute(`UPDATE ${spans} SET to_gen = $2 WHERE repo_id = $1 AND to_gen = ${OPEN}`, [repoId, gen], options);
    await this.#open(tx, repoId, gen, versions, options);
    await this.collect(tx, repoId, dropped, options);
  }

  /**
   * Makes the snapshot's membership the base's, without `replacedPaths`, plus `versions` (an
   * incremental run; a snapshot that had one is replaced). Returns how many versions were carried
   * over from the base. A base without membership carries nothing. Run it in a transaction,
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
    const { spans } = this.tables;
    await this.#lock(tx, repoId, options);
    const dropped = await this.#drop(tx, repoId, snapshotId, options);
    const base = await this.#genOf(tx, repoId, baseSnapshotId, options);
    const head = await this.#head(tx, repoId, options);
    const gen = await this.#next(tx, repoId, snapshotId, options);
    let carried: number;
    if (base !== null && base === head) {
      // The base is the newest generation: its open spans are its membership.
      await tx.execute(`UPDATE ${spans} SET to_gen = $2 WHERE repo_id = $1 AND to_gen = ${OPEN} AND file_path = ANY($3::text[])`, [repoId, gen, [...replacedPaths]], options);
      carried = (await tx.fetchValue<number>(`SELECT count(*)::int FROM ${spans} WHERE repo_id = $1 AND to_gen = ${OPEN}`, [repoId], options)) ?? 0;
    } else {
      // Built on an older snapshot (or none): the newest one's spans end here, the base's are copied.
      await tx.execute(`UPDATE ${spans} SET to_gen = $2 WHERE repo_id = $1 AND to_gen = ${OPEN}`, [repoId, gen], options);
      carried =
        base === null
          ? 0
          : await tx.execute(
              `INSERT INTO ${spans} (repo_id, file_path, content_hash, from_gen)
               SELECT repo_id, file_path, content_hash, $2 FROM ${spans}
               WHERE repo_id = $1 AND from_gen <= $3 AND to_gen > $3 AND NOT (file_path = ANY($4::text[]))`,
              [repoId, gen, base, [...replacedPaths]],
              options,
            );
    }
    await this.#open(tx, repoId, gen, versions, options);
    await this.collect(tx, repoId, dropped, options);
    return carried;
  }

  /**
   * Removes one snapshot (its membership and the versions no other snapshot has) or a whole
   * repository. Run it in a transaction.
   */
  async deleteRepo(tx: PostgresQueryable, repoId: string, snapshotId?: string, options?: CallOptions): Promise<void> {
    const { rows, gens, spans } = this.tables;
    await this.#lock(tx, repoId, options);
    if (snapshotId === undefined) {
      await tx.execute(`DELETE FROM ${spans} WHERE repo_id = $1`, [repoId], options);
      await tx.execute(`DELETE FROM ${gens} WHERE repo_id = $1`, [repoId], options);
      await tx.execute(`DELETE FROM ${rows} WHERE repo_id = $1`, [repoId], options);
      return;
    }
    await this.collect(tx, repoId, await this.#drop(tx, repoId, snapshotId, options), options);
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

  /** One writer per repository and table set at a time (generations are handed out in order). */
  async #lock(tx: PostgresQueryable, repoId: string, options?: CallOptions): Promise<void> {
    await tx.execute('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [this.tables.spans, repoId], options);
  }

  async #genOf(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<number | null> {
    return (await tx.fetchValue<number>(`SELECT gen FROM ${this.tables.gens} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options)) ?? null;
  }

  async #head(tx: PostgresQueryable, repoId: string, options?: CallOptions): Promise<number | null> {
    return (await tx.fetchValue<number>(`SELECT max(gen) FROM ${this.tables.gens} WHERE repo_id = $1`, [repoId], options)) ?? null;
  }

  /** Numbers the snapshot after the newest one; returns its generation. */
  async #next(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<number> {
    const gen = (await tx.fetchValue<number>(
      `INSERT INTO ${this.tables.gens} (repo_id, snapshot_id, gen)
       SELECT $1, $2, COALESCE(max(gen), 0) + 1 FROM ${this.tables.gens} WHERE repo_id = $1
       RETURNING gen`,
      [repoId, snapshotId],
      options,
    ))!;
    if (gen >= OPEN) throw new Error(`${this.tables.gens}: generation numbers of repository ${repoId} are used up; delete the repository from the index and load it again`);
    return gen;
  }

  /** Opens spans for `versions` from generation `gen` on. */
  async #open(tx: PostgresQueryable, repoId: string, gen: number, versions: readonly FileVersion[], options?: CallOptions): Promise<void> {
    for (let i = 0; i < versions.length; i += this.batchSize) {
      const batch = versions.slice(i, i + this.batchSize);
      await tx.execute(
        `INSERT INTO ${this.tables.spans} (repo_id, file_path, content_hash, from_gen)
         SELECT $1, p, h, $2 FROM unnest($3::text[], $4::text[]) AS t(p, h)`,
        [repoId, gen, batch.map((v) => v.file_path), batch.map((v) => v.content_hash)],
        options,
      );
    }
  }

  /**
   * Removes the snapshot's generation; returns the versions whose spans went (candidates for
   * {@link collect}). Dropping the newest generation steps back to the one before it: the spans
   * only later generations had go, and the ones that generation has open again (so a re-run or a
   * failed snapshot leaves no trace). An older one takes the closed spans no remaining
   * generation falls in.
   */
  async #drop(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<FileVersion[]> {
    const { gens, spans } = this.tables;
    const gen = await this.#genOf(tx, repoId, snapshotId, options);
    if (gen === null) return [];
    const head = await this.#head(tx, repoId, options);
    await tx.execute(`DELETE FROM ${gens} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options);
    if (gen === head) {
      const before = (await this.#head(tx, repoId, options)) ?? 0;
      const dropped = await tx.fetch<FileVersion>(`DELETE FROM ${spans} WHERE repo_id = $1 AND from_gen > $2 RETURNING file_path, content_hash`, [repoId, before], options);
      await tx.execute(`UPDATE ${spans} SET to_gen = ${OPEN} WHERE repo_id = $1 AND to_gen < ${OPEN} AND to_gen > $2`, [repoId, before], options);
      return dropped;
    }
    return tx.fetch<FileVersion>(
      `DELETE FROM ${spans} m
       WHERE m.repo_id = $1 AND m.to_gen < ${OPEN} AND m.from_gen <= $2 AND m.to_gen > $2
         AND NOT EXISTS (SELECT 1 FROM ${gens} o WHERE o.repo_id = $1 AND o.gen >= m.from_gen AND o.gen < m.to_gen)
       RETURNING m.file_path, m.content_hash`,
      [repoId, gen],
      options,
    );
  }
}
