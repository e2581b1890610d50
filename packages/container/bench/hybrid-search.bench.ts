/**
 * Hybrid search benchmark (not a test): p50/p95 of `Retriever.search` with the per-index
 * breakdown, on the embedded default and (when DATABASE_URL and ZOEKT_* are set, as
 * `npm run bench` does) on real services, over a corpus of about 100k chunks (60 MB: 110k).
 *
 * Indexing that corpus takes minutes, so the corpus and the indexed homes are kept under
 * `--dir` (default `.tmp/bench-search-<mb>mb`) and reused by the next run; `--fresh` starts over.
 * The first run also prints the full index time of each setup.
 *
 * Before measuring, each setup answers `--warm-up` other searches (names of the same corpus, none
 * of the measured ones), as a running server would have; "round 1 p95" is the first time each
 * measured query is seen.
 *
 * The embedded setup runs as `trawl serve` does, with TRAWL_OPTIMIZED_WASM (`--baseline-wasm`: without).
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/container/bench/hybrid-search.bench.ts [--mb 60] [--queries 40] [--rounds 3] [--warm-up 40] [--baseline-wasm] [--fresh]
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTestDatabase } from '@trawl/testing';
import { createContainer, type TrawlContainer } from '@trawl/container';
import { arg, buildCorpus, peakRssMb, WORKSPACE } from '../../parser/bench/corpus.js';
import { benchQueries, percentile, printTable } from './bench-support.js';

const MB = arg('mb', 60);
const QUERIES = arg('queries', 40);
const ROUNDS = arg('rounds', 3);
const WARM_UP = arg('warm-up', 40);
const dirFlag = process.argv.indexOf('--dir');
const DIR = resolve(dirFlag > 0 ? process.argv[dirFlag + 1]! : join(WORKSPACE, '.tmp', `bench-search-${MB}mb`));
if (process.argv.includes('--fresh')) await rm(DIR, { recursive: true, force: true });
await mkdir(DIR, { recursive: true });

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const corpusRoot = join(DIR, 'corpus');
if (!existsSync(join(DIR, 'corpus.done'))) {
  const corpus = await buildCorpus(MB);
  await rm(corpusRoot, { recursive: true, force: true });
  await cp(corpus.root, corpusRoot, { recursive: true });
  await corpus.cleanup();
  await writeFile(join(DIR, 'corpus.done'), `${corpus.files} files, ${corpus.bytes} bytes\n`);
}
console.log(`corpus: ${(await readFile(join(DIR, 'corpus.done'), 'utf8')).trim()} under ${corpusRoot}`);

const indexRows: string[][] = [];
const searchRows: string[][] = [];

async function ensureIndexed(label: string, trawl: TrawlContainer): Promise<void> {
  const catalog = await trawl.catalog();
  if (await catalog.latestReadySnapshot('corpus')) return;
  const indexer = await trawl.indexer();
  const t = performance.now();
  const full = await indexer.indexRepository({ repoId: 'corpus', root: corpusRoot });
  const ms = performance.now() - t;
  indexRows.push([label, `${full.chunks.toLocaleString('en-US')} chunks`, `${f1(ms / 1000)} s`, `${Math.round(peakRssMb())} MB`, full.indexes.map((i) => `${i.index} ${f1(i.durationMs / 1000)}s`).join(', ')]);
}

async function measure(label: string, trawl: TrawlContainer): Promise<void> {
  await ensureIndexed(label, trawl);
  const snapshot = (await (await trawl.catalog()).latestReadySnapshot('corpus'))!;
  const chunks = await (await trawl.chunks()).listRepoChunks('corpus', { snapshotId: snapshot.snapshotId });
  const queries = benchQueries(chunks, QUERIES);
  const retriever = await trawl.retriever();
  // An index reused from an earlier run must still answer: another bench indexing and pruning a
  // repository named `corpus` in the same Zoekt folder removes its shards, and every lexical
  // search then returns nothing, fast.
  const probe = await retriever.search(queries[0]!, { repo: 'corpus', indexes: ['lexical'], checkStale: false, deadlineMs: 60_000 });
  if (probe.hits.length === 0) throw new Error(`${label}: the lexical index finds nothing for "${queries[0]}" in the reused index: run again with --fresh`);
  // A server has answered other searches before these: warm up on other names of the corpus (the
  // in-memory tables load, the database's caches fill), never on the measured queries themselves.
  const warmUp = benchQueries(chunks, WARM_UP, { warmUp: true });
  for (const q of warmUp) await retriever.search(q, { repo: 'corpus', checkStale: false, deadlineMs: 60_000 });
  const firstRound: number[] = [];
  const total: number[] = [];
  const per: Record<string, number[]> = {};
  let degraded = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const q of queries) {
      const r = await retriever.search(q, { repo: 'corpus', limit: 10, checkStale: false, deadlineMs: 10_000 });
      total.push(r.tookMs);
      if (round === 0) firstRound.push(r.tookMs);
      degraded += r.degraded.length;
      for (const [index, ms] of Object.entries(r.timings)) (per[index] ??= []).push(ms!);
    }
  }
  searchRows.push([
    label,
    chunks.length.toLocaleString('en-US'),
    `${queries.length}×${ROUNDS}`,
    f1(percentile(total, 50)),
    f1(percentile(total, 95)),
    f1(percentile(firstRound, 95)),
    f1(Math.max(...total)),
    Object.entries(per).map(([i, xs]) => `${i} ${f1(percentile(xs, 50))}/${f1(percentile(xs, 95))}`).join(', '),
    `${degraded}`,
  ]);
}

// As `trawl serve` runs it (TRAWL_OPTIMIZED_WASM); `--baseline-wasm` measures V8's default tiering.
const OPTIMIZED_WASM = !process.argv.includes('--baseline-wasm');
const embedded = createContainer({ home: join(DIR, 'embedded-home'), optimizedWasm: OPTIMIZED_WASM }, {});
try {
  await measure(`embedded (PGlite + Kuzu + trigram${OPTIMIZED_WASM ? ', optimized wasm' : ''})`, embedded);
} finally {
  await embedded.close();
}

if (process.env.DATABASE_URL && process.env.ZOEKT_URL) {
  // The database and the shards live as long as the servers: one made by an earlier run of this
  // bench against the same servers is reused.
  const stateFile = join(DIR, 'services.json');
  const servers = `${process.env.DATABASE_URL} ${process.env.ZOEKT_URL}`;
  const state = existsSync(stateFile) ? (JSON.parse(await readFile(stateFile, 'utf8')) as { servers: string; url: string }) : null;
  let url = state?.servers === servers ? state.url : null;
  if (!url) {
    url = (await createTestDatabase('trawl_bench_search')).url;
    await writeFile(stateFile, JSON.stringify({ servers, url }));
    await rm(join(DIR, 'services-home'), { recursive: true, force: true });
  }
  const { ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND } = process.env;
  const services = createContainer({ home: join(DIR, 'services-home') }, { DATABASE_URL: url, ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND });
  try {
    await measure('services (PostgreSQL 15 + Zoekt + Kuzu)', services);
  } finally {
    await services.close();
  }
}

if (indexRows.length) {
  console.log();
  printTable(['full index', 'size', 'time', 'peak RSS', 'per index'], indexRows);
}
console.log();
printTable(['hybrid search', 'chunks', 'queries', 'p50 ms', 'p95 ms', 'round 1 p95', 'max ms', 'per index p50/p95 ms', 'degraded'], searchRows);
