/**
 * Kuzu symbol index on a real corpus (sources copied from node_modules and parsed by
 * @trawl/parser): bulk load rate with COPY (temporary CSV) side by side with batched UNWIND
 * prepared statements, query latencies, the symbol-index part of a one-file re-index
 * (reindexPaths), and peak RSS.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-symbol/bench/kuzu-load.bench.ts [--mb 12]
 *
 * Default 12 MB of source; `--mb 50` (or TRAWL_BENCH_MB=50) for the full size.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotContent, SnapshotDelta } from '@trawl/core';
import { parseRepository } from '../../parser/src/index.js';
import { arg, buildCorpus, peakRssMb, table } from '../../parser/bench/corpus.js';
import { KuzuSymbolIndex } from '../src/index.js';

const MB = arg('mb', 12);
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const corpus = await buildCorpus(MB);
const parsed = await parseRepository(corpus.root, { repoId: 'bench', snapshotId: 's1' });
await corpus.cleanup();
const content: SnapshotContent = { snapshot: { repoId: 'bench', snapshotId: 's1' }, rootPath: corpus.root, files: parsed.files, chunks: parsed.chunks, symbols: parsed.symbols, relations: parsed.relations };
console.log(`corpus: ${parsed.files.length} files, ${(parsed.stats.bytes / 1048576).toFixed(1)} MB, ${parsed.symbols.length} symbols, ${parsed.relations.length} relations, ${parsed.chunks.length} chunks`);

// The most-called resolved names and a few common words make the query workload.
const calls = new Map<string, number>();
const byId = new Map(parsed.symbols.map((s) => [s.id, s]));
for (const r of parsed.relations) if (r.kind === 'calls' && r.toId && byId.has(r.toId)) calls.set(byId.get(r.toId)!.name, (calls.get(r.toId) ?? 0) + 1);
const names = [...calls.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([n]) => n);

const rows: Record<string, string | number>[] = [];
const dir = await mkdtemp(join(tmpdir(), 'trawl-kuzu-bench-'));
try {
  for (const strategy of ['copy', 'unwind'] as const) {
    const trace = process.argv.includes('--trace');
    const index = new KuzuSymbolIndex({ path: join(dir, `${strategy}.kuzu`), loadStrategy: strategy, onStatement: trace ? (st, ms) => ms > 100 && console.log(`${ms.toFixed(0).padStart(6)} ms  ${st.slice(0, 150)}`) : undefined });
    // UNWIND is ~40x slower: it loads a sample (every 10th file) so the default run stays short.
    const sample = strategy === 'copy' ? null : new Set(parsed.files.filter((_, i) => i % 10 === 0).map((f) => f.path));
    const input: SnapshotContent = sample
      ? { ...content, files: content.files.filter((f) => sample.has(f.path)), chunks: content.chunks.filter((c) => sample.has(c.filePath)), symbols: content.symbols.filter((s) => sample.has(s.filePath)), relations: content.relations.filter((r) => sample.has(r.filePath)) }
      : content;
    let t = performance.now();
    const result = await index.reindexRepo(input);
    const loadS = (performance.now() - t) / 1000;
    const counts = result.details as Record<string, number>;
    const items = Object.entries(counts).filter(([k]) => k !== 'strategy').reduce((a, [, v]) => a + Number(v), 0);
    rows.push({ operation: `full load (${strategy}${sample ? ', 10% sample' : ''})`, items: `${items} nodes+edges`, seconds: loadS.toFixed(2), 'rate /s': Math.round(items / loadS), 'p50 ms': '', 'p95 ms': '', 'peak RSS MB': peakRssMb().toFixed(0) });

    if (strategy === 'copy') {
      const ref = content.snapshot;
      for (const [label, fn] of [
        ['definitions(name)', (n: string) => index.definitions(ref, n)],
        ['callers(name, depth 2)', (n: string) => index.callers(ref, n, { depth: 2 })],
        ['callees(name)', (n: string) => index.callees(ref, n)],
        ['search(name)', (n: string) => index.search(ref, n)],
      ] as const) {
        const times: number[] = [];
        let results = 0;
        for (const n of names) {
          t = performance.now();
          results += (await fn(n)).length;
          times.push(performance.now() - t);
        }
        rows.push({ operation: label, items: `${names.length} queries, ${results} results`, seconds: (times.reduce((a, b) => a + b, 0) / 1000).toFixed(2), 'rate /s': Math.round(names.length / (times.reduce((a, b) => a + b, 0) / 1000)), 'p50 ms': pct(times, 50).toFixed(1), 'p95 ms': pct(times, 95).toFixed(1), 'peak RSS MB': peakRssMb().toFixed(0) });
      }
      // One changed file: the symbol index builds snapshot s2 from s1 (copying the rest of the graph).
      const changed = parsed.files.find((f) => f.language === 'typescript') ?? parsed.files[0]!;
      const delta: SnapshotDelta = {
        snapshot: { repoId: 'bench', snapshotId: 's2' },
        rootPath: corpus.root,
        baseSnapshotId: 's1',
        changedPaths: [changed.path],
        deletedPaths: [],
        files: [changed],
        chunks: parsed.chunks.filter((c) => c.filePath === changed.path),
        symbols: parsed.symbols.filter((s) => s.filePath === changed.path),
        relations: parsed.relations.filter((r) => r.filePath === changed.path),
      };
      t = performance.now();
      await index.reindexPaths(delta);
      const incS = (performance.now() - t) / 1000;
      rows.push({ operation: 'reindexPaths (1 file changed)', items: `carries ${parsed.files.length - 1} files`, seconds: incS.toFixed(2), 'rate /s': '', 'p50 ms': '', 'p95 ms': '', 'peak RSS MB': peakRssMb().toFixed(0) });
      t = performance.now();
      await index.deleteRepo('bench', 's2');
      rows.push({ operation: 'deleteRepo (one snapshot)', items: '', seconds: ((performance.now() - t) / 1000).toFixed(2), 'rate /s': '', 'p50 ms': '', 'p95 ms': '', 'peak RSS MB': peakRssMb().toFixed(0) });
    }
    await index.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(`\n${table(rows)}\n`);
console.log(`peak RSS of this process (parse + both loads): ${peakRssMb().toFixed(0)} MB`);
