/**
 * Full-text (domain) search latency at 10k documentation sections, PostgreSQL server vs embedded PGlite.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-domain/bench/full-text.bench.ts [--sections 10000] [--queries 50]
 *
 * The server flavour needs DATABASE_URL; without it only PGlite runs.
 */
import type { SnapshotContent, SourceFile } from '@trawl/core';
import { PostgresStore } from '@trawl/postgres';
import { createTestDatabase } from '@trawl/testing';
import { PostgresDomainIndex } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECTIONS = arg('sections', 10_000);
const QUERIES = arg('queries', 50);
const PER_FILE = 20;

let seed = 1;
// mulberry32: a proper 32-bit generator (a float LCG overflows and cycles, duplicating data)
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
// A Zipf-ish vocabulary: a few common words, a long tail of rare ones, some identifiers.
const COMMON = 'the a of to and in is for that with on as by this be are from or it can when which each'.split(' ');
const TOPICS = 'snapshot index chunk repository search query vector embedding symbol graph retrieval fusion ranking lexical fuzzy domain schema migration store cache pool connection transaction timeout retry backoff health shutdown container settings server client request response token session user account invoice payment order billing refund policy report metric event queue worker batch stream file parser grammar language commit branch merge deploy release version config secret'.split(' ');
const RARE = Array.from({ length: 3000 }, (_, i) => `term${i.toString(36)}`);
const IDENTS = ['createUser', 'reindexPaths', 'pg_trgm', 'ts_rank_cd', 'PostgresStore', 'findChunkAtLine', 'HNSW', 'websearch_to_tsquery', 'ChunkStore.save', 'retryAfterMs'];
const word = () => {
  const r = rand();
  if (r < 0.35) return COMMON[Math.floor(rand() * COMMON.length)]!;
  if (r < 0.85) return TOPICS[Math.floor(Math.pow(rand(), 2) * TOPICS.length)]!;
  if (r < 0.97) return RARE[Math.floor(Math.pow(rand(), 3) * RARE.length)]!;
  return IDENTS[Math.floor(rand() * IDENTS.length)]!;
};
const sentence = (n: number) => Array.from({ length: n }, word).join(' ') + '.';

function corpus(): SnapshotContent {
  const files: SourceFile[] = [];
  for (let f = 0; f * PER_FILE < SECTIONS; f++) {
    const parts: string[] = [`# Guide ${f}`, '', sentence(20), ''];
    for (let s = 1; s < PER_FILE && f * PER_FILE + s < SECTIONS; s++) {
      parts.push(`${s % 4 === 0 ? '##' : '###'} ${word()} ${word()} ${TOPICS[(f + s) % TOPICS.length]}`, '');
      for (let p = 0; p < 3; p++) parts.push(Array.from({ length: 3 }, () => sentence(8 + Math.floor(rand() * 12))).join(' '), '');
    }
    const content = parts.join('\n');
    files.push({ path: `docs/guide-${f}.md`, language: 'markdown', contentHash: String(f), sizeBytes: content.length, lineCount: parts.length, content });
  }
  return { snapshot: { repoId: 'bench', snapshotId: 's1' }, rootPath: '/', files, chunks: [], symbols: [], relations: [] };
}

const QUERY_KINDS: Record<string, () => string> = {
  'one common topic word': () => TOPICS[Math.floor(rand() * 10)]!,
  'two topic words': () => `${TOPICS[Math.floor(rand() * TOPICS.length)]} ${TOPICS[Math.floor(rand() * TOPICS.length)]}`,
  'rare word': () => RARE[Math.floor(rand() * 300)]!,
  identifier: () => IDENTS[Math.floor(rand() * IDENTS.length)]!,
  'quoted phrase': () => `"${TOPICS[Math.floor(rand() * 20)]} ${COMMON[Math.floor(rand() * 5)]}"`,
  'a or b -c': () => `${TOPICS[Math.floor(rand() * TOPICS.length)]} or ${RARE[Math.floor(rand() * 100)]} -${TOPICS[Math.floor(rand() * 5)]}`,
};

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(flavour: string, store: PostgresStore, content: SnapshotContent) {
  const index = new PostgresDomainIndex({ store });
  const t0 = performance.now();
  const result = await index.reindexRepo(content);
  const loadMs = performance.now() - t0;
  const rows: Record<string, string | number>[] = [];
  for (const [kind, make] of Object.entries(QUERY_KINDS)) {
    seed = 99;
    const times: number[] = [];
    let hitsTotal = 0;
    for (let q = 0; q < QUERIES; q++) {
      const s = performance.now();
      const hits = await index.search(content.snapshot, make(), { limit: 10 });
      times.push(performance.now() - s);
      hitsTotal += hits.length;
    }
    rows.push({ flavour, query: kind, 'p50 ms': +pct(times, 50).toFixed(2), 'p95 ms': +pct(times, 95).toFixed(2), 'avg hits': +(hitsTotal / QUERIES).toFixed(1) });
  }
  return { rows, load: { flavour, sections: result.itemsIndexed, 'index load s': (loadMs / 1000).toFixed(1) } };
}

const content = corpus();
console.log(`full-text search: ${SECTIONS} sections in ${content.files.length} Markdown files, ${QUERIES} queries per kind, limit 10, with ts_headline snippets`);
const all: Record<string, string | number>[] = [];
const loads: Record<string, string | number>[] = [];
{
  const store = new PostgresStore({ embedded: true });
  const r = await run('pglite', store, content);
  all.push(...r.rows);
  loads.push(r.load);
  await store.close();
}
if (process.env.DATABASE_URL) {
  const db = await createTestDatabase('trawl_bench');
  const store = new PostgresStore({ connectionString: db.url, min: 0, max: 2 });
  try {
    const r = await run('server (pg 15)', store, content);
    all.push(...r.rows);
    loads.push(r.load);
  } finally {
    await store.close();
    await db.drop();
  }
} else {
  console.log('DATABASE_URL not set: server flavour skipped');
}
console.table(loads);
console.table(all);
