import { createHash } from 'node:crypto';
import type { ChunkInput, ChunkKind } from '@trawl/core';

export const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A chunk with sensible defaults; override what a test cares about. */
export function makeChunk(overrides: Partial<ChunkInput> & { id: string }): ChunkInput {
  const kind: ChunkKind = overrides.kind ?? 'function';
  return {
    repoId: 'repo',
    snapshotId: 'snap1',
    filePath: 'src/a.ts',
    kind,
    name: overrides.id,
    fqn: `src/a.ts:${overrides.id}`,
    startLine: 1,
    endLine: 1,
    contentHash: hash(overrides.id),
    ...overrides,
  };
}

/**
 * One TypeScript-like file: file (1-100) > class A (10-60) > method m1 (12-20), method m2 (22-58)
 * > nested function inner (30-40); function top (70-90); plus an overlapping `block` (65-95).
 */
export function sampleFileChunks(repoId = 'repo', snapshotId = 'snap1', filePath = 'src/a.ts'): ChunkInput[] {
  const base = { repoId, snapshotId, filePath, language: 'typescript' };
  return [
    makeChunk({ ...base, id: `${filePath}#file`, kind: 'file', name: filePath, fqn: filePath, startLine: 1, endLine: 100, childIds: [`${filePath}#A`, `${filePath}#top`] }),
    makeChunk({ ...base, id: `${filePath}#A`, kind: 'class', name: 'A', fqn: `${filePath}:A`, startLine: 10, endLine: 60, parentId: `${filePath}#file`, visibility: 'public' }),
    makeChunk({ ...base, id: `${filePath}#m1`, kind: 'method', name: 'm1', fqn: `${filePath}:A.m1`, startLine: 12, endLine: 20, parentId: `${filePath}#A`, symbolId: 'sym:A.m1', symbolOwner: 'sym:A' }),
    makeChunk({ ...base, id: `${filePath}#m2`, kind: 'method', name: 'm2', fqn: `${filePath}:A.m2`, startLine: 22, endLine: 58, parentId: `${filePath}#A` }),
    makeChunk({ ...base, id: `${filePath}#inner`, kind: 'function', name: 'inner', fqn: `${filePath}:A.m2.inner`, startLine: 30, endLine: 40, parentId: `${filePath}#m2` }),
    makeChunk({ ...base, id: `${filePath}#top`, kind: 'function', name: 'top', fqn: `${filePath}:top`, startLine: 70, endLine: 90, parentId: `${filePath}#file`, summary: 'Top-level helper.', importance: 0.7, attributes: { exported: true, tags: ['x'] } }),
    makeChunk({ ...base, id: `${filePath}#block`, kind: 'block', name: 'lines 65-95', fqn: `${filePath}:65-95`, startLine: 65, endLine: 95, parentId: `${filePath}#file` }),
  ];
}
