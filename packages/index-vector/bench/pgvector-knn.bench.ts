/**
 * pgvector kNN latency and recall@10 against exact search, on the embedded PGlite (the only
 * PostgreSQL with pgvector here), through PgVectorIndex.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-vector/bench/pgvector-knn.bench.ts [--size 10000] [--dims 384] [--queries 100]
 *   ... --size 50000   # the full-size run; the HNSW build alone takes minutes in WASM
 *
 * Vectors are clustered Gaussian noise (200 centres), unit length, seeded: closer to real
 * embeddings than uniform noise. Ground truth is PgVectorIndex's own exact scan (`exact: true`).
 */
import type { Chunk, EmbeddingProvider, SnapshotContent, SourceFile } from '@trawl/core';
import { normalizeChunk } from '@trawl/core';
import { PostgresStore } from '@trawl/postgres';
import { PgVectorIndex } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 10_000);
const DIMS = arg('dims', 384);
const QUERIES = arg('queries', 100);
const K = 10;
// Per-dimension noise around a cluster centre: 0.05 * sqrt(384) ~ 1 makes neighbours within a cluster hard to tell apart, as in real embeddings.
const NOISE = arg('noise', 0.05);
const PER_FILE = 100;

let seed = 12345;
// mulberry32: a proper 32-bit generator (a float LCG overflows and cycles, duplicating data)
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
};
const centres = Array.from({ length: 200 }, () => unit(Array.from({ length: DIMS }, gauss)));
const sample = () => {
  const c = centres[Math.floor(rand() * centres.length)]!;
  return unit(c.map((x) => x + NOISE * gauss()));
};
const vectors = Array.from({ length: SIZE }, sample);

/** Returns the precomputed vector of chunk `#<n>` (the bench's texts carry their number). */
class LookupEmbedder implements EmbeddingProvider {
  readonly model = `bench-lookup-${SIZE}`;
  readonly dimensions = DIMS;
  async embed(texts: readonly string[]) {
    return texts.map((t) => vectors[Number(/#(\d+)/.exec(t)![1])]!);
  }
}

function corpus(): SnapshotContent {
  const files: SourceFile[] = [];
  const chunks: Chunk[] = [];
  for (let f = 0; f * PER_FILE < SIZE; f++) {
    const lines = Array.from({ length: Math.min(PER_FILE, SIZE - f * PER_FILE) }, (_, i) => `export const item${f * PER_FILE + i} = '#${f * PER_FILE + i}';`);
    const path = `src/f${f}.ts`;
    files.push({ path, language: 'typescript', contentHash: String(f), sizeBytes: 0, lineCount: lines.length, content: lines.join('\n') });
    lines.forEach((_, i) => {
      const n = f * PER_FILE + i;
      chunks.push(
        normalizeChunk({ id: `c${n}`, repoId: 'bench', snapshotId: 's1', filePath: path, kind: 'function', name: `item${n}`, fqn: `${path}:item${n}`, startLine: i + 1, endLine: i + 1, contentHash: `h${n}` }),
      );
    });
  }
  return { snapshot: { repoId: 'bench', snapshotId: 's1' }, rootPath: '/', files, chunks, symbols: [], relations: [] };
}

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

console.log(`pgvector kNN on PGlite: ${SIZE} vectors x ${DIMS} dims (cosine), ${QUERIES} queries, k=${K}, HNSW m=16 ef_construction=64`);
const store = new PostgresStore({ embedded: true });
const content = corpus();
const queries = Array.from({ length: QUERIES }, sample);
const build: Record<string, string>[] = [];
const rows: Record<string, string | number>[] = [];

// Load without the HNSW index, then build it: the order the index uses itself.
let t = performance.now();
const index = new PgVectorIndex({ store, embedder: new LookupEmbedder(), hnsw: false });
const loaded = await index.reindexRepo(content);
const ms = loaded.details?.ms as Record<string, number>;
build.push({ step: 'load rows (INSERT, no ANN index), incl. PGlite start', seconds: ((performance.now() - t) / 1000).toFixed(1) });
build.push({ step: '  of which: open+schema / embed-key lookup / embed / write', seconds: [ms.ready, ms.lookup, ms.embed, ms.write].map((x) => ((x ?? 0) / 1000).toFixed(1)).join(' / ') });

const exact: string[][] = [];
const exactTimes: number[] = [];
for (const q of queries.slice(0, 10)) await index.searchByVector(content.snapshot, q, { limit: K, exact: true }); // warm-up
for (const q of queries) {
  const s = performance.now();
  const hits = await index.searchByVector(content.snapshot, q, { limit: K, exact: true });
  exactTimes.push(performance.now() - s);
  exact.push(hits.map((h) => h.chunkId));
}
rows.push({ method: 'exact scan', 'p50 ms': +pct(exactTimes, 50).toFixed(1), 'p95 ms': +pct(exactTimes, 95).toFixed(1), 'recall@10': '1.000', 'queries with 0 of 10': 0 });

t = performance.now();
await store.execute(`CREATE INDEX IF NOT EXISTS ${index.table}_hnsw_idx ON ${index.table} USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`);
build.push({ step: 'build HNSW index', seconds: ((performance.now() - t) / 1000).toFixed(1) });
await store.execute(`ANALYZE ${index.table}`);

for (const ef of [10, 40, 100, 200]) {
  const hnsw = new PgVectorIndex({ store, embedder: new LookupEmbedder(), hnsw: { efSearch: ef } });
  const times: number[] = [];
  let found = 0;
  let missed = 0;
  for (const q of queries.slice(0, 10)) await hnsw.searchByVector(content.snapshot, q, { limit: K }); // warm-up
  for (let i = 0; i < queries.length; i++) {
    const s = performance.now();
    const hits = await hnsw.searchByVector(content.snapshot, queries[i]!, { limit: K });
    times.push(performance.now() - s);
    const truth = new Set(exact[i]);
    const overlap = hits.filter((h) => truth.has(h.chunkId)).length;
    found += overlap;
    if (overlap === 0) missed++;
  }
  rows.push({ method: `HNSW ef_search=${ef}`, 'p50 ms': +pct(times, 50).toFixed(1), 'p95 ms': +pct(times, 95).toFixed(1), 'recall@10': (found / (queries.length * K)).toFixed(3), 'queries with 0 of 10': missed });
}
const plan = await store.fetch<{ 'QUERY PLAN': string }>(
  `EXPLAIN SELECT chunk_id FROM ${index.table} WHERE repo_id = 'bench' AND snapshot_id = 's1' ORDER BY embedding <=> $1::vector LIMIT 10`,
  [`[${queries[0]!.join(',')}]`],
);
console.table(build);
console.table(rows);
console.log('plan of the approximate query:', plan.map((p) => p['QUERY PLAN'].trim().replace(/'\[[^\]]*\]'/, "'[...]'")).slice(0, 3).join(' | '));
await store.close();
