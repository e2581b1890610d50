import { describe, expect, it } from 'vitest';
import { PostgresChunkStore } from '@trawl/chunk-store';
import { ensureSchema, type PostgresStore } from '@trawl/postgres';
import type { SnapshotRef } from '@trawl/core';
import { POSTGRES_FLAVOURS, createTestStore, describeLexicalIndex, fixtureSnapshot, type PostgresFlavour } from '@trawl/testing';
import { PostgresLexicalIndex, lexicalSearchSql, toPostgresRegex } from './postgres-lexical-index.js';

/** A fresh database with a chunk store and a PostgresLexicalIndex over it, dropped after `fn`. */
async function withLexicalIndex(
  flavour: PostgresFlavour,
  fn: (ctx: { store: PostgresStore; chunkStore: PostgresChunkStore; index: PostgresLexicalIndex }) => Promise<void>,
): Promise<void> {
  const { store, dispose } = await createTestStore(flavour);
  try {
    const chunkStore = new PostgresChunkStore(store);
    await fn({ store, chunkStore, index: new PostgresLexicalIndex({ store, chunkStore }) });
  } finally {
    await dispose();
  }
}

/** `files` indexed as snapshot `ref` (their chunks stored first, as Trawl's indexer does), then `fn`. */
async function withIndexed(
  flavour: PostgresFlavour,
  ref: SnapshotRef,
  files: Parameters<typeof fixtureSnapshot>[1],
  fn: (snapshot: SnapshotRef, index: PostgresLexicalIndex) => Promise<void>,
): Promise<void> {
  await withLexicalIndex(flavour, async ({ chunkStore, index }) => {
    const content = fixtureSnapshot(ref, files);
    await chunkStore.saveChunks(content.chunks);
    await index.reindexRepo(content);
    await fn(content.snapshot, index);
  });
}

for (const flavour of POSTGRES_FLAVOURS) {
  describeLexicalIndex(`PostgresLexicalIndex on ${flavour}`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      const chunkStore = new PostgresChunkStore(store);
      return { index: new PostgresLexicalIndex({ store, chunkStore }), chunkStore, dispose };
    },
  });
}

