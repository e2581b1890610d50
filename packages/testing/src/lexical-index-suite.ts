import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkStore, LexicalIndex, SearchHit, SnapshotContent, SnapshotRef } from '@trawl/core';
import { fixtureDelta, fixtureSnapshot, type FixtureFile } from './snapshot-fixtures.js';

/** Where the test command's Zoekt is: `tools/services/zoekt.sh` exports these. Throws (never skips) when missing. */
export function zoektTestEnv(): { url: string; indexDir: string; binDir: string } {
  const url = process.env.ZOEKT_URL;
  const indexDir = process.env.ZOEKT_INDEX_DIR;
  const binDir = process.env.ZOEKT_BIN_DIR;
  if (!url || !indexDir || !binDir) {
    throw new Error('ZOEKT_URL, ZOEKT_INDEX_DIR and ZOEKT_BIN_DIR are not set: run the tests with `npm test`, which builds and starts Zoekt (tools/services/zoekt.sh)');
  }
  return { url, indexDir, binDir };
}

export interface LexicalIndexSuiteOptions {
  /**
   * A fresh, empty index, the chunk store it maps hits with (the suite saves the fixture chunks
   * there, as Trawl's indexer does before it calls the indexes), and how to dispose of both.
   */
  create(): Promise<{ index: LexicalIndex; chunkStore: ChunkStore; dispose(): Promise<void> }>;
}

const LONG_LINE = `export const TABLE = [${Array.from({ length: 3000 }, (_, i) => i * 7).join(', ')}, 'long_line_marker'];`;

/** The fixture repository: several languages, Korean comments, emoji, a very long line. */
export const LEXICAL_FIXTURE_FILES: readonly FixtureFile[] = [
  {
    path: 'src/users.ts',
    language: 'typescript',
    content: [
      '// 사용자 서비스: 계정을 만든다',
      'export class UserService {',
      '  createUser(name: string) {',
      '    const user = { name };',
      '    audit("createUser", user);',
      '    return user;',
      '  }',
      '  deleteUser(id: string) {',
      '    audit("deleteUser", id);',
      '  }',
      '}',
      '',
      'export function parseConfig(text: string) {',
      '  const total = price * (1 + rate);',
      '  return JSON.parse(text); // 설정 파싱 🚀',
      '}',
      '',
    ].join('\n'),
    symbols: [
      { name: 'UserService', kind: 'class', startLine: 2, endLine: 11 },
      { name: 'createUser', kind: 'method', startLine: 3, endLine: 7, owner: 'UserService' },
      { name: 'deleteUser', kind: 'method', startLine: 8, endLine: 10, owner: 'UserService' },
      { name: 'parseConfig', kind: 'function', startLine: 13, endLine: 16 },
    ],
  },
  {
    path: 'lib/orders.py',
    language: 'python',
    content: [
      '# 주문 처리 📦',
      'def place_order(item):',
      '    """Place one order: file:orders or -cancel."""',
      '    return {"item": item, "status": "placed 😀"}',
      '',
      'def cancel_order(order_id):',
      '    return None',
      '',
    ].join('\n'),
    symbols: [
      { name: 'place_order', kind: 'function', startLine: 2, endLine: 4 },
      { name: 'cancel_order', kind: 'function', startLine: 6, endLine: 7 },
    ],
  },
  {
    path: 'cmd/main.go',
    language: 'go',
    content: ['package main', '', 'import "fmt"', '', '// Needle: top-level comment outside any function', 'var Banner = "Needle"', ''].join('\n'),
  },
  { path: 'data/table.js', language: 'javascript', content: `${LONG_LINE}\n` },
  // A header that looks like C++ (Zoekt's own detection says C++; Trawl says `c`, by its name)
  { path: 'inc/widget.h', language: 'c', content: '#include <vector>\nclass Widget { public: std::vector<int> parts; }; // widget_marker\n' },
  { path: 'config/settings.jsonc', language: 'json', content: '// settings_marker\n{ "retries": 3 }\n' },
  { path: 'docs/notes.md', language: 'markdown', content: '# Notes\n\nThe orphan_marker lives in a file whose chunks were never stored.\n' },
];

/** Files whose chunks the suite keeps out of the chunk store, to exercise the virtual-id fallback. */
const UNSTORED = new Set(['docs/notes.md']);

