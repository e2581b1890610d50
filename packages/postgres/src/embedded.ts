import { mkdirSync } from 'node:fs';
import { ConfigError } from '@trawl/core';
import type { PgPoolLike } from './pool.js';

/** Options for the in-process PostgreSQL (PGlite) used by the embedded default. */
export interface EmbeddedPostgresOptions {
  /** Folder that holds the database. Omit for a throwaway in-memory database. */
  dataDir?: string;
  /** Load pgvector (default true; needs `@electric-sql/pglite-pgvector`). */
  vector?: boolean;
  /**
   * Compile WebAssembly with V8's optimizing compiler from the start (V8's `--no-liftoff`) for a
   * long-running process (default false). V8 otherwise runs PGlite on baseline code and tiers it
   * up while it runs, pausing queries a few milliseconds at a time: the p99 of a trivial query
   * on PGlite went from 8.6 to 0.5 ms, a hybrid search's p95 about 20% down. Costs ~1.5 s more
   * at startup. The flag is process-wide: WebAssembly compiled later in the process gets it too.
   */
  optimizedWasm?: boolean;
}

/** A PGlite database behind a `pg`-compatible pool, and how to shut both down. */
export interface EmbeddedPostgres {
  pool: PgPoolLike;
  /** PGlite's `listen`: the handler is called before the statement that committed a notification returns. */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    throw new ConfigError(`${purpose} needs the package "${specifier.split('/').slice(0, 2).join('/')}": npm install it, or set DATABASE_URL to use a PostgreSQL server`, {
      component: 'postgres',
      cause: error,
    });
  }
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM, in this process) with pg_trgm and pgvector, and
 * wraps it in a `pg.Pool` of one connection so every Trawl query path is the same as on a server.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const { PGlite } = await importOptional<typeof import('@electric-sql/pglite')>('@electric-sql/pglite', 'The embedded database');
  const { pg_trgm } = await importOptional<typeof import('@electric-sql/pglite/contrib/pg_trgm')>(
    '@electric-sql/pglite/contrib/pg_trgm',
    'The embedded database',
  );
  const { createPgConfig } = await importOptional<typeof import('@electric-sql/pglite/node-postgres')>(
    '@electric-sql/pglite/node-postgres',
    'The embedded database',
  );
  const extensions: Record<string, unknown> = { pg_trgm };
  if (options.vector !== false) {
    const { vector } = await importOptional<typeof import('@electric-sql/pglite-pgvector')>('@electric-sql/pglite-pgvector', 'Vector search on the embedded database');
    extensions.vector = vector;
  }
  if (options.optimizedWasm) (await import('node:v8')).setFlagsFromString('--no-liftoff');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  let db: InstanceType<typeof PGlite>;
  try {
    db = await PGlite.create(options.dataDir ?? 'memory://', { extensions, ...walLimits(PGlite) } as never);
  } catch (error) {
    throw new ConfigError(`cannot open the embedded database at ${options.dataDir ?? 'memory://'}: ${(error as Error).message}`, {
      component: 'postgres',
      cause: error,
    });
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool(createPgConfig(db) as never) as unknown as PgPoolLike;
  let closed = false;
  return {
    pool,
    // PGlite has one session, shared with the pool's one connection: LISTEN run while a caller of
    // the pool is inside a transaction would join it (and be undone by its rollback). Holding the
    // connection keeps every such caller out meanwhile.
    listen: async (channel, handler) => {
      const client = await pool.connect();
      try {
        return await db.listen(channel, handler);
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => undefined);
      await db.close();
    },
  };
}

/**
 * PGlite's start parameters plus a smaller WAL budget. PostgreSQL keeps up to `max_wal_size`
 * (1 GB by default) of old WAL segments for reuse after a checkpoint, sized by the last bursts of
 * writes: after a full index that meant hundreds of megabytes of `pg_wal` beside the data for
 * good (513 MB next to 181 MB for a 20 MB corpus). The catalog checkpoints every 64 MB of WAL
 * (see `checkpointIfWalOver`), so 128 MB is room enough. PGlite exposes its defaults as
 * `PGlite.defaultStartParams` (the `startParams` option replaces them); without them, nothing is
 * changed.
 */
function walLimits(PGlite: unknown): { startParams?: string[] } {
  const defaults = (PGlite as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Array.isArray(defaults) || !defaults.every((p) => typeof p === 'string')) return {};
  return { startParams: [...defaults, '-c', 'max_wal_size=128MB', '-c', 'min_wal_size=32MB'] };
}
