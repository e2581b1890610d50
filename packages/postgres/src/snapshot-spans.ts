import type { CallOptions } from '@trawl/core';
import type { PostgresQueryable } from './postgres-store.js';

/** The `to_gen` of a span that is still open: it reaches every later generation until replaced. */
export const OPEN_GEN = 2147483647;

/** A file's row in one snapshot: its path and the payload columns of a {@link SnapshotSpans} table. */
export interface SpanRow {
  file_path: string;
}

export interface SnapshotSpanTables {
  /** Numbers each snapshot of a repository: (repo_id, snapshot_id, gen), unique per repository. */
  gens: string;
  /** (repo_id, file_path, ...columns, from_gen, to_gen): the row a path has in generations [from_gen, to_gen). */
  spans: string;
  /** The payload columns, with the PostgreSQL type of each (for batched writes). */
  columns: readonly { name: string; type: string }[];
}

/**
 * Per-snapshot file rows stored as spans of generations instead of one row per file per
 * snapshot. Each snapshot of a repository gets a generation number when its first row is
 * written; a span says a path has one row (its payload columns) in every generation of
 * [from_gen, to_gen). A snapshot's rows are the spans covering its generation (a view joins the
 * two for readers).
 *
 * A snapshot derived from the newest one (a one-file re-index) closes the spans of the paths it
 * replaces and opens new ones: its writes are proportional to the change, where one row per file
 * per snapshot copied the whole repository each time. Writing to an older snapshot splits the
 * span it shares with others, so what one snapshot reads never changes under another. Dropping
 * the newest snapshot steps back to the one before it exactly; dropping an older one deletes the
 * spans no remaining generation falls in.
 *
 * Run every method in a transaction. Writes to one repository take a transaction-scoped advisory
 * lock, so generations are handed out one at a time. Table and column names are the caller's
 * constants, never user input.
 *
 * ```ts
 * const files = new SnapshotSpans({ gens: 'file_snapshot_gens', spans: 'file_spans', columns: [{ name: 'content_hash', type: 'text' }] })
 * await files.derive(tx, 'app', 'base', 'next', ['src/changed.ts'])
 * await files.put(tx, 'app', 'next', [{ file_path: 'src/changed.ts', content_hash: 'abc' }])
 * ```
 */
export class SnapshotSpans<Row extends SpanRow = SpanRow> {
  readonly #cols: string;

  constructor(
    readonly tables: SnapshotSpanTables,
    readonly batchSize = 2000,
  ) {
    this.#cols = tables.columns.map((c) => c.name).join(', ');
  }