async function writeTree(content: SnapshotContent): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'trawl-lexical-fixture-'));
  for (const f of content.files) {
    await mkdir(dirname(join(root, f.path)), { recursive: true });
    await writeFile(join(root, f.path), f.content);
  }
  return root;
}

function summary(h: SearchHit) {
  return { filePath: h.filePath, name: h.name, kind: h.kind, mapping: h.mapping, matchedLines: h.matchedLines };
}

function byFile(hits: SearchHit[]) {
  return hits.map(summary).sort((a, b) => a.filePath.localeCompare(b.filePath) || (a.matchedLines[0] ?? 0) - (b.matchedLines[0] ?? 0));
}

/**
 * The conformance suite every {@link LexicalIndex} passes, on the same fixture repository with
 * the same expected hits: literal and regex search, case, query syntax searched as text,
 * non-ASCII lines and columns, a very long line, chunk mapping (exact / file fallback / virtual
 * id, one hit per chunk listing every matched line, ranked in that order), filters, limits,
 * snapshot isolation, incremental re-indexing, deletion, errors and cancellation.
 *
 * ```ts
 * describeLexicalIndex('PostgresLexicalIndex on pglite', { create: async () => ({ index, chunkStore, dispose }) })
 * ```
 */
export function describeLexicalIndex(title: string, options: LexicalIndexSuiteOptions): void {
  describe(title, () => {
    let index: LexicalIndex;
    let chunkStore: ChunkStore;
    let dispose: () => Promise<void>;
    const roots: string[] = [];
    const repoId = `lx/${Math.random().toString(36).slice(2, 8)}`;
    const s1: SnapshotRef = { repoId, snapshotId: 's1' };
    const s2: SnapshotRef = { repoId, snapshotId: 's2' };
    let base: SnapshotContent;
    const chunkOf = (name: string) => base.chunks.find((c) => c.name === name)!;
    const fileChunkOf = (path: string) => base.chunks.find((c) => c.filePath === path && c.kind === 'file')!;

    async function store(content: SnapshotContent): Promise<void> {
      await chunkStore.saveChunks(content.chunks.filter((c) => !UNSTORED.has(c.filePath)));
    }

    beforeAll(async () => {
      ({ index, chunkStore, dispose } = await options.create());
      const draft = fixtureSnapshot(s1, LEXICAL_FIXTURE_FILES);
      const root = await writeTree(draft);
      roots.push(root);
      base = { ...draft, rootPath: root };
      await store(base);
      await index.reindexRepo(base);
    });

    afterAll(async () => {
      await dispose?.();
      for (const root of roots) await rm(root, { recursive: true, force: true });
    });

    it('is named lexical', () => {
      expect(index.name).toBe('lexical');
    });

    it('maps a match to the innermost chunk and lists every matched line in one hit', async () => {
      const hits = await index.search(s1, 'audit(');
      expect(byFile(hits)).toEqual([
        { filePath: 'src/users.ts', name: 'createUser', kind: 'method', mapping: 'exact', matchedLines: [5] },
        { filePath: 'src/users.ts', name: 'deleteUser', kind: 'method', mapping: 'exact', matchedLines: [9] },
      ]);
      const create = hits.find((h) => h.name === 'createUser')!;
      expect(create).toMatchObject({ index: 'lexical', repoId, snapshotId: 's1', chunkId: chunkOf('createUser').id, symbolId: chunkOf('createUser').symbolId, startLine: 3, endLine: 7 });
      expect(create.preview).toBe('audit("createUser", user);');

      const many = await index.search(s1, 'createUser');
      const method = many.find((h) => h.name === 'createUser')!;
      expect(method.matchedLines).toEqual([3, 5]);
      expect(many.filter((h) => h.chunkId === method.chunkId)).toHaveLength(1);
    });

    it('falls back to the file chunk, then to a flagged virtual id, ranking exact > file > virtual', async () => {
      const go = await index.search(s1, 'Needle');
      expect(byFile(go)).toEqual([{ filePath: 'cmd/main.go', name: 'main.go', kind: 'file', mapping: 'file_fallback', matchedLines: [5, 6] }]);
      expect(go[0]!.chunkId).toBe(fileChunkOf('cmd/main.go').id);

      const orphan = await index.search(s1, 'orphan_marker');
      expect(orphan).toHaveLength(1);
      expect(orphan[0]).toMatchObject({ chunkId: `virtual:${repoId}:docs/notes.md:3`, mapping: 'unmapped', kind: null, symbolId: null, matchedLines: [3], startLine: 3, endLine: 3 });
      expect(orphan[0]!.metadata.unmapped).toBe(true);

      // "the" hits a function (exact), the Go file outside any function (file) and the notes (virtual)
      const mixed = await index.search(s1, 'o', { limit: 100 });
      const order = mixed.map((h) => h.mapping);
      const rank = { exact: 0, file_fallback: 1, unmapped: 2 } as const;
      for (let i = 1; i < order.length; i++) expect(rank[order[i - 1]!]).toBeLessThanOrEqual(rank[order[i]!]);
      expect(new Set(order)).toEqual(new Set(['exact', 'file_fallback', 'unmapped']));
      for (let i = 1; i < mixed.length; i++) expect(mixed[i - 1]!.score).toBeGreaterThanOrEqual(mixed[i]!.score);
      const exactMin = Math.min(...mixed.filter((h) => h.mapping === 'exact').map((h) => h.score));
      const fileMax = Math.max(...mixed.filter((h) => h.mapping === 'file_fallback').map((h) => h.score));
      expect(exactMin).toBeGreaterThan(fileMax);
    });

    it('searches Korean text and emoji with correct columns', async () => {
      const korean = await index.search(s1, '설정 파싱');
      expect(byFile(korean)).toEqual([{ filePath: 'src/users.ts', name: 'parseConfig', kind: 'function', mapping: 'exact', matchedLines: [15] }]);
      const emoji = await index.search(s1, '😀');
      expect(byFile(emoji)).toEqual([{ filePath: 'lib/orders.py', name: 'place_order', kind: 'function', mapping: 'exact', matchedLines: [4] }]);
      const match = (emoji[0]!.metadata.matches as { text: string; ranges: { start: number; end: number }[] }[])[0]!;
      expect(match.text.slice(match.ranges[0]!.start, match.ranges[0]!.end)).toBe('😀');
      const header = await index.search(s1, '주문 처리');
      expect(byFile(header)).toEqual([{ filePath: 'lib/orders.py', name: 'orders.py', kind: 'file', mapping: 'file_fallback', matchedLines: [1] }]);
    });

    it('finds text on a very long line', async () => {
      const hits = await index.search(s1, 'long_line_marker');
      expect(byFile(hits)).toEqual([{ filePath: 'data/table.js', name: 'table.js', kind: 'file', mapping: 'file_fallback', matchedLines: [1] }]);
      const match = (hits[0]!.metadata.matches as { ranges: { start: number; end: number }[] }[])[0]!;
      expect(LONG_LINE.slice(match.ranges[0]!.start, match.ranges[0]!.end)).toBe('long_line_marker');
    });

    it('searches regex metacharacters, quotes and query syntax as literal text', async () => {
      expect(byFile(await index.search(s1, 'price * (1 + rate)'))).toEqual([
        { filePath: 'src/users.ts', name: 'parseConfig', kind: 'function', mapping: 'exact', matchedLines: [14] },
      ]);
      expect(byFile(await index.search(s1, 'file:orders or -cancel'))).toEqual([
        { filePath: 'lib/orders.py', name: 'place_order', kind: 'function', mapping: 'exact', matchedLines: [3] },
      ]);
      expect(byFile(await index.search(s1, '"deleteUser", id'))).toEqual([
        { filePath: 'src/users.ts', name: 'deleteUser', kind: 'method', mapping: 'exact', matchedLines: [9] },
      ]);
      expect(await index.search(s1, 'price.*rate')).toEqual([]);
    });

    it('ignores case unless asked', async () => {
      expect((await index.search(s1, 'NEEDLE')).map((h) => h.filePath)).toEqual(['cmd/main.go']);
      expect(await index.search(s1, 'NEEDLE', { caseSensitive: true })).toEqual([]);
      expect((await index.search(s1, 'Needle', { caseSensitive: true }))[0]?.matchedLines).toEqual([5, 6]);
    });

    it('runs regular expressions', async () => {
      expect(byFile(await index.search(s1, 'def \\w+_order\\(', { regex: true }))).toEqual([
        { filePath: 'lib/orders.py', name: 'place_order', kind: 'function', mapping: 'exact', matchedLines: [2] },
        { filePath: 'lib/orders.py', name: 'cancel_order', kind: 'function', mapping: 'exact', matchedLines: [6] },
      ]);
      expect(byFile(await index.search(s1, '^export function', { regex: true }))).toEqual([
        { filePath: 'src/users.ts', name: 'parseConfig', kind: 'function', mapping: 'exact', matchedLines: [13] },
      ]);
      expect((await index.search(s1, '\\bdeleteUser\\b', { regex: true })).map((h) => h.name)).toEqual(['deleteUser']);
      // Options embedded in the pattern (RE2 and PostgreSQL both take a leading group).
      expect((await index.search(s1, '(?i)DEF PLACE_ORDER', { regex: true })).map((h) => h.name)).toEqual(['place_order']);
    });

    it('filters by file pattern and language', async () => {
      expect(new Set((await index.search(s1, 'order', { filePattern: '^lib/' })).map((h) => h.filePath))).toEqual(new Set(['lib/orders.py']));
      expect(await index.search(s1, 'audit', { filePattern: '\\.py$' })).toEqual([]);
      // The file pattern takes the query's case, as Zoekt's `file:` follows its `case:`.
      expect(new Set((await index.search(s1, 'order', { filePattern: '^LIB/' })).map((h) => h.filePath))).toEqual(new Set(['lib/orders.py']));
      expect(await index.search(s1, 'order', { filePattern: '^LIB/', caseSensitive: true })).toEqual([]);
      expect(new Set((await index.search(s1, 'e', { languages: ['python'], limit: 100 })).map((h) => h.filePath))).toEqual(new Set(['lib/orders.py']));
      // Languages as Trawl names them, whatever the backend would detect itself
      expect((await index.search(s1, 'widget_marker', { languages: ['c'] })).map((h) => h.filePath)).toEqual(['inc/widget.h']);
      expect(await index.search(s1, 'widget_marker', { languages: ['cpp'] })).toEqual([]);
      expect((await index.search(s1, 'settings_marker', { languages: ['JSON', 'go'] })).map((h) => h.filePath)).toEqual(['config/settings.jsonc']);
      await expect(index.search(s1, 'widget_marker', { languages: ['C++'] })).rejects.toMatchObject({ code: 'INVALID_QUERY', message: expect.stringMatching(/unknown language "C\+\+": use one of .*cpp/) });
    });

    it('honours limit', async () => {
      const all = await index.search(s1, 'e', { limit: 100 });
      expect(all.length).toBeGreaterThan(3);
      expect(await index.search(s1, 'e', { limit: 2 })).toHaveLength(2);
    });

    it('returns nothing for an unknown snapshot or absent text', async () => {
      expect(await index.search({ repoId, snapshotId: 'nope' }, 'createUser')).toEqual([]);
      expect(await index.search(s1, 'zzqqxxyy')).toEqual([]);
    });

    it('rejects an empty query and an invalid regex', async () => {
      await expect(index.search(s1, '   ')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(index.search(s1, 'foo(', { regex: true })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it('honours an aborted signal', async () => {
      await expect(index.search(s1, 'createUser', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it('returns `limit` hits when a few files match on hundreds of lines and others match too', async () => {
      // One file matching on every one of 3,000 lines and twelve functions of 150 matching lines:
      // whichever files a backend reads first must not use up the search.
      const dense: SnapshotRef = { repoId: `${repoId}-dense`, snapshotId: 's1' };
      const body = Array.from({ length: 150 }, (_, j) => `  const v${j} = 'ZEBRA_TOKEN';`).join('\n');
      const draft = fixtureSnapshot(dense, [
        { path: 'data/big.txt', language: 'text', content: `${Array.from({ length: 3000 }, (_, i) => `ZEBRA_TOKEN row ${i}`).join('\n')}\n` },
        ...Array.from({ length: 12 }, (_, i): FixtureFile => ({
          path: `src/f${i}.ts`,
          language: 'typescript',
          content: `export function f${i}() {\n${body}\n}\n`,
          symbols: [{ name: `f${i}`, kind: 'function', startLine: 1, endLine: 152 }],
        })),
      ]);
      const root = await writeTree(draft);
      roots.push(root);
      const content = { ...draft, rootPath: root };
      await store(content);
      await index.reindexRepo(content);
      try {
        for (const limit of [5, 13]) expect(await index.search(dense, 'zebra_token', { limit }), `limit ${limit}`).toHaveLength(limit);
        const all = await index.search(dense, 'zebra_token', { limit: 50 });
        expect(all.map((h) => h.name).sort()).toEqual(['big.txt', ...Array.from({ length: 12 }, (_, i) => `f${i}`)].sort());
      } finally {
        await index.deleteRepo(dense.repoId);
      }
    });

    it('matches lines of over 4,096 characters as whole lines: columns in UTF-16, anchors at the line ends, every match', async () => {
      const wide: SnapshotRef = { repoId: `${repoId}-wide`, snapshotId: 's1' };
      const emoji = `${'😀'.repeat(100)}${'a'.repeat(2500)}win2_marker${'b'.repeat(2000)}`;
      const twice = `first_hit ${'c'.repeat(3000)} second_hit ${'d'.repeat(2000)}`;
      // a word at column 2,048 and one ending at 2,304: where a backend that cuts long lines may cut
      const edges = `${'x'.repeat(2047)} anchored_word ${'y'.repeat(2000)} endword ${'z'.repeat(500)}`;
      const draft = fixtureSnapshot(wide, [{ path: 'min/wide.js', language: 'javascript', content: [emoji, twice, edges].join('\n') + '\n' }]);
      const root = await writeTree(draft);
      roots.push(root);
      const content = { ...draft, rootPath: root };
      await store(content);
      await index.reindexRepo(content);
      const shown = async (query: string, regex = false) => (await index.search(wide, query, { regex })).flatMap((h) => h.metadata.matches as { line: number; text: string; ranges: { start: number; end: number }[] }[]);
      try {
        const [onEmoji] = await shown('win2_marker');
        expect(onEmoji!.ranges).toEqual([{ start: emoji.indexOf('win2_marker'), end: emoji.indexOf('win2_marker') + 11 }]);
        expect(onEmoji!.text.startsWith('😀😀')).toBe(true); // the line's text (shown up to 2,000 characters), not a part
        expect((await shown('first_hit|second_hit', true)).map((m) => [m.line, m.ranges])).toEqual([[2, [{ start: 0, end: 9 }, { start: twice.indexOf('second_hit'), end: twice.indexOf('second_hit') + 10 }]]]);
        expect(await shown('^anchored_word', true)).toEqual([]);
        expect(await shown('endword$', true)).toEqual([]);
        expect((await shown('\\banchored_word\\b', true)).map((m) => m.line)).toEqual([3]);
      } finally {
        await index.deleteRepo(wide.repoId);
      }
    });

    it('re-indexes deltas where two paths differ only in case: the unchanged one stays searchable, in every case mode', async () => {
      const repo = `${repoId}-case`;
      const at = (snapshotId: string) => ({ repoId: repo, snapshotId });
      const file = (path: string, content: string): FixtureFile => ({ path, language: 'typescript', content });
      const upper = (n: number) => file('src/A.ts', `export const upper = ${n};\n`);
      const lower = file('src/a.ts', 'export const lower_only = 2;\n');
      const snapshot = async (snapshotId: string, files: FixtureFile[]) => {
        const draft = fixtureSnapshot(at(snapshotId), files);
        const root = await writeTree(draft);
        roots.push(root);
        return { ...draft, rootPath: root };
      };
      const first = await snapshot('s1', [upper(1), lower]);
      await store(first);
      await index.reindexRepo(first);
      try {
        // two deltas in a row, each changing only src/A.ts (the second builds on the first), then
        // one that only adds a file (it replaces nothing of its base)
        let previous = first;
        for (const [snapshotId, n, added] of [['s2', 2, []], ['s3', 3, []], ['s4', 3, [file('src/new.ts', 'export const added = 4;\n')]]] as const) {
          const next = await snapshot(snapshotId, [upper(n), lower, ...added]);
          const delta = fixtureDelta(previous, next);
          expect(delta.changedPaths).toEqual(added.length ? ['src/new.ts'] : ['src/A.ts']);
          await chunkStore.copySnapshot(previous.snapshot, next.snapshot, delta.changedPaths);
          await store(delta);
          await index.reindexPaths(delta);
          for (const caseSensitive of [false, true]) {
            expect((await index.search(at(snapshotId), 'lower_only', { caseSensitive })).map((h) => h.filePath), `${snapshotId} caseSensitive ${caseSensitive}`).toEqual(['src/a.ts']);
            expect((await index.search(at(snapshotId), 'export const', { caseSensitive })).map((h) => h.filePath).sort()).toEqual(['src/A.ts', 'src/a.ts', ...added.map((f) => f.path)]);
            expect(await index.search(at(snapshotId), `upper = ${n - 1}`, { caseSensitive })).toEqual([]);
          }
          previous = next;
        }
      } finally {
        await index.deleteRepo(repo);
      }
    });

    it('converges when a snapshot is indexed twice', async () => {
      const before = await index.search(s1, 'e', { limit: 100 });
      await index.reindexRepo(base);
      expect(await index.search(s1, 'e', { limit: 100 })).toEqual(before);
    });

    it('re-indexes a delta: changed, added and deleted files, base untouched', async () => {
      const users2: FixtureFile = {
        path: 'src/users.ts',
        language: 'typescript',
        content: 'export function registerMember(name: string) {\n  return audit("registerMember", name);\n}\n',
        symbols: [{ name: 'registerMember', kind: 'function', startLine: 1, endLine: 3 }],
      };
      const added: FixtureFile = { path: 'src/billing.ts', language: 'typescript', content: 'export function chargeCard() {\n  audit("chargeCard");\n}\n', symbols: [{ name: 'chargeCard', kind: 'function', startLine: 1, endLine: 3 }] };
      const kept = LEXICAL_FIXTURE_FILES.filter((f) => f.path !== 'src/users.ts' && f.path !== 'cmd/main.go');
      const draft = fixtureSnapshot(s2, [users2, ...kept, added]);
      const root = await writeTree(draft);
      roots.push(root);
      const next = { ...draft, rootPath: root };
      const delta = fixtureDelta(base, next);
      expect(delta.deletedPaths).toEqual(['cmd/main.go']);
      // as the indexer does: carry unchanged chunks over, save the new ones
      await chunkStore.copySnapshot(s1, s2, [...delta.changedPaths, ...delta.deletedPaths]);
      await store(delta);
      const result = await index.reindexPaths(delta);
      expect(result.index).toBe('lexical');

      expect(byFile(await index.search(s2, 'audit('))).toEqual([
        { filePath: 'src/billing.ts', name: 'chargeCard', kind: 'function', mapping: 'exact', matchedLines: [2] },
        { filePath: 'src/users.ts', name: 'registerMember', kind: 'function', mapping: 'exact', matchedLines: [2] },
      ]);
      expect(byFile(await index.search(s2, 'place_order'))).toEqual([{ filePath: 'lib/orders.py', name: 'place_order', kind: 'function', mapping: 'exact', matchedLines: [2] }]);
      expect(await index.search(s2, 'Needle')).toEqual([]);
      expect((await index.search(s2, 'orphan_marker'))[0]?.mapping).toBe('unmapped');
      // the base snapshot still answers as before
      expect((await index.search(s1, 'audit(')).map((h) => h.name).sort()).toEqual(['createUser', 'deleteUser']);
      expect((await index.search(s1, 'Needle'))[0]?.filePath).toBe('cmd/main.go');
    });

    it('deletes one snapshot, then every snapshot of the repository', async () => {
      await index.deleteRepo(repoId, 's2');
      expect(await index.search(s2, 'place_order')).toEqual([]);
      expect((await index.search(s1, 'place_order'))[0]?.name).toBe('place_order');
      await index.reindexRepo({ ...base, snapshot: { repoId, snapshotId: 's3' }, chunks: [], files: base.files });
      expect(await index.search({ repoId, snapshotId: 's3' }, 'place_order')).toHaveLength(1);
      await index.deleteRepo(repoId);
      expect(await index.search(s1, 'place_order')).toEqual([]);
      expect(await index.search({ repoId, snapshotId: 's3' }, 'place_order')).toEqual([]);
    });
  });
}
