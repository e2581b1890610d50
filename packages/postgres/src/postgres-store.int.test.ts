import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortedError, BackendUnavailableError, ConfigError, TrawlError } from '@trawl/core';
import { createTestStore, POSTGRES_FLAVOURS, type PostgresFlavour } from '@trawl/testing';
import { PostgresStore } from './postgres-store.js';
import { migrationStatus, runMigrations, loadMigrations, ensureSchema, ensureLexicalTrigramIndex } from './migrator.js';

describe.each(POSTGRES_FLAVOURS)('PostgresStore on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
  });
  afterAll(async () => dispose());

  it('runs parameterised queries through every helper', async () => {
    await store.execute('CREATE TABLE t (id int PRIMARY KEY, name text)');
    expect(await store.execute('INSERT INTO t VALUES ($1, $2), ($3, $4)', [1, 'a', 2, "b'; drop table t; --"])).toBe(2);
    expect(await store.fetch('SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: "b'; drop table t; --" },
    ]);
    expect(await store.fetchRow('SELECT name FROM t WHERE id = $1', [2])).toEqual({ name: "b'; drop table t; --" });
    expect(await store.fetchRow('SELECT name FROM t WHERE id = $1', [99])).toBeUndefined();
    expect(await store.fetchValue<number>('SELECT count(*)::int FROM t')).toBe(2);
  });

  it('rolls a transaction back when the callback throws, and commits otherwise', async () => {
    await store.execute('CREATE TABLE tx (v int)');
    await expect(
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO tx VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.fetchValue<number>('SELECT count(*)::int FROM tx')).toBe(0);
    const value = await store.transaction(async (tx) => {
      await tx.execute('INSERT INTO tx VALUES (2)');
      return tx.fetchValue<number>('SELECT sum(v)::int FROM tx');
    });
    expect(value).toBe(2);
    expect(await store.fetchValue<number>('SELECT count(*)::int FROM tx')).toBe(1);
  });

  it('gives typed access through Kysely on the same pool', async () => {
    await store.execute('CREATE TABLE k (id int, label text)');
    const db = store.kysely<{ k: { id: number; label: string } }>();
    await db.insertInto('k').values([{ id: 1, label: 'one' }]).execute();
    expect(await db.selectFrom('k').select(['id', 'label']).execute()).toEqual([{ id: 1, label: 'one' }]);
  });

  it('maps SQL errors to TrawlError with the server message', async () => {
    const error = await store.fetch('SELECT * FROM no_such_table').catch((e) => e);
    expect(error).toBeInstanceOf(TrawlError);
    expect(error.code).toBe('BACKEND_ERROR');
    expect(error.message).toMatch(/no_such_table/);
  });

  it('honours an already-aborted signal and one that fires mid-query', async () => {
    const aborted = AbortSignal.abort();
    await expect(store.fetch('SELECT 1', [], { signal: aborted })).rejects.toBeInstanceOf(AbortedError);
    if (flavour === 'server') {
      const controller = new AbortController();
      const pending = store.fetch('SELECT pg_sleep(5)', [], { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      await expect(pending).rejects.toBeInstanceOf(AbortedError);
      expect(Date.now() - started).toBeLessThan(4000);
      // the pool is still usable afterwards
      expect(await store.fetchValue('SELECT 1')).toBe(1);
    }
  });

  it('ensures the schema once for all callers: one caller giving up does not fail the others', async () => {
    const { store: fresh, dispose: drop } = await createTestStore(flavour);
    try {
      const controller = new AbortController();
      const impatient = ensureSchema(fresh, { signal: controller.signal });
      const patient = ensureSchema(fresh);
      const other = ensureSchema(fresh, { signal: new AbortController().signal });
      controller.abort();
      await expect(impatient).rejects.toBeInstanceOf(AbortedError);
      expect((await patient).applied.length).toBeGreaterThan(0);
      expect((await other).applied).toEqual((await patient).applied);
      expect(await fresh.fetchValue('SELECT to_regclass($1)::text', ['chunks'])).toBe('chunks');
      await expect(ensureSchema(fresh, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    } finally {
      await drop();
    }
  });

  it('applies migrations once, under a lock, and reports their status', async () => {
    const all = await loadMigrations();
    expect(all.map((m) => m.name)).toEqual(expect.arrayContaining(['0001_catalog_and_chunks', '0002_fuzzy_identifiers', '0003_domain_documents']));
    const [first, second] = await Promise.all([runMigrations(store), runMigrations(store)]);
    // Two concurrent runners: exactly one applies each migration, the other finds it done.
    expect([...first.applied, ...second.applied].sort()).toEqual(all.map((m) => m.name).sort());
    const again = await runMigrations(store);
    expect(again.applied).toEqual([]);
    expect((await ensureSchema(store)).applied).toEqual([]);
    const status = await migrationStatus(store);
    expect(status.every((s) => s.appliedAt !== null && !s.modified)).toBe(true);
    const indexes = await store.fetch<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks'");
    expect(indexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(['chunks_pkey', 'chunks_file_span_idx', 'chunks_id_idx']));
    // 0005 and 0009 dropped those that duplicated the primary key or served no query.
    for (const dropped of ['chunks_repo_snapshot_idx', 'chunks_symbol_idx', 'chunks_content_hash_idx']) expect(indexes.map((i) => i.indexname)).not.toContain(dropped);
    for (const table of ['repos', 'snapshots', 'files', 'file_contents', 'chunks', 'fuzzy_identifiers', 'domain_documents']) {
      expect(await store.fetchValue('SELECT to_regclass($1)::text', [table])).toBe(table);
    }
  });

  it('leaves the trigram index over lexical segments to the backend that searches through it', async () => {
    const trigramIndex = (db: PostgresStore) => db.fetchValue<string | null>(`SELECT to_regclass('lexical_segments_text_trgm_idx')::text`);
    // A new database: none after the migrations; created on demand, once, however many ask at once.
    const { store: fresh, url, dispose: drop } = await createTestStore(flavour);
    // (on a server, a second store on the same database: another process)
    const other = url ? new PostgresStore({ connectionString: url, min: 0, max: 2 }) : fresh;
    const dropOther = async () => (other === fresh ? undefined : other.close());
    try {
      await ensureSchema(fresh);
      expect(await trigramIndex(fresh)).toBeNull();
      await Promise.all([ensureLexicalTrigramIndex(fresh), ensureLexicalTrigramIndex(other), ensureLexicalTrigramIndex(fresh)]);
      expect(await trigramIndex(fresh)).toBe('lexical_segments_text_trgm_idx');
    } finally {
      await dropOther();
      await drop();
    }
    // A database that already holds segments keeps the index it has through migration 0020.
    const { store: older, dispose: dropOlder } = await createTestStore(flavour);
    try {
      const all = await loadMigrations();
      await runMigrations(older, { migrations: all.filter((m) => m.name < '0020') });
      expect(await trigramIndex(older)).toBe('lexical_segments_text_trgm_idx');
      await older.execute(`INSERT INTO file_contents (content_hash, content) VALUES ('h1', 'line one\nline two')`);
      expect(await older.fetchValue<number>('SELECT count(*)::int FROM lexical_segments')).toBeGreaterThan(0);
      expect((await runMigrations(older)).applied).toContain('0020_lexical_trigram_index_on_demand');
      expect(await trigramIndex(older)).toBe('lexical_segments_text_trgm_idx');
    } finally {
      await dropOlder();
    }
  });

  it('refuses to run a migration that was edited after it was applied, and rolls back a failing one', async () => {
    const all = await loadMigrations();
    const edited = all.map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    await expect(runMigrations(store, { migrations: edited })).rejects.toThrow(/was changed after it was applied/);
    const broken = [...all, { name: '9999_broken', sql: 'CREATE TABLE half_done (x int); SELECT * FROM missing_table;', checksum: 'x' }];
    await expect(runMigrations(store, { migrations: broken })).rejects.toThrow(/9999_broken failed and was rolled back/);
    expect(await store.fetchValue('SELECT to_regclass($1)::text', ['half_done'])).toBeNull();
    expect((await migrationStatus(store, { migrations: broken })).find((s) => s.name === '9999_broken')?.appliedAt).toBeNull();
  });

  it('delivers notifications to a watch once it is confirmed, through any connection, until it is closed', async () => {
    const got: string[] = [];
    const watch = store.watch('trawl_test_channel', (payload) => got.push(payload));
    expect(watch.epoch).toBe(0);
    expect(await watch.ready).toBe(true);
    expect(watch.epoch).toBeGreaterThan(0);
    // A transaction's notification is sent when it commits, not before.
    await store.transaction(async (tx) => {
      await tx.execute("SELECT pg_notify('trawl_test_channel', 'one')");
      await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([]);
    });
    // (PGlite, in this process: before the statement that committed returns)
    if (flavour === 'pglite') expect(got).toEqual(['one']);
    await store.execute("SELECT pg_notify('trawl_test_channel', 'two'), pg_notify('another_channel', 'x')");
    await vi.waitFor(() => expect(got).toEqual(['one', 'two']), { timeout: 5_000, interval: 5 });
    // A second watch of the same channel gets its own copy (and the first not the second's
    // probe, committed before 'three': PostgreSQL delivers in commit order); a closed one gets nothing.
    const second: string[] = [];
    const other = store.watch('trawl_test_channel', (payload) => second.push(payload));
    expect(await other.ready).toBe(true);
    expect(other.epoch).not.toBe(watch.epoch);
    await store.execute("SELECT pg_notify('trawl_test_channel', 'three')");
    await vi.waitFor(() => expect(got).toEqual(['one', 'two', 'three']), { timeout: 5_000, interval: 5 });
    await watch.close();
    expect(watch.epoch).toBe(0);
    await store.execute("SELECT pg_notify('trawl_test_channel', 'four')");
    await vi.waitFor(() => expect(second).toEqual(['three', 'four']), { timeout: 5_000, interval: 5 });
    expect(got).toEqual(['one', 'two', 'three']);
    await other.close();
  });

  it('answers a health check and closes idempotently; await using disposes it', async () => {
    const health = await store.healthCheck();
    expect(health.ok).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    let disposed: PostgresStore | undefined;
    {
      const scoped = flavour === 'pglite' ? new PostgresStore({ embedded: true }) : new PostgresStore({ connectionString: process.env.DATABASE_URL! });
      await using s = scoped;
      disposed = s;
      expect(await s.fetchValue('SELECT 41 + 1')).toBe(42);
    }
    expect(disposed.closed).toBe(true);
    await disposed.close();
    await expect(disposed.fetch('SELECT 1')).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('PostgresStore configuration and outages', () => {
  it('gives a pool handed in a watch that never goes live (callers keep verifying), and closes watches with the store', async () => {
    const custom = new PostgresStore({ pool: { connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release() {} }), query: async () => ({ rows: [], rowCount: 0 }), end: async () => undefined } });
    const inert = custom.watch('c', () => undefined);
    expect(await inert.ready).toBe(false);
    expect(inert.epoch).toBe(0);
    await custom.close();
    const { store, dispose } = await createTestStore('server');
    try {
      const watch = store.watch('c', () => undefined);
      expect(await watch.ready).toBe(true);
      const pid = await store.fetchValue<number>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'trawl:listen'");
      expect(pid).toBeTypeOf('number');
      await store.close();
      expect(watch.epoch).toBe(0);
      expect(store.watch('c', () => undefined).epoch).toBe(0);
    } finally {
      await dispose();
    }
  });

  it('finds a listening connection that went silent (no error, no close) by its heartbeat, and listens again', async () => {
    const { store: direct, url, dispose } = await createTestStore('server');
    // A proxy between the watch and the server that can stop passing bytes without closing anything.
    let frozen = false;
    const sockets: Socket[] = [];
    const target = new URL(url!);
    const proxy = createServer((client) => {
      const server = connect(Number(target.port), target.hostname);
      sockets.push(client, server);
      client.on('data', (d) => void (frozen || server.write(d)));
      server.on('data', (d) => void (frozen || client.write(d)));
      for (const [a, b] of [[client, server], [server, client]] as const) {
        a.on('error', () => undefined);
        a.on('close', () => b.destroy());
      }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxied = new URL(url!);
    proxied.port = String((proxy.address() as AddressInfo).port);
    const store = new PostgresStore({ connectionString: proxied.toString(), min: 0, max: 1 });
    try {
      const got: string[] = [];
      const watch = store.watch('c', (payload) => got.push(payload), { heartbeatMs: 100, confirmTimeoutMs: 300, minRetryMs: 50 });
      expect(await watch.ready).toBe(true);
      const first = watch.epoch;
      frozen = true;
      await vi.waitFor(() => expect(watch.epoch).toBe(0), { timeout: 5_000, interval: 10 });
      frozen = false;
      // A new connection confirms it again: a new epoch (what was verified under the old one is not trusted).
      await vi.waitFor(() => expect(watch.epoch).not.toBe(0), { timeout: 5_000, interval: 10 });
      expect(watch.epoch).not.toBe(first);
      await direct.execute("SELECT pg_notify('c', 'after')");
      await vi.waitFor(() => expect(got).toEqual(['after']), { timeout: 5_000, interval: 10 });
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => proxy.close(r));
      await dispose();
    }
  });

  it('creates no pool until the first query', async () => {
    const store = new PostgresStore({ connectionString: 'postgres://u:pw@127.0.0.1:1/db' });
    expect(store.min).toBe(2);
    expect(store.max).toBe(10);
    await store.close(); // nothing to drain: constructing did not connect
  });

  it('rejects bad connection strings with a ConfigError that hides the password', () => {
    const attempts = ['mysql://root:hunter2@localhost/db', 'postgres://root:hunter2@localhost:99999x/db', 'not a url hunter2', ''];
    for (const connectionString of attempts) {
      let error: unknown;
      try {
        new PostgresStore({ connectionString });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
    expect(() => new PostgresStore({ connectionString: 'postgres://localhost/db', min: 5, max: 2 })).toThrow(ConfigError);
  });

  it('reports a server that is down as BackendUnavailableError and ok:false, without throwing', async () => {
    const store = new PostgresStore({ connectionString: 'postgres://u:secretpw@127.0.0.1:1/db', connectionTimeoutMs: 2000 });
    await expect(store.fetch('SELECT 1')).rejects.toBeInstanceOf(BackendUnavailableError);
    const health = await store.healthCheck({ timeoutMs: 3000 });
    expect(health.ok).toBe(false);
    expect(health.error).toBeTruthy();
    expect(JSON.stringify(health)).not.toContain('secretpw');
    await store.close();
  });

  it('bounds the health check time even when the server never answers', async () => {
    // A listening socket that accepts and never speaks: connect hangs until the pool gives up.
    const net = await import('node:net');
    const server = net.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const store = new PostgresStore({ connectionString: `postgres://u@127.0.0.1:${port}/db`, connectionTimeoutMs: 2_500 });
    const started = Date.now();
    const health = await store.healthCheck({ timeoutMs: 300 });
    expect(health.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    await store.close();
    server.close();
  });
});

describe('PostgresStore on PGlite', () => {
  it('starts with a 128 MB WAL budget (it keeps that much old WAL at most)', async () => {
    const embedded = new PostgresStore({ embedded: true });
    try {
      expect(await embedded.fetchValue('SHOW max_wal_size')).toBe('128MB');
    } finally {
      await embedded.close();
    }
  });

  it('subscribes outside any transaction a caller holds open on its one session (a rollback would undo the LISTEN)', async () => {
    const embedded = new PostgresStore({ embedded: true });
    try {
      const got: string[] = [];
      let watch: ReturnType<PostgresStore['watch']> | undefined;
      await expect(
        embedded.transaction(async (tx) => {
          await tx.execute('SELECT 1');
          watch = embedded.watch('c', (payload) => got.push(payload));
          await new Promise((r) => setTimeout(r, 50)); // (time enough to LISTEN, were it not kept waiting)
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await watch!.ready).toBe(true);
      await embedded.execute("SELECT pg_notify('c', 'after')");
      expect(got).toEqual(['after']);
    } finally {
      await embedded.close();
    }
  });
});
