import { describe, expect, it } from 'vitest';
import { normalizeChunk } from '@trawl/core';
import { describeChunkStore } from '@trawl/testing';
import { InMemoryChunkStore } from './in-memory-chunk-store.js';

describeChunkStore('InMemoryChunkStore', {
  create: async () => ({ store: new InMemoryChunkStore(), dispose: async () => {} }),
});

describe('InMemoryChunkStore line lookups', () => {
  it('lends the chunks it holds when borrowed, and copies them otherwise', async () => {
    const store = new InMemoryChunkStore();
    const ref = { repoId: 'r', snapshotId: 's' };
    await store.saveChunks([normalizeChunk({ id: 'f', ...ref, filePath: 'a.ts', kind: 'function', name: 'f', fqn: 'a.ts:f', startLine: 1, endLine: 9, contentHash: 'h', attributes: { symbolKind: 'function' } })]);
    const at = [{ filePath: 'a.ts', line: 3 }];
    const [lent] = await store.findChunksAtLines(ref, at, { borrow: true });
    expect((await store.findChunksAtLines(ref, at, { borrow: true }))[0]).toBe(lent);
    const [copy] = await store.findChunksAtLines(ref, at);
    expect(copy).toEqual(lent);
    expect(copy).not.toBe(lent);
    expect(copy!.attributes).not.toBe(lent!.attributes);
  });
});
