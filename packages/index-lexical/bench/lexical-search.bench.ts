/**
 * Lexical search latency on real source text (the workspace's node_modules sources), side by side:
 * raw Zoekt `/api/search`, ZoektLexicalIndex (Zoekt + decoding + chunk mapping), the PostgreSQL
 * trigram backend (PostgresLexicalIndex on the server) and ripgrep over the same files on disk.
 * Also zoekt-index time and index sizes.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/index-lexical/bench/lexical-search.bench.ts [--mb 16] [--iterations 5] [--only LABEL] [--debug] [--explain]
 *
 * `--only` keeps the queries whose label contains LABEL; `--debug` prints, per query, the size
 * of Zoekt's response and the time to fetch, parse and decode it; `--explain` prints the
 * PostgreSQL plan of one selective query. "ZoektClient (decode)" is the client alone (HTTP +
 * JSON + base64/UTF-8 decoding), so ZoektLexicalIndex minus it is the cost of chunk mapping.
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
import { request } from 'undici';
import { normalizeChunk, type Chunk, type LexicalSearchOptions, type SnapshotContent, type SourceFile } from '@trawl/core';
import { InMemoryChunkStore } from '@trawl/chunk-store';
import { PostgresStore } from '@trawl/postgres';
import { createTestDatabase } from '@trawl/testing';
import { ZoektClient, ZoektIndexer, buildZoektQuery } from '@trawl/zoekt';
import { PostgresLexicalIndex, ZoektLexicalIndex, zoektRepositoryName } from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MB = arg('mb', 16);
const ITERATIONS = arg('iterations', 5);
const LIMIT = 20;
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

/** A file chunk per file and a "function" chunk per 40-line window, so every hit maps through the store. */
function chunksOf(repoId: string, snapshotId: string, files: SourceFile[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const f of files) {
    const fileId = sha(`${f.path}|file`).slice(0, 32);
    chunks.push(normalizeChunk({ id: fileId, repoId, snapshotId, filePath: f.path, kind: 'file', name: f.path.split('/').pop()!, fqn: f.path, startLine: 1, endLine: f.lineCount, contentHash: f.contentHash }));
    for (let start = 1; start <= f.lineCount; start += 40) {
      const end = Math.min(f.lineCount, start + 39);
      chunks.push(normalizeChunk({ id: sha(`${f.path}|${start}`).slice(0, 32), repoId, snapshotId, filePath: f.path, kind: 'function', name: `block${start}`, fqn: `${f.path}:block${start}`, startLine: start, endLine: end, contentHash: sha(`${f.contentHash}${start}`), parentId: fileId }));
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
  const client = new ZoektClient({ url });
  const db = await createTestDatabase('trawl_bench');
  const store = new PostgresStore({ connectionString: db.url, min: 0, max: 4 });
  try {
    for (let i = 0; i < 100 && !(await client.ready()); i++) await new Promise((r) => setTimeout(r, 100));
    const zoekt = new ZoektLexicalIndex({ client, indexer: new ZoektIndexer({ indexDir, binDir, ctagsCommand: process.env.CTAGS_COMMAND ?? 'ctags-universal' }), chunkStore });
    const zRun = await zoekt.reindexRepo(content);
    const zoektIndexBytes = await dirSize(indexDir);

    const pg = new PostgresLexicalIndex({ store, chunkStore });
    const pgRun = await pg.reindexRepo(content);
    await store.execute('ANALYZE files');
    await store.execute('ANALYZE file_contents');
    const trgmBytes = Number(await store.fetchValue(`SELECT pg_relation_size('file_contents_content_trgm_idx')`));

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
    const repoName = zoektRepositoryName(snapshot);
    const engines: Record<string, (q: Query) => Promise<unknown>> = {
      'zoekt raw': async (q) => {
        const Q = buildZoektQuery({ pattern: q.text, regex: q.options.regex, caseSensitive: false, repositories: [repoName] });
        const res = await request(`${url}/api/search`, { method: 'POST', body: JSON.stringify({ Q, Opts: { MaxMatchDisplayCount: LIMIT * 20, ShardMaxMatchCount: LIMIT * 20, TotalMaxMatchCount: LIMIT * 20 } }) });
        return res.body.text();
      },
      'ZoektClient (decode)': (q) => client.search(q.text, { regex: q.options.regex, repositories: [repoName], maxMatches: LIMIT * 20 }),
      ZoektLexicalIndex: (q) => zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT }),
      'pg trigram': (q) => pg.search(snapshot, q.text, { ...q.options, limit: LIMIT }),
      ripgrep: async (q) => {
        const r = spawnSync('rg', ['-n', '-i', ...(q.options.regex ? ['-e', q.text] : ['-F', '-e', q.text]), corpusDir], { stdio: 'ignore' });
        if (r.status !== 0 && r.status !== 1) throw new Error(`rg failed: ${r.status}`);
      },
    };

    if (process.argv.includes('--debug')) {
      const { decodeSearchResponse } = await import('@trawl/zoekt');
      for (const q of queries) {
        const Q = buildZoektQuery({ pattern: q.text, regex: q.options.regex, caseSensitive: false, repositories: [repoName] });
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const res = await request(`${url}/api/search`, { method: 'POST', body: JSON.stringify({ Q, Opts: { MaxMatchDisplayCount: 400, ShardMaxMatchCount: 400, TotalMaxMatchCount: 400 } }) });
          const text = await res.body.text();
          const t1 = performance.now();
          const json = JSON.parse(text);
          const t2 = performance.now();
          decodeSearchResponse(json, Q);
          const t3 = performance.now();
          console.log(q.label, 'bytes', text.length, 'fetch', (t1 - t0).toFixed(1), 'parse', (t2 - t1).toFixed(1), 'decode', (t3 - t2).toFixed(1));
        }
      }
    }
    const only = process.argv.indexOf('--only');
    if (only > 0) queries.splice(0, queries.length, ...queries.filter((q) => q.label.includes(process.argv[only + 1]!)));
    const times = new Map<string, Map<string, number[]>>();
    const hitCounts = new Map<string, string>();
    for (const q of queries) {
      const perEngine = new Map<string, number[]>();
      times.set(q.label, perEngine);
      const zh = (await zoekt.search(snapshot, q.text, { ...q.options, limit: LIMIT })).length;
      const ph = (await pg.search(snapshot, q.text, { ...q.options, limit: LIMIT })).length;
      hitCounts.set(q.label, `${zh}/${ph}`);
      for (const [name, run] of Object.entries(engines)) {
        await run(q); // warm-up
        const xs: number[] = [];
        for (let i = 0; i < ITERATIONS; i++) {
          const t = performance.now();
          await run(q);
          xs.push(performance.now() - t);
        }
        perEngine.set(name, xs);
      }
    }

    const names = Object.keys(engines);
    console.log(`\n## Lexical search, ${files.length} files / ${(bytes / 1024 / 1024).toFixed(1)} MB, limit ${LIMIT}, ${ITERATIONS} runs per query (p50 / p95 ms)\n`);
    console.log(`| query | kind | hits Z/PG | ${names.join(' | ')} | ZLI / raw | rg / ZLI | rg / raw | rg / pg |`);
    console.log(`|---|---|---|${names.map(() => '---|').join('')}---|---|---|---|`);
    const groups: Record<string, Record<string, number[]>> = { selective: {}, broad: {} };
    for (const q of queries) {
      const e = times.get(q.label)!;
      const p50 = (n: string) => pct(e.get(n)!, 50);
      for (const n of names) (groups[q.kind]![n] ??= []).push(...e.get(n)!);
      console.log(
        `| ${q.label} | ${q.kind} | ${hitCounts.get(q.label)} | ${names.map((n) => `${ms(p50(n))} / ${ms(pct(e.get(n)!, 95))}`).join(' | ')} | ${(p50('ZoektLexicalIndex') / p50('zoekt raw')).toFixed(2)}x | ${(p50('ripgrep') / p50('ZoektLexicalIndex')).toFixed(1)}x | ${(p50('ripgrep') / p50('zoekt raw')).toFixed(1)}x | ${(p50('ripgrep') / p50('pg trigram')).toFixed(1)}x |`,
      );
    }
    console.log('\n| all queries of a kind | ' + names.map((n) => `${n} p50 / p95`).join(' | ') + ' | ZLI / raw (p50) | rg / ZLI (p50) |');
    console.log(`|---|${names.map(() => '---|').join('')}---|---|`);
    for (const [kind, g] of Object.entries(groups)) {
      console.log(`| ${kind} | ${names.map((n) => `${ms(pct(g[n]!, 50))} / ${ms(pct(g[n]!, 95))}`).join(' | ')} | ${(pct(g.ZoektLexicalIndex!, 50) / pct(g['zoekt raw']!, 50)).toFixed(2)}x | ${(pct(g.ripgrep!, 50) / pct(g.ZoektLexicalIndex!, 50)).toFixed(1)}x |`);
    }
    console.log(`\n| indexing | time | size |`);
    console.log(`|---|---|---|`);
    console.log(`| zoekt-index (inside ZoektLexicalIndex.reindexRepo) | ${(Number(zRun.details?.indexerMs) / 1000).toFixed(1)} s | ${(zoektIndexBytes / 1024 / 1024).toFixed(1)} MB shards |`);
    console.log(`| ZoektLexicalIndex.reindexRepo (stage files + zoekt-index + wait for load) | ${(zRun.durationMs / 1000).toFixed(1)} s | |`);
    console.log(`| PostgresLexicalIndex.reindexRepo (write files + GIN trigram index) | ${(pgRun.durationMs / 1000).toFixed(1)} s | ${(trgmBytes / 1024 / 1024).toFixed(1)} MB trigram index |`);
  } finally {
    await client.close();
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
