import { AbortedError, ConfigError, TimeoutError, throwIfAborted, type CallOptions, type HealthStatus } from '@trawl/core';
import { Kysely, PostgresDialect } from 'kysely';
import { redactConnectionString, validateConnectionString } from './connection-string.js';
import { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
import { toTrawlError } from './pg-errors.js';
import { EmbeddedWatch, InertWatch, ServerWatch, type ListenClient, type NotificationHandler, type NotificationWatch, type WatchOptions } from './notifications.js';
import type { PgClientLike, PgPoolLike, PgQueryResultLike } from './pool.js';

export type SqlParams = readonly unknown[];

/** Query helpers shared by the store and the transaction handle it passes to callbacks. */
export interface PostgresQueryable {
  /** Runs a statement and returns the number of affected rows. */
  execute(sql: string, params?: SqlParams, options?: CallOptions): Promise<number>;
  /** All rows. */
  fetch<R = Record<string, unknown>>(sql: string, params?: SqlParams, options?: CallOptions): Promise<R[]>;
  /** The first row, or undefined. */
  fetchRow<R = Record<string, unknown>>(sql: string, params?: SqlParams, options?: CallOptions): Promise<R | undefined>;
  /** The first column of the first row, or undefined. */
  fetchValue<V = unknown>(sql: string, params?: SqlParams, options?: CallOptions): Promise<V | undefined>;
}

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db`. One of connectionString, pool or embedded is required. */
  connectionString?: string;
  /** Your own pool, or a factory called once on first use. */
  pool?: PgPoolLike | (() => Promise<PgPoolLike>);
  /** Run PostgreSQL in-process with PGlite (`true` for in-memory). */
  embedded?: EmbeddedPostgresOptions | true;
  /** Minimum pooled connections (default 2). Ignored for `pool` and `embedded`. */
  min?: number;
  /** Maximum pooled connections (default 10). Ignored for `pool` and `embedded`. */
  max?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Server-side statement timeout in ms (unset: none). */
  statementTimeoutMs?: number;
  /** Health checks answer within this many ms (default 2000). */
  healthTimeoutMs?: number;
  applicationName?: string;
}

type Backend = 'server' | 'embedded' | 'custom';

/**
 * A lazily created PostgreSQL pool with small query helpers. Works over a server (pg) or an
 * in-process PGlite with the same API. Nothing connects until the first query.
 *
 * ```ts
 * await using store = new PostgresStore({ connectionString: process.env.DATABASE_URL })
 * const n = await store.fetchValue<number>('select count(*)::int from chunks where repo_id = $1', [repo])
 * await store.transaction(async (tx) => { await tx.execute('delete from chunks where repo_id = $1', [repo]) })
 * ```
 */
export class PostgresStore implements PostgresQueryable, AsyncDisposable {
  readonly backend: Backend;
  readonly min: number;
  readonly max: number;
  #options: PostgresStoreOptions;
  #pool: Promise<PgPoolLike> | undefined;
  #embedded: EmbeddedPostgres | undefined;
  #kysely: Kysely<any> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #watches = new Set<NotificationWatch>();

  constructor(options: PostgresStoreOptions) {
    const sources = [options.connectionString !== undefined, options.pool !== undefined, options.embedded !== undefined].filter(Boolean).length;
    if (sources !== 1) {
      throw new ConfigError('PostgresStore needs exactly one of connectionString, pool or embedded', { component: 'postgres' });
    }
    if (options.connectionString !== undefined) validateConnectionString(options.connectionString);
    this.min = options.min ?? 2;
    this.max = options.max ?? 10;
    if (!Number.isInteger(this.min) || !Number.isInteger(this.max) || this.min < 0 || this.max < 1 || this.min > this.max) {
      throw new ConfigError(`invalid pool size min=${this.min} max=${this.max}: need 0 <= min <= max and max >= 1`, { component: 'postgres' });
    }
    this.#options = options;
    this.backend = options.connectionString !== undefined ? 'server' : options.embedded !== undefined ? 'embedded' : 'custom';
  }

  /** A short description for logs and health output, with the password hidden. */
  get description(): string {
    if (this.#options.connectionString) return redactConnectionString(this.#options.connectionString);
    if (this.#options.embedded) {
      const dir = this.#options.embedded === true ? undefined : this.#options.embedded.dataDir;
      return `pglite:${dir ?? 'memory'}`;
    }
    return 'custom pool';
  }

  /** The pool, created on first call. */
  pool(): Promise<PgPoolLike> {
    if (this.#closed) return Promise.reject(new ConfigError('this PostgresStore is closed', { component: 'postgres' }));
    this.#pool ??= this.#createPool().catch((error) => {
      this.#pool = undefined; // let a later call retry, e.g. once the server is up
      throw toTrawlError(error, 'opening the database');
    });
    return this.#pool;
  }

  async #createPool(): Promise<PgPoolLike> {
    const o = this.#options;
    let pool: PgPoolLike;
    if (o.pool) {
      pool = typeof o.pool === 'function' ? await o.pool() : o.pool;
    } else if (o.embedded) {
      this.#embedded = await startEmbeddedPostgres(o.embedded === true ? {} : o.embedded);
      pool = this.#embedded.pool;
    } else {
      const { default: pg } = await import('pg');
      pool = new pg.Pool({
        connectionString: o.connectionString,
        min: this.min,
        max: this.max,
        connectionTimeoutMillis: o.connectionTimeoutMs ?? 10_000,
        idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
        application_name: o.applicationName ?? 'trawl',
        ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
      }) as unknown as PgPoolLike;
    }
    // An idle client losing its server emits 'error' on the pool; unhandled, it would crash the
    // process. The next query reconnects and reports the outage as BackendUnavailableError.
    pool.on?.('error', () => undefined);
    return pool;
  }

  /**
   * Subscribes to a notification channel (`LISTEN`; `NOTIFY` or `pg_notify` send). On a server
   * the subscription has a connection of its own, outside the pool, and reconnects when it is
   * lost, and checks with a probe every `heartbeatMs` that notifications still arrive; on PGlite
   * it uses PGlite's `listen`; on a pool handed in it never goes live. See
   * {@link NotificationWatch} for how a cache uses `epoch`. Closed with the store.
   */
  watch(channel: string, onNotification: NotificationHandler, options: WatchOptions = {}): NotificationWatch {
    if (this.#closed) return new InertWatch(channel);
    let watch: NotificationWatch;
    const o = this.#options;
    if (o.connectionString !== undefined) {
      const connectionString = o.connectionString;
      watch = new ServerWatch(channel, onNotification, async () => {
        const { default: pg } = await import('pg');
        return new pg.Client({ connectionString, application_name: `${o.applicationName ?? 'trawl'}:listen`, connectionTimeoutMillis: o.connectionTimeoutMs ?? 10_000 }) as unknown as ListenClient;
      }, options);
    } else if (o.embedded !== undefined) {
      watch = new EmbeddedWatch(channel, onNotification, async (c, handler) => {
        await this.pool();
        return this.#embedded!.listen(c, handler);
      });
    } else {
      watch = new InertWatch(channel);
    }
    this.#watches.add(watch);
    return watch;
  }

  /** A Kysely instance over the same pool for typed queries. Created once. */
  kysely<DB = any>(): Kysely<DB> {
    this.#kysely ??= new Kysely<any>({
      dialect: new PostgresDialect({ pool: (async () => (await this.pool()) as never) as never }),
    });
    return this.#kysely as Kysely<DB>;
  }

  async #query<R>(sql: string, params: SqlParams | undefined, options: CallOptions | undefined, client?: PgClientLike): Promise<PgQueryResultLike<R>> {
    const signal = options?.signal;
    throwIfAborted(signal, 'postgres');
    const what = `query "${sql.trim().split(/\s+/).slice(0, 4).join(' ')}..."`;
    const pool = await this.pool();
    if (!signal && !client) {
      try {
        return await pool.query<R>(sql, params as unknown[]);
      } catch (error) {
        throw toTrawlError(error, what);
      }
    }
    const own = client === undefined;
    let conn: PgClientLike;
    try {
      conn = client ?? (await pool.connect());
    } catch (error) {
      throw toTrawlError(error, what);
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (!signal) return;
      onAbort = () => {
        // Ask the server to stop the statement; PGlite runs in-process and cannot be interrupted.
        if (this.backend === 'server' && conn.processID) {
          void pool.query('select pg_cancel_backend($1)', [conn.processID]).catch(() => undefined);
        }
        reject(new AbortedError(`${what} aborted`, { component: 'postgres', cause: signal.reason }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const running = conn.query<R>(sql, params as unknown[]);
    try {
      return await Promise.race([running, aborted]);
    } catch (error) {
      throw toTrawlError(error, what);
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (own) {
        // Release only once the statement is really over, so the connection is clean for reuse.
        void running.then(
          () => conn.release(),
          () => conn.release(),
        );
      }
    }
  }

  async execute(sql: string, params?: SqlParams, options?: CallOptions): Promise<number> {
    return (await this.#query(sql, params, options)).rowCount ?? 0;
  }

  async fetch<R = Record<string, unknown>>(sql: string, params?: SqlParams, options?: CallOptions): Promise<R[]> {
    return (await this.#query<R>(sql, params, options)).rows;
  }

  async fetchRow<R = Record<string, unknown>>(sql: string, params?: SqlParams, options?: CallOptions): Promise<R | undefined> {
    return (await this.#query<R>(sql, params, options)).rows[0];
  }

  async fetchValue<V = unknown>(sql: string, params?: SqlParams, options?: CallOptions): Promise<V | undefined> {
    const row = (await this.#query<Record<string, unknown>>(sql, params, options)).rows[0];
    return row === undefined ? undefined : (Object.values(row)[0] as V);
  }

  /**
   * Runs `fn` on one connection inside BEGIN/COMMIT; any throw rolls back and is rethrown.
   * Use only `tx` inside `fn`: on PGlite the pool has a single connection, so calling the store
   * itself from inside the callback would wait forever.
   */
  async transaction<T>(fn: (tx: PostgresQueryable) => Promise<T>, options?: CallOptions): Promise<T> {
    return this.withConnection(async (tx) => {
      await tx.execute('BEGIN', undefined, options);
      try {
        const result = await fn(tx);
        throwIfAborted(options?.signal, 'postgres');
        await tx.execute('COMMIT');
        return result;
      } catch (error) {
        await tx.execute('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }, options);
  }

  /** Runs `fn` with one dedicated connection (session state such as advisory locks stays put). */
  async withConnection<T>(fn: (conn: PostgresQueryable) => Promise<T>, options?: CallOptions): Promise<T> {
    throwIfAborted(options?.signal, 'postgres');
    const pool = await this.pool();
    let client: PgClientLike;
    try {
      client = await pool.connect();
    } catch (error) {
      throw toTrawlError(error, 'connecting');
    }
    let broken = false;
    const conn: PostgresQueryable = {
      execute: async (sql, params, o) => (await this.#query(sql, params, o, client)).rowCount ?? 0,
      fetch: async (sql, params, o) => (await this.#query<any>(sql, params, o, client)).rows,
      fetchRow: async (sql, params, o) => (await this.#query<any>(sql, params, o, client)).rows[0],
      fetchValue: async (sql, params, o) => {
        const row = (await this.#query<Record<string, unknown>>(sql, params, o, client)).rows[0];
        return row === undefined ? undefined : (Object.values(row)[0] as any);
      },
    };
    try {
      return await fn(conn);
    } catch (error) {
      broken = (error as { code?: string })?.code === 'BACKEND_UNAVAILABLE' || (error as { code?: string })?.code === 'ABORTED';
      throw error;
    } finally {
      client.release(broken ? true : undefined);
    }
  }

  /**
   * Answers `{ ok, latencyMs, error? }` within `timeoutMs` (default 2000) and never throws,
   * whatever state the server or the pool is in.
   */
  async healthCheck(options: { timeoutMs?: number } = {}): Promise<HealthStatus> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#options.healthTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`no answer within ${timeoutMs} ms`, { component: 'postgres' })), timeoutMs);
      });
      await Promise.race([this.fetchValue('select 1'), timeout]);
      return { ok: true, latencyMs: Math.round(performance.now() - started), details: { backend: this.backend, target: this.description } };
    } catch (error) {
      const message = (error as { detail?: string }).detail ?? (error as Error).message;
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: message, details: { backend: this.backend, target: this.description } };
    } finally {
      clearTimeout(timer);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Drains the pool (and stops PGlite if this store started it). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await Promise.all([...this.#watches].map((w) => w.close()));
      this.#watches.clear();
      const pending = this.#pool;
      this.#pool = undefined;
      if (!pending) return;
      const pool = await pending.catch(() => undefined);
      if (!pool) return;
      if (this.#kysely) await this.#kysely.destroy().catch(() => undefined);
      else await pool.end().catch(() => undefined);
      await this.#embedded?.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
