/**
 * Where an index run's time goes (not a test): full, one-file re-index, and a second one-file
 * re-index (after which the oldest snapshot is pruned), with every catalog, chunk-store and index
 * method timed (`--timeline`: when each call of a one-file run started and ended). Embedded default,
 * or real services with `--services` (DATABASE_URL, ZOEKT_*).
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/container/bench/indexing-profile.bench.ts [--mb 10] [--services] [--timeline] [--fresh]
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@trawl/testing';
import { createContainer } from '@trawl/container';
import { arg, buildCorpus } from '../../parser/bench/corpus.js';

const MB = arg('mb', 10);
const services = process.argv.includes('--services');
const corpus = await buildCorpus(MB);
console.log(`corpus: ${corpus.files} files, ${(corpus.bytes / 1048576).toFixed(1)} MB`);
const timings = new Map<string, number>();
/** Every timed call of the current run: what, and when it started and ended (ms from the run's start). */
const calls: { label: string; start: number; end: number }[] = [];
let runStarted = 0;
const timeline = process.argv.includes('--timeline');
function wrap(label: string, target: object): void {
  let proto = Object.getPrototypeOf(target);
  const names = new Set<string>();
  for (; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) for (const n of Object.getOwnPropertyNames(proto)) names.add(n);
  for (const n of names) {
    const fn = (target as Record<string, unknown>)[n];
    if (n === 'constructor' || typeof fn !== 'function') continue;
    (target as Record<string, unknown>)[n] = async (...args: unknown[]) => {
      const t = performance.now();
      try {
        return await (fn as (...a: unknown[]) => unknown).apply(target, args);
      } finally {
        const k = `${label}.${n}`;
        const end = performance.now();
        timings.set(k, (timings.get(k) ?? 0) + end - t);
        calls.push({ label: k, start: t - runStarted, end: end - runStarted });
      }
    };
  }
}
const home = await mkdtemp(join(tmpdir(), 'trawl-prof-home-'));
const db = services ? await createTestDatabase('trawl_prof') : null;
const env = services ? { DATABASE_URL: db!.url, ZOEKT_URL: process.env.ZOEKT_URL, ZOEKT_INDEX_DIR: process.env.ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR: process.env.ZOEKT_BIN_DIR, CTAGS_COMMAND: process.env.CTAGS_COMMAND } : {};
// --fresh: every run in a new container (new connections, cold caches, statements prepared
// again), as each `trawl index` process is; the file system's cache stays warm.
const fresh = process.argv.includes('--fresh');
let trawl = createContainer({ home }, env);
/** The container's indexer over timed stores, parser and indexes (wrapped before the indexer is built, so it holds them). */
async function timedIndexer() {
  wrap('catalog', await trawl.catalog());
  wrap('chunks', await trawl.chunks());
  wrap('parser', await trawl.parser());
  for (const index of await trawl.indexes()) wrap(index.name, index);
  return trawl.indexer();
}
try {
  let indexer = await timedIndexer();
  for (let run = 0; run < 4; run++) {
    if (run > 0) {
      const list = await (await trawl.catalog()).listFiles({ repoId: 'corpus', snapshotId: (await (await trawl.catalog()).latestReadySnapshot('corpus'))!.snapshotId });
      const f = list.filter((x) => x.language === 'typescript' || x.language === 'javascript')[run]!;
      await appendFile(join(corpus.root, f.path), `\nexport function benchmarkAdded${run}() { return ${run}; }\n`);
      if (fresh) {
        await trawl.close();
        trawl = createContainer({ home }, env);
      }
    }
    // (the listing above is the bench's, not the run's; a fresh container's setup is the run's)
    timings.clear();
    calls.length = 0;
    const t = performance.now();
    runStarted = t;
    if (fresh && run > 0) indexer = await timedIndexer();
    const r = await indexer.indexRepository({ repoId: 'corpus', root: corpus.root });
    const total = performance.now() - t;
    // (the prune of the oldest snapshot runs after the run returns: its calls are in the timeline)
    await indexer.idle();
    const prune = performance.now() - t - total;
    console.log(`\nrun ${run} (${r.mode}, ${r.changedPaths.length} changed${r.relinkedPaths.length ? `, ${r.relinkedPaths.length} unchanged re-linked: ${r.relinkedPaths.slice(0, 3).join(', ')}` : ''}): ${(total / 1000).toFixed(2)} s, ${r.chunks} chunks; then the prune: ${prune.toFixed(0)} ms`);
    for (const [k, ms] of [...timings.entries()].sort((a, b) => b[1] - a[1])) if (ms > 20) console.log(`  ${(ms / 1000).toFixed(2).padStart(7)} s  ${k}`);
    // --timeline: when each call of a one-file run started and ended, to see which are on the critical path.
    if (timeline && run > 0) for (const c of calls) if (c.end - c.start > 2) console.log(`    ${c.start.toFixed(0).padStart(6)} - ${c.end.toFixed(0).padStart(6)} ms  ${c.label}`);
  }
} finally {
  await trawl.close();
  await db?.drop();
  await rm(home, { recursive: true, force: true });
  await corpus.cleanup();
}
