import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, ConflictError } from '@trawl/core';
import { createTestDatabase, writeFixtureRepo, type TestDatabase } from '@trawl/testing';
import { createContainer, type TrawlContainer } from './container.js';
import { loadSettings } from './settings.js';

describe('loadSettings', () => {
  it('defaults to the embedded layout with nothing set', () => {
    const s = loadSettings({}, { TRAWL_HOME: '/tmp/th' });
    expect(s).toMatchObject({ home: '/tmp/th', databaseUrl: null, zoekt: null, qdrant: null, embedding: null, chunkStore: 'postgres', kuzuPath: '/tmp/th/graph.kuzu', pool: { min: 2, max: 10 }, memoryCaches: true });
  });
  it('reads TRAWL_MEMORY_CACHES, and an override wins', () => {
    expect(loadSettings({}, { TRAWL_MEMORY_CACHES: '0' }).memoryCaches).toBe(false);
    expect(loadSettings({ memoryCaches: true }, { TRAWL_MEMORY_CACHES: '0' }).memoryCaches).toBe(true);
  });
  it('reads TRAWL_INDEX_CONCURRENCY: 0 (every index at once) unless set', () => {
    expect(loadSettings({}, {}).indexConcurrency).toBe(0);
    expect(loadSettings({}, { TRAWL_INDEX_CONCURRENCY: '1' }).indexConcurrency).toBe(1);
    expect(loadSettings({ indexConcurrency: 2 }, { TRAWL_INDEX_CONCURRENCY: '1' }).indexConcurrency).toBe(2);
  });
  it('reads TRAWL_OPTIMIZED_WASM, off unless asked for', () => {
    expect(loadSettings({}, {}).optimizedWasm).toBe(false);
    expect(loadSettings({}, { TRAWL_OPTIMIZED_WASM: '1' }).optimizedWasm).toBe(true);
    expect(loadSettings({ optimizedWasm: false }, { TRAWL_OPTIMIZED_WASM: '1' }).optimizedWasm).toBe(false);
  });
  it.each([
    [{ DATABASE_URL: 'mysql://u:pw@h/db' }, /scheme "mysql"/],
    [{ ZOEKT_URL: 'http://127.0.0.1:6070' }, /ZOEKT_INDEX_DIR is not/],
    [{ ZOEKT_URL: 'ftp://x', ZOEKT_INDEX_DIR: '/tmp' }, /use http/],
    [{ TRAWL_EMBEDDING_URL: 'http://127.0.0.1:11434/v1' }, /TRAWL_EMBEDDING_MODEL is not/],
    [{ QDRANT_URL: 'http://127.0.0.1:6333' }, /no embedding provider/],
    [{ TRAWL_PG_POOL_MIN: '5', TRAWL_PG_POOL_MAX: '2' }, /above TRAWL_PG_POOL_MAX/],
    [{ TRAWL_PG_POOL_MAX: 'ten' }, /must be an integer/],
    [{ TRAWL_CHUNK_STORE: 'redis' }, /must be "postgres" or "memory"/],
    [{ TRAWL_MEMORY_CACHES: 'yes' }, /TRAWL_MEMORY_CACHES must be 1 or 0/],
    [{ TRAWL_OPTIMIZED_WASM: 'fast' }, /TRAWL_OPTIMIZED_WASM must be 1 or 0/],
    [{ TRAWL_INDEX_CONCURRENCY: '-1' }, /TRAWL_INDEX_CONCURRENCY must be an integer >= 0/],
    [{ TRAWL_EMBEDING_URL: 'http://x' }, /unknown setting TRAWL_EMBEDING_URL/],
  ])('rejects %o', (env, message) => {
    expect(() => loadSettings({}, env)).toThrow(ConfigError);
    expect(() => loadSettings({}, env)).toThrow(message);
  });
  it('never echoes a database password in errors', () => {
    try {
      loadSettings({}, { DATABASE_URL: 'mysql://u:hunter2@h/db' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe.each(['pglite', 'server'] as const)('TrawlContainer on %s', (flavour) => {
  let home: string;
  let repo: string;
  let db: TestDatabase | undefined;
  let trawl: TrawlContainer;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'trawl-home-'));
    repo = await mkdtemp(join(tmpdir(), 'trawl-repo-'));
    await writeFixtureRepo(repo);
    if (flavour === 'server') db = await createTestDatabase();
    trawl = createContainer({ home }, db ? { DATABASE_URL: db.url } : {});
  });
  afterAll(async () => {
    await trawl.close();
    await db?.drop();
    await rm(home, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  });

  it('builds each layer once and lazily', async () => {
    const [a, b] = await Promise.all([trawl.retriever(), trawl.retriever()]);
    expect(a).toBe(b);
    expect(await trawl.postgres()).toBe(await trawl.postgres());
    // Searched through the trigram index (no Zoekt here): preparing the lexical index for a run
    // makes it, before any file is written.
    const pg = await trawl.postgres();
    expect(await pg.fetchValue(`SELECT to_regclass('lexical_segments_text_trgm_idx')::text`)).toBeNull();
    const lexical = (await trawl.indexes()).find((i) => i.name === 'lexical')!;
    await lexical.prepare!();
    expect(await pg.fetchValue(`SELECT to_regclass('lexical_segments_text_trgm_idx')::text`)).toBe('lexical_segments_text_trgm_idx');
    expect(await pg.fetchValue<number>('SELECT count(*)::int FROM file_contents')).toBe(0);
  });

  it('indexes a repository through the real parser and answers searches', async () => {
    const result = await (await trawl.indexer()).indexRepository({ repoId: 'fixture', root: repo });
    expect(result.mode).toBe('full');
    expect(result.files).toBe(7);
    const retriever = await trawl.retriever();
    const fuzzy = await retriever.search('craeteUser', { repo: 'fixture', indexes: ['fuzzy'] });
    expect(fuzzy.hits[0]).toMatchObject({ name: 'createUser', file: 'src/accounts/user-service.ts' });
    const docs = await retriever.search('invited by email', { repo: 'fixture', indexes: ['domain'] });
    expect(docs.hits[0]!.file).toBe('docs/onboarding.md');
  });

  it('rebuilds the directory chunks above a change on an incremental run, carries the rest, and drops emptied ones', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'trawl-dirs-'));
    try {
      const put = async (path: string, text: string) => {
        await mkdir(join(tree, dirname(path)), { recursive: true });
        await writeFile(join(tree, path), text);
      };
      await put('old/gone.ts', 'export function gone() {}\n');
      await put('src/b.ts', 'export function b() {}\n');
      await put('src/deep/c.ts', 'export function c() {}\n');
      await put('lib/d.ts', 'export function d() {}\n');
      const indexer = await trawl.indexer();
      await indexer.indexRepository({ repoId: 'dirs', root: tree });
      await put('src/deep/c.ts', 'export function c2() {}\n');
      await put('src/deep/e.ts', 'export function e() {}\n');
      await rm(join(tree, 'old'), { recursive: true });
      const incremental = await indexer.indexRepository({ repoId: 'dirs', root: tree });
      expect(incremental.mode).toBe('incremental');
      // The same tree indexed in full under another repository.
      const full = await indexer.indexRepository({ repoId: 'dirs-full', root: tree });
      const chunks = await trawl.chunks();
      const upper = async (repoId: string, snapshotId: string) =>
        (await chunks.listRepoChunks(repoId, { snapshotId }))
          .filter((c) => c.kind === 'module' || c.kind === 'project')
          .map((c) => `${c.kind} ${c.filePath} ${c.contentHash} ${c.summary}`)
          .sort();
      const expected = await upper('dirs-full', full.snapshotId);
      expect(expected.some((c) => c.startsWith('module old'))).toBe(false);
      expect(expected.filter((c) => c.startsWith('module '))).toHaveLength(3); // lib, src, src/deep
      expect(await upper('dirs', incremental.snapshotId)).toEqual(expected);
      expect(incremental.chunks).toBe(full.chunks);
      for (const repoId of ['dirs', 'dirs-full']) await indexer.deleteRepository(repoId);
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });

  it('answers from the older snapshot whole when a change is reverted: its callers too', async () => {
    const tree = await mkdtemp(join(tmpdir(), 'trawl-revert-'));
    try {
      await writeFile(join(tree, 'a.ts'), 'export function alpha() {\n  return 1;\n}\n');
      await writeFile(join(tree, 'b.ts'), 'export function beta() {\n  return alpha();\n}\n');
      const indexer = await trawl.indexer();
      const first = await indexer.indexRepository({ repoId: 'revert', root: tree });
      await writeFile(join(tree, 'a.ts'), 'export function gamma() {\n  return 2;\n}\n');
      await indexer.indexRepository({ repoId: 'revert', root: tree });
      await writeFile(join(tree, 'a.ts'), 'export function alpha() {\n  return 1;\n}\n');
      const reverted = await indexer.indexRepository({ repoId: 'revert', root: tree });
      expect([reverted.snapshotId, reverted.mode]).toEqual([first.snapshotId, 'unchanged']);
      const latest = (await (await trawl.catalog()).latestReadySnapshot('revert'))!;
      expect(latest.snapshotId).toBe(first.snapshotId);
      // (a graph rebuilt from the newer snapshot would have kept beta's call unresolved)
      expect((await (await trawl.symbols())!.callers(latest, 'alpha')).map((m) => m.symbol.name)).toEqual(['beta']);
      await indexer.idle();
      await indexer.deleteRepository('revert');
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });

  it('reports every component in its health check', async () => {
    const health = await trawl.healthCheck();
    expect(health.components.postgres).toMatchObject({ ok: true, configured: true });
    expect(health.ok).toBe(true);
  });

  if (flavour === 'pglite') {
    it('refuses a second container on the same embedded home with a clear error', async () => {
      const other = createContainer({ home }, {});
      await expect(other.postgres()).rejects.toBeInstanceOf(ConflictError);
      await other.close();
    });
  }

  it('warms the search tables of the latest snapshots, and closes cleanly in the middle of a warm-up', async () => {
    const reports = await trawl.warmUp();
    expect(reports.map((r) => r.repo)).toEqual(['fixture']);
    expect(reports[0]!.failed).toEqual([]);
    expect(reports[0]!.warmed).toEqual(expect.arrayContaining(['fuzzy', 'symbol', 'chunk spans']));

    // On a home of its own: a warm-up and a close race, at a few offsets.
    const raceHome = await mkdtemp(join(tmpdir(), 'trawl-home-race-'));
    const settings = db ? { DATABASE_URL: db.url } : {};
    try {
      const first = createContainer({ home: raceHome }, settings);
      await (await first.indexer()).indexRepository({ repoId: 'race', root: repo });
      await first.close();
      for (let round = 0; round < 3; round++) {
        const c = createContainer({ home: raceHome }, settings);
        const warming = c.warmUp().catch(() => []);
        await new Promise((r) => setTimeout(r, round * 40));
        await c.close();
        await warming;
        // (This does not catch a store left open after close: Kuzu reopens in-process. The
        // shutdown test of @trawl/server runs a real child process for that.)
        const next = createContainer({ home: raceHome }, settings);
        const symbols = await next.symbols();
        expect(await symbols!.definitions({ repoId: 'race', snapshotId: (await (await next.catalog()).latestReadySnapshot('race'))!.snapshotId }, 'createUser')).not.toHaveLength(0);
        await next.close();
      }
    } finally {
      await rm(raceHome, { recursive: true, force: true });
    }
  });

  it('closes idempotently and refuses use afterwards', async () => {
    const c = createContainer({ home: await mkdtemp(join(tmpdir(), 'trawl-home2-')) }, {});
    await c.postgres();
    await Promise.all([c.close(), c.close()]);
    await c.close();
    await expect(c.postgres()).rejects.toThrow(/closed/);
  });
});
