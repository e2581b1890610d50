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

  it('reports the Zoekt run, lays deltas over the whole base, and rebuilds whole past overlayMaxPaths', async () => {
    const { index, client, indexer, chunkStore } = createIndex();
    const repoId = `zk-${Math.random().toString(36).slice(2, 8)}`;
    const ref = (snapshotId: string) => ({ repoId, snapshotId });
    const files = async (snapshotId: string, text: string) => (await index.search(ref(snapshotId), text)).map((h) => `${h.filePath}:${h.preview}`).sort();
    const listed = async () => (await client.listRepositories({ query: `repo:^${repoId}@` })).map((r) => r.name).sort();
    try {
      const s1 = fixtureSnapshot(ref('a'), [
        { path: 'a.ts', content: 'const alpha = 1;\n' },
        { path: 'b.ts', content: 'const beta = 2;\n' },
        { path: 'c.ts', content: 'const gamma = 3;\n' },
      ]);
      await chunkStore.saveChunks(s1.chunks);
      const full = await index.reindexRepo(s1);
      expect(full).toMatchObject({ index: 'lexical', itemsIndexed: 3, details: { zoektRepository: `${repoId}@a`, shards: 1 } });

      // b: a.ts changed, c.ts deleted, d.ts added. Only those are indexed; the rest is read from a.
      const s2 = fixtureSnapshot(ref('b'), [
        { path: 'a.ts', content: 'const alpha = 10;\n' },
        { path: 'b.ts', content: 'const beta = 2;\n' },
        { path: 'd.ts', content: 'const delta = 4;\n' },
      ]);
      await chunkStore.saveChunks(s2.chunks);
      const d2 = await index.reindexPaths({ ...s2, files: s2.files.filter((f) => f.path !== 'b.ts'), baseSnapshotId: 'a', changedPaths: ['a.ts', 'd.ts'], deletedPaths: ['c.ts'] });
      expect(d2).toMatchObject({ fullRebuild: false, itemsIndexed: 2, details: { overlayOn: `${repoId}@a`, maskedPaths: 3, carriedOver: 0 } });
      expect(d2.note).toMatch(/laid over/);
      expect(await files('b', 'alpha')).toEqual(['a.ts:const alpha = 10;']);
      expect(await files('b', 'beta')).toEqual(['b.ts:const beta = 2;']);
      expect(await files('b', 'gamma')).toEqual([]);
      expect(await files('b', 'const')).toEqual(['a.ts:const alpha = 10;', 'b.ts:const beta = 2;', 'd.ts:const delta = 4;']);
      expect(await files('b', 'masked')).toEqual([]); // the manifest is never a hit
      expect(await files('a', 'const')).toEqual(['a.ts:const alpha = 1;', 'b.ts:const beta = 2;', 'c.ts:const gamma = 3;']);

      // c builds on the overlay b: still one level over a, carrying b's own files.
      const s3 = fixtureSnapshot(ref('c'), [
        { path: 'a.ts', content: 'const alpha = 10;\n' },
        { path: 'b.ts', content: 'const beta = 20;\n' },
        { path: 'd.ts', content: 'const delta = 4;\n' },
      ]);
      await chunkStore.saveChunks(s3.chunks);
      const d3 = await index.reindexPaths({ ...s3, files: s3.files.filter((f) => f.path === 'b.ts'), baseSnapshotId: 'b', changedPaths: ['b.ts'], deletedPaths: [] });
      expect(d3).toMatchObject({ fullRebuild: false, itemsIndexed: 3, details: { overlayOn: `${repoId}@a`, maskedPaths: 4, carriedOver: 2 } });
      expect(await files('c', 'const')).toEqual(['a.ts:const alpha = 10;', 'b.ts:const beta = 20;', 'd.ts:const delta = 4;']);
      // A fresh instance (another process) reads the layout from Zoekt.
      const other = new ZoektLexicalIndex({ client, indexer, chunkStore });
      expect((await other.search(ref('c'), 'const')).map((h) => h.filePath).sort()).toEqual(['a.ts', 'b.ts', 'd.ts']);

      // Deleting a, which b and c build on, keeps its shards for them; a itself answers nothing.
      await index.deleteRepo(repoId, 'a');
      expect(await files('a', 'const')).toEqual([]);
      expect(await files('c', 'beta')).toEqual(['b.ts:const beta = 20;']);
      await index.deleteRepo(repoId, 'b');
      expect(await listed()).toEqual([`${repoId}@a`, `${repoId}@c`]);
      expect(await files('c', 'gamma')).toEqual([]);
      // The last overlay on a takes a with it.
      await index.deleteRepo(repoId, 'c');
      expect(await listed()).toEqual([]);

      // Past overlayMaxPaths a delta is rebuilt whole, and says so.
      const rebuilding = new ZoektLexicalIndex({ client, indexer, chunkStore, overlayMaxPaths: 1 });
      await rebuilding.reindexRepo(s1);
      const whole = await rebuilding.reindexPaths({ ...s2, files: s2.files.filter((f) => f.path !== 'b.ts'), baseSnapshotId: 'a', changedPaths: ['a.ts', 'd.ts'], deletedPaths: ['c.ts'] });
      expect(whole).toMatchObject({ fullRebuild: true, itemsIndexed: 3, details: { carriedOver: 1 } });
      expect(whole.note).toMatch(/more than overlayMaxPaths 1/);
      expect((await rebuilding.search(ref('b'), 'const')).map((h) => h.filePath).sort()).toEqual(['a.ts', 'b.ts', 'd.ts']);
      expect(() => new ZoektLexicalIndex({ client, indexer, chunkStore, overlayMaxPaths: -1 })).toThrow(/overlayMaxPaths/);
      expect((await index.healthCheck()).ok).toBe(true);
    } finally {
      await index.deleteRepo(repoId);
      expect(await listed()).toEqual([]);
      await client.close();
    }
  });

  it('leaves out a repository file at the overlay manifest path, so it never reads as a manifest', async () => {
    const { index, client } = createIndex();
    const ref = { repoId: `zk-man-${Math.random().toString(36).slice(2, 8)}`, snapshotId: 'a' };
    try {
      await index.reindexRepo(fixtureSnapshot(ref, [{ path: '__trawl_overlay__.json', content: '{"base": 7, "note": "okapi"}\n' }, { path: 'a.ts', content: 'const okapi = 1;\n' }]));
      const other = new ZoektLexicalIndex({ client, indexer: new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir }), chunkStore: new InMemoryChunkStore() });
      expect((await other.search(ref, 'okapi')).map((h) => h.filePath)).toEqual(['a.ts']);
    } finally {
      await index.deleteRepo(ref.repoId);
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
      // (a new instance first reads the snapshot's layout: one more request, for its manifest)
      expect(search).toHaveBeenCalledTimes(2);
      expect(search.mock.calls[0]![0]).toContain('__trawl_overlay__');
      expect(search.mock.calls[1]![1]).toMatchObject({ maxDocuments: 4, maxMatches: 200 });
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

  it('sends the request before beginning the line lookup, and fails with the store when that throws', async () => {
    class FailingLookupStore extends InMemoryChunkStore {
      begun = 0;
      beginLineLookup(): never {
        this.begun++;
        throw new Error('line lookup unavailable');
      }
    }
    const chunkStore = new FailingLookupStore();
    const { index, client } = createIndex(chunkStore);
    const sent: string[] = [];
    const search = client.search.bind(client);
    client.search = (query, options) => {
      sent.push(`${query} (lookups begun: ${chunkStore.begun})`);
      return search(query, options);
    };
    try {
      const ref = { repoId: 'lookup-fails', snapshotId: 's1' };
      await expect(index.search(ref, 'needle')).rejects.toThrow('line lookup unavailable');
      expect(sent.at(-1)).toMatch(/needle.*\(lookups begun: 0\)$/);
      // Zoekt's answer, here a rejection (an invalid regex), is still awaited by no one and handled:
      // an unhandled rejection would fail this run.
      await expect(index.search(ref, '(', { regex: true })).rejects.toThrow('line lookup unavailable');
      await new Promise((r) => setTimeout(r, 50));
    } finally {
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
