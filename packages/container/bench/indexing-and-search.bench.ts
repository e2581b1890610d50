/**
 * End-to-end benchmark (not a test): full index, one-file re-index and hybrid search through the
 * container, on the embedded default and (when DATABASE_URL and ZOEKT_* are set, as
 * `npm run bench` does) on real services; `zoekt-index` alone on the same files as the peer.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/container/bench/indexing-and-search.bench.ts [--mb 50] [--queries 40]
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '@trawl/testing';
import { createContainer, type TrawlContainer } from '@trawl/container';
import type { IndexProgressEvent } from '@trawl/retrieval';
import { arg, buildCorpus, peakRssMb } from '../../parser/bench/corpus.js';
import { benchQueries, percentile, printTable } from './bench-support.js';

const run = promisify(execFile);
const MB = arg('mb', 10);
const QUERIES = arg('queries', 30);
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');

const corpus = await buildCorpus(MB);
console.log(`corpus: ${corpus.files} files, ${(corpus.bytes / 1048576).toFixed(1)} MB under ${corpus.root}`);
const rows: string[][] = [];
const searchRows: string[][] = [];
const stageRows: string[][] = [];

// The peer: zoekt-index alone over the same folder.
let zoektMs = NaN;
if (process.env.ZOEKT_BIN_DIR) {
  const out = await mkdtemp(join(tmpdir(), 'trawl-bench-shards-'));
  const t = performance.now();
  await run(join(process.env.ZOEKT_BIN_DIR, 'zoekt-index'), ['-index', out, corpus.root], { maxBuffer: 64 << 20 });
  zoektMs = performance.now() - t;
  await rm(out, { recursive: true, force: true });
  rows.push(['zoekt-index alone', '-', `${f1(zoektMs / 1000)} s`, '1.00x', '-', '-']);
}

/**
 * Stage timings from the indexer's progress events: where a run's time goes besides the indexes.
 * After the parse (with the base snapshot's carry-over, in an incremental run), the stores and
 * the indexes are written side by side: that stage is one span (first index start to the last
 * write's end), followed by each writer's own time in brackets.
 */
function stageTimer(): { onProgress: (e: IndexProgressEvent) => void; summary: () => string } {
  let last = performance.now();
  const parts: [string, number][] = [];
  const mark = (name: string, at = performance.now()) => {
    parts.push([name, at - last]);
    last = at;
  };
  let writesStart: number | undefined;
  let writesEnd = 0;
  const started = new Map<string, number>();
  const own: string[] = [];
  const writing = () => (writesStart ??= (mark('parse'), performance.now()));
  return {
    onProgress: (e) => {
      const now = performance.now();
      if (e.stage === 'scan') mark('scan');
      else if (e.stage === 'plan') mark('plan');
      else if (e.stage === 'store') {
        own.push(`store ${f1((now - writing()) / 1000)}`);
        writesEnd = Math.max(writesEnd, now);
      } else if (e.stage === 'index' && e.status === 'start') started.set(e.index, (writing(), now));
      else if (e.stage === 'index') {
        own.push(`${e.index} ${f1((now - started.get(e.index)!) / 1000)}`);
        writesEnd = Math.max(writesEnd, now);
      } else if (e.stage === 'done') {
        if (writesStart !== undefined) mark(`stores and indexes [${own.join(', ')}]`, writesEnd);
        mark('finish');
      }
    },
    summary: () => parts.map(([n, ms]) => `${n} ${f1(ms / 1000)}`).join(', '),
  };
}

