import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeSymbolIndex, fixtureSnapshot } from '@trawl/testing';
import type { SymbolDefinition } from '@trawl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KuzuSymbolIndex } from './kuzu-symbol-index.js';
import { extractTerms } from './kuzu-symbol-index.js';
import { unwindStatements } from './kuzu-graph-loader.js';

const run = promisify(execFile);
const dirs: string[] = [];
async function tempDb(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trawl-kuzu-test-'));
  dirs.push(dir);
  return join(dir, 'symbols.kuzu');
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('KuzuSymbolIndex (COPY loads)', () => {
  describeSymbolIndex({
    async create() {
      // Every load through COPY, however small (by default small ones use UNWIND).
      const index = new KuzuSymbolIndex({ path: await tempDb(), smallLoadRows: 0 });
      return { index, dispose: () => index.close() };
    },
  });
});

describe('KuzuSymbolIndex (UNWIND loads)', () => {
  describeSymbolIndex({
    async create() {
      const index = new KuzuSymbolIndex({ path: await tempDb(), loadStrategy: 'unwind' });
      return { index, dispose: () => index.close() };
    },
  });
});

describe('KuzuSymbolIndex (no name cache: every lookup scans the graph)', () => {
  describeSymbolIndex({
    async create() {
      const index = new KuzuSymbolIndex({ path: await tempDb(), nameCacheSize: 0 });
      return { index, dispose: () => index.close() };
    },
  });
});

describe('KuzuSymbolIndex small loads', () => {
  it('creates edges through primary-key lookups, never a scan and cross product of both node tables', async () => {
    // `UNWIND $rows AS r MATCH (a {key: r.from}), (b {key: r.to})` was planned as a scan of both
    // tables and a cross product: an incremental run at 110k chunks ran Kuzu out of memory.
    const path = await tempDb();
    const statements = new Set<string>();
    const index = new KuzuSymbolIndex({ path, loadStrategy: 'unwind', onStatement: (s) => statements.add(s) });
    const content = fixtureSnapshot({ repoId: 'pk', snapshotId: 's1' }, [
      { path: 'src/a.ts', content: 'export class A {\n  run() {}\n}\n', symbols: [{ name: 'A', kind: 'class', startLine: 1, endLine: 3 }, { name: 'run', kind: 'method', startLine: 2, endLine: 2, owner: 'A' }] },
    ]);
    await index.reindexRepo(content);
    expect((await index.definitions(content.snapshot, 'run')).map((d) => d.name)).toEqual(['run']);
    await index.close();
    const isEdge = (s: string) => /CREATE \(a\d*\)-\[/.test(s);
    expect([...statements].filter(isEdge).length).toBeGreaterThan(2);
    // Every edge statement a load can run (several edges each, and one at a time), not only these.
    const edges = unwindStatements().filter(isEdge);
    for (const s of statements) if (isEdge(s)) expect(edges).toContain(s);
    const kuzu = (await import('kuzu')).default;
    const db = new kuzu.Database(path);
    const conn = new kuzu.Connection(db);
    try {
      for (const statement of edges) {
        const numeric = new Set(['born', 'died', 'line', 'startLine', 'endLine', 'chain']);
        const params = Object.fromEntries([...statement.matchAll(/\$(\w+)/g)].map(([, name]) => [name!, numeric.has(name!.replace(/\d+$/, '')) ? 1 : 'x']));
        const result = await conn.execute(await conn.prepare(`EXPLAIN ${statement}`), params);
        const plan = Object.values((await (Array.isArray(result) ? result[0]! : result).getAll())[0] ?? {}).join('\n');
        expect(plan, statement).toMatch(/PRIMARY_KEY_SCAN_NODE_TABLE/);
        expect(plan, statement).not.toMatch(/(?<!PRIMARY_KEY_)SCAN_NODE_TABLE/);
      }
    } finally {
      await db.close();
    }
  });
});

const here = fileURLToPath(new URL('.', import.meta.url));
const kuzuEntry = fileURLToPath(new URL('../../../node_modules/kuzu/index.js', import.meta.url));

/** A child Node process that opens the database with the raw driver, as a second process would. */
function childScript(dbPath: string, body: string): string {
  return `
const kuzu = require(${JSON.stringify(kuzuEntry)});
(async () => {
  ${body}
})().then(() => process.exit(0), (e) => { console.error(String(e && e.message || e)); process.exit(3); });
`.replace(/DB_PATH/g, JSON.stringify(dbPath));
}

describe('KuzuSymbolIndex link context', () => {
  it('gives the members without a chunk of their own, with their owners and the owners\' bases; answers empty changes and lists', async () => {
    const index = new KuzuSymbolIndex({ path: await tempDb() });
    const ref = { repoId: 'r', snapshotId: 's1' };
    const sym = (id: string, name: string, kind: SymbolDefinition['kind'], filePath: string, chunkId: string, ownerId: string | null = null): SymbolDefinition => ({
      id, name, fqn: `${filePath}:${name}`, kind, filePath, startLine: 1, endLine: 3, chunkId, ownerId, language: 'typescript', visibility: 'public',
    });
    try {
      await index.reindexRepo({
        snapshot: ref,
        rootPath: '/x',
        files: [],
        chunks: [],
        symbols: [
          sym('store', 'Store', 'interface', 'lib/store.ts', 'c-store'),
          // a signature: its chunk is its owner's
          sym('flush', 'flush', 'method', 'lib/store.ts', 'c-store', 'store'),
          sym('impl', 'FileStore', 'class', 'lib/file-store.ts', 'c-impl'),
          sym('write', 'flush', 'method', 'lib/file-store.ts', 'c-write', 'impl'),
        ],
        relations: [{ kind: 'extends', fromId: 'store', toId: null, toName: 'Closeable', resolved: false, filePath: 'lib/store.ts', line: 1 }],
      });
      const context = await index.linkContext(ref, { names: ['flush'], filePaths: [] });
      expect(context!.map((s) => [s.name, s.filePath, s.ownerId, s.bases ?? null]).sort()).toEqual([
        ['Store', 'lib/store.ts', null, ['Closeable']],
        ['flush', 'lib/store.ts', 'store', null],
      ]);
      expect(await index.linkContext(ref, { names: [], filePaths: ['lib/store.ts'] }, { exceptPaths: ['lib/store.ts'] })).toEqual([]);
      expect(await index.linkContext({ repoId: 'r', snapshotId: 'none' }, { names: ['flush'], filePaths: [] })).toBeNull();
      // (Kuzu ends the process on an empty list parameter: none reaches it)
      expect(await index.relinkScope({ base: ref, changedPaths: [], addedPaths: [], deletedPaths: [], symbols: [], relations: [] })).toEqual({ paths: [] });
    } finally {
      await index.close();
    }
  });
});

describe('KuzuSymbolIndex lifecycle', () => {
  let path: string;
  beforeAll(async () => {
    path = await tempDb();
  });

  it('creates the database lazily and closes idempotently', async () => {
    const index = new KuzuSymbolIndex({ path });
    expect(await stat(path).then(() => true, () => false)).toBe(false);
    const health = await index.healthCheck();
    expect(health).toMatchObject({ ok: true, details: { symbols: 0, readOnly: false } });
    await index.close();
    await index.close();
    await expect(index.definitions({ repoId: 'r', snapshotId: 's' }, 'x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await index.healthCheck()).toMatchObject({ ok: false });
  });

  it('gives a second writer in another process a ConflictError naming the lock', async () => {
    const script = join(await mkdtemp(join(tmpdir(), 'trawl-kuzu-child-')), 'hold.cjs');
    dirs.push(script.slice(0, script.lastIndexOf('/')));
    // The child holds the database open for writing until it is told to stop.
    await writeFile(script, childScript(path, `const db = new kuzu.Database(DB_PATH); await db.init(); console.log('ready'); await new Promise((r) => process.stdin.once('data', r)); await db.close();`));
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    try {
      const writer = new KuzuSymbolIndex({ path });
      const error = await writer.definitions({ repoId: 'r', snapshotId: 's' }, 'x').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONFLICT', name: 'ConflictError' });
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(/lock/i);
      await writer.close();
    } finally {
      child.stdin.write('stop\n');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('opens read-only for readers and refuses writes there', async () => {
    const writer = new KuzuSymbolIndex({ path });
    await writer.reindexRepo({ snapshot: { repoId: 'r', snapshotId: 's' }, rootPath: '/x', files: [], chunks: [], relations: [], symbols: [{ id: 'a', name: 'alpha', fqn: 'a.ts:alpha', kind: 'function', filePath: 'a.ts', startLine: 1, endLine: 2, chunkId: 'c1', ownerId: null, language: 'typescript', visibility: 'public' }] });
    await writer.close();
    const reader1 = new KuzuSymbolIndex({ path, readOnly: true });
    const reader2 = new KuzuSymbolIndex({ path, readOnly: true });
    expect((await reader1.definitions({ repoId: 'r', snapshotId: 's' }, 'alpha'))[0]).toMatchObject({ chunkId: 'c1', visibility: 'public' });
    expect((await reader2.search({ repoId: 'r', snapshotId: 's' }, 'alph'))[0]).toMatchObject({ chunkId: 'c1', name: 'alpha' });
    await expect(reader1.deleteRepo('r')).rejects.toMatchObject({ code: 'CONFLICT' });
    await reader1.close();
    await reader2.close();
    const missing = new KuzuSymbolIndex({ path: join(tmpdir(), 'trawl-no-such-dir', 'x.kuzu'), readOnly: true });
    await expect(missing.definitions({ repoId: 'r', snapshotId: 's' }, 'alpha')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await missing.close();
  });

  it('exits cleanly after open/query/close cycles (no QueryResult left open)', async () => {
    const script = join(here, 'test-support', 'open-close-cycles.ts');
    const workspace = fileURLToPath(new URL('../../..', import.meta.url));
    // Resolve @trawl/* to source, as vitest does: a fresh clone has no dist/ to import.
    const env = { ...process.env, TSX_TSCONFIG_PATH: join(workspace, 'tools/tsconfig.check.json') };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, path], { cwd: workspace, env, timeout: 120_000 });
    expect(stdout.trim()).toBe('cycles ok');
  });

  it('honours an aborted signal', async () => {
    const index = new KuzuSymbolIndex({ path });
    await expect(index.definitions({ repoId: 'r', snapshotId: 's' }, 'alpha', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    await index.close();
  });
});

describe('extractTerms', () => {
  it('keeps identifier-like words, most specific first', () => {
    expect(extractTerms('where is parseFile defined')).toEqual(['parseFile']);
    expect(extractTerms('ChunkStore.save')).toEqual(['ChunkStore.save']);
    expect(extractTerms('who calls snake_case_name and Foo::bar')).toEqual(['snake_case_name', 'Foo::bar']);
  });
});
