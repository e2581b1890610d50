import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectSymbolContext } from '@trawl/core';
import { inMemoryAndPostgres, makeChunk } from '@trawl/testing';
import { InMemoryChunkStore } from './in-memory-chunk-store.js';
import { PostgresChunkStore } from './postgres-chunk-store.js';

// listSymbolChunks / countChunks: the lean reads the indexer uses on incremental runs instead of
// reading every chunk of the base snapshot.
const stores = inMemoryAndPostgres<InMemoryChunkStore | PostgresChunkStore>(['InMemoryChunkStore', () => new InMemoryChunkStore()], ['PostgresChunkStore', (db) => new PostgresChunkStore(db)]);

for (const [name, create] of stores) {
  describe(`${name}: lean reads for incremental indexing`, () => {
    let store: InMemoryChunkStore | PostgresChunkStore;
    let dispose: () => Promise<void>;
    const s1 = { repoId: 'lean', snapshotId: 's1' };
    beforeAll(async () => {
      ({ subject: store, dispose } = await create());
      await store.saveChunks([
        makeChunk({ id: 'fa', ...s1, filePath: 'a.ts', kind: 'file', name: 'a.ts', fqn: 'a.ts', startLine: 1, endLine: 9 }),
        makeChunk({ id: 'ca', ...s1, filePath: 'a.ts', name: 'alpha', fqn: 'a.ts:alpha', startLine: 2, endLine: 3, symbolId: 'sym-a', summary: 'long docs', attributes: { symbolKind: 'function', other: 1 } }),
        makeChunk({ id: 'cb', ...s1, filePath: 'b.ts', name: 'beta', fqn: 'b.ts:beta', startLine: 1, endLine: 2, symbolId: 'sym-b', symbolOwner: 'sym-x' }),
        makeChunk({ id: 'cx', ...s1, filePath: 'x.ts', kind: 'class', name: 'Owner', fqn: 'x.ts:Owner', startLine: 1, endLine: 5, symbolId: 'sym-x' }),
        makeChunk({ id: 'cc', ...s1, filePath: 'c.ts', name: 'gamma', fqn: 'c.ts:gamma', startLine: 1, endLine: 2, symbolId: 'sym-c' }),
        makeChunk({ id: 'other', repoId: 'lean', snapshotId: 's2', filePath: 'a.ts', name: 'alpha', fqn: 'a.ts:alpha', startLine: 2, endLine: 3, symbolId: 'sym-a' }),
      ]);
      await store.deleteSnapshot(s1, { filePaths: ['c.ts'] });
    });
    afterAll(async () => dispose());

    it('lists the symbol-defining chunks of one snapshot, outside the excluded paths, with what linking needs', async () => {
      const all = await store.listSymbolChunks(s1);
      expect(all.map((c) => c.id)).toEqual(['ca', 'cb', 'cx']);
      expect(all[0]).toMatchObject({ snapshotId: 's1', symbolId: 'sym-a', name: 'alpha', fqn: 'a.ts:alpha', startLine: 2, endLine: 3, kind: 'function' });
      expect(all[0]!.attributes.symbolKind).toBe('function');
      expect(all[1]).toMatchObject({ symbolOwner: 'sym-x' });
      expect((await store.listSymbolChunks(s1, { exceptPaths: ['a.ts'] })).map((c) => c.id)).toEqual(['cb', 'cx']);
      expect(await store.listSymbolChunks({ repoId: 'lean', snapshotId: 'none' })).toEqual([]);
    });

    it('lists only what a need selects: chunks by name or file, and the owner of each', async () => {
      const ids = async (need: { names: string[]; filePaths: string[] }, exceptPaths: string[] = []) => (await store.listSymbolChunks(s1, { need, exceptPaths })).map((c) => c.id);
      expect(await ids({ names: ['beta'], filePaths: [] })).toEqual(['cb', 'cx']); // cx owns beta
      expect(await ids({ names: [], filePaths: ['a.ts'] })).toEqual(['ca']);
      expect(await ids({ names: ['alpha', 'gamma'], filePaths: [] })).toEqual(['ca']); // gamma is deleted
      expect(await ids({ names: ['beta'], filePaths: [] }, ['x.ts'])).toEqual(['cb']); // the owner's file is excluded
      expect(await ids({ names: ['nothing'], filePaths: ['none.ts'] })).toEqual([]);
      // The same as the reference selection over every symbol chunk.
      const need = { names: ['beta', 'alpha'], filePaths: ['x.ts'] };
      expect(await ids(need)).toEqual(selectSymbolContext(await store.listSymbolChunks(s1), need).map((c) => c.id));
    });

    it('counts the live chunks of one snapshot', async () => {
      expect(await store.countChunks(s1)).toBe(4);
      expect(await store.countChunks({ repoId: 'lean', snapshotId: 's2' })).toBe(1);
      expect(await store.countChunks({ repoId: 'lean', snapshotId: 'none' })).toBe(0);
    });

    if (name.startsWith('PostgresChunkStore')) {
      it('purges a whole snapshot for good, deleted rows included, and leaves the others', async () => {
        const pg = store as PostgresChunkStore;
        expect(await pg.purgeSnapshot(s1)).toBe(5);
        expect(await pg.db.fetchValue<number>("SELECT count(*)::int FROM chunks WHERE repo_id = 'lean' AND snapshot_id = 's1'")).toBe(0);
        expect(await pg.countChunks({ repoId: 'lean', snapshotId: 's2' })).toBe(1);
        expect(await pg.purgeDeleted('lean')).toBe(0);
      });
    }
  });
}
