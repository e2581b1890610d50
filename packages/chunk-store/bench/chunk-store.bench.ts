/**
 * Chunk store benchmark (not a test): prints a table.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/chunk-store/bench/chunk-store.bench.ts [--chunks 100000]
 *
 * 1. Batch upsert of N chunks into PostgreSQL (DATABASE_URL) through PostgresChunkStore, against
 *    a raw server-side `COPY ... FROM file` of the same rows into the same table, same run.
 * 2. findChunkAtLine p50/p99 over N chunks: in memory, PostgreSQL server, PGlite.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeChunk, type ChunkInput, type ChunkStore } from '@trawl/core';
import { ensureSchema, PostgresStore } from '@trawl/postgres';
import { createTestDatabase } from '@trawl/testing';
import { InMemoryChunkStore, PostgresChunkStore } from '@trawl/chunk-store';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
// 51 chunks per file: a file > 5 classes > 9 methods each. N rounds up to whole files.
const FILES = Math.max(1, Math.ceil(arg('chunks', 100_000) / 51));
const N = FILES * 51;
const LOOKUPS = arg('lookups', 2000);

function makeChunks(repoId: string, snapshotId: string): ChunkInput[] {
  const out: ChunkInput[] = [];
  for (let f = 0; f < FILES; f++) {
    const filePath = `src/module${f}/file${f}.ts`;
    const fileId = `f${f}`;
    out.push({ id: fileId, repoId, snapshotId, filePath, kind: 'file', name: `file${f}.ts`, fqn: filePath, startLine: 1, endLine: 1000, contentHash: createHash('sha1').update(fileId).digest('hex') });
    for (let c = 0; c < 5; c++) {
      const classStart = 2 + c * 199;
      const classId = `f${f}c${c}`;
      out.push({ id: classId, repoId, snapshotId, filePath, kind: 'class', name: `Class${c}`, fqn: `${filePath}:Class${c}`, startLine: classStart, endLine: classStart + 198, contentHash: classId, parentId: fileId, summary: 'A class that does things.', attributes: { exported: true } });
      for (let m = 0; m < 9; m++) {
        const start = classStart + 1 + m * 22;
        const id = `f${f}c${c}m${m}`;
        out.push({ id, repoId, snapshotId, filePath, kind: 'method', name: `method${m}`, fqn: `${filePath}:Class${c}.method${m}`, startLine: start, endLine: start + 20, contentHash: id, parentId: classId, symbolId: `sym:${id}`, language: 'typescript', visibility: 'public' });
      }
    }
  }
  return out;
}

function csvRows(chunks: ChunkInput[]): string {
  const esc = (v: unknown) => (v === null || v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`);
  return chunks
    .map(normalizeChunk)
    .map((c) =>
      [c.repoId, c.snapshotId, c.id, c.filePath, c.kind, c.name, c.fqn, c.startLine, c.endLine, c.contentHash, c.parentId, JSON.stringify(c.childIds), c.language, c.symbolId, c.symbolOwner, c.visibility, c.summary, c.importance, JSON.stringify(c.attributes), c.version, c.lastIndexedCommit, 'false']
        .map(esc)
        .join(','),
    )
    .join('\n');
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function lookupLatency(store: ChunkStore, ref: { repoId: string; snapshotId: string }): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < LOOKUPS + 50; i++) {
    const f = (i * 7919) % FILES;
    const line = 1 + ((i * 104729) % 1000);
    const t = performance.now();
    const found = await store.findChunkAtLine(ref, `src/module${f}/file${f}.ts`, line);
    const dt = performance.now() - t;
    if (!found) throw new Error(`no chunk at ${f}:${line}`);
    if (i >= 50) times.push(dt); // first 50: warm-up
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

const rows: string[][] = [];
const fmt = (n: number, d = 1) => n.toFixed(d);

const db = await createTestDatabase('trawl_bench');
const server = new PostgresStore({ connectionString: db.url });
try {
  await ensureSchema(server);
  const chunks = makeChunks('bench', 's1');
  // COPY: server-side from a file, the fastest raw path into the same table and indexes.
  const dir = mkdtempSync(join(tmpdir(), 'trawl-bench-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'chunks.csv');
  writeFileSync(file, csvRows(chunks.map((c) => ({ ...c, snapshotId: 'copy' }))));
  chmodSync(file, 0o644);
  let t = performance.now();
  await server.execute(
    `COPY chunks (repo_id, snapshot_id, chunk_id, file_path, kind, name, fqn, start_line, end_line, content_hash, parent_id, child_ids, language, symbol_id, symbol_owner, visibility, summary, importance, attributes, version, last_indexed_commit, deleted) FROM '${file}' WITH (FORMAT csv)`,
  );
  const copyMs = performance.now() - t;
  rmSync(dir, { recursive: true, force: true });
  // Both start from an empty table, so neither pays for the other's index entries.
  await server.execute('TRUNCATE chunks');

  const store = new PostgresChunkStore(server);
  t = performance.now();
  await store.saveChunks(chunks);
  const upsertMs = performance.now() - t;
  const copyRate = N / (copyMs / 1000);
  const upsertRate = N / (upsertMs / 1000);
  rows.push(['upsert (PostgresChunkStore.saveChunks)', `${N}`, fmt(upsertMs / 1000, 2) + ' s', `${Math.round(upsertRate).toLocaleString('en-US')} chunks/s`, `${fmt(upsertRate / copyRate, 2)}x COPY`]);
  rows.push(['raw COPY FROM file (same table)', `${N}`, fmt(copyMs / 1000, 2) + ' s', `${Math.round(copyRate).toLocaleString('en-US')} chunks/s`, '1.00x']);

  await server.execute('ANALYZE chunks');
  const memory = new InMemoryChunkStore();
  t = performance.now();
  await memory.saveChunks(chunks);
  const memMs = performance.now() - t;
  rows.push(['upsert (InMemoryChunkStore)', `${N}`, fmt(memMs / 1000, 2) + ' s', `${Math.round(N / (memMs / 1000)).toLocaleString('en-US')} chunks/s`, '']);

  const ref = { repoId: 'bench', snapshotId: 's1' };
  const m = await lookupLatency(memory, ref);
  rows.push(['findChunkAtLine, in memory', `${N}`, `p50 ${fmt(m.p50 * 1000, 0)} µs`, `p99 ${fmt(m.p99 * 1000, 0)} µs`, `${LOOKUPS} lookups`]);
  const s = await lookupLatency(store, ref);
  rows.push(['findChunkAtLine, PostgreSQL 15 server', `${N}`, `p50 ${fmt(s.p50, 2)} ms`, `p99 ${fmt(s.p99, 2)} ms`, `${LOOKUPS} lookups`]);

  const pglite = new PostgresStore({ embedded: { vector: false } });
  try {
    const pgliteStore = new PostgresChunkStore(pglite);
    t = performance.now();
    await pgliteStore.saveChunks(chunks);
    const pgliteMs = performance.now() - t;
    rows.push(['upsert (PostgresChunkStore on PGlite)', `${N}`, fmt(pgliteMs / 1000, 2) + ' s', `${Math.round(N / (pgliteMs / 1000)).toLocaleString('en-US')} chunks/s`, '']);
    await pglite.execute('ANALYZE chunks');
    const p = await lookupLatency(pgliteStore, ref);
    rows.push(['findChunkAtLine, PGlite (in-process WASM)', `${N}`, `p50 ${fmt(p.p50, 2)} ms`, `p99 ${fmt(p.p99, 2)} ms`, `${LOOKUPS} lookups`]);
  } finally {
    await pglite.close();
  }
} finally {
  await server.close();
  await db.drop();
}

const header = ['operation', 'chunks', 'time / p50', 'rate / p99', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