  /** One writer per repository and table at a time (generations are handed out in order). */
  async lock(tx: PostgresQueryable, repoId: string, options?: CallOptions): Promise<void> {
    await tx.execute('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [this.tables.spans, repoId], options);
  }

  async genOf(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<number | null> {
    return (await tx.fetchValue<number>(`SELECT gen FROM ${this.tables.gens} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options)) ?? null;
  }

  async #head(tx: PostgresQueryable, repoId: string, options?: CallOptions): Promise<number | null> {
    return (await tx.fetchValue<number>(`SELECT max(gen) FROM ${this.tables.gens} WHERE repo_id = $1`, [repoId], options)) ?? null;
  }

  /** Numbers the snapshot after the newest one (it must have no generation); returns its generation. */
  async #next(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<number> {
    const gen = (await tx.fetchValue<number>(
      `INSERT INTO ${this.tables.gens} (repo_id, snapshot_id, gen)
       SELECT $1, $2, COALESCE(max(gen), 0) + 1 FROM ${this.tables.gens} WHERE repo_id = $1
       RETURNING gen`,
      [repoId, snapshotId],
      options,
    ))!;
    if (gen >= OPEN_GEN) throw new Error(`${this.tables.gens}: the generation numbers of repository ${repoId} are used up; delete the repository and index it again`);
    return gen;
  }

  /** Closes every open span at `gen`: the generations from `gen` on no longer inherit them. */
  async #closeAll(tx: PostgresQueryable, repoId: string, gen: number, options?: CallOptions): Promise<void> {
    await tx.execute(`UPDATE ${this.tables.spans} SET to_gen = $2 WHERE repo_id = $1 AND to_gen = ${OPEN_GEN}`, [repoId, gen], options);
  }

  /**
   * The snapshot's generation, numbered now (empty: the open spans are closed at it) when it has
   * none yet. `fresh` says it was.
   */
  async #ensure(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<{ gen: number; head: boolean; fresh: boolean }> {
    await this.lock(tx, repoId, options);
    const gen = await this.genOf(tx, repoId, snapshotId, options);
    if (gen !== null) return { gen, head: gen === (await this.#head(tx, repoId, options)), fresh: false };
    const next = await this.#next(tx, repoId, snapshotId, options);
    await this.#closeAll(tx, repoId, next, options);
    return { gen: next, head: true, fresh: true };
  }

  /**
   * Gives a snapshot without rows (none written since it was last dropped) the rows of `base`
   * except `replacedPaths`. Returns how many rows it got. Built on the newest snapshot, that
   * closes the replaced paths' spans and nothing else; on an older one (or a base with no rows),
   * the base's rows are copied.
   */
  async derive(tx: PostgresQueryable, repoId: string, baseSnapshotId: string, snapshotId: string, replacedPaths: readonly string[], options?: CallOptions): Promise<number> {
    const { spans } = this.tables;
    await this.lock(tx, repoId, options);
    if ((await this.genOf(tx, repoId, snapshotId, options)) !== null) {
      throw new Error(`${spans}: snapshot ${repoId}@${snapshotId} already has rows; drop it before deriving it again`);
    }
    const base = await this.genOf(tx, repoId, baseSnapshotId, options);
    const newest = await this.#head(tx, repoId, options);
    const gen = await this.#next(tx, repoId, snapshotId, options);
    if (base !== null && base === newest) {
      // The base is the newest generation: its open spans are its rows.
      await tx.execute(`UPDATE ${spans} SET to_gen = $2 WHERE repo_id = $1 AND to_gen = ${OPEN_GEN} AND file_path = ANY($3::text[])`, [repoId, gen, [...replacedPaths]], options);
      return (await tx.fetchValue<number>(`SELECT count(*)::int FROM ${spans} WHERE repo_id = $1 AND to_gen = ${OPEN_GEN}`, [repoId], options)) ?? 0;
    }
    await this.#closeAll(tx, repoId, gen, options);
    if (base === null) return 0;
    return tx.execute(
      `INSERT INTO ${spans} (repo_id, file_path, ${this.#cols}, from_gen)
       SELECT repo_id, file_path, ${this.#cols}, $2 FROM ${spans}
       WHERE repo_id = $1 AND from_gen <= $3 AND to_gen > $3 AND NOT (file_path = ANY($4::text[]))`,
      [repoId, gen, base, [...replacedPaths]],
      options,
    );
  }

  /**
   * Gives the snapshot the rows of `base` except `exceptPaths` and the paths it already has (those
   * keep their rows). Returns how many it gained. A snapshot without rows built on the newest one
   * shares them ({@link derive}); one that has rows gets the missing ones written ({@link put}).
   */
  async carryOver(tx: PostgresQueryable, repoId: string, baseSnapshotId: string, snapshotId: string, exceptPaths: readonly string[], options?: CallOptions): Promise<number> {
    await this.lock(tx, repoId, options);
    const gen = await this.genOf(tx, repoId, snapshotId, options);
    if (gen === null) return this.derive(tx, repoId, baseSnapshotId, snapshotId, exceptPaths, options);
    const base = await this.genOf(tx, repoId, baseSnapshotId, options);
    if (base === null) return 0;
    const { spans } = this.tables;
    const rows = await tx.fetch<Row>(
      `SELECT b.file_path, ${this.tables.columns.map((c) => `b.${c.name}`).join(', ')} FROM ${spans} b
       WHERE b.repo_id = $1 AND b.from_gen <= $2 AND b.to_gen > $2 AND NOT (b.file_path = ANY($4::text[]))
         AND NOT EXISTS (SELECT 1 FROM ${spans} t WHERE t.repo_id = $1 AND t.file_path = b.file_path AND t.from_gen <= $3 AND t.to_gen > $3)`,
      [repoId, base, gen, [...exceptPaths]],
      options,
    );
    await this.put(tx, repoId, snapshotId, rows, options);
    return rows.length;
  }

  /** Makes `rows` the snapshot's rows, replacing any it had. */
  async replace(tx: PostgresQueryable, repoId: string, snapshotId: string, rows: readonly Row[], options?: CallOptions): Promise<Row[]> {
    const dropped = await this.drop(tx, repoId, snapshotId, options);
    const { gen } = await this.#ensure(tx, repoId, snapshotId, options);
    await this.#insert(tx, repoId, gen, OPEN_GEN, rows, options);
    return dropped;
  }

  /**
   * Writes `rows` into the snapshot, each replacing the row its path had there (other paths keep
   * theirs). A row shared with other snapshots is split: they keep what they read.
   */
  async put(tx: PostgresQueryable, repoId: string, snapshotId: string, rows: readonly Row[], options?: CallOptions): Promise<void> {
    if (rows.length === 0) return;
    const at = await this.#ensure(tx, repoId, snapshotId, options);
    if (!at.fresh) await this.#cut(tx, repoId, at.gen, at.head, rows.map((r) => r.file_path), options);
    await this.#insert(tx, repoId, at.gen, at.head ? OPEN_GEN : at.gen + 1, rows, options);
  }

  /** Removes `paths` from the snapshot (other snapshots keep theirs); returns how many it had. */
  async remove(tx: PostgresQueryable, repoId: string, snapshotId: string, paths: readonly string[], options?: CallOptions): Promise<number> {
    if (paths.length === 0) return 0;
    await this.lock(tx, repoId, options);
    const gen = await this.genOf(tx, repoId, snapshotId, options);
    if (gen === null) return 0;
    return this.#cut(tx, repoId, gen, gen === (await this.#head(tx, repoId, options)), paths, options);
  }

  /**
   * Takes generation `gen` out of the spans of `paths` that cover it: the part before stays with
   * the older generations, the part after (when `gen` is not the newest) with the newer ones.
   * Returns how many spans covered it.
   */
  async #cut(tx: PostgresQueryable, repoId: string, gen: number, head: boolean, paths: readonly string[], options?: CallOptions): Promise<number> {
    const { spans } = this.tables;
    const key = [repoId, gen, [...new Set(paths)]];
    if (!head) {
      await tx.execute(
        `INSERT INTO ${spans} (repo_id, file_path, ${this.#cols}, from_gen, to_gen)
         SELECT repo_id, file_path, ${this.#cols}, $2 + 1, to_gen FROM ${spans}
         WHERE repo_id = $1 AND file_path = ANY($3::text[]) AND from_gen <= $2 AND to_gen > $2 + 1`,
        key,
        options,
      );
    }
    const starting = await tx.execute(`DELETE FROM ${spans} WHERE repo_id = $1 AND file_path = ANY($3::text[]) AND from_gen = $2`, key, options);
    const before = await tx.execute(`UPDATE ${spans} SET to_gen = $2 WHERE repo_id = $1 AND file_path = ANY($3::text[]) AND from_gen < $2 AND to_gen > $2`, key, options);
    return starting + before;
  }

  async #insert(tx: PostgresQueryable, repoId: string, from: number, to: number, rows: readonly Row[], options?: CallOptions): Promise<void> {
    const { columns } = this.tables;
    const arrays = columns.map((c, i) => `$${i + 5}::${c.type}[]`).join(', ');
    const names = columns.map((c) => c.name);
    for (let i = 0; i < rows.length; i += this.batchSize) {
      const batch = rows.slice(i, i + this.batchSize);
      await tx.execute(
        `INSERT INTO ${this.tables.spans} (repo_id, from_gen, to_gen, file_path, ${this.#cols})
         SELECT $1, $2, $3, * FROM unnest($4::text[], ${arrays})`,
        [repoId, from, to, batch.map((r) => r.file_path), ...names.map((n) => batch.map((r) => (r as unknown as Record<string, unknown>)[n] ?? null))],
        options,
      );
    }
  }

  /**
   * Removes the snapshot's generation; returns the rows whose spans went with it. The newest
   * generation steps back to the one before it: the spans only later generations had go, and the
   * ones that generation has open again (so a re-run or a failed snapshot leaves no trace). An
   * older one takes the closed spans no remaining generation falls in.
   */
  async drop(tx: PostgresQueryable, repoId: string, snapshotId: string, options?: CallOptions): Promise<Row[]> {
    const { gens, spans } = this.tables;
    await this.lock(tx, repoId, options);
    const gen = await this.genOf(tx, repoId, snapshotId, options);
    if (gen === null) return [];
    const head = await this.#head(tx, repoId, options);
    await tx.execute(`DELETE FROM ${gens} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options);
    if (gen === head) {
      const before = (await this.#head(tx, repoId, options)) ?? 0;
      const dropped = await tx.fetch<Row>(`DELETE FROM ${spans} WHERE repo_id = $1 AND from_gen > $2 RETURNING file_path, ${this.#cols}`, [repoId, before], options);
      await tx.execute(`UPDATE ${spans} SET to_gen = ${OPEN_GEN} WHERE repo_id = $1 AND to_gen < ${OPEN_GEN} AND to_gen > $2`, [repoId, before], options);
      return dropped;
    }
    return tx.fetch<Row>(
      `DELETE FROM ${spans} m
       WHERE m.repo_id = $1 AND m.to_gen < ${OPEN_GEN} AND m.from_gen <= $2 AND m.to_gen > $2
         AND NOT EXISTS (SELECT 1 FROM ${gens} o WHERE o.repo_id = $1 AND o.gen >= m.from_gen AND o.gen < m.to_gen)
       RETURNING m.file_path, ${this.tables.columns.map((c) => `m.${c.name}`).join(', ')}`,
      [repoId, gen],
      options,
    );
  }

  /** Removes every snapshot of a repository. */
  async dropRepo(tx: PostgresQueryable, repoId: string, options?: CallOptions): Promise<void> {
    await this.lock(tx, repoId, options);
    await tx.execute(`DELETE FROM ${this.tables.spans} WHERE repo_id = $1`, [repoId], options);
    await tx.execute(`DELETE FROM ${this.tables.gens} WHERE repo_id = $1`, [repoId], options);
  }
}
