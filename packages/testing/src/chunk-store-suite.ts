import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, type ChunkStore } from '@trawl/core';
import { makeChunk, sampleFileChunks } from './chunk-fixtures.js';

export interface ChunkStoreSuiteOptions {
  /** Returns a fresh, empty store and how to dispose of it. */
  create(): Promise<{ store: ChunkStore; dispose(): Promise<void> }>;
}

/**
 * The ChunkStore contract. Every implementation's test file calls this once:
 *
 * ```ts
 * describeChunkStore('InMemoryChunkStore', { create: async () => ({ store: new InMemoryChunkStore(), dispose: async () => {} }) })
 * ```
 */
export function describeChunkStore(name: string, options: ChunkStoreSuiteOptions): void {
  describe(`ChunkStore conformance: ${name}`, () => {
    let store: ChunkStore;
    let dispose: () => Promise<void>;
    const snap = { repoId: 'repo', snapshotId: 'snap1' };

    beforeAll(async () => {
      ({ store, dispose } = await options.create());
      await store.saveChunks(sampleFileChunks());
    });
    afterAll(async () => dispose());

    it('round-trips every field of a chunk', async () => {
      const top = await store.getChunk('src/a.ts#top');
      expect(top).toMatchObject({
        id: 'src/a.ts#top',
        repoId: 'repo',
        snapshotId: 'snap1',
        filePath: 'src/a.ts',
        kind: 'function',
        name: 'top',
        fqn: 'src/a.ts:top',
        startLine: 70,
        endLine: 90,
        parentId: 'src/a.ts#file',
        childIds: [],
        language: 'typescript',
        summary: 'Top-level helper.',
        attributes: { exported: true, tags: ['x'] },
        version: 1,
        deleted: false,
        lastIndexedCommit: null,
      });
      expect(top!.importance).toBeCloseTo(0.7, 5);
      const m1 = await store.getChunk('src/a.ts#m1', { snapshot: snap });
      expect(m1).toMatchObject({ symbolId: 'sym:A.m1', symbolOwner: 'sym:A', parentId: 'src/a.ts#A' });
      const file = await store.getChunk('src/a.ts#file');
      expect(file!.childIds).toEqual(['src/a.ts#A', 'src/a.ts#top']);
    });

    it('gets many chunks in the order asked, leaving unknown ids out', async () => {
      const chunks = await store.getChunks(['src/a.ts#inner', 'nope', 'src/a.ts#A']);
      expect(chunks.map((c) => c.id)).toEqual(['src/a.ts#inner', 'src/a.ts#A']);
      expect(await store.getChunk('nope')).toBeNull();
      expect(await store.getChunks([])).toEqual([]);
    });

    it('finds the most specific chunk containing a line', async () => {
      const at = async (line: number) => (await store.findChunkAtLine(snap, 'src/a.ts', line))?.id ?? null;
      expect(await at(15)).toBe('src/a.ts#m1'); // method over class over file
      expect(await at(35)).toBe('src/a.ts#inner'); // nested function: smallest span among functions
      expect(await at(45)).toBe('src/a.ts#m2');
      expect(await at(21)).toBe('src/a.ts#A'); // between methods: the class
      expect(await at(5)).toBe('src/a.ts#file');
      expect(await at(80)).toBe('src/a.ts#top'); // function over an overlapping block
      expect(await at(92)).toBe('src/a.ts#block'); // block over file
      expect(await at(100)).toBe('src/a.ts#file'); // inclusive end
      expect(await at(101)).toBeNull();
      expect(await store.findChunkAtLine(snap, 'src/missing.ts', 1)).toBeNull();
      expect(await store.findChunkAtLine({ repoId: 'repo', snapshotId: 'other' }, 'src/a.ts', 15)).toBeNull();
    });

    it('resolves many lines in one call, aligned with the input', async () => {
      const found = await store.findChunksAtLines(snap, [
        { filePath: 'src/a.ts', line: 35 },
        { filePath: 'src/missing.ts', line: 1 },
        { filePath: 'src/a.ts', line: 15 },
        { filePath: 'src/a.ts', line: 35 },
      ]);
      expect(found.map((c) => c?.id ?? null)).toEqual(['src/a.ts#inner', null, 'src/a.ts#m1', 'src/a.ts#inner']);
      expect(await store.findChunksAtLines(snap, [])).toEqual([]);
      // Borrowed (the store may lend what it holds): the same answers.
      const lines = [{ filePath: 'src/a.ts', line: 35 }, { filePath: 'src/missing.ts', line: 1 }, { filePath: 'src/a.ts', line: 15 }];
      expect(await store.findChunksAtLines(snap, lines, { borrow: true })).toEqual(await store.findChunksAtLines(snap, lines));
      const lookup = store.beginLineLookup?.(snap);
      if (lookup) expect(await lookup.find(lines, { borrow: true })).toEqual(await store.findChunksAtLines(snap, lines));
    });

    it('returns the file chunk of a file and lists file and repo chunks in order', async () => {
      expect((await store.getFileChunk(snap, 'src/a.ts'))?.id).toBe('src/a.ts#file');
      expect(await store.getFileChunk(snap, 'src/missing.ts')).toBeNull();
      const inFile = await store.listFileChunks(snap, 'src/a.ts');
      expect(inFile.map((c) => c.id)).toEqual([
        'src/a.ts#file', 'src/a.ts#A', 'src/a.ts#m1', 'src/a.ts#m2', 'src/a.ts#inner', 'src/a.ts#block', 'src/a.ts#top',
      ]);
      await store.saveChunks(sampleFileChunks('repo', 'snap1', 'src/b.ts'));
      const all = await store.listRepoChunks('repo', { snapshotId: 'snap1' });
      expect(all).toHaveLength(14);
      expect(all[0]!.filePath).toBe('src/a.ts');
      expect(all[13]!.filePath).toBe('src/b.ts');
    });

    it('finds chunks by content hash', async () => {
      const m1 = (await store.getChunk('src/a.ts#m1'))!;
      const found = await store.findByContentHash('repo', m1.contentHash);
      expect(found.map((c) => c.id)).toEqual(['src/a.ts#m1']);
      expect(await store.findByContentHash('repo', m1.contentHash, { snapshotId: 'zzz' })).toEqual([]);
    });

    it('upserts: identical data writes nothing, changed data bumps the version', async () => {
      const chunk = makeChunk({ id: 'up1', repoId: 'r2', snapshotId: 's', startLine: 3, endLine: 4 });
      expect(await store.saveChunks([chunk])).toBe(1);
      expect(await store.saveChunks([chunk])).toBe(0);
      expect((await store.getChunk('up1'))!.version).toBe(1);
      const saved = await store.saveChunk({ ...chunk, endLine: 9, summary: 'changed' });
      expect(saved).toMatchObject({ endLine: 9, summary: 'changed', version: 2 });
    });

    it('keeps the same chunk id in several snapshots apart', async () => {
      const a = makeChunk({ id: 'shared', repoId: 'r3', snapshotId: 'old', startLine: 1, endLine: 5 });
      const b = makeChunk({ id: 'shared', repoId: 'r3', snapshotId: 'new', startLine: 1, endLine: 5, summary: 'newer' });
      await store.saveChunks([a]);
      await store.saveChunks([b]);
      expect((await store.getChunk('shared', { snapshot: { repoId: 'r3', snapshotId: 'old' } }))!.summary).toBeNull();
      expect((await store.getChunk('shared'))!.summary).toBe('newer');
      expect(await store.listRepoChunks('r3')).toHaveLength(2);
    });

    it('soft-deletes a snapshot (or some files of it) and hides it from every read', async () => {
      const ref = { repoId: 'r4', snapshotId: 's1' };
      await store.saveChunks([...sampleFileChunks('r4', 's1', 'x.ts'), ...sampleFileChunks('r4', 's1', 'y.ts')]);
      expect(await store.deleteSnapshot(ref, { filePaths: ['y.ts'] })).toBe(7);
      expect(await store.listFileChunks(ref, 'y.ts')).toEqual([]);
      expect(await store.listFileChunks(ref, 'x.ts')).toHaveLength(7);
      expect(await store.deleteSnapshot(ref)).toBe(7);
      expect(await store.getChunk('x.ts#m1')).toBeNull();
      expect(await store.getChunks(['x.ts#m1', 'x.ts#A'])).toEqual([]);
      expect(await store.findChunkAtLine(ref, 'x.ts', 15)).toBeNull();
      expect(await store.findChunksAtLines(ref, [{ filePath: 'x.ts', line: 15 }])).toEqual([null]);
      expect(await store.getFileChunk(ref, 'x.ts')).toBeNull();
      expect(await store.listRepoChunks('r4')).toEqual([]);
      expect(await store.findByContentHash('r4', (sampleFileChunks('r4', 's1', 'x.ts')[0]!).contentHash)).toEqual([]);
      // Saving again revives the chunk.
      await store.saveChunks(sampleFileChunks('r4', 's1', 'x.ts'));
      expect((await store.findChunkAtLine(ref, 'x.ts', 15))?.id).toBe('x.ts#m1');
      expect((await store.getChunk('x.ts#m1'))!.deleted).toBe(false);
    });

    it('hands out copies: changing a chunk it returned changes nothing it stores', async () => {
      const ref = { repoId: 'copies', snapshotId: 's' };
      await store.saveChunks([
        makeChunk({ id: 'cp-file', ...ref, filePath: 'c.ts', kind: 'file', startLine: 1, endLine: 20, childIds: ['cp-fn'], attributes: { lineCount: 20, sizeBytes: 300 } }),
        makeChunk({ id: 'cp-fn', ...ref, filePath: 'c.ts', kind: 'function', startLine: 2, endLine: 5, parentId: 'cp-file', attributes: { symbolKind: 'function', tags: ['a'], meta: { n: 1 } } }),
      ]);
      const reads = async () => [
        ...(await store.findChunksAtLines(ref, [{ filePath: 'c.ts', line: 3 }, { filePath: 'c.ts', line: 10 }])),
        ...(await store.getChunks(['cp-fn', 'cp-file'], { snapshot: ref })),
      ];
      const seen = async () => (await reads()).map((c) => [c!.id, c!.childIds, c!.attributes]);
      const stored = [
        ['cp-fn', [], { symbolKind: 'function', tags: ['a'], meta: { n: 1 } }],
        ['cp-file', ['cp-fn'], { lineCount: 20, sizeBytes: 300 }],
      ];
      expect(await seen()).toEqual([...stored, ...stored]);
      // Twice: a store that keeps rows in memory may answer the second reads from them.
      for (let round = 0; round < 2; round++) {
        for (const c of await reads()) {
          c!.childIds.push('changed');
          c!.attributes.lineCount = -1;
          c!.attributes.symbolKind = 'changed';
          (c!.attributes.tags as string[] | undefined)?.push('changed');
          if (c!.attributes.meta) (c!.attributes.meta as { n: number }).n = -1;
        }
        expect(await seen()).toEqual([...stored, ...stored]);
      }
    });

    it('copies the unchanged files of a snapshot into a new one with the same ids', async () => {
      const from = { repoId: 'r5', snapshotId: 'v1' };
      const to = { repoId: 'r5', snapshotId: 'v2' };
      await store.saveChunks([...sampleFileChunks('r5', 'v1', 'keep.ts'), ...sampleFileChunks('r5', 'v1', 'changed.ts')]);
      expect(await store.copySnapshot(from, to, ['changed.ts'])).toBe(7);
      expect((await store.findChunkAtLine(to, 'keep.ts', 15))?.id).toBe('keep.ts#m1');
      expect(await store.listFileChunks(to, 'changed.ts')).toEqual([]);
      expect(await store.listFileChunks(from, 'changed.ts')).toHaveLength(7);
    });

    it('keeps a copied snapshot and its source apart: a write or delete in one never shows in the other', async () => {
      const v1 = { repoId: 'r8', snapshotId: 'v1' };
      const v2 = { repoId: 'r8', snapshotId: 'v2' };
      const v3 = { repoId: 'r8', snapshotId: 'v3' };
      await store.saveChunks([...sampleFileChunks('r8', 'v1', 'a.ts'), ...sampleFileChunks('r8', 'v1', 'b.ts'), ...sampleFileChunks('r8', 'v1', 'c.ts')]);
      await store.copySnapshot(v1, v2, []);
      await store.copySnapshot(v2, v3, ['c.ts']);
      const summary = async (ref: typeof v1, id: string) => (await store.getChunk(id, { snapshot: ref }))?.summary;
      // A store that counts a snapshot's chunks without reading them must count what it lists.
      const counting = store as typeof store & { countChunks?: (ref: typeof v1) => Promise<number> };
      const countsAgree = async () => {
        if (typeof counting.countChunks !== 'function') return;
        for (const ref of [v1, v2, v3]) expect(await counting.countChunks(ref), ref.snapshotId).toBe((await store.listRepoChunks('r8', { snapshotId: ref.snapshotId })).length);
      };
      await countsAgree();
      const topOf = (ref: typeof v1, file: string) => sampleFileChunks(ref.repoId, ref.snapshotId, file).find((c) => c.id.endsWith('#top'))!;
      // A write in the copy.
      const edited = await store.saveChunk({ ...topOf(v2, 'a.ts'), summary: 'edited in v2' });
      expect(edited).toMatchObject({ snapshotId: 'v2', summary: 'edited in v2', version: 2 });
      expect(await summary(v1, 'a.ts#top')).toBe('Top-level helper.');
      expect(await summary(v3, 'a.ts#top')).toBe('Top-level helper.');
      expect((await store.listFileChunks(v2, 'a.ts')).map((c) => c.snapshotId)).toEqual(Array(7).fill('v2'));
      await countsAgree();
      // A write in the source.
      await store.saveChunk({ ...topOf(v1, 'b.ts'), summary: 'edited in v1' });
      expect(await summary(v2, 'b.ts#top')).toBe('Top-level helper.');
      expect(await summary(v3, 'b.ts#top')).toBe('Top-level helper.');
      await countsAgree();
      // Deletes.
      expect(await store.deleteSnapshot(v2, { filePaths: ['b.ts'] })).toBe(7);
      expect(await store.listFileChunks(v2, 'b.ts')).toEqual([]);
      expect(await store.listFileChunks(v1, 'b.ts')).toHaveLength(7);
      expect(await store.listFileChunks(v3, 'b.ts')).toHaveLength(7);
      await countsAgree();
      expect(await store.deleteSnapshot(v1)).toBe(21);
      expect(await store.listRepoChunks('r8', { snapshotId: 'v1' })).toEqual([]);
      expect((await store.listRepoChunks('r8', { snapshotId: 'v2' })).map((c) => c.filePath)).toEqual([...Array(7).fill('a.ts'), ...Array(7).fill('c.ts')]);
      expect(await store.listRepoChunks('r8', { snapshotId: 'v3' })).toHaveLength(14);
      expect((await store.findChunkAtLine(v3, 'a.ts', 80))?.snapshotId).toBe('v3');
      await countsAgree();
      // Reviving a chunk deleted in the copy bumps its version there only.
      const revived = await store.saveChunk(sampleFileChunks('r8', 'v2', 'b.ts')[0]!);
      expect(revived).toMatchObject({ snapshotId: 'v2', deleted: false, version: 2 });
      expect((await store.getChunk('b.ts#file', { snapshot: v3 }))!.version).toBe(1);
      await countsAgree();
    });

    it('rejects bad chunks before writing anything', async () => {
      const good = makeChunk({ id: 'good-1', repoId: 'r6', snapshotId: 's' });
      const bad = [
        { ...good, id: 'bad-end', startLine: 10, endLine: 5 },
        { ...good, id: '' },
        { ...good, id: 'bad-kind', kind: 'lambda' as never },
        { ...good, id: 'bad-start', startLine: 0 },
        { ...good, id: 'bad-repo', repoId: ' ' },
      ];
      for (const b of bad) {
        await expect(store.saveChunks([good, b])).rejects.toBeInstanceOf(InvalidInputError);
        await expect(store.saveChunk(b)).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(store.saveChunks([good, { ...good }])).rejects.toThrow(/duplicate id/);
      expect(await store.listRepoChunks('r6')).toEqual([]);
      const error = await store.saveChunks([good, bad[0]!]).catch((e) => e);
      expect(error.message).toMatch(/chunk #1: endLine 5 is before startLine 10/);
    });

    it('writes large batches completely', async () => {
      const many = Array.from({ length: 12_000 }, (_, i) =>
        makeChunk({ id: `big-${i}`, repoId: 'r7', snapshotId: 's', filePath: `f${i % 50}.ts`, startLine: i + 1, endLine: i + 3 }),
      );
      expect(await store.saveChunks(many)).toBe(12_000);
      expect(await store.listRepoChunks('r7')).toHaveLength(12_000);
      expect((await store.findChunkAtLine({ repoId: 'r7', snapshotId: 's' }, 'f7.ts', 5009))?.id).toBe('big-5007');
    });
  });
}
