/**
 * Lexical search latency on real source text (the workspace's node_modules sources), side by side:
 * raw Zoekt `/api/search`, ZoektLexicalIndex (Zoekt + decoding + chunk mapping, on an in-memory
 * chunk store: ZoektLexicalIndex's own cost), the same on the PostgreSQL chunk store (`ZLI, PG chunk
 * store`: what the services setup runs, one database round trip more per search), the PostgreSQL
 * trigram backend (PostgresLexicalIndex on the server) and ripgrep over the same files on disk.
 * Also zoekt-index time and index sizes.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-lexical/bench/lexical-search.bench.ts [--mb 16] [--iterations 5] [--zoekt-ms 1500] [--only LABEL] [--debug] [--explain]
 *
 * `--only` keeps the queries whose label contains LABEL, `--kind selective|broad` one kind;
 * `--debug` prints, per query, the size of Zoekt's response and the time to fetch, parse and
 * decode it; `--explain` prints the PostgreSQL plan of one selective query; `--profile FILE`
 * writes a CPU profile of ZoektLexicalIndex.search alone; `--no-pg` leaves PostgreSQL out.
 *
 * A table pairs ZoektLexicalIndex with raw Zoekt round by round (the engines run once each per
 * round): the medians of their difference and ratio within a round, from which the load both met
 * cancels out. A last table gives the CPU time of one search with the network left out:
 * JSON.parse of Zoekt's recorded answer, the client's checks on it, and ZoektLexicalIndex on a
 * client stub that hands it that answer (chunk mapping and hits on top). Run hot in a loop, it is a floor: within the
 * rotating runs above, the same mapping takes up to twice as long (its code and data colder).
 *
 * Fairness: "zoekt raw" sends, byte for byte, the `/api/search` body ZoektLexicalIndex sent for
 * the same query (recorded on the way out: same query, same MaxDocDisplayCount /
 * MaxMatchDisplayCount / ShardMaxMatchCount / TotalMaxMatchCount, no context), over the same
 * keep-alive connection pool, and reads the whole response; the table prints that request.
 * "zoekt raw + JSON.parse" also parses it: the least any caller of `/api/search` does to read an
 * answer, and the baseline of the ratios (the tables give them against the bytes alone too).
 * "ZoektClient.search" is the client alone with the same request (HTTP + JSON.parse + shape
 * checks; line text is decoded lazily, on read), so ZoektLexicalIndex minus it is the cost of
 * chunk mapping and building hits.
 *
 * The default run is short (16 MB); the issue's full size is `--mb 60`. Needs DATABASE_URL (a
 * PostgreSQL server, e.g. `export DATABASE_URL=$(cat /tmp/dev-db-url)`), Zoekt's binaries
 * (ZOEKT_BIN_DIR or .cache/bin/zoekt-*, built by tools/services/zoekt.sh) and ripgrep (`rg`).
 * The bench starts its own zoekt-webserver on a free loopback port and stops it at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Pool, type Dispatcher } from 'undici';
import { normalizeChunk, type Chunk, type LexicalSearchOptions, type SnapshotContent, type SourceFile } from '@trawl/core';
import { InMemoryChunkStore, PostgresChunkStore } from '@trawl/chunk-store';
import { PostgresStore, refreshSnapshotStatistics } from '@trawl/postgres';
import { createTestDatabase } from '@trawl/testing';
import { ZoektClient, ZoektIndexer, decodeSearchResponse, type ZoektDispatcher } from '@trawl/zoekt';
import { PostgresLexicalIndex, ZoektLexicalIndex } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MB = arg('mb', 16);
const ITERATIONS = arg('iterations', 5);
/**
 * Rounds of the Zoekt engines per query: at least ITERATIONS, and more for a fast query, up to
 * `--zoekt-ms` (default 1500) per query: a p50 of 20 sub-millisecond samples moves by more than
 * the overhead it is compared with.
 */
const ZOEKT_MS = arg('zoekt-ms', 1500);
const LIMIT = 20;
/** `--no-pg`: leave the PostgreSQL backend out (a quicker run while working on the Zoekt side). */
const WITH_PG = !process.argv.includes('--no-pg');
const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const EXTENSIONS = /\.(js|mjs|cjs|ts|mts|cts|tsx|jsx)$/;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

