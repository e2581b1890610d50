import type { CallOptions, SnapshotRef } from '@trawl/core';
import type { PostgresQueryable } from './postgres-store.js';

/**
 * Refreshes the planner's statistics on `(repo_id, snapshot_id)` of every table keyed by
 * snapshot (files, chunks, fuzzy identifiers, domain documents, ...), found in the catalog so
 * tables added later are covered too. Call it when a snapshot's rows are complete.
 *
 * Why: the planner estimates how many rows one snapshot has from these statistics. A snapshot
 * that did not exist at the last ANALYZE is estimated at one row, and the plans built on that
 * guess read every row of the snapshot (a lexical search then matched the text of every file
 * instead of using the trigram index: 2.5 s instead of 20 ms at 9k files). PGlite has no
 * autovacuum to fix this, and a server's comes too late for the first searches. Limiting
 * ANALYZE to the two key columns keeps it to a fraction of a second at 100k rows.
 *
 * With `snapshot`, a table is left alone when the planner's estimate for that snapshot is already
 * close: it holds at most 1000 rows there, or at most three times the estimate. An incremental
 * snapshot that shares its chunk rows with its base stores only its changed files' rows under its
 * own id, so re-sampling the whole chunks table for it bought nothing (~0.1 s of a 2.5 s one-file
 * re-index on PGlite at 110k chunks); its new file and link rows (thousands, estimated at one)
 * are analyzed. Returns the tables analyzed.
 *
 * ```ts
 * await refreshSnapshotStatistics(store, { repoId: 'app', snapshotId: 'abc' })
 * ```
 */
export async function refreshSnapshotStatistics(db: PostgresQueryable, snapshot?: SnapshotRef, options?: CallOptions): Promise<string[]> {
  const analyzed: string[] = [];
  const tables = await snapshotTables(db, options);
  for (const { name } of tables.filter((t) => t.keyed)) {
    const table = quoteIdent(name);
    if (snapshot) {
      const where = 'repo_id = $1 AND snapshot_id = $2';
      const key = [snapshot.repoId, snapshot.snapshotId];
      // (planned with the values bound, as the searches' statements are)
      const estimate = await planRows(db, `SELECT 1 FROM ${table} WHERE ${where}`, key, options);
      const close = Math.max(CLOSE_ENOUGH_ROWS, 3 * estimate);
      // (counts one past what is close enough: a snapshot's 10k rows are not counted to the end)
      const held = await db.fetchValue<number>(`SELECT count(*)::int FROM (SELECT 1 FROM ${table} WHERE ${where} LIMIT $3) s`, [...key, Math.ceil(close) + 1], options);
      if ((held ?? 0) <= close) continue;
    }
    await db.execute(`ANALYZE ${table} (repo_id, snapshot_id)`, [], options);
    analyzed.push(name);
  }
  // Span tables (snapshot rows as generation spans) have no snapshot column: they are analyzed
  // when they hold far more rows than the statistics know of (a full load), not for a delta. The
  // planner's estimate of the whole table scales the known row count by the table's pages now,
  // so it tells without counting (counting 10k spans per table cost ~20 ms each on PGlite).
  for (const { name } of tables.filter((t) => t.spans && !t.keyed)) {
    const table = quoteIdent(name);
    if (snapshot) {
      const known = Number(await db.fetchValue<number>('SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = $1::regclass', [table], options));
      if ((await planRows(db, `SELECT 1 FROM ${table}`, [], options)) <= Math.max(CLOSE_ENOUGH_ROWS, 3 * known)) continue;
    }
    await db.execute(`ANALYZE ${table}`, [], options);
    analyzed.push(name);
  }
  return analyzed;
}

/** The planner's row estimate for a statement. */
async function planRows(db: PostgresQueryable, statement: string, params: unknown[], options?: CallOptions): Promise<number> {
  const [plan] = await db.fetch<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] | string }>(`EXPLAIN (FORMAT JSON) ${statement}`, params, options);
  const json = plan?.['QUERY PLAN'];
  return (typeof json === 'string' ? JSON.parse(json) : json)?.[0]?.Plan?.['Plan Rows'] ?? 0;
}

