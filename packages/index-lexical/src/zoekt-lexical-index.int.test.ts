import { describe, expect, it, vi } from 'vitest';
import { InMemoryChunkStore } from '@trawl/chunk-store';
import { describeLexicalIndex, fixtureSnapshot, zoektTestEnv } from '@trawl/testing';
import { ZoektClient, ZoektIndexer } from '@trawl/zoekt';
import { ZoektLexicalIndex, zoektRepositoryName } from './zoekt-lexical-index.js';

const env = zoektTestEnv();

function createIndex(chunkStore = new InMemoryChunkStore()) {
  const client = new ZoektClient({ url: env.url });
  const indexer = new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir });
  return { index: new ZoektLexicalIndex({ client, indexer, chunkStore }), client, indexer, chunkStore };
}

describeLexicalIndex('ZoektLexicalIndex on a real zoekt-webserver', {
  async create() {
    const { index, client, chunkStore } = createIndex();
    return { index, chunkStore, dispose: () => client.close() };
  },
});

describe('ZoektLexicalIndex', () => {
  it('names each snapshot as one Zoekt repository, safe as a folder name', () => {
    expect(zoektRepositoryName({ repoId: 'github.com/acme/web', snapshotId: 'abc123' })).toBe('github.com%2Facme%2Fweb@abc123');
  });

  it('reports the Zoekt run, and says a delta was a full rebuild', async () => {
    const { index, client, chunkStore } = createIndex();
    const repoId = `zk-${Math.random().toString(36).slice(2, 8)}`;
    try {
      const s1 = fixtureSnapshot({ repoId, snapshotId: 'a' }, [{ path: 'a.ts', content: 'const alpha = 1;\n' }, { path: 'b.ts', content: 'const beta = 2;\n' }]);
      await chunkStore.saveChunks(s1.chunks);
      const full = await index.reindexRepo(s1);
      expect(full).toMatchObject({ index: 'lexical', itemsIndexed: 2, details: { zoektRepository: `${repoId}@a`, shards: 1 } });
      const s2 = fixtureSnapshot({ repoId, snapshotId: 'b' }, [{ path: 'a.ts', content: 'const alpha = 10;\n' }, { path: 'b.ts', content: 'const beta = 2;\n' }]);
      const delta = await index.reindexPaths({ ...s2, files: s2.files.filter((f) => f.path === 'a.ts'), baseSnapshotId: 'a', changedPaths: ['a.ts'], deletedPaths: [] });
      expect(delta).toMatchObject({ fullRebuild: true, itemsIndexed: 2, details: { carriedOver: 1 } });
      expect(delta.note).toMatch(/rebuilds/);
      expect((await index.search({ repoId, snapshotId: 'b' }, 'beta'))[0]?.filePath).toBe('b.ts');
      expect((await index.healthCheck()).ok).toBe(true);
    } finally {
      await index.deleteRepo(repoId);
      await client.close();
    }
  });

  it('never returns the marker Zoekt leaves in place of a skipped file', async () => {
    const chunkStore = new InMemoryChunkStore();
    const client = new ZoektClient({ url: env.url });
    const index = new ZoektLexicalIndex({ client, indexer: new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir }), chunkStore, maxTrigramCount: 10 });
    const ref = { repoId: `zk-skip-${Math.random().toString(36).slice(2, 8)}`, snapshotId: 'a' };
    try {
      await index.reindexRepo(fixtureSnapshot(ref, [{ path: 'big.txt', content: 'abcdefghijklmnopqrstuvwxyz' }, { path: 'small.txt', content: 'aaaa INDEXED' }]));
      expect((await client.search('NOT-INDEXED', { repositories: [zoektRepositoryName(ref)] })).files).toHaveLength(1);
      expect((await index.search(ref, 'INDEXED')).map((h) => h.filePath)).toEqual(['small.txt']);
    } finally {
      await index.deleteRepo(ref.repoId);
      await client.close();
    }
  });

  it('asks Zoekt for the files a limit needs, without context, and flags what Zoekt left out', async () => {
    const { index, client, indexer, chunkStore } = createIndex();
    const search = vi.spyOn(client, 'search');
    const ref = { repoId: `zk-limit-${Math.random().toString(36).slice(2, 8)}`, snapshotId: 'a' };
    try {
      const content = fixtureSnapshot(
        ref,
        Array.from({ length: 6 }, (_, i) => ({
          path: `src/f${i}.ts`,
          content: `export function f${i}() {\n  return 'zebra_word';\n}\n// zebra_word again\n`,
          symbols: [{ name: `f${i}`, kind: 'function' as const, startLine: 1, endLine: 3 }],
        })),
      );
      await chunkStore.saveChunks(content.chunks);
      await index.reindexRepo(content);
      search.mockClear();
      const hits = await index.search(ref, 'zebra_word', { limit: 2 });
      expect(search).toHaveBeenCalledTimes(1);
      const asked = search.mock.calls[0]![1]!;
      expect(asked).toMatchObject({ maxDocuments: 2, maxMatches: 200, maxLines: 100 });
      expect(asked.contextLines ?? 0).toBe(0);
      expect((await search.mock.results[0]!.value).files).toHaveLength(2);
      expect(hits).toHaveLength(2);
      expect(hits.every((h) => h.mapping === 'exact' && h.matchedLines.join() === '2' && h.metadata.truncated === true)).toBe(true);
      // every matched line of the files returned is mapped: their file-level lines rank below
      const wide = await index.search(ref, 'zebra_word', { limit: 12 });
      expect(wide.map((h) => h.mapping)).toEqual([...Array(6).fill('exact'), ...Array(6).fill('file_fallback')]);
      expect(wide[0]!.metadata.truncated).toBeUndefined();
      // a wider candidate pool on request
      const wider = new ZoektLexicalIndex({ client, indexer, chunkStore, filesPerHit: 2 });
      search.mockClear();
      expect(await wider.search(ref, 'zebra_word', { limit: 2 })).toHaveLength(2);
      expect(search.mock.calls[0]![1]).toMatchObject({ maxDocuments: 4, maxMatches: 200 });
      expect(() => new ZoektLexicalIndex({ client, indexer, chunkStore, filesPerHit: 0.5 })).toThrow(/filesPerHit must be at least 1/);
    } finally {
      await index.deleteRepo(ref.repoId);
      await client.close();
    }
  });

  it('asks again without the line cap when lines run out before the limit', async () => {
    const { index, client, chunkStore } = createIndex();
    const search = vi.spyOn(client, 'search');
    const ref = { repoId: `zk-cap-${Math.random().toString(36).slice(2, 8)}`, snapshotId: 'a' };
    try {
      // Files of one function with 150 matching lines each (more than the 100-line cap for
      // limit 2): whichever Zoekt ranks first uses up the lines, and the cap alone gives one hit.
      const big = (name: string) => [`export function ${name}() {`, ...Array.from({ length: 150 }, (_, i) => `  const v${i} = 'quagga_word';`), '}'].join('\n');
      const content = fixtureSnapshot(
        ref,
        ['big1', 'big2', 'big3'].map((name) => ({ path: `src/${name}.ts`, content: `${big(name)}\n`, symbols: [{ name, kind: 'function' as const, startLine: 1, endLine: 152 }] })),
      );
      await chunkStore.saveChunks(content.chunks);
      await index.reindexRepo(content);
      search.mockClear();
      const hits = await index.search(ref, 'quagga_word', { limit: 2 });
      expect(hits).toHaveLength(2);
      expect(search.mock.calls.map((c) => c[1]!.maxLines)).toEqual([100, 200]);
      expect(new Set(hits.map((h) => h.name)).size).toBe(2);
      // a search the cap does not starve asks once
      search.mockClear();
      expect(await index.search(ref, 'quagga_word', { limit: 1 })).toHaveLength(1);
      expect(search).toHaveBeenCalledTimes(1);
    } finally {
      await index.deleteRepo(ref.repoId);
      await client.close();
    }
  });

  it('fails clearly when Zoekt is unreachable', async () => {
    const index = new ZoektLexicalIndex({
      client: () => new ZoektClient({ url: 'http://127.0.0.1:1' }),
      indexer: () => new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir }),
      chunkStore: new InMemoryChunkStore(),
    });
    await expect(index.search({ repoId: 'r', snapshotId: 's' }, 'x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect((await index.healthCheck()).ok).toBe(false);
  });
});