async function collectCorpus(limitBytes: number): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  let total = 0;
  const seen = new Set<string>();
  async function walk(dir: string): Promise<void> {
    if (total >= limitBytes) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (total >= limitBytes) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.bin' && e.name !== '.cache') await walk(p);
      } else if (e.isFile() && EXTENSIONS.test(e.name)) {
        const info = await stat(p);
        if (info.size === 0 || info.size > 1_000_000) continue;
        const content = await readFile(p, 'utf8');
        if (content.includes('\0')) continue;
        const hash = sha(content);
        if (seen.has(hash)) continue; // node_modules repeats files; keep the corpus distinct
        seen.add(hash);
        total += info.size;
        files.push({ path: relative(join(ROOT, 'node_modules'), p), language: e.name.endsWith('ts') ? 'typescript' : 'javascript', contentHash: hash, sizeBytes: info.size, lineCount: content.split('\n').length, content });
      }
    }
  }
  await walk(join(ROOT, 'node_modules'));
  return files;
}

/** A file chunk per file and a "function" chunk per 40-line window, so every hit maps through the store; with the attributes the parser gives such chunks (the store copies them on every read). */
function chunksOf(repoId: string, snapshotId: string, files: SourceFile[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const f of files) {
    const fileId = sha(`${f.path}|file`).slice(0, 32);
    chunks.push(normalizeChunk({ id: fileId, repoId, snapshotId, filePath: f.path, kind: 'file', name: f.path.split('/').pop()!, fqn: f.path, startLine: 1, endLine: f.lineCount, contentHash: f.contentHash, attributes: { lineCount: f.lineCount, sizeBytes: f.sizeBytes } }));
    for (let start = 1; start <= f.lineCount; start += 40) {
      const end = Math.min(f.lineCount, start + 39);
      chunks.push(normalizeChunk({ id: sha(`${f.path}|${start}`).slice(0, 32), repoId, snapshotId, filePath: f.path, kind: 'function', name: `block${start}`, fqn: `${f.path}:block${start}`, startLine: start, endLine: end, contentHash: sha(`${f.contentHash}${start}`), parentId: fileId, attributes: { symbolKind: 'function' } }));
    }
  }
  return chunks;
}