/**
 * Makes the space of deleted rows reusable in every table keyed by snapshot (VACUUM, without
 * FULL: no lock that blocks readers). Returns the tables vacuumed. For PGlite, which runs no
 * autovacuum: a server's autovacuum does this on its own.
 *
 * Why: every re-index writes a snapshot's file, link and membership rows and pruning deletes an
 * old snapshot's; nothing ever reclaimed the deleted ones on PGlite, so those tables grew by
 * their full size on every run (16 one-file re-indexes of a 20 MB corpus: 26-28 MB each instead
 * of 6-7 MB, and on without bound). Vacuuming after each prune keeps them at their live size for
 * 20-40 ms a run.
 *
 * ```ts
 * if (store.backend === 'embedded') await vacuumSnapshotTables(store)
 * ```
 */
export async function vacuumSnapshotTables(db: PostgresQueryable, options?: CallOptions): Promise<string[]> {
  const tables = (await snapshotTables(db, options)).map((t) => t.name);
  for (const name of tables) await db.execute(`VACUUM ${quoteIdent(name)}`, [], options);
  return tables;
}

/**
 * Runs a CHECKPOINT when more than `maxBytes` of WAL were written since the last one; returns
 * whether it did. For PGlite: it runs PostgreSQL in single-user mode, with no checkpointer, so
 * nothing ever checkpointed and its `pg_wal` folder grew with every write (a full index of a
 * 20 MB corpus and 16 one-file re-indexes left 513 MB of WAL next to 181 MB of data). After a
 * checkpoint PostgreSQL recycles the old segments: `pg_wal` stays near 80 MB (`min_wal_size`).
 * A checkpoint writes the dirty pages out: tens of milliseconds after a one-file re-index.
 *
 * ```ts
 * if (store.backend === 'embedded') await checkpointIfWalOver(store)
 * ```
 */
export async function checkpointIfWalOver(db: PostgresQueryable, maxBytes = 64 * 1024 * 1024, options?: CallOptions): Promise<boolean> {
  const since = Number(await db.fetchValue<string | number>('SELECT pg_current_wal_insert_lsn() - redo_lsn FROM pg_control_checkpoint()', [], options));
  if (!(since > maxBytes)) return false;
  await db.execute('CHECKPOINT', [], options);
  return true;
}

/**
 * The tables of the current schema with a `repo_id` column and either a `snapshot_id` column
 * (`keyed`: rows per snapshot) or a `to_gen` column (`spans`: snapshot rows as generation spans),
 * found in the catalog (one query) so tables added later are covered too.
 */
async function snapshotTables(db: PostgresQueryable, options?: CallOptions): Promise<{ name: string; keyed: boolean; spans: boolean }[]> {
  return db.fetch<{ name: string; keyed: boolean; spans: boolean }>(
    `SELECT c.relname AS name, bool_or(a.attname = 'snapshot_id') AS keyed, bool_or(a.attname = 'to_gen') AS spans
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped AND a.attname IN ('repo_id', 'snapshot_id', 'to_gen')
     WHERE c.relkind = 'r' AND n.nspname = current_schema()
     GROUP BY c.relname
     HAVING bool_or(a.attname = 'repo_id') AND (bool_or(a.attname = 'snapshot_id') OR bool_or(a.attname = 'to_gen'))
     ORDER BY c.relname`,
    [],
    options,
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Rows of one snapshot below which a table's statistics are not refreshed for it (see refreshSnapshotStatistics). */
const CLOSE_ENOUGH_ROWS = 1000;

/**
 * Merges the pending lists of every GIN index in the schema (trigram, full-text) into the index
 * proper; returns the indexes that had pages pending. Call it after bulk writes.
 *
 * Why: GIN indexes take inserts into an unsorted pending list that every search reads in full
 * until VACUUM merges it. PGlite never vacuums on its own, so after indexing a repository a
 * full-text lookup spent 20-40 ms scanning the list instead of about 1 ms in the index.
 */
export async function flushGinPendingLists(db: PostgresQueryable, options?: CallOptions): Promise<string[]> {
  const indexes = await db.fetch<{ name: string }>(
    `SELECT c.relname AS name
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indexrelid
     JOIN pg_am a ON a.oid = c.relam
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE a.amname = 'gin' AND n.nspname = current_schema()
     ORDER BY c.relname`,
    [],
    options,
  );
  const flushed: string[] = [];
  for (const { name } of indexes) {
    const pages = await db.fetchValue<string | number>(`SELECT gin_clean_pending_list($1::regclass)`, [quoteIdent(name)], options);
    if (Number(pages) > 0) flushed.push(name);
  }
  return flushed;
}