async function measure(label: string, trawl: TrawlContainer): Promise<void> {
  const indexer = await trawl.indexer();
  let t = performance.now();
  const fullStages = stageTimer();
  const full = await indexer.indexRepository({ repoId: 'corpus', root: corpus.root, onProgress: fullStages.onProgress });
  const fullMs = performance.now() - t;
  stageRows.push([`${label}: full`, fullStages.summary()]);
  const stages = full.indexes.map((i) => `${i.index} ${f1(i.durationMs / 1000)}s`).join(', ');
  rows.push([`${label}: full index`, `${full.chunks.toLocaleString('en-US')} chunks`, `${f1(fullMs / 1000)} s`, Number.isFinite(zoektMs) ? `${(fullMs / zoektMs).toFixed(2)}x` : '-', `${Math.round(peakRssMb())} MB`, stages]);

  // Change one file and re-index; then twice more, each run pruning the oldest snapshot
  // (keepSnapshots 2): the steady state of re-indexing after every edit. A run returns when its
  // snapshot is ready and the prune runs after it: timed on its own (`idle()`), before the next
  // edit, so no run overlaps the one before.
  const first = (await (await trawl.catalog()).listFiles({ repoId: 'corpus', snapshotId: full.snapshotId })).find((f) => f.language === 'typescript' || f.language === 'javascript');
  const oneFileRun = async (round: number) => {
    await appendFile(join(corpus.root, first!.path), `\nexport function benchmarkAddedFunction${round}() { return ${round}; }\n`);
    const started = performance.now();
    const timer = stageTimer();
    const result = await indexer.indexRepository({ repoId: 'corpus', root: corpus.root, onProgress: timer.onProgress });
    const ms = performance.now() - started;
    await indexer.idle();
    return { result, ms, pruneMs: performance.now() - started - ms, stages: timer.summary() };
  };
  const runs = [await oneFileRun(1), await oneFileRun(2), await oneFileRun(3)];
  const inc = runs[0]!.result;
  stageRows.push([`${label}: 1 file`, runs[0]!.stages]);
  stageRows.push([`${label}: 1 file, pruning`, runs[2]!.stages]);
  rows.push([`${label}: re-index after 1 changed file`, `${inc.changedPaths.length} changed`, `${f1(runs[0]!.ms / 1000)} s`, `${((runs[0]!.ms / fullMs) * 100).toFixed(1)}% of full`, `${Math.round(peakRssMb())} MB`, inc.indexes.map((i) => `${i.index} ${f1(i.durationMs / 1000)}s${i.fullRebuild ? ' (rebuild)' : ''}`).join(', ')]);
  rows.push([
    `${label}: same, oldest snapshot pruned after (2 runs)`,
    '1 changed',
    runs.slice(1).map((r) => `${f1(r.ms / 1000)} s`).join(', '),
    runs.slice(1).map((r) => `${((r.ms / fullMs) * 100).toFixed(1)}%`).join(', '),
    `${Math.round(peakRssMb())} MB`,
    `${runs[2]!.result.indexes.map((i) => `${i.index} ${f1(i.durationMs / 1000)}s`).join(', ')}; then the prune: ${runs
      .slice(1)
      .map((r) => `${Math.round(r.pruneMs)} ms`)
      .join(', ')}`,
  ]);

  // Hybrid search: identifiers and words drawn from the corpus's own chunks.
  const chunks = await (await trawl.chunks()).listRepoChunks('corpus', { snapshotId: runs[2]!.result.snapshotId });
  const queries = benchQueries(chunks, QUERIES);
  const retriever = await trawl.retriever();
  await retriever.search(queries[0]!, { repo: 'corpus', checkStale: false }); // warm-up
  const total: number[] = [];
  const per: Record<string, number[]> = {};
  let degraded = 0;
  for (const q of queries) {
    const r = await retriever.search(q, { repo: 'corpus', limit: 10, checkStale: false, deadlineMs: 10_000 });
    total.push(r.tookMs);
    degraded += r.degraded.length;
    for (const [index, ms] of Object.entries(r.timings)) (per[index] ??= []).push(ms!);
  }
  searchRows.push([label, `${chunks.length.toLocaleString('en-US')}`, `${queries.length}`, f1(percentile(total, 50)), f1(percentile(total, 95)), Object.entries(per).map(([i, xs]) => `${i} ${f1(percentile(xs, 50))}/${f1(percentile(xs, 95))}`).join(', '), `${degraded}`]);
}

try {
  const home = await mkdtemp(join(tmpdir(), 'trawl-bench-home-'));
  const embedded = createContainer({ home }, {});
  try {
    await measure('embedded (PGlite + Kuzu + trigram)', embedded);
  } finally {
    await embedded.close();
    await rm(home, { recursive: true, force: true });
  }
  if (process.env.DATABASE_URL && process.env.ZOEKT_URL) {
    const db = await createTestDatabase('trawl_bench');
    const home2 = await mkdtemp(join(tmpdir(), 'trawl-bench-home-'));
    const { ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND } = process.env;
    const services = createContainer({ home: home2 }, { DATABASE_URL: db.url, ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND });
    try {
      // (The corpus now holds the three functions the embedded runs added: a few lines more.)
      await measure('services (PostgreSQL 15 + Zoekt + Kuzu)', services);
    } finally {
      await services.close();
      await db.drop();
      await rm(home2, { recursive: true, force: true });
    }
  }
} finally {
  await corpus.cleanup();
}

console.log();
printTable(['run', 'size', 'time', 'vs zoekt-index', 'peak RSS', 'per index'], rows);
console.log();
printTable(['indexing stages', 'seconds (from progress events)'], stageRows);
console.log();
printTable(['hybrid search', 'chunks', 'queries', 'p50 ms', 'p95 ms', 'per index p50/p95 ms', 'degraded'], searchRows);
