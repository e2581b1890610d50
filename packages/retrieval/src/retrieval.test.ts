import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemoryCatalogStore, InMemoryChunkStore } from '@trawl/chunk-store';
import {
  InvalidQueryError,
  NotFoundError,
  TrawlError,
  type Chunk,
  type IndexName,
  type IndexRunResult,
  type SearchHit,
  type SearchIndex,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type SourceFileInfo,
} from '@trawl/core';
import { LineParser, TimedLineParser } from '@trawl/testing';
import { classifyQuery } from './query-intent.js';
import { weightedReciprocalRankFusion } from './fusion.js';
import { Retriever } from './retriever.js';
import { Indexer } from './indexer.js';
import { leftByDeadRun, thisProcess } from './run-owner.js';
import { HttpReranker } from './http-reranker.js';

/**
 * A small but real index over chunk text: `lexical` matches substrings line by line,
 * `symbol` matches chunk names exactly. Used to exercise the facade against the port.
 */
class TextIndex implements SearchIndex {
  calls = 0;
  #chunks = new Map<string, { chunk: Chunk; lines: string[] }[]>();
  constructor(
    readonly name: IndexName,
    private behaviour: { fail?: string; delayMs?: number; names?: boolean } = {},
  ) {}
  async reindexRepo(content: SnapshotContent): Promise<IndexRunResult> {
    if (this.behaviour.fail === 'reindex') throw new TrawlError('BACKEND_ERROR', 'index crashed midway', { component: this.name });
    const key = `${content.snapshot.repoId}@${content.snapshot.snapshotId}`;
    const files = new Map(content.files.map((f) => [f.path, f.content.split('\n')]));
    this.#chunks.set(key, content.chunks.map((chunk) => ({ chunk, lines: files.get(chunk.filePath)!.slice(chunk.startLine - 1, chunk.endLine) })));
    return { index: this.name, durationMs: 0, itemsIndexed: content.chunks.length };
  }
  async reindexPaths(delta: SnapshotDelta): Promise<IndexRunResult> {
    if (this.behaviour.fail === 'reindex') throw new TrawlError('BACKEND_ERROR', 'index crashed midway', { component: this.name });
    const base = this.#chunks.get(`${delta.snapshot.repoId}@${delta.baseSnapshotId}`) ?? [];
    const replaced = new Set([...delta.changedPaths, ...delta.deletedPaths]);
    const files = new Map(delta.files.map((f) => [f.path, f.content.split('\n')]));
    const fresh = delta.chunks.map((chunk) => ({ chunk, lines: files.get(chunk.filePath)!.slice(chunk.startLine - 1, chunk.endLine) }));
    this.#chunks.set(`${delta.snapshot.repoId}@${delta.snapshot.snapshotId}`, [...base.filter((e) => !replaced.has(e.chunk.filePath)), ...fresh]);
    return { index: this.name, durationMs: 0, itemsIndexed: fresh.length };
  }
  async search(ref: SnapshotRef, query: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    this.calls++;
    if (this.behaviour.fail === 'search') throw new TrawlError('BACKEND_UNAVAILABLE', 'connection refused', { component: this.name });
    if (this.behaviour.delayMs) await new Promise((r) => setTimeout(r, this.behaviour.delayMs));
    const entries = this.#chunks.get(`${ref.repoId}@${ref.snapshotId}`) ?? [];
    const hits: SearchHit[] = [];
    for (const { chunk, lines } of entries) {
      if (chunk.kind === 'file' && this.behaviour.names) continue;
      const matched = this.behaviour.names
        ? chunk.name === query ? [chunk.startLine] : []
        : lines.flatMap((l, i) => (l.includes(query) ? [chunk.startLine + i] : []));
      if (!matched.length) continue;
      hits.push({
        chunkId: chunk.id, repoId: ref.repoId, snapshotId: ref.snapshotId, filePath: chunk.filePath, symbolId: chunk.symbolId,
        score: matched.length / (chunk.endLine - chunk.startLine + 1), index: this.name, kind: chunk.kind, name: chunk.name,
        startLine: chunk.startLine, endLine: chunk.endLine, matchedLines: matched, preview: null, mapping: 'exact', metadata: {},
      });
    }
    hits.sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
    return hits.slice(0, options.limit ?? 10);
  }
  async deleteRepo(repoId: string, snapshotId?: string): Promise<void> {
    for (const key of [...this.#chunks.keys()]) if (key.startsWith(`${repoId}@`) && (!snapshotId || key === `${repoId}@${snapshotId}`)) this.#chunks.delete(key);
  }
}

describe('classifyQuery', () => {
  it.each([
    ['createUser', 'identifier'],
    ['create_user', 'identifier'],
    ['UserService.createUser', 'identifier'],
    ['std::vector', 'identifier'],
    ['src/users/service.ts', 'path'],
    ['README.md', 'path'],
    ['/create\\w+User/', 'regex'],
    ['"user not found"', 'literal'],
    ['how are users created', 'natural_language'],
  ])('%s -> %s', (query, intent) => {
    expect(classifyQuery(query).intent).toBe(intent);
  });
  it('weights symbol and fuzzy over vector for identifiers, and the reverse for prose', () => {
    const id = classifyQuery('createUser').weights;
    expect(id.symbol).toBeGreaterThan(id.vector);
    expect(id.fuzzy).toBeGreaterThan(id.vector);
    const nl = classifyQuery('where do we hash passwords').weights;
    expect(nl.vector).toBeGreaterThan(nl.symbol);
    expect(classifyQuery('/a.b/').text).toBe('a.b');
  });
});

describe('weightedReciprocalRankFusion', () => {
  const hit = (chunkId: string, index: IndexName): SearchHit => ({
    chunkId, repoId: 'r', snapshotId: 's', filePath: 'f', symbolId: null, score: 1, index, kind: null, name: null,
    startLine: null, endLine: null, matchedLines: [], preview: null, mapping: 'exact', metadata: {},
  });
  it('adds weight/(k+rank) per index, dedupes within an index, and keeps provenance', () => {
    const fused = weightedReciprocalRankFusion({ k: 10 })([
      { index: 'lexical', weight: 1, hits: [hit('a', 'lexical'), hit('b', 'lexical'), hit('a', 'lexical')] },
      { index: 'symbol', weight: 2, hits: [hit('b', 'symbol')] },
    ]);
    expect(fused.map((f) => f.chunkId)).toEqual(['b', 'a']);
    expect(fused[0]!.score).toBeCloseTo(1 / 12 + 2 / 11, 10);
    expect(fused[1]!.score).toBeCloseTo(1 / 11, 10);
    expect(fused[0]!.sources.map((s) => [s.index, s.rank])).toEqual([['symbol', 1], ['lexical', 2]]);
  });
  it('ignores indexes weighted zero', () => {
    const fused = weightedReciprocalRankFusion()([{ index: 'vector', weight: 0, hits: [hit('a', 'vector')] }]);
    expect(fused).toEqual([]);
  });
});

describe('Retriever and Indexer over the ports', () => {
  let root: string;
  const catalog = new InMemoryCatalogStore();
  const chunks = new InMemoryChunkStore();
  const lexical = new TextIndex('lexical');
  const symbol = new TextIndex('symbol', { names: true });
  const indexer = new Indexer({ catalog, chunks, parser: new LineParser(), indexes: [lexical, symbol] });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trawl-retrieval-'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/users.ts'), 'import x\nfunction createUser(name) {\n  return save(name)\n}\nfunction deleteUser(id) {\n  return drop(id)\n}\n');
    await writeFile(join(root, 'src/save.ts'), 'function save(row) {\n  // createUser calls this\n  return db.insert(row)\n}\n');
    await writeFile(join(root, 'README.md'), '# Users\nThe createUser flow stores a row.\n');
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('indexes a tree, then fuses, dedupes and hydrates hits with provenance', async () => {
    const events: string[] = [];
    const result = await indexer.indexRepository({ repoId: 'app', root, onProgress: (e) => events.push(e.stage) });
    expect(result.mode).toBe('full');
    expect(result.files).toBe(3);
    expect(events).toEqual(expect.arrayContaining(['scan', 'plan', 'store', 'index', 'done']));
    const retriever = new Retriever({ indexes: [lexical, symbol], catalog, chunks });
    const { hits, degraded, intent, snapshot } = await retriever.search('createUser', { repo: 'app', limit: 5 });
    expect(snapshot).toBe(result.snapshotId);
    expect(intent).toBe('identifier');
    expect(degraded).toEqual([]);
    expect(hits[0]).toMatchObject({ file: 'src/users.ts', kind: 'function', name: 'createUser', startLine: 2, endLine: 4, stale: false });
    expect(hits[0]!.sources.map((s) => s.index).sort()).toEqual(['lexical', 'symbol']);
    expect(hits[0]!.preview).toContain('function createUser(name)');
    expect(new Set(hits.map((h) => h.chunkId)).size).toBe(hits.length);
    expect(hits.map((h) => h.file)).toContain('src/save.ts');
  });

  it('hydrates the same previews and texts from line ranges as from whole files', async () => {
    // A catalog without the optional getFileLines: the retriever reads whole files instead.
    const withoutLines = new Proxy(catalog, {
      get: (target, key) => {
        if (key === 'getFileLines') return undefined;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const ranged = new Retriever({ indexes: [lexical, symbol], catalog, chunks });
    const whole = new Retriever({ indexes: [lexical, symbol], catalog: withoutLines, chunks });
    for (const query of ['createUser', 'db.insert', 'deleteUser']) {
      for (const includeText of [false, true]) {
        const a = await ranged.search(query, { repo: 'app', includeText });
        const b = await whole.search(query, { repo: 'app', includeText });
        expect(a.hits.map(({ preview, text, stale }) => ({ preview, text, stale }))).toEqual(b.hits.map(({ preview, text, stale }) => ({ preview, text, stale })));
        expect(a.hits.length).toBeGreaterThan(0);
      }
    }
    const { hits } = await ranged.search('createUser', { repo: 'app', includeText: true });
    expect(hits[0]!.text).toMatch(/^function createUser\(name\)[\s\S]*\}$/);
  });

  it('answers from the healthy indexes and lists failing or slow ones under degraded', async () => {
    const broken = new TextIndex('fuzzy', { fail: 'search' });
    const slow = new TextIndex('vector', { delayMs: 1000 });
    const retriever = new Retriever({ indexes: [lexical, symbol, broken, slow], catalog, chunks, deadlineMs: 100 });
    const { hits, degraded } = await retriever.search('createUser', { repo: 'app' });
    expect(hits[0]!.name).toBe('createUser');
    expect(degraded.map((d) => [d.index, d.code]).sort()).toEqual([['fuzzy', 'BACKEND_UNAVAILABLE'], ['vector', 'TIMEOUT']]);
    expect(degraded.find((d) => d.index === 'vector')!.reason).toMatch(/no answer within 100 ms/);
  });

  it('rejects empty queries, bad regexes, unknown repos and unconfigured indexes with typed errors', async () => {
    const retriever = new Retriever({ indexes: [lexical], catalog, chunks });
    await expect(retriever.search('  ', { repo: 'app' })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(retriever.search('/foo(/', { repo: 'app' })).rejects.toThrow(/invalid regex "foo\("/);
    await expect(retriever.search('x', { repo: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(retriever.search('x', { repo: 'app', indexes: ['vector'] })).rejects.toThrow(/index "vector" is not configured/);
    // an empty list is a mistake, not a search of nothing
    await expect(retriever.search('x', { repo: 'app', indexes: [] })).rejects.toThrow(/indexes is empty: name at least one of lexical/);
    // (checked before the repository is looked up)
    await expect(retriever.search('x', { repo: 'nope', indexes: ['vector'] })).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it('flags hits whose file changed in the working tree since indexing', async () => {
    const retriever = new Retriever({ indexes: [lexical], catalog, chunks });
    await writeFile(join(root, 'src/save.ts'), 'function save(row) {\n  // edited\n  return db.insert(row)\n}\n');
    const { hits } = await retriever.search('db.insert', { repo: 'app' });
    expect(hits[0]).toMatchObject({ file: 'src/save.ts', stale: true });
    const users = await retriever.search('deleteUser', { repo: 'app' });
    expect(users.hits[0]!.stale).toBe(false);
  });

  it('re-indexes incrementally, keeps unchanged chunk ids, and recognises an unchanged tree', async () => {
    const before = await catalog.latestReadySnapshot('app');
    const oldUsers = await chunks.listFileChunks(before!, 'src/users.ts');
    const result = await indexer.indexRepository({ repoId: 'app', root });
    expect(result.mode).toBe('incremental');
    expect(result.changedPaths).toEqual(['src/save.ts']);
    const newUsers = await chunks.listFileChunks(result, 'src/users.ts');
    expect(newUsers.map((c) => c.id)).toEqual(oldUsers.map((c) => c.id));
    const retriever = new Retriever({ indexes: [lexical], catalog, chunks });
    expect((await retriever.search('edited', { repo: 'app' })).hits[0]!.file).toBe('src/save.ts');
    expect((await retriever.search('createUser calls this', { repo: 'app' })).hits).toEqual([]);
    const again = await indexer.indexRepository({ repoId: 'app', root });
    expect(again.mode).toBe('unchanged');
    // Asked for a full run over the same tree: the snapshot is rebuilt, every index fed again.
    const fed: string[] = [];
    const forced = await indexer.indexRepository({ repoId: 'app', root, incremental: false, onProgress: (e) => void (e.stage === 'index' && e.status === 'done' && fed.push(e.index)) });
    expect([forced.mode, forced.snapshotId, fed.sort()]).toEqual(['full', again.snapshotId, ['lexical', 'symbol']]);
    expect((await retriever.search('edited', { repo: 'app' })).hits[0]!.file).toBe('src/save.ts');
    expect((await indexer.indexRepository({ repoId: 'app', root })).mode).toBe('unchanged');
  });

  it('keeps the previous ready snapshot answering when a run fails midway, and a re-run converges', async () => {
    const ready = await catalog.latestReadySnapshot('app');
    await writeFile(join(root, 'src/new.ts'), 'function brandNew() {\n  return 1\n}\n');
    const crashing = new Indexer({ catalog, chunks, parser: new LineParser(), indexes: [lexical, new TextIndex('symbol', { fail: 'reindex' })] });
    await expect(crashing.indexRepository({ repoId: 'app', root })).rejects.toThrow(/index crashed midway/);
    expect((await catalog.latestReadySnapshot('app'))!.snapshotId).toBe(ready!.snapshotId);
    const retriever = new Retriever({ indexes: [lexical, symbol], catalog, chunks });
    expect((await retriever.search('brandNew', { repo: 'app' })).hits).toEqual([]);
    const rerun = await indexer.indexRepository({ repoId: 'app', root });
    expect(rerun.mode).toBe('incremental');
    expect((await retriever.search('brandNew', { repo: 'app' })).hits[0]).toMatchObject({ name: 'brandNew', file: 'src/new.ts' });
    // Retention: at most two ready snapshots survive, and the failed one is gone.
    await indexer.idle();
    const snaps = await catalog.listSnapshots('app');
    expect(snaps.filter((s) => s.status === 'ready').length).toBeLessThanOrEqual(2);
    expect(snaps.some((s) => s.status === 'failed')).toBe(false);
  });

  it('stops an index run on abort and marks the snapshot failed, not ready', async () => {
    await writeFile(join(root, 'src/abort.ts'), 'function aborted() {\n}\n');
    const controller = new AbortController();
    const run = indexer.indexRepository({ repoId: 'app', root, signal: controller.signal, onProgress: (e) => e.stage === 'store' && controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    const failed = (await catalog.listSnapshots('app')).find((s) => s.status === 'failed');
    expect(failed?.error).toBe('cancelled');
    await rm(join(root, 'src/abort.ts'));
  });

  it('hands the base snapshot\'s files to the scan as its stat cache and stores the times the scan recorded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trawl-times-'));
    await writeFile(join(dir, 'a.ts'), 'function a() {}\n');
    await writeFile(join(dir, 'b.ts'), 'function b() {}\n');
    await writeFile(join(dir, 'README.md'), '# Times\n');
    const parser = new TimedLineParser();
    const seen = parser.seen;
    parser.times.set('README.md', null); // as a file too recent to trust
    const cat = new InMemoryCatalogStore();
    const timed = new Indexer({ catalog: cat, chunks: new InMemoryChunkStore(), parser, indexes: [] });
    try {
      const first = await timed.indexRepository({ repoId: 'timed', root: dir });
      expect(seen[0]).toBeUndefined(); // no base yet
      const times = async (ref: SnapshotRef) => Object.fromEntries((await cat.listFiles(ref)).map((f) => [f.path, f.modifiedMs ?? null]));
      expect(await times(first)).toEqual({ 'README.md': null, 'a.ts': 1_016, 'b.ts': 1_016 });
      expect((await timed.indexRepository({ repoId: 'timed', root: dir })).mode).toBe('unchanged');
      expect([...seen[1]!.keys()].sort()).toEqual(['README.md', 'a.ts', 'b.ts']);
      expect(seen[1]!.get('a.ts')!.modifiedMs).toBe(1_016);
      // An unchanged tree whose README.md time can now be trusted: recorded in the ready snapshot.
      parser.times.set('README.md', 400);
      expect((await timed.indexRepository({ repoId: 'timed', root: dir })).mode).toBe('unchanged');
      expect(await times(first)).toEqual({ 'README.md': 400, 'a.ts': 1_016, 'b.ts': 1_016 });
      // b.ts changes; README.md is unchanged but its time can now be trusted: the new snapshot has both.
      await writeFile(join(dir, 'b.ts'), 'function b() { return 2 }\n');
      parser.times.set('README.md', 500);
      const next = await timed.indexRepository({ repoId: 'timed', root: dir });
      expect(next.changedPaths).toEqual(['b.ts']);
      expect(await times(next)).toEqual({ 'README.md': 500, 'a.ts': 1_016, 'b.ts': 1_026 });
      expect((await times(first))['README.md']).toBe(400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to index a tree with no files', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'trawl-empty-'));
    await expect(indexer.indexRepository({ repoId: 'empty', root: empty })).rejects.toThrow(/found no files to index/);
    await rm(empty, { recursive: true });
  });

  describe('with an HTTP reranker', () => {
    let server: Server;
    let url: string;
    const bodies: any[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let data = '';
        req.on('data', (c) => (data += c));
        req.on('end', () => {
          const body = JSON.parse(data);
          bodies.push({ path: req.url, body });
          const docs: string[] = body.texts ?? body.documents;
          // Score: documents mentioning "return drop" first.
          const scored = docs.map((d, index) => ({ index, s: d.includes('drop') ? 0.9 : 0.1 }));
          res.setHeader('content-type', 'application/json');
          if (req.url === '/rerank') res.end(JSON.stringify(scored.map((x) => ({ index: x.index, score: x.s }))));
          else if (req.url === '/v1/rerank') res.end(JSON.stringify({ results: scored.map((x) => ({ index: x.index, relevance_score: x.s })) }));
          else res.writeHead(404).end('{}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it.each(['tei', 'cohere'] as const)('reorders fused candidates with a %s-style API', async (flavor) => {
      const reranker = new HttpReranker({ flavor, url, model: 'rr' });
      const retriever = new Retriever({ indexes: [lexical], catalog, chunks, reranker });
      const { hits } = await retriever.search('return', { repo: 'app' });
      expect(hits[0]!.name).toBe('deleteUser');
      const last = bodies.at(-1);
      expect(last.path).toBe(flavor === 'tei' ? '/rerank' : '/v1/rerank');
      if (flavor === 'cohere') expect(last.body).toMatchObject({ model: 'rr', query: 'return' });
    });

    it('lists a failing reranker under degraded and keeps the fused order', async () => {
      const reranker = new HttpReranker({ flavor: 'tei', url: `${url}/missing` });
      const retriever = new Retriever({ indexes: [lexical], catalog, chunks, reranker });
      const { hits, degraded } = await retriever.search('return', { repo: 'app' });
      expect(hits.length).toBeGreaterThan(0);
      expect(degraded).toEqual([expect.objectContaining({ index: 'rerank', code: 'BACKEND_ERROR' })]);
    });
  });
});

/** A catalog whose `saveFiles` takes `ms` (the way a database's does), then fails with `error` if given. */
class SlowCatalogStore extends InMemoryCatalogStore {
  constructor(
    private ms: number,
    private error?: Error,
  ) {
    super();
  }
  override async saveFiles(...args: Parameters<InMemoryCatalogStore['saveFiles']>): ReturnType<InMemoryCatalogStore['saveFiles']> {
    await new Promise((resolve) => setTimeout(resolve, this.ms));
    if (this.error) throw this.error;
    return super.saveFiles(...args);
  }
}

/** Runs `fn` with a new temporary folder, removed after it. */
async function inTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An index that only records how its runs overlap: each run waits `ms`, or fails after `failAfterMs`. */
class PacedIndex implements SearchIndex {
  static active = 0;
  static maxActive = 0;
  settled = 0;
  sawAbort = false;
  constructor(
    readonly name: IndexName,
    private pace: { ms: number; failAfterMs?: number },
  ) {}
  async #run(signal?: AbortSignal): Promise<IndexRunResult> {
    PacedIndex.active++;
    PacedIndex.maxActive = Math.max(PacedIndex.maxActive, PacedIndex.active);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => (this.pace.failAfterMs === undefined ? resolve() : reject(new TrawlError('BACKEND_ERROR', `${this.name} broke`, { component: this.name }))), this.pace.failAfterMs ?? this.pace.ms);
        signal?.addEventListener('abort', () => {
          this.sawAbort = true;
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
      return { index: this.name, durationMs: this.pace.ms, itemsIndexed: 0 };
    } finally {
      PacedIndex.active--;
      this.settled++;
    }
  }
  reindexRepo(_content: SnapshotContent, options?: { signal?: AbortSignal }) {
    return this.#run(options?.signal);
  }
  reindexPaths(_delta: SnapshotDelta, options?: { signal?: AbortSignal }) {
    return this.#run(options?.signal);
  }
  async search(): Promise<SearchHit[]> {
    return [];
  }
  async deleteRepo(): Promise<void> {}
}

describe('Indexer feeding several indexes', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trawl-indexes-'));
    await writeFile(join(root, 'a.ts'), 'function a() {\n  return 1\n}\n');
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));
  let catalog = new InMemoryCatalogStore();
  const indexer = (indexes: SearchIndex[], indexConcurrency?: number) => {
    catalog = new InMemoryCatalogStore();
    return new Indexer({ catalog, chunks: new InMemoryChunkStore(), parser: new LineParser(), indexes, indexConcurrency });
  };

  it('runs the indexes side by side by default, and one at a time in order with indexConcurrency 1', async () => {
    const names: IndexName[] = ['lexical', 'fuzzy', 'symbol'];
    PacedIndex.maxActive = 0;
    const together = await indexer(names.map((n) => new PacedIndex(n, { ms: 30 }))).indexRepository({ repoId: 'r', root });
    expect(PacedIndex.maxActive).toBe(3);
    expect(together.indexes.map((r) => r.index)).toEqual(names);

    PacedIndex.maxActive = 0;
    const started: string[] = [];
    const inTurn = await indexer(names.map((n) => new PacedIndex(n, { ms: 5 })), 1).indexRepository({
      repoId: 'r',
      root,
      onProgress: (e) => e.stage === 'index' && e.status === 'start' && started.push(e.index),
    });
    expect(PacedIndex.maxActive).toBe(1);
    expect(started).toEqual(names);
    expect(inTurn.indexes.map((r) => r.index)).toEqual(names);
  });

  it('cancels the other indexes when one fails, waits for them, and marks the snapshot failed', async () => {
    const slow = new PacedIndex('symbol', { ms: 10_000 });
    const broken = new PacedIndex('fuzzy', { ms: 0, failAfterMs: 10 });
    const run = indexer([slow, broken]);
    const started = performance.now();
    await expect(run.indexRepository({ repoId: 'r', root })).rejects.toThrow(/fuzzy broke/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(slow.sawAbort).toBe(true);
    expect(slow.settled).toBe(1); // nothing of the failed run is still running
    expect((await catalog.listSnapshots('r')).map((s) => s.status)).toEqual(['failed']);
  });

  it('feeds the indexes while the stores are written, and holds back an index that reads them back', async () => {
    const stores = { catalog: new SlowCatalogStore(50), chunks: new InMemoryChunkStore() };
    const seen = new Map<string, number>();
    const peek = (name: IndexName, readsStoredSnapshot: boolean): SearchIndex =>
      Object.assign(new PacedIndex(name, { ms: 0 }), {
        readsStoredSnapshot,
        async reindexRepo(content: SnapshotContent) {
          seen.set(name, (await stores.catalog.listFiles(content.snapshot)).length);
          return { index: name, durationMs: 0, itemsIndexed: 0 };
        },
      });
    const events: string[] = [];
    const run = await new Indexer({ ...stores, parser: new LineParser(), indexes: [peek('lexical', false), peek('symbol', true)] }).indexRepository({
      repoId: 'r',
      root,
      onProgress: (e) => (e.stage === 'store' || e.stage === 'index') && events.push(e.stage === 'store' ? 'store' : `${e.index} ${e.status}`),
    });
    expect(run.mode).toBe('full');
    // The one that reads the snapshot from its argument ran before the files were stored; the
    // other waited for them.
    expect(seen.get('lexical')).toBe(0);
    expect(seen.get('symbol')).toBe(1);
    expect(events.indexOf('lexical start')).toBeLessThan(events.indexOf('store'));
    expect(events.indexOf('store')).toBeLessThan(events.indexOf('symbol start'));
    expect(await stores.catalog.listFiles(run)).toHaveLength(1);
  });

  it('prepares every index before a run writes anything, and not for an unchanged tree', async () => {
    const stores = { catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore() };
    // (the run's first write is its snapshot record)
    const prepared: number[] = [];
    const index = Object.assign(new PacedIndex('lexical', { ms: 0 }), {
      async prepare() {
        prepared.push((await stores.catalog.listSnapshots('r')).length);
      },
    });
    const run = new Indexer({ ...stores, parser: new LineParser(), indexes: [index] });
    await run.indexRepository({ repoId: 'r', root });
    expect(prepared).toEqual([0]);
    expect((await run.indexRepository({ repoId: 'r', root })).mode).toBe('unchanged');
    expect(prepared).toHaveLength(1);
  });

  it('cancels the indexes when a store write fails, and throws the store\'s error', async () => {
    const slow = new PacedIndex('symbol', { ms: 10_000 });
    const stores = { catalog: new SlowCatalogStore(20, new TrawlError('BACKEND_ERROR', 'disk full', { component: 'catalog' })), chunks: new InMemoryChunkStore() };
    const started = performance.now();
    await expect(new Indexer({ ...stores, parser: new LineParser(), indexes: [slow] }).indexRepository({ repoId: 'r', root })).rejects.toThrow(/disk full/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(slow.sawAbort).toBe(true);
    expect(slow.settled).toBe(1);
    expect((await stores.catalog.listSnapshots('r')).map((s) => s.status)).toEqual(['failed']);
  });

  it('returns once the snapshot is ready and removes the oldest one after, which the next run and idle() wait for', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const deleting: string[] = [];
    class GatedCatalogStore extends InMemoryCatalogStore {
      override async deleteSnapshot(...args: Parameters<InMemoryCatalogStore['deleteSnapshot']>): ReturnType<InMemoryCatalogStore['deleteSnapshot']> {
        deleting.push(args[0].snapshotId);
        await gate;
        return super.deleteSnapshot(...args);
      }
    }
    await inTempDir('trawl-prune-', async (dir) => {
      try {
        const stores = { catalog: new GatedCatalogStore(), chunks: new InMemoryChunkStore() };
        const run = new Indexer({ ...stores, parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 0 })], keepSnapshots: 1 });
        await writeFile(join(dir, 'a.ts'), 'function a() {}\n');
        const first = await run.indexRepository({ repoId: 'r', root: dir });
        await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
        const second = await run.indexRepository({ repoId: 'r', root: dir });
        // Ready and returned while the first snapshot's removal waits at the gate.
        expect(second.mode).toBe('incremental');
        expect((await stores.catalog.latestReadySnapshot('r'))!.snapshotId).toBe(second.snapshotId);
        await vi.waitFor(() => expect(deleting).toEqual([first.snapshotId]));
        let idle = false;
        const idling = run.idle().then(() => (idle = true));
        // The next run scans meanwhile, and goes no further until the removal is done.
        await writeFile(join(dir, 'a.ts'), 'function a() { return 3 }\n');
        const stages: string[] = [];
        const third = run.indexRepository({ repoId: 'r', root: dir, onProgress: (e) => stages.push(e.stage) });
        await vi.waitFor(() => expect(stages).toContain('scan'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect([stages, idle]).toEqual([['scan'], false]);
        expect((await stores.catalog.listSnapshots('r')).map((s) => s.snapshotId).sort()).toEqual([first.snapshotId, second.snapshotId].sort());
        open();
        expect((await third).mode).toBe('incremental');
        await idling;
        await run.idle();
        expect((await stores.catalog.listSnapshots('r')).map((s) => s.snapshotId)).toEqual([(await third).snapshotId]);
      } finally {
        open();
      }
    });
  });

  it('runs two index runs of one repository one after the other', async () => {
    const roots = await Promise.all(['a', 'b'].map((n) => mkdtemp(join(tmpdir(), `trawl-two-runs-${n}-`))));
    try {
      for (const [i, dir] of roots.entries()) await writeFile(join(dir, 'a.ts'), `function a() { return ${i} }\n`);
      const run = new Indexer({ catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore(), parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 20 })] });
      const stages: string[] = [];
      // Two trees indexed as one repository at once: the second starts when the first is done.
      const [first, second] = await Promise.all(
        roots.map((root, i) => run.indexRepository({ repoId: 'r', root, onProgress: (e) => (e.stage === 'scan' || e.stage === 'done') && stages.push(`${i} ${e.stage}`) })),
      );
      expect(stages).toEqual(['0 scan', '0 done', '1 scan', '1 done']);
      expect([first!.mode, second!.mode, second!.changedPaths]).toEqual(['full', 'incremental', ['a.ts']]);
      // A run that fails does not stop the next one.
      await expect(Promise.all([run.indexRepository({ repoId: 'r', root: join(roots[0]!, 'missing') }), run.indexRepository({ repoId: 'r', root: roots[0]! })])).rejects.toThrow(/missing/);
      await run.idle();
      expect((await run.indexRepository({ repoId: 'r', root: roots[0]! })).mode).toBe('unchanged');
    } finally {
      for (const dir of roots) await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives up a run cancelled while it waits for the repository\'s run before it', async () => {
    await inTempDir('trawl-queued-', async (dir) => {
      await writeFile(join(dir, 'a.ts'), 'function a() {}\n');
      const run = new Indexer({ catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore(), parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 400 })] });
      const first = run.indexRepository({ repoId: 'r', root: dir });
      const controller = new AbortController();
      const queued = run.indexRepository({ repoId: 'r', root: dir, signal: controller.signal });
      const started = performance.now();
      setTimeout(() => controller.abort(), 20);
      await expect(queued).rejects.toMatchObject({ code: 'ABORTED', message: expect.stringMatching(/before it started/) });
      expect(performance.now() - started).toBeLessThan(300);
      expect((await first).mode).toBe('full');
      // idle() waits for a run in progress too (and its prune).
      await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
      let done = false;
      void run.indexRepository({ repoId: 'r', root: dir }).then(() => (done = true));
      await run.idle();
      expect(done).toBe(true);
      // The queue goes on: the next run finds the tree indexed.
      expect((await run.indexRepository({ repoId: 'r', root: dir })).mode).toBe('unchanged');
    });
  });

  it('marks a snapshot failed before removing it: one whose removal stopped halfway is rebuilt, not revived', async () => {
    await inTempDir('trawl-half-removed-', async (dir) => {
      const stores = { catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore() };
      const index = Object.assign(new PacedIndex('lexical', { ms: 0 }), {
        async deleteRepo() {
          throw new TrawlError('BACKEND_UNAVAILABLE', 'zoekt went away', { component: 'lexical' });
        },
      });
      const run = new Indexer({ ...stores, parser: new LineParser(), indexes: [index], keepSnapshots: 1 });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 1 }\n');
      const first = await run.indexRepository({ repoId: 'r', root: dir });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
      await run.indexRepository({ repoId: 'r', root: dir });
      await run.idle();
      expect(await stores.catalog.getSnapshot(first)).toMatchObject({ status: 'failed', error: 'being removed' });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 1 }\n');
      const reverted = await run.indexRepository({ repoId: 'r', root: dir });
      expect([reverted.snapshotId, reverted.mode]).toEqual([first.snapshotId, 'incremental']);
      expect((await stores.catalog.latestReadySnapshot('r'))!.snapshotId).toBe(first.snapshotId);
    });
  });

  it('makes a tree reverted to an older snapshot the latest one again', async () => {
    await inTempDir('trawl-revert-', async (dir) => {
      const stores = { catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore() };
      const run = new Indexer({ ...stores, parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 0 })] });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 1 }\n');
      const first = await run.indexRepository({ repoId: 'r', root: dir });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
      await run.indexRepository({ repoId: 'r', root: dir });
      // The change reverted: the tree is the first snapshot again, and searches must read it.
      await writeFile(join(dir, 'a.ts'), 'function a() { return 1 }\n');
      const reverted = await run.indexRepository({ repoId: 'r', root: dir });
      expect([reverted.snapshotId, reverted.mode]).toEqual([first.snapshotId, 'unchanged']);
      expect((await stores.catalog.latestReadySnapshot('r'))!.snapshotId).toBe(first.snapshotId);
      expect((await run.indexRepository({ repoId: 'r', root: dir })).mode).toBe('unchanged');
      // A catalog that cannot make it the latest: it is built again from the newest one.
      const plain = Object.defineProperty(new InMemoryCatalogStore(), 'touchSnapshot', { value: undefined });
      const rebuilt = new Indexer({ catalog: plain, chunks: new InMemoryChunkStore(), parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 0 })] });
      expect((await rebuilt.indexRepository({ repoId: 'r', root: dir })).snapshotId).toBe(first.snapshotId);
      await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
      await rebuilt.indexRepository({ repoId: 'r', root: dir });
      await writeFile(join(dir, 'a.ts'), 'function a() { return 1 }\n');
      const again = await rebuilt.indexRepository({ repoId: 'r', root: dir });
      expect([again.snapshotId, again.mode, again.changedPaths]).toEqual([first.snapshotId, 'incremental', ['a.ts']]);
      expect((await plain.latestReadySnapshot('r'))!.snapshotId).toBe(first.snapshotId);
    });
  });

  it('removes the snapshots runs that died left indexing, and leaves those that may still be running', async () => {
    const stores = { catalog: new InMemoryCatalogStore(), chunks: new InMemoryChunkStore() };
    const run = new Indexer({ ...stores, parser: new LineParser(), indexes: [new PacedIndex('lexical', { ms: 0 })] });
    await inTempDir('trawl-stale-', async (dir) => {
      await writeFile(join(dir, 'a.ts'), 'function a() {}\n');
      await run.indexRepository({ repoId: 'r', root: dir });
      // (a pid that existed and is gone)
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      const me = thisProcess();
      const left = [
        ['dead', { owner: { ...me, pid: dead, started: undefined } }],
        ['alive', { owner: { ...me, pid: process.ppid, started: undefined } }],
        ['here', { owner: me }],
        ['elsewhere', { owner: { ...me, host: `not-${hostname()}`, pid: dead } }],
        ['other-container', { owner: { ...me, pidNamespace: 'pid:[1]', pid: dead } }],
        ['unowned', {}],
      ] as const;
      for (const [snapshotId, stats] of left) await stores.catalog.beginSnapshot({ repoId: 'r', snapshotId, stats });
      await stores.chunks.saveChunks([{ ...(await stores.chunks.listRepoChunks('r'))[0]!, snapshotId: 'dead' }]);
      expect(leftByDeadRun((await stores.catalog.getSnapshot({ repoId: 'r', snapshotId: 'dead' }))!)).toBe(true);

      await writeFile(join(dir, 'a.ts'), 'function a() { return 2 }\n');
      await run.indexRepository({ repoId: 'r', root: dir });
      await run.idle();
      const states = Object.fromEntries((await stores.catalog.listSnapshots('r')).map((s) => [s.snapshotId, s.status]));
      expect(Object.keys(states).sort()).toEqual(['alive', 'elsewhere', 'here', 'other-container', 'unowned', ...Object.keys(states).filter((k) => states[k] === 'ready')].sort());
      expect(await stores.chunks.listRepoChunks('r', { snapshotId: 'dead' })).toEqual([]);
    });
  });

  it('rejects an indexConcurrency that is not a whole number of 1 or more', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => indexer([], bad)).toThrow(/indexConcurrency must be a whole number/);
  });
});
