import { describe, expect, it } from 'vitest';
import { normalizeChunk, type Chunk } from '@trawl/core';
import { makeChunk } from '@trawl/testing';
import { ChunkSpanTable } from './chunk-span-table.js';
import { compareSpecificity, InMemoryChunkStore } from './in-memory-chunk-store.js';
import { MIN_SPANS_TO_PAINT, paintLineOwners } from './line-owners.js';

const KINDS = ['file', 'class', 'method', 'function', 'block', 'interface'] as const;

function randomChunks(seed: number, files: number, perFile: number): Chunk[] {
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const chunks: Chunk[] = [];
  for (let f = 0; f < files; f++) {
    const filePath = `src/f${f}.ts`;
    chunks.push(normalizeChunk(makeChunk({ id: `file-${f}`, filePath, kind: 'file', startLine: 1, endLine: 300 })));
    for (let i = 0; i < perFile; i++) {
      const start = 1 + rand(290);
      chunks.push(normalizeChunk(makeChunk({ id: `c-${f}-${i}`, filePath, kind: KINDS[rand(KINDS.length)]!, startLine: start, endLine: start + rand(i % 4 === 0 ? 2 : 40) })));
    }
  }
  return chunks;
}

/** The definition: the most specific live chunk of the file containing the line. */
function reference(chunks: readonly Chunk[], filePath: string, line: number): string | null {
  const containing = chunks.filter((c) => !c.deleted && c.filePath === filePath && c.startLine <= line && c.endLine >= line);
  return containing.sort(compareSpecificity)[0]?.id ?? null;
}

describe('line owners', () => {
  it('paints only files with many spans', () => {
    const starts = Array.from({ length: MIN_SPANS_TO_PAINT }, (_, i) => i + 1);
    expect(paintLineOwners(starts, starts, 0, starts.length)).toBeNull();
    const more = [...starts, 40];
    const owners = paintLineOwners(more, more, 0, more.length)!;
    expect(owners[40]).toBe(MIN_SPANS_TO_PAINT);
    expect(owners[39]).toBe(-1);
  });

  it('ChunkSpanTable answers from painted files exactly as a scan of the ranked spans', () => {
    const chunks = randomChunks(11, 6, 80);
    const ranked = [...chunks].sort((a, b) => a.filePath.localeCompare(b.filePath) || compareSpecificity(a, b));
    const table = new ChunkSpanTable(ranked.map((c) => [c.filePath, c.id, c.startLine, c.endLine] as const));
    for (let f = 0; f < 7; f++) {
      for (let line = 0; line <= 340; line++) expect(table.find(`src/f${f}.ts`, line), `f${f}:${line}`).toBe(reference(chunks, `src/f${f}.ts`, line));
    }
  });

  it('InMemoryChunkStore finds the most specific live chunk in files of many chunks, across deletes and rewrites', async () => {
    const store = new InMemoryChunkStore();
    const chunks = randomChunks(5, 4, 60);
    await store.saveChunks(chunks);
    const ref = { repoId: 'repo', snapshotId: 'snap1' };
    const locations = Array.from({ length: 4 }, (_, f) => Array.from({ length: 320 }, (_, line) => ({ filePath: `src/f${f}.ts`, line }))).flat();
    const ids = async () => (await store.findChunksAtLines(ref, locations)).map((c) => c?.id ?? null);
    expect(await ids()).toEqual(locations.map((l) => reference(chunks, l.filePath, l.line)));

    // A whole file deleted in place after its lines were painted: none of its chunks is returned.
    await store.deleteSnapshot(ref, { filePaths: ['src/f1.ts'] });
    const live = chunks.filter((c) => c.filePath !== 'src/f1.ts');
    expect(await ids()).toEqual(locations.map((l) => reference(live, l.filePath, l.line)));

    // A chunk moved to another file and a new innermost chunk: both files are repainted.
    const moved = { ...chunks.find((c) => c.id === 'c-2-3')!, filePath: 'src/f3.ts' };
    const added = normalizeChunk(makeChunk({ id: 'inner', filePath: 'src/f2.ts', kind: 'block', startLine: 100, endLine: 100 }));
    await store.saveChunks([moved, added]);
    const now = [...live.filter((c) => c.id !== 'c-2-3'), moved, added];
    expect(await ids()).toEqual(locations.map((l) => reference(now, l.filePath, l.line)));
  });
});
