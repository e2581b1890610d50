import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbortedError, ConfigError, TrawlError, throwIfAborted, type CallOptions } from '@trawl/core';
import type { PostgresQueryable, PostgresStore } from './postgres-store.js';

/** One SQL migration; `name` orders them (`0001_catalog_and_chunks`). */
export interface Migration {
  name: string;
  sql: string;
  /** sha256 of the SQL, recorded when applied so later edits are detected. */
  checksum: string;
}

export interface MigrationRunResult {
  applied: string[];
  alreadyApplied: string[];
}

export interface MigrationStatusEntry {
  name: string;
  appliedAt: Date | null;
  /** The file changed after it was applied. */
  modified: boolean;
}

export interface RunMigrationsOptions extends CallOptions {
  /** Migrations to apply; defaults to the SQL shipped with this package. */
  migrations?: readonly Migration[];
  /** Called after each applied migration. */
  onApplied?: (name: string) => void;
}

// Any constant works as long as every runner uses the same one.
const ADVISORY_LOCK_KEY = 7_263_015_440_221;
const TABLE = 'trawl_migrations';

/** The folder of SQL shipped with the package (`<package>/migrations`). */
export function defaultMigrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/index.js and src/migrator.ts both sit one level below the package root.
  const dir = join(here, '..', 'migrations');
  if (!existsSync(dir)) {
    throw new ConfigError(`migrations folder not found at ${dir}: reinstall @trawl/postgres`, { component: 'postgres' });
  }
  return dir;
}

/** Reads `*.sql` from a folder, sorted by file name. */
export async function loadMigrations(dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function ensureTable(conn: PostgresQueryable): Promise<void> {
  await conn.execute(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
}

/**
 * Applies pending migrations in order, each in its own transaction, under a session advisory
 * lock so concurrent runners (two servers starting at once) never race: the second waits, then
 * finds nothing to do. Safe to run any number of times.
 *
 * ```ts
 * const { applied } = await runMigrations(store)
 * ```
 */
export async function runMigrations(store: PostgresStore, options: RunMigrationsOptions = {}): Promise<MigrationRunResult> {
  const migrations = options.migrations ?? (await loadMigrations());
  return store.withConnection(async (conn) => {
    await conn.execute('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY], options);
    try {
      await ensureTable(conn);
      const rows = await conn.fetch<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${TABLE}`);
      const done = new Map(rows.map((r) => [r.name, r.checksum]));
      const result: MigrationRunResult = { applied: [], alreadyApplied: [] };
      for (const migration of migrations) {
        const recorded = done.get(migration.name);
        if (recorded !== undefined) {
          if (recorded !== migration.checksum) {
            throw new TrawlError('CONFLICT', `migration ${migration.name} was changed after it was applied; add a new migration instead of editing it`, {
              component: 'postgres',
              context: { migration: migration.name },
            });
          }
          result.alreadyApplied.push(migration.name);
          continue;
        }
        throwIfAborted(options.signal, 'postgres');
        await conn.execute('BEGIN');
        try {
          await conn.execute(migration.sql);
          await conn.execute(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [migration.name, migration.checksum]);
          await conn.execute('COMMIT');
        } catch (error) {
          await conn.execute('ROLLBACK').catch(() => undefined);
          throw new TrawlError('BACKEND_ERROR', `migration ${migration.name} failed and was rolled back: ${(error as { detail?: string }).detail ?? (error as Error).message}`, {
            component: 'postgres',
            cause: error,
            context: { migration: migration.name },
          });
        }
        result.applied.push(migration.name);
        options.onApplied?.(migration.name);
      }
      return result;
    } finally {
      await conn.execute('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  }, options);
}

/** Which migrations are applied, pending or modified since. */
export async function migrationStatus(store: PostgresStore, options: RunMigrationsOptions = {}): Promise<MigrationStatusEntry[]> {
  const migrations = options.migrations ?? (await loadMigrations());
  const exists = await store.fetchValue<string | null>('SELECT to_regclass($1)::text', [TABLE], options);
  const rows = exists ? await store.fetch<{ name: string; checksum: string; applied_at: Date }>(`SELECT name, checksum, applied_at FROM ${TABLE}`, [], options) : [];
  const done = new Map(rows.map((r) => [r.name, r]));
  return migrations.map((m) => {
    const row = done.get(m.name);
    return { name: m.name, appliedAt: row ? new Date(row.applied_at) : null, modified: row ? row.checksum !== m.checksum : false };
  });
}

const ensured = new WeakMap<PostgresStore, Promise<MigrationRunResult>>();

/**
 * Runs the migrations once per store per process; indexes call this before their first query so
 * their schema exists without a separate setup step.
 */
export function ensureSchema(store: PostgresStore, options?: CallOptions): Promise<MigrationRunResult> {
  let pending = ensured.get(store);
  if (!pending) {
    // Shared by every caller, so it runs without the first caller's signal: a request cancelled
    // during startup (a server stopping while it warms up) must not fail the others waiting.
    pending = runMigrations(store);
    ensured.set(store, pending);
    pending.catch(() => ensured.delete(store));
  }
  return options?.signal ? abortable(pending, options.signal, 'waiting for the schema') : pending;
}

/** `shared`, but one caller may stop waiting on its own signal without cancelling it for the others. */
function abortable<T>(shared: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(`${what} aborted`, { component: 'postgres', cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The trigram index over `lexical_segments` that {@link ensureLexicalTrigramIndex} makes. */
export const LEXICAL_TRIGRAM_INDEX = 'lexical_segments_text_trgm_idx';

const trigramIndexes = new WeakMap<PostgresStore, Promise<void>>();

/**
 * Creates the trigram index over `lexical_segments` unless it exists, once per store per
 * process (after the migrations). Only the PostgreSQL lexical backend searches through it, so
 * only it calls this: a database searched through Zoekt is spared its upkeep on every file
 * written. Creating it over segments already stored takes a while (and holds writes of file text
 * back meanwhile); on an empty table it is instant.
 */
export function ensureLexicalTrigramIndex(store: PostgresStore, options?: CallOptions): Promise<void> {
  let pending = trigramIndexes.get(store);
  if (!pending) {
    pending = (async () => {
      await ensureSchema(store);
      if (await store.fetchValue<string | null>('SELECT to_regclass($1)::text', [LEXICAL_TRIGRAM_INDEX])) return;
      await store.withConnection(async (conn) => {
        // Under the migrations' lock: two processes creating it at once would otherwise race.
        await conn.execute('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
        try {
          await conn.execute(`CREATE INDEX IF NOT EXISTS ${LEXICAL_TRIGRAM_INDEX} ON lexical_segments USING gin (text gin_trgm_ops)`);
        } finally {
          await conn.execute('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
        }
      });
    })();
    trigramIndexes.set(store, pending);
    pending.catch(() => trigramIndexes.delete(store));
  }
  return options?.signal ? abortable(pending, options.signal, 'waiting for the trigram index') : pending;
}
