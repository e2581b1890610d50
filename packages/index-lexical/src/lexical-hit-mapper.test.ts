import { describe, expect, it, vi } from 'vitest';
import { InMemoryChunkStore } from '@trawl/chunk-store';
import { fixtureSnapshot } from '@trawl/testing';
import { mapLineMatchesToHits, type LexicalLineMatch } from './lexical-hit-mapper.js';

const ref = { repoId: 'mapper', snapshotId: 's1' };

/** A line match whose text and ranges count their reads, as a lazily decoding backend would see them. */
function counted(filePath: string, line: number, text: string, score: number, reads: Map<string, number>): LexicalLineMatch {
  const key = `${filePath}:${line}`;
  const start = text.indexOf('needle');
  return {
    filePath,
    line,
    get text() {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return text;
    },
    get ranges() {
      return [{ start, end: start + 6 }];
    },
    score,
    language: 'typescript',
  };
}

describe('mapLineMatchesToHits', () => {
  it('reads the text only of the lines it returns, and ranks as before', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({
      path: `src/f${String(i).padStart(2, '0')}.ts`,
      content: `export function fn${i}() {\n  return 'needle ${i}';\n}\n// needle outside\n`,
      symbols: [{ name: `fn${i}`, kind: 'function' as const, startLine: 1, endLine: 3 }],
    }));
    const content = fixtureSnapshot(ref, files);
    const chunkStore = new InMemoryChunkStore();
    await chunkStore.saveChunks(content.chunks);
    const reads = new Map<string, number>();
    const matches = files.flatMap((f, i) => [
      counted(f.path, 2, `  return 'needle ${i}';`, i, reads),
      counted(f.path, 4, '// needle outside', i, reads),
    ]);

    const hits = await mapLineMatchesToHits(ref, matches, chunkStore, { limit: 5, query: 'needle', backend: 'test' });

    // every exact hit outranks every file fallback; within a tier the backend score orders them
    expect(hits.map((h) => [h.name, h.mapping])).toEqual([
      ['fn29', 'exact'],
      ['fn28', 'exact'],
      ['fn27', 'exact'],
      ['fn26', 'exact'],
      ['fn25', 'exact'],
    ]);
    // 60 lines were mapped and ranked without reading one: text is read when a hit's preview or
    // matched lines are, once per line
    expect(reads.size).toBe(0);
    expect(hits[0]).toMatchObject({ matchedLines: [2], preview: "return 'needle 29';", metadata: { matches: [{ line: 2, text: "  return 'needle 29';", ranges: [{ start: 10, end: 16 }] }] } });
    expect([...reads]).toEqual([['src/f29.ts:2', 1]]);
    // serialising reads the lines of every hit shown (and only those), as plain values
    const json = JSON.parse(JSON.stringify(hits)) as { preview: string; metadata: { matches: { text: string }[] } }[];
    expect(json.map((h) => [h.preview, h.metadata.matches.map((m) => m.text)])).toEqual([29, 28, 27, 26, 25].map((i) => [`return 'needle ${i}';`, [`  return 'needle ${i}';`]]));
    expect([...reads.keys()].sort()).toEqual(['src/f25.ts:2', 'src/f26.ts:2', 'src/f27.ts:2', 'src/f28.ts:2', 'src/f29.ts:2']);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // a spread and structuredClone copy them; an assignment replaces them
    expect({ ...hits[1]!, metadata: { ...hits[1]!.metadata } }).toMatchObject({ preview: "return 'needle 28';", metadata: { matches: [{ line: 2 }] } });
    expect(structuredClone(hits[2]!)).toMatchObject({ preview: "return 'needle 27';", metadata: { matches: [{ line: 2, text: "  return 'needle 27';" }] } });
    hits[1]!.preview = 'replaced';
    hits[1]!.metadata.matches = [];
    expect([hits[1]!.preview, hits[1]!.metadata.matches]).toEqual(['replaced', []]);

    // a wider limit reaches the file fallbacks, still one hit per chunk with every matched line
    const all = await mapLineMatchesToHits(ref, matches, chunkStore, { limit: 100, query: 'needle', backend: 'test' });
    expect(all).toHaveLength(60);
    expect(all.slice(30).every((h) => h.mapping === 'file_fallback' && h.matchedLines.length === 1)).toBe(true);
  });

  it('gives every line of one chunk to one hit, and an id to lines no chunk holds', async () => {
    const content = fixtureSnapshot(ref, [{ path: 'a.ts', content: 'function a() {\n  needle;\n  needle;\n}\n', symbols: [{ name: 'a', kind: 'function', startLine: 1, endLine: 4 }] }]);
    const chunkStore = new InMemoryChunkStore();
    await chunkStore.saveChunks(content.chunks);
    const reads = new Map<string, number>();
    const hits = await mapLineMatchesToHits(
      ref,
      [counted('a.ts', 3, '  needle;', 1, reads), counted('a.ts', 2, '  needle;', 1, reads), counted('gone.ts', 7, 'needle', 1, reads)],
      chunkStore,
      { limit: 10, query: 'needle', backend: 'test' },
    );
    expect(hits.map((h) => [h.chunkId.startsWith('virtual:') ? h.chunkId : h.name, h.mapping, h.matchedLines])).toEqual([
      ['a', 'exact', [2, 3]],
      ['virtual:mapper:gone.ts:7', 'unmapped', [7]],
    ]);
    expect(hits[1]!.metadata.unmapped).toBe(true);
  });

  it('resolves lines through a lookup the caller began, when there is one, instead of the store', async () => {
    const content = fixtureSnapshot(ref, [{ path: 'a.ts', content: 'function a() {\n  needle;\n}\n', symbols: [{ name: 'a', kind: 'function', startLine: 1, endLine: 3 }] }]);
    const chunkStore = new InMemoryChunkStore();
    await chunkStore.saveChunks(content.chunks);
    const findDirectly = chunkStore.findChunksAtLines.bind(chunkStore);
    const direct = vi.spyOn(chunkStore, 'findChunksAtLines');
    const asked: number[] = [];
    const lookup = { find: (locations: readonly { filePath: string; line: number }[]) => (asked.push(locations.length), findDirectly(ref, locations)) };
    const reads = new Map<string, number>();
    const hits = await mapLineMatchesToHits(ref, [counted('a.ts', 2, '  needle;', 1, reads)], chunkStore, { limit: 10, query: 'needle', backend: 'test', lookup });
    expect(hits.map((h) => [h.name, h.mapping])).toEqual([['a', 'exact']]);
    expect(asked).toEqual([1]);
    expect(direct).not.toHaveBeenCalled();
  });

  it('keeps one line reported twice once, with the better score and both ranges', async () => {
    const chunkStore = new InMemoryChunkStore();
    const line = (score: number, start: number): LexicalLineMatch => ({ filePath: 'b.ts', line: 4, text: 'needle needle', ranges: [{ start, end: start + 6 }], score, language: null });
    const hits = await mapLineMatchesToHits(ref, [line(0.1, 0), { ...line(0.1, 0), line: 9 }, line(0.5, 7)], chunkStore, { limit: 10, query: 'needle', backend: 'test' });
    expect(hits.map((h) => h.matchedLines)).toEqual([[4], [9]]);
    expect(hits[0]!.metadata.matches).toEqual([{ line: 4, text: 'needle needle', ranges: [{ start: 0, end: 6 }, { start: 7, end: 13 }] }]);
    // Equal scores (a backend without scores), or the better one first: still every range, in
    // order, each once.
    for (const order of [[line(0, 7), line(0, 0), line(0, 7)], [line(0.5, 7), line(0.1, 0)]]) {
      const [hit] = await mapLineMatchesToHits(ref, order, chunkStore, { limit: 10, query: 'needle', backend: 'test' });
      expect(hit!.metadata.matches).toEqual([{ line: 4, text: 'needle needle', ranges: [{ start: 0, end: 6 }, { start: 7, end: 13 }] }]);
    }
  });

  it('orders hits of equal score by path in code-unit order, whatever the locale, then by line', async () => {
    const files = ['b.ts', 'a.ts', 'B.ts', 'é.ts', 'e.ts'].map((path) => ({ path, content: 'function f() {\n  needle;\n}\nfunction g() {\n  needle;\n}\n', symbols: [{ name: 'f', kind: 'function' as const, startLine: 1, endLine: 3 }, { name: 'g', kind: 'function' as const, startLine: 4, endLine: 6 }] }));
    const chunkStore = new InMemoryChunkStore();
    await chunkStore.saveChunks(fixtureSnapshot(ref, files).chunks);
    const line = (filePath: string, n: number): LexicalLineMatch => ({ filePath, line: n, text: '  needle;', ranges: [{ start: 2, end: 8 }], score: 1, language: null });
    const hits = await mapLineMatchesToHits(ref, files.flatMap((f) => [line(f.path, 5), line(f.path, 2)]), chunkStore, { limit: 20, query: 'needle', backend: 'test' });
    // (a collation would put a.ts before B.ts, and é.ts next to e.ts)
    expect(hits.map((h) => `${h.filePath}:${h.startLine}`)).toEqual(['B.ts:1', 'B.ts:4', 'a.ts:1', 'a.ts:4', 'b.ts:1', 'b.ts:4', 'e.ts:1', 'e.ts:4', 'é.ts:1', 'é.ts:4']);
  });

  it('finds a line repeated after another file came between, and orders the lines of a chunk however they came', async () => {
    const content = fixtureSnapshot(ref, [{ path: 'a.ts', content: 'function a() {\n  x;\n  needle;\n  y;\n  needle needle;\n}\n', symbols: [{ name: 'a', kind: 'function', startLine: 1, endLine: 6 }] }]);
    const chunkStore = new InMemoryChunkStore();
    await chunkStore.saveChunks(content.chunks);
    const line = (filePath: string, n: number, score: number, start: number): LexicalLineMatch => ({ filePath, line: n, text: n === 5 ? '  needle needle;' : '  needle;', ranges: [{ start, end: start + 6 }], score, language: null });
    const options = { limit: 10, query: 'needle', backend: 'test' };
    const hits = await mapLineMatchesToHits(ref, [line('a.ts', 5, 0.1, 2), line('b.ts', 2, 0.1, 2), line('a.ts', 5, 0.5, 9)], chunkStore, options);
    expect(hits.map((h) => [h.filePath, h.matchedLines]).sort()).toEqual([['a.ts', [5]], ['b.ts', [2]]]);
    expect(hits.find((h) => h.filePath === 'a.ts')!.metadata.matches).toEqual([{ line: 5, text: '  needle needle;', ranges: [{ start: 2, end: 8 }, { start: 9, end: 15 }] }]);
    const [a] = await mapLineMatchesToHits(ref, [line('a.ts', 5, 0.1, 2), line('a.ts', 3, 0.1, 2)], chunkStore, options);
    expect(a!.matchedLines).toEqual([3, 5]);
    expect(a!.metadata.matches).toMatchObject([{ line: 3 }, { line: 5 }]);
  });
});
