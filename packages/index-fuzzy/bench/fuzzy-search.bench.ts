/**
 * Fuzzy identifier search latency at 100k identifiers, PostgreSQL server vs embedded PGlite.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-fuzzy/bench/fuzzy-search.bench.ts [--size 100000] [--queries 50]
 *
 * The server flavour needs DATABASE_URL (e.g. `export DATABASE_URL=$(cat /tmp/dev-db-url)`);
 * without it only PGlite runs.
 */
import type { SnapshotContent, SymbolDefinition } from '@trawl/core';
import { PostgresStore } from '@trawl/postgres';
import { createTestDatabase } from '@trawl/testing';
import { PostgresFuzzyIndex } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 100_000);
const QUERIES = arg('queries', 50);

let seed = 42;
// mulberry32: a proper 32-bit generator (a float LCG overflows and cycles, duplicating data)
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const VERBS = ['get', 'set', 'create', 'update', 'delete', 'find', 'load', 'save', 'parse', 'render', 'build', 'fetch', 'handle', 'validate', 'compute', 'resolve', 'index', 'search', 'merge', 'apply'];
const NOUNS = ['user', 'account', 'order', 'invoice', 'payment', 'chunk', 'snapshot', 'repo', 'file', 'symbol', 'query', 'result', 'token', 'session', 'config', 'schema', 'vector', 'cache', 'request', 'response', 'item', 'batch', 'event', 'metric', 'report', 'policy', 'record', 'entry', 'node', 'edge'];
const QUALS = ['', '', 'by id', 'async', 'all', 'for repo', 'with retry', 'from cache', 'v2', 'internal'];
const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);

function identifier(): string {
  const words = [pick(VERBS), pick(NOUNS), ...(rand() < 0.5 ? [pick(NOUNS)] : []), ...pick(QUALS).split(' ').filter(Boolean)];
  const style = rand();
  if (style < 0.6) return words[0] + words.slice(1).map(cap).join('');
  if (style < 0.8) return words.join('_');
  return words.map(cap).join('');
}

function corpus(size: number): { content: SnapshotContent; names: string[] } {
  const symbols: SymbolDefinition[] = [];
  const names: string[] = [];
  for (let i = 0; i < size; i++) {
    const name = identifier();
    names.push(name);
    const file = `src/mod${Math.floor(i / 50)}.ts`;
    const line = (i % 50) * 10 + 1;
    symbols.push({ id: `sym${i}`, name, fqn: `${file}:${name}`, kind: 'function', filePath: file, startLine: line, endLine: line + 5, chunkId: `chunk${i}`, ownerId: null, language: 'typescript', visibility: 'public' });
  }
  return { content: { snapshot: { repoId: 'bench', snapshotId: 's1' }, rootPath: '/', files: [], chunks: [], symbols, relations: [] }, names };
}

function typo(name: string): string {
  const i = 1 + Math.floor(rand() * (name.length - 2));
  return name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2); // swap two letters
}
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

const QUERY_KINDS: Record<string, (n: string) => string> = {
  exact: (n) => n,
  'other convention': (n) => (n.includes('_') ? n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : snake(n)),
  'typo (swap)': typo,
  prefix: (n) => n.slice(0, Math.max(4, Math.floor(n.length / 2))),
};

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(flavour: string, store: PostgresStore, content: SnapshotContent, names: string[]) {
  const index = new PostgresFuzzyIndex({ store });
  const t0 = performance.now();
  await index.reindexRepo(content);
  const loadMs = performance.now() - t0;
  const rows: Record<string, string | number>[] = [];
  for (const [kind, make] of Object.entries(QUERY_KINDS)) {
    const times: number[] = [];
    let top1 = 0;
    seed = 7;
    for (let q = 0; q < QUERIES; q++) {
      const target = names[Math.floor(rand() * names.length)]!;
      const query = make(target);
      const s = performance.now();
      const hits = await index.search(content.snapshot, query, { limit: 10 });
      times.push(performance.now() - s);
      if (hits.some((h) => h.name === target)) top1++;
    }
    rows.push({ flavour, query: kind, 'p50 ms': +pct(times, 50).toFixed(2), 'p95 ms': +pct(times, 95).toFixed(2), 'target in top 10': `${((100 * top1) / QUERIES).toFixed(0)}%` });
  }
  return { rows, loadMs };
}

const { content, names } = corpus(SIZE);
console.log(`fuzzy search: ${SIZE} identifiers, ${QUERIES} queries per kind, limit 10, threshold 0.3`);
const all: Record<string, string | number>[] = [];
const loads: Record<string, string>[] = [];
{
  const store = new PostgresStore({ embedded: true });
  const r = await run('pglite', store, content, names);
  all.push(...r.rows);
  loads.push({ flavour: 'pglite', 'index load s': (r.loadMs / 1000).toFixed(1) });
  await store.close();
}
if (process.env.DATABASE_URL) {
  const db = await createTestDatabase('trawl_bench');
  const store = new PostgresStore({ connectionString: db.url, min: 0, max: 2 });
  try {
    const r = await run('server (pg 15)', store, content, names);
    all.push(...r.rows);
    loads.push({ flavour: 'server (pg 15)', 'index load s': (r.loadMs / 1000).toFixed(1) });
  } finally {
    await store.close();
    await db.drop();
  }
} else {
  console.log('DATABASE_URL not set: server flavour skipped');
}
console.table(loads);
console.table(all);
