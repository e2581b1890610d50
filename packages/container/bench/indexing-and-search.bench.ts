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

const run = promisify(execFile);
const MB = arg('mb', 10);
const QUERIES = arg('queries', 30);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
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

/** Stage timings from the indexer's progress events: where a run's time goes besides the indexes. */
function stageTimer(): { onProgress: (e: IndexProgressEvent) => void; summary: () => string } {
  const t0 = performance.now();
  let last = t0;
  const parts: [string, number][] = [];
  const mark = (name: string) => {
    const now = performance.now();
    parts.push([name, now - last]);
    last = now;
  };
  let parsing = false;
  return {
    onProgress: (e) => {
      if (e.stage === 'scan') mark('scan');
      else if (e.stage === 'plan') mark('plan');
      else if (e.stage === 'parse' && !parsing) {
        parsing = true;
        mark('base+parse start');
      } else if (e.stage === 'store') mark('parse+store');
      else if (e.stage === 'index' && e.status === 'start') mark('between');
      else if (e.stage === 'index' && e.status !== 'start') mark(e.index);
      else if (e.stage === 'done') mark('finish+prune');
    },
    summary: () => parts.filter(([n, ms]) => !(n === 'between' && ms < 50)).map(([n, ms]) => `${n} ${f1(ms / 1000)}`).join(', '),
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

  // Change one file and re-index.
  const first = (await (await trawl.catalog()).listFiles({ repoId: 'corpus', snapshotId: full.snapshotId })).find((f) => f.language === 'typescript' || f.language === 'javascript');
  await appendFile(join(corpus.root, first!.path), '\nexport function benchmarkAddedFunction() { return 42; }\n');
  t = performance.now();
  const incStages = stageTimer();
  const inc = await indexer.indexRepository({ repoId: 'corpus', root: corpus.root, onProgress: incStages.onProgress });
  const incMs = performance.now() - t;
  stageRows.push([`${label}: 1 file`, incStages.summary()]);
  rows.push([`${label}: re-index after 1 changed file`, `${inc.changedPaths.length} changed`, `${f1(incMs / 1000)} s`, `${((incMs / fullMs) * 100).toFixed(1)}% of full`, `${Math.round(peakRssMb())} MB`, inc.indexes.map((i) => `${i.index} ${f1(i.durationMs / 1000)}s${i.fullRebuild ? ' (rebuild)' : ''}`).join(', ')]);

  // Hybrid search: identifiers and words drawn from the corpus's own chunks.
  const chunks = await (await trawl.chunks()).listRepoChunks('corpus', { snapshotId: inc.snapshotId });
  const names = chunks.filter((c) => c.kind === 'function' || c.kind === 'method' || c.kind === 'class').map((c) => c.name).filter((n) => n.length > 5);
  const queries: string[] = [];
  for (let i = 0; queries.length < QUERIES && i < names.length; i += Math.max(1, Math.floor(names.length / QUERIES))) queries.push(names[i]!);
  queries.push('parse the configuration file', 'retry the request after a timeout', 'convert string to number');
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
  searchRows.push([label, `${chunks.length.toLocaleString('en-US')}`, `${queries.length}`, f1(pct(total, 50)), f1(pct(total, 95)), Object.entries(per).map(([i, xs]) => `${i} ${f1(pct(xs, 50))}/${f1(pct(xs, 95))}`).join(', '), `${degraded}`]);
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
      // Undo the one-file change so both setups index the same bytes.
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

const table = (header: string[], body: string[][]) => {
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  console.log(header.map((h, i) => h.padEnd(w[i]!)).join('  '));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of body) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
};
console.log();
table(['run', 'size', 'time', 'vs zoekt-index', 'peak RSS', 'per index'], rows);
console.log();
table(['indexing stages', 'seconds (from progress events)'], stageRows);
console.log();
table(['hybrid search', 'chunks', 'queries', 'p50 ms', 'p95 ms', 'per index p50/p95 ms', 'degraded'], searchRows);