describe('PostgresLexicalIndex', () => {
  it('translates word boundaries to PostgreSQL syntax', () => {
    expect(toPostgresRegex('\\bfoo\\B[\\b]\\\\b')).toBe('\\yfoo\\Y[\\b]\\\\b');
  });

  for (const flavour of POSTGRES_FLAVOURS) {
    it(`uses the trigram index for literal and regex searches (${flavour})`, async () => {
      await withLexicalIndex(flavour, async ({ store, index }) => {
        const ref = { repoId: 'explain', snapshotId: 's1' };
        // Enough distinct text that reading every file costs more than the index (rows stay under
        // the TOAST threshold, whose pages a sequential scan's cost estimate would not count).
        const body = (i: number) => Array.from({ length: 30 }, (_, j) => `  const v${j}_${i} = compute${(i * 31 + j) % 997}(input${j}, "${((i + 1) * (j + 7) * 7919).toString(36)}");`).join('\n');
        const files = Array.from({ length: 800 }, (_, i) => ({ path: `src/f${i}.ts`, content: `export function helper${i}(input: string) {\n${body(i)}\n}\n` }));
        files.push({ path: 'src/target.ts', content: 'export function xyzzyPlughQuux() {}\n' });
        await index.reindexRepo(fixtureSnapshot(ref, files));
        await store.execute('ANALYZE lexical_segments');
        await store.execute('ANALYZE file_spans');
        for (const options of [{}, { caseSensitive: true }, { regex: true }, { regex: true, caseSensitive: true }]) {
          for (const mode of ['segments', 'lines'] as const) {
            const { sql, params } = lexicalSearchSql(ref, options.regex ? 'xyzzyPlugh\\w+' : 'xyzzyPlughQuux', options, 200, mode);
            // as search() runs it: sequential scans off for the statement (see the comment there)
            const plan = await store.transaction(async (tx) => {
              await tx.execute('SET LOCAL enable_seqscan = off');
              return (await tx.fetch<Record<string, string>>(`EXPLAIN ${sql}`, params)).map((r) => Object.values(r)[0]).join('\n');
            });
            expect(plan, `plan for ${mode} ${JSON.stringify(options)}:\n${plan}`).toMatch(/Bitmap Index Scan on lexical_segments_text_trgm_idx/);
          }
        }
        expect((await index.search(ref, 'xyzzyPlughQuux'))[0]?.filePath).toBe('src/target.ts');
      });
    });
  }

  it.each(POSTGRES_FLAVOURS)('indexes lines of ~2 KB segments, long lines in overlapping windows, with whole-line columns (%s)', async (flavour) => {
    await withLexicalIndex(flavour, async ({ store, index }) => {
      // A 2,040-character run puts the needle across the first window edge (2,048).
      const long = `${'a'.repeat(2040)}needle_across_window${'b'.repeat(6000)}tail_marker`;
      const short = Array.from({ length: 300 }, (_, i) => `line ${i + 1} of short text`);
      const content = fixtureSnapshot({ repoId: 'seg', snapshotId: 's1' }, [{ path: 'big.txt', content: [...short, long, 'after the long line'].join('\n') }]);
      await index.reindexRepo(content);
      const segments = await store.fetch<{ start_line: number; start_column: number; length: number }>(
        `SELECT start_line, start_column, length(text) AS length FROM lexical_segments ORDER BY start_line, start_column`,
      );
      expect(segments.filter((s) => s.start_line === 301).map((s) => s.start_column)).toEqual([0, 2048, 4096, 6144]);
      expect(Math.max(...segments.filter((s) => s.start_line !== 301).map((s) => s.length))).toBeLessThan(2100);
      expect(segments.filter((s) => s.start_line < 301).length).toBeGreaterThan(2);
      // Stored as written, not compressed (migration 0010): searches match candidates without inflating them.
      const compressed = await store.fetchValue<number>('SELECT count(*)::int FROM lexical_segments WHERE pg_column_size(text) < octet_length(text)');
      expect(compressed).toBe(0);

      const lineOf = async (q: string) => {
        const [hit] = await index.search(content.snapshot, q);
        const match = (hit!.metadata.matches as { line: number; ranges: { start: number; end: number }[] }[])[0]!;
        return { line: match.line, start: match.ranges[0]!.start };
      };
      expect(await lineOf('needle_across_window')).toEqual({ line: 301, start: 2040 });
      expect(await lineOf('TAIL_MARKER')).toEqual({ line: 301, start: long.indexOf('tail_marker') });
      expect(await lineOf('line 150 of short')).toEqual({ line: 150, start: 0 });
      expect(await lineOf('after the long')).toEqual({ line: 302, start: 0 });
      // PostgreSQL-only syntax (matched in SQL) on a long line: checked against the whole line too,
      // where `^` is the line's start, not a window's
      const lines = async (q: string) => (await index.search(content.snapshot, q, { regex: true })).flatMap((h) => h.matchedLines);
      expect(await lines('***:^a+needle_across_window')).toEqual([301]);
      expect(await lines('***:^b+tail_marker')).toEqual([]);
      // The segments go with the file text they were cut from.
      await index.deleteRepo('seg');
      expect(await store.fetchValue<number>('SELECT count(*)::int FROM lexical_segments')).toBe(0);
    });
  });

  it.each(POSTGRES_FLAVOURS)('reads more segments when the first ones fall in too few chunks (%s)', async (flavour) => {
    // One function of ~35 segments that all match, written first (read first), then small files.
    const long = ['export function long() {', ...Array.from({ length: 2000 }, (_, i) => `  const x${i} = 'needle_word' + ${i};`), '}'].join('\n');
    const files = [
      { path: 'src/long.ts', content: long, symbols: [{ name: 'long', kind: 'function' as const, startLine: 1, endLine: 2002 }] },
      ...[1, 2, 3].map((i) => ({ path: `src/s${i}.ts`, content: `export function s${i}() {\n  return 'needle_word';\n}\n`, symbols: [{ name: `s${i}`, kind: 'function' as const, startLine: 1, endLine: 3 }] })),
    ];
    await withIndexed(flavour, { repoId: 'refill', snapshotId: 's1' }, files, async (ref, index) => {
      const hits = await index.search(ref, 'needle_word', { limit: 4 });
      expect(hits.map((h) => h.name).sort()).toEqual(['long', 's1', 's2', 's3']);
      expect(hits.every((h) => h.mapping === 'exact')).toBe(true);
    });
  });

  it('matches PostgreSQL-only regex syntax in SQL', async () => {
    const file = { path: 'a.ts', content: 'const deleteUser = 1;\nconst deleteUserLater = 2;\nconst x = "[[:digit:]]";\n', symbols: [{ name: 'deleteUser', kind: 'function' as const, startLine: 1, endLine: 1 }] };
    await withIndexed('server', { repoId: 'pgre', snapshotId: 's1' }, [file], async (snapshot, index) => {
      // \y (word boundary) and [[:digit:]] mean something else, or nothing, in JavaScript
      expect((await index.search(snapshot, '\\ydeleteUser\\y', { regex: true })).map((h) => h.matchedLines)).toEqual([[1]]);
      expect((await index.search(snapshot, 'x = "[[:digit:]]"', { regex: false })).map((h) => h.matchedLines)).toEqual([[3]]);
      expect((await index.search(snapshot, '= [[:digit:]];', { regex: true })).map((h) => h.matchedLines).flat().sort()).toEqual([1, 2]);
    });
  });

  it('takes a regex with its own options, and reports neither a line after the last nor empty ranges for a pattern that can match nothing', async () => {
    const files = [
      { path: 'a.ts', content: 'const axxb = 1;\n\nconst B = 2;\n', symbols: [{ name: 'B', kind: 'function' as const, startLine: 3, endLine: 3 }] },
      // a long line, then the final newline: the empty "line" after it is a segment of its own
      { path: 'b.txt', content: `${'w'.repeat(5000)}\n` },
    ];
    await withIndexed('pglite', { repoId: 'pgempty', snapshotId: 's1' }, files, async (snapshot, index) => {
      const search = async (query: string, options = {}) => index.search(snapshot, query, { regex: true, limit: 50, ...options });
      const lines = async (query: string, options = {}) => (await search(query, { filePattern: '^a\\.ts$', ...options })).flatMap((h) => h.matchedLines).sort();
      // PostgreSQL takes one group of options, first: the pattern's own and the search's `n` are merged
      expect(await lines('(?i)CONST b', { caseSensitive: true })).toEqual([3]);
      expect(await lines('(?c)CONST b')).toEqual([]);
      expect(await lines('***=axxb')).toEqual([1]);
      // three lines, the second empty: no fourth after the final newline (in SQL, and cut in JavaScript)
      expect((await search('^$')).map((h) => [h.filePath, h.matchedLines])).toEqual([['a.ts', [2]]]);
      expect(await lines('^$|[[:alpha:]]')).toEqual([1, 2, 3]);
      expect((await search('^$|[[:alpha:]]', { filePattern: 'b' })).flatMap((h) => h.matchedLines)).toEqual([1]);
      const shown = (await search('x*', { filePattern: '^a' })).flatMap((h) => h.metadata.matches as { line: number; ranges: unknown }[]);
      expect(shown.find((m) => m.line === 1)?.ranges).toEqual([{ start: 7, end: 9 }]);
    });
  });

  it('skips writing files when the catalog writes them, and creates its store lazily once', async () => {
    const { store, dispose } = await createTestStore('pglite');
    try {
      let calls = 0;
      const index = new PostgresLexicalIndex({ store: () => (calls++, store), chunkStore: new PostgresChunkStore(store), writeFiles: false });
      expect(calls).toBe(0);
      const result = await index.reindexRepo(fixtureSnapshot({ repoId: 'r', snapshotId: 's' }, [{ path: 'a.ts', content: 'x' }]));
      expect(result.itemsIndexed).toBe(0);
      expect(await index.search({ repoId: 'r', snapshotId: 's' }, 'x')).toEqual([]);
      expect(calls).toBe(1);
      expect((await index.healthCheck()).ok).toBe(true);
      await ensureSchema(store);
    } finally {
      await dispose();
    }
  });
});