/** Identifiers of 12+ characters that occur in one to three files: selective queries. */
function selectiveIdentifiers(files: SourceFile[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const f of files) {
    for (const id of new Set(f.content.match(/\b[A-Za-z_][A-Za-z0-9_]{11,30}\b/g) ?? [])) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const lower = new Map<string, number>();
  for (const [id, c] of counts) lower.set(id.toLowerCase(), (lower.get(id.toLowerCase()) ?? 0) + c);
  return [...counts]
    .filter(([id, c]) => c <= 3 && lower.get(id.toLowerCase())! <= 3 && /[a-z]/.test(id) && /[A-Z_]/.test(id))
    .map(([id]) => id)
    .sort((a, b) => sha(a).localeCompare(sha(b)))
    .slice(0, n);
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function zoektBinDir(): string {
  if (process.env.ZOEKT_BIN_DIR) return process.env.ZOEKT_BIN_DIR;
  const cache = join(ROOT, '.cache/bin');
  const dir = existsSync(cache) ? readdirSync(cache).find((d) => d.startsWith('zoekt-')) : undefined;
  if (!dir) throw new Error('Zoekt binaries not found: run `source tools/services/common.sh; source tools/services/zoekt.sh; ensure_zoekt_installed` or set ZOEKT_BIN_DIR');
  return join(cache, dir);
}

async function dirSize(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
}

interface Query {
  label: string;
  kind: 'selective' | 'broad';
  text: string;
  options: LexicalSearchOptions;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: export DATABASE_URL=$(cat /tmp/dev-db-url) (or any PostgreSQL server URL)');
  const rg = spawnSync('rg', ['--version']);
  if (rg.status !== 0) throw new Error('ripgrep (rg) is not installed: apt-get install -y ripgrep');

  console.log(`collecting ~${MB} MB of source from node_modules...`);
  const files = await collectCorpus(MB * 1024 * 1024);
  const bytes = files.reduce((n, f) => n + f.sizeBytes, 0);
  const snapshot = { repoId: 'bench', snapshotId: 's1' };
  const chunks = chunksOf(snapshot.repoId, snapshot.snapshotId, files);
  console.log(`corpus: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, ${files.reduce((n, f) => n + f.lineCount, 0)} lines, ${chunks.length} chunks`);

  const work = await mkdtemp(join(tmpdir(), 'trawl-lexical-bench-'));
  const corpusDir = join(work, 'corpus');
  for (const f of files) {
    await mkdir(dirname(join(corpusDir, f.path)), { recursive: true });
    await writeFile(join(corpusDir, f.path), f.content);
  }
  const content: SnapshotContent = { snapshot, rootPath: corpusDir, files, chunks, symbols: [], relations: [] };
  const chunkStore = new InMemoryChunkStore();
  await chunkStore.saveChunks(chunks);

  // Zoekt: our own webserver over a fresh index folder.
  const binDir = zoektBinDir();
  const indexDir = join(work, 'zoekt-index');
  await mkdir(indexDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const web: ChildProcess = spawn(join(binDir, 'zoekt-webserver'), ['-rpc', '-html=false', '-index', indexDir, '-listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  // One keep-alive pool for every Zoekt request of the run; it records the last /api/search
  // body so raw Zoekt can be sent exactly what ZoektLexicalIndex sent.
  const pool = new Pool(url, { connections: 16, keepAliveTimeout: 10_000 });
  let lastSearchBody: string | undefined;
  const recording: ZoektDispatcher = {
    request: ((options: Dispatcher.RequestOptions) => {
      if (options.path.endsWith('/api/search')) lastSearchBody = String(options.body);
      return pool.request(options);
    }) as ZoektDispatcher['request'],
    close: () => pool.close(),
  };
  const client = new ZoektClient({ url, dispatcher: recording });
  const rawSearch = async (body: string) => {
    const res = await pool.request({ origin: url, path: '/api/search', method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return res.body.text();
  };
  const db = await createTestDatabase('trawl_bench');
  const store = new PostgresStore({ connectionString: db.url, min: 0, max: 4 });
  try {
    for (let i = 0; i < 100 && !(await client.ready()); i++) await new Promise((r) => setTimeout(r, 100));
    const zoekt = new ZoektLexicalIndex({ client, indexer: new ZoektIndexer({ indexDir, binDir, ctagsCommand: process.env.CTAGS_COMMAND ?? 'ctags-universal' }), chunkStore });
    const zRun = await zoekt.reindexRepo(content);
    const zoektIndexBytes = await dirSize(indexDir);

    const pg = new PostgresLexicalIndex({ store, chunkStore });
    let pgRun: { durationMs: number } | undefined;
    let trgmBytes = 0;
    // ZoektLexicalIndex as the services setup runs it: chunks mapped through the PostgreSQL chunk
    // store (its line spans and the rows read in memory, kept current by the stamp announcements
    // it listens to), with the planner statistics an index run leaves (refreshSnapshotStatistics).
    let zoektPg: ZoektLexicalIndex | undefined;
    if (WITH_PG) {
      const pgChunks = new PostgresChunkStore(store);
      await pgChunks.saveChunks(chunks);
      await refreshSnapshotStatistics(store, snapshot);
      await pgChunks.loadLineSpans(snapshot);
      // (not listening, each search reads the snapshot's stamp first: one round trip)
      console.log(`PostgreSQL chunk store listening for stamp announcements: ${pgChunks.listening ? 'yes' : 'NO'}`);
      zoektPg = new ZoektLexicalIndex({ client, indexer: new ZoektIndexer({ indexDir, binDir }), chunkStore: pgChunks });
    }
    if (WITH_PG) {
      pgRun = await pg.reindexRepo(content);
      await store.execute('ANALYZE files');
      await store.execute('ANALYZE file_contents');
      trgmBytes = Number(await store.fetchValue(`SELECT pg_relation_size('lexical_segments_text_trgm_idx')`));
    }

    const ids = selectiveIdentifiers(files, 5);
    const queries: Query[] = [
      ...ids.map((id) => ({ label: `literal ${id}`, kind: 'selective' as const, text: id, options: {} })),
      { label: `regex ${ids[0]!.slice(0, 8)}\\w+`, kind: 'selective', text: `${ids[0]!.slice(0, 8)}\\w+`, options: { regex: true } },
      { label: 'literal "function"', kind: 'broad', text: 'function', options: {} },
      { label: 'literal "return null"', kind: 'broad', text: 'return null', options: {} },
      { label: 'literal "require("', kind: 'broad', text: 'require(', options: {} },
      { label: 'regex async \\w+\\(', kind: 'broad', text: 'async \\w+\\(', options: { regex: true } },
      { label: 'regex export (const|function) \\w+', kind: 'broad', text: 'export (const|function) \\w+', options: { regex: true } },
    ];

    if (process.argv.includes('--explain')) {
      const { lexicalSearchSql } = await import('../src/postgres-lexical-index.js');
      const { sql, params } = lexicalSearchSql(snapshot, queries[1]!.text, {}, LIMIT * 20);
      const plan = await store.transaction(async (tx) => {
        await tx.execute('SET LOCAL enable_seqscan = off');
        return tx.fetch(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      });
      console.log(plan.map((r) => Object.values(r)[0]).join('\n'));
    }
    const ZOEKT_ENGINES = ['zoekt raw', 'zoekt raw + JSON.parse', 'ZoektClient.search', 'ZoektLexicalIndex', 'ZLI, PG chunk store'];
    /** The engines that need PostgreSQL (left out by `--no-pg`). */
    const PG_ENGINES = ['pg trigram', 'ZLI, PG chunk store'];
    /** The /api/search body ZoektLexicalIndex sends for each query, recorded by its first search. */
    const sentBodies = new Map<string, string>();
    const sentBody = (q: Query) => sentBodies.get(q.label)!;
    const engines: Record<string, (q: Query) => Promise<unknown>> = {
      'zoekt raw': (q) => rawSearch(sentBody(q)),
      'zoekt raw + JSON.parse': async (q) => JSON.parse(await rawSearch(sentBody(q))),
      'ZoektClient.search': (q) => {
        const { Q, Opts } = JSON.parse(sentBody(q)) as { Q: string; Opts: Record<string, number> };
        return client.search(Q, { raw: true, maxDocuments: Opts.MaxDocDisplayCount, maxMatches: Opts.TotalMaxMatchCount, maxLines: Opts.MaxMatchDisplayCount });
      },
      ZoektLexicalIndex: (q) => zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT }),
      'ZLI, PG chunk store': (q) => zoektPg!.search(snapshot, q.text, { ...q.options, limit: LIMIT }),
      'pg trigram': (q) => pg.search(snapshot, q.text, { ...q.options, limit: LIMIT }),
      ripgrep: async (q) => {
        const r = spawnSync('rg', ['-n', '-i', ...(q.options.regex ? ['-e', q.text] : ['-F', '-e', q.text]), corpusDir], { stdio: 'ignore' });
        if (r.status !== 0 && r.status !== 1) throw new Error(`rg failed: ${r.status}`);
      },
    };

    const only = process.argv.indexOf('--only');
    if (only > 0) queries.splice(0, queries.length, ...queries.filter((q) => q.label.includes(process.argv[only + 1]!)));
    const kind = process.argv.indexOf('--kind');
    if (kind > 0) queries.splice(0, queries.length, ...queries.filter((q) => q.kind === process.argv[kind + 1]));
    const profile = process.argv.indexOf('--profile');
    if (profile > 0) {
      // CPU profile of ZoektLexicalIndex.search alone (corpus building and indexing left out).
      const { Session } = await import('node:inspector/promises');
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      for (let i = 0; i < ITERATIONS; i++) for (const q of queries) await zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT });
      const { profile: cpu } = await session.post('Profiler.stop');
      await writeFile(process.argv[profile + 1]!, JSON.stringify(cpu));
      session.disconnect();
      console.log(`wrote ${process.argv[profile + 1]}`);
    }
    /** The CPU of one search of `q`, network left out: medians of JSON.parse, + the client's checks, and ZoektLexicalIndex on a replayed answer. */
    const cpuCost = async (q: Query, Q: string, answer: string) => {
      let asked = 0;
      const replay = { search: async (query: string) => (asked++, decodeSearchResponse(JSON.parse(answer), query)), listRepositories: async () => [] } as unknown as ZoektClient;
      const offline = new ZoektLexicalIndex({ client: replay, indexer: new ZoektIndexer({ indexDir, binDir }), chunkStore });
      const median = async (run: () => unknown) => {
        const rounds: number[] = [];
        for (let r = 0; r < 15; r++) {
          const t = performance.now();
          for (let i = 0; i < 100; i++) await run();
          rounds.push((performance.now() - t) / 100);
        }
        return pct(rounds, 50);
      };
      const search = () => offline.search(snapshot, q.text, { ...q.options, limit: LIMIT });
      await search();
      asked = 0;
      const parse = await median(() => JSON.parse(answer));
      const decode = await median(() => decodeSearchResponse(JSON.parse(answer), Q));
      const zli = await median(search);
      return { parse, decode, zli, answersPerSearch: asked / 1500 };
    };
    const cpu = new Map<string, Awaited<ReturnType<typeof cpuCost>>>();
    const returned = new Map<string, string>();
    for (const q of queries) {
      lastSearchBody = undefined;
      await zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT });
      sentBodies.set(q.label, lastSearchBody!);
      const { Q, Opts } = JSON.parse(lastSearchBody!) as { Q: string; Opts: Record<string, number> };
      lastSearchBody = undefined;
      await engines['ZoektClient.search']!(q);
      if (lastSearchBody !== sentBody(q)) throw new Error(`ZoektClient.search sent ${lastSearchBody}, ZoektLexicalIndex sent ${sentBody(q)}: the comparison would not be fair`);
      const text = await rawSearch(sentBody(q));
      const result = decodeSearchResponse(JSON.parse(text), Q);
      cpu.set(q.label, await cpuCost(q, Q, text));
      returned.set(q.label, `${result.files.length} / ${result.files.reduce((n, f) => n + f.matches.length, 0)} / ${(text.length / 1024).toFixed(0)} KB`);
      if (q === queries[0]) console.log(`\nZoekt request of ZoektLexicalIndex and raw Zoekt (first query): ${JSON.stringify({ Q, Opts })}`);
      if (process.argv.includes('--debug')) {
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const body = await rawSearch(sentBody(q));
          const t1 = performance.now();
          const json = JSON.parse(body);
          const t2 = performance.now();
          const decoded = decodeSearchResponse(json, Q);
          const t3 = performance.now();
          for (const f of decoded.files) for (const m of f.matches) void m.ranges;
          const t4 = performance.now();
          console.log(q.label, 'bytes', body.length, 'fetch', (t1 - t0).toFixed(1), 'parse', (t2 - t1).toFixed(1), 'check', (t3 - t2).toFixed(1), 'decode every line', (t4 - t3).toFixed(1));
        }
      }
    }
    const times = new Map<string, Map<string, number[]>>();
    const hitCounts = new Map<string, string>();
    for (const q of queries) {
      const perEngine = new Map<string, number[]>();
      times.set(q.label, perEngine);
      const zh = (await zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT })).length;
      const ph = WITH_PG ? (await pg.search(snapshot, q.text, { ...q.options, limit: LIMIT })).length : '-';
      hitCounts.set(q.label, `${zh}/${ph}`);
      // The Zoekt engines take turns, in an order that rotates each iteration, so a burst of
      // load from other processes on this shared machine spreads over all three and none of them
      // always runs right after another. PostgreSQL and ripgrep (a 200+ ms scan that evicts
      // caches) run in their own loops afterwards, never between two Zoekt measurements.
      const active = Object.entries(engines).filter(([name]) => WITH_PG || !PG_ENGINES.includes(name));
      const rotating = active.filter(([name]) => ZOEKT_ENGINES.includes(name));
      const rest = active.filter(([name]) => !ZOEKT_ENGINES.includes(name));
      const measure = async ([name, run]: (typeof active)[number]) => {
        const t = performance.now();
        await run(q);
        perEngine.get(name)!.push(performance.now() - t);
      };
      for (const [name, run] of rotating) {
        await run(q); // warm-up
        perEngine.set(name, []);
      }
      const started = performance.now();
      for (let i = 0; i < ITERATIONS || (performance.now() - started < ZOEKT_MS && i < 2000); i++) for (let k = 0; k < rotating.length; k++) await measure(rotating[(i + k) % rotating.length]!);
      for (const engine of rest) {
        await engine[1](q); // warm-up
        perEngine.set(engine[0], []);
        for (let i = 0; i < ITERATIONS; i++) await measure(engine);
      }
    }

    if (!WITH_PG) for (const name of PG_ENGINES) delete engines[name];
    const names = Object.keys(engines);
    console.log(`\n## Lexical search, ${files.length} files / ${(bytes / 1024 / 1024).toFixed(1)} MB, limit ${LIMIT}, ${ITERATIONS} runs per query (Zoekt engines: more, for up to ${ZOEKT_MS} ms a query; p50 / p95 ms)\n`);
    console.log(`| query | kind | hits Z/PG | Zoekt files / lines / bytes returned | ${names.join(' | ')} | ZLI / raw + parse | ZLI / raw bytes | rg / ZLI | rg / raw | rg / pg |`);
    console.log(`|---|---|---|---|${names.map(() => '---|').join('')}---|---|---|---|---|`);
    const groups: Record<string, Record<string, number[]>> = { selective: {}, broad: {} };
    for (const q of queries) {
      const e = times.get(q.label)!;
      const p50 = (n: string) => pct(e.get(n)!, 50);
      // (pooled with each query weighted alike, whatever its number of runs: its percentiles 0..100)
      for (const n of names) (groups[q.kind]![n] ??= []).push(...Array.from({ length: 101 }, (_, p) => pct(e.get(n)!, p)));
      console.log(
        `| ${q.label} | ${q.kind} | ${hitCounts.get(q.label)} | ${returned.get(q.label)} | ${names.map((n) => `${ms(p50(n))} / ${ms(pct(e.get(n)!, 95))}`).join(' | ')} | ${(p50('ZoektLexicalIndex') / p50('zoekt raw + JSON.parse')).toFixed(2)}x | ${(p50('ZoektLexicalIndex') / p50('zoekt raw')).toFixed(2)}x | ${(p50('ripgrep') / p50('ZoektLexicalIndex')).toFixed(1)}x | ${(p50('ripgrep') / p50('zoekt raw')).toFixed(1)}x | ${WITH_PG ? `${(p50('ripgrep') / p50('pg trigram')).toFixed(1)}x` : '-'} |`,
      );
    }
    // Pooled percentiles mix fast and slow queries (the p50 lands on whichever query sits in the
    // middle), so the per-query ratios are summarised too: geometric mean and worst.
    const perQueryRatios = (kind: string, a: string, b: string) => queries.filter((q) => q.kind === kind).map((q) => pct(times.get(q.label)!.get(a)!, 50) / pct(times.get(q.label)!.get(b)!, 50));
    const geomean = (xs: number[]) => Math.exp(xs.reduce((n, x) => n + Math.log(x), 0) / xs.length);
    const withPgStore = names.includes('ZLI, PG chunk store');
    for (const [raw, title] of [
      ['zoekt raw + JSON.parse', 'against raw Zoekt read and parsed'],
      ['zoekt raw', 'against raw Zoekt, bytes read only'],
    ] as const) {
      console.log(`\n${title} ("${raw}"):\n`);
      console.log('| all queries of a kind | ' + names.map((n) => `${n} p50 / p95`).join(' | ') + ' | ZLI / raw (pooled p50) | ZLI / raw (pooled p95) | ZLI / raw per query: geomean / worst (p50) | rg / ZLI (pooled p50) |' + (withPgStore ? ' ZLI on PG chunk store / raw (pooled p50 / p95) | ZLI on PG chunk store / raw per query: geomean / worst (p50) |' : ''));
      console.log(`|---|${names.map(() => '---|').join('')}---|---|---|---|${withPgStore ? '---|---|' : ''}`);
      for (const [kind, g] of Object.entries(groups)) {
        if (!g.ZoektLexicalIndex) continue;
        const ratios = perQueryRatios(kind, 'ZoektLexicalIndex', raw);
        const pgRatios = withPgStore ? perQueryRatios(kind, 'ZLI, PG chunk store', raw) : [];
        console.log(
          `| ${kind} | ${names.map((n) => `${ms(pct(g[n]!, 50))} / ${ms(pct(g[n]!, 95))}`).join(' | ')} | ${(pct(g.ZoektLexicalIndex!, 50) / pct(g[raw]!, 50)).toFixed(2)}x | ${(pct(g.ZoektLexicalIndex!, 95) / pct(g[raw]!, 95)).toFixed(2)}x | ${geomean(ratios).toFixed(2)}x / ${Math.max(...ratios).toFixed(2)}x | ${(pct(g.ripgrep!, 50) / pct(g.ZoektLexicalIndex!, 50)).toFixed(1)}x |${withPgStore ? ` ${(pct(g['ZLI, PG chunk store']!, 50) / pct(g[raw]!, 50)).toFixed(2)}x / ${(pct(g['ZLI, PG chunk store']!, 95) / pct(g[raw]!, 95)).toFixed(2)}x | ${geomean(pgRatios).toFixed(2)}x / ${Math.max(...pgRatios).toFixed(2)}x |` : ''}`,
        );
      }
    }
    // Paired: the Zoekt engines run once each per round, so round i of ZoektLexicalIndex and of raw
    // Zoekt met the same load on this shared machine; their difference cancels what the round
    // shared (the p50s above are of separate samples, and drift between rounds moves each).
    console.log(`\nPaired by round, against "zoekt raw + JSON.parse" (the engines run once each per round): median of ZoektLexicalIndex's time minus raw's in the same round, and of their ratio (p25-p75):\n`);
    console.log(`| query | rounds | ZLI adds (median) | ZLI / raw (median, p25-p75) |${withPgStore ? ' ZLI on PG chunk store adds | ZLI on PG chunk store / raw |' : ''}`);
    console.log(`|---|---|---|---|${withPgStore ? '---|---|' : ''}`);
    const paired = (q: Query, engine: string) => {
      const a = times.get(q.label)!.get(engine)!;
      const b = times.get(q.label)!.get('zoekt raw + JSON.parse')!;
      const diffs = a.map((x, i) => x - b[i]!);
      const ratios = a.map((x, i) => x / b[i]!);
      return `${(pct(diffs, 50) * 1000).toFixed(0)} µs | ${pct(ratios, 50).toFixed(2)}x (${pct(ratios, 25).toFixed(2)}-${pct(ratios, 75).toFixed(2)})`;
    };
    for (const q of queries) {
      console.log(`| ${q.label} | ${times.get(q.label)!.get('ZoektLexicalIndex')!.length} | ${paired(q, 'ZoektLexicalIndex')} |${withPgStore ? ` ${paired(q, 'ZLI, PG chunk store')} |` : ''}`);
    }
    console.log(`\nCPU of one search, network left out (medians of 15 rounds): JSON.parse of Zoekt's answer; the same and ZoektClient's checks; ZoektLexicalIndex given that answer by a client stub (its chunk mapping and hits on top); what it adds, and that as a share of raw Zoekt's p50:\n`);
    console.log('| query | JSON.parse ms | + decode ms | ZoektLexicalIndex ms | ZLI adds | of raw p50 |');
    console.log('|---|---|---|---|---|---|');
    for (const q of queries) {
      const c = cpu.get(q.label)!;
      const adds = c.zli - c.decode;
      const rawP50 = pct(times.get(q.label)!.get('zoekt raw')!, 50);
      console.log(`| ${q.label} | ${ms(c.parse)} | ${ms(c.decode)} | ${ms(c.zli)}${c.answersPerSearch > 1 ? ` (${c.answersPerSearch} answers a search)` : ''} | ${(adds * 1000).toFixed(0)} µs | ${((100 * adds) / rawP50).toFixed(0)}% |`);
    }
    console.log(`\n| indexing | time | size |`);
    console.log(`|---|---|---|`);
    console.log(`| zoekt-index (inside ZoektLexicalIndex.reindexRepo) | ${(Number(zRun.details?.indexerMs) / 1000).toFixed(1)} s | ${(zoektIndexBytes / 1024 / 1024).toFixed(1)} MB shards |`);
    console.log(`| ZoektLexicalIndex.reindexRepo (stage files + zoekt-index + wait for load) | ${(zRun.durationMs / 1000).toFixed(1)} s | |`);
    if (pgRun) console.log(`| PostgresLexicalIndex.reindexRepo (write files + GIN trigram index) | ${(pgRun.durationMs / 1000).toFixed(1)} s | ${(trgmBytes / 1024 / 1024).toFixed(1)} MB trigram index |`);
  } finally {
    await client.close();
    await pool.close();
    web.kill('SIGTERM');
    await store.close();
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
