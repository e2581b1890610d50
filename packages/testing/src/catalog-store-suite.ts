import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidInputError, NotFoundError, type CatalogStore, type SourceFile } from '@trawl/core';
import { hash } from './chunk-fixtures.js';

export function sourceFile(path: string, content: string, language: string | null = 'typescript'): SourceFile {
  return { path, content, language, contentHash: hash(content), sizeBytes: Buffer.byteLength(content), lineCount: content.split('\n').length };
}

/** The CatalogStore contract (repos, snapshot lifecycle, files), run by every implementation. */
export function describeCatalogStore(name: string, options: { create(): Promise<{ store: CatalogStore; dispose(): Promise<void> }> }): void {
  describe(`CatalogStore conformance: ${name}`, () => {
    let store: CatalogStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await options.create());
    });
    afterAll(async () => dispose());

    it('upserts and lists repositories', async () => {
      const created = await store.upsertRepo({ repoId: 'app', rootPath: '/src/app' });
      expect(created).toMatchObject({ repoId: 'app', rootPath: '/src/app' });
      const again = await store.upsertRepo({ repoId: 'app' });
      expect(again.rootPath).toBe('/src/app');
      await store.upsertRepo({ repoId: 'lib', rootPath: null });
      expect((await store.listRepos()).map((r) => r.repoId)).toEqual(['app', 'lib']);
      expect(await store.getRepo('nope')).toBeNull();
      await expect(store.upsertRepo({ repoId: '../etc' })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('never reports an indexing or failed snapshot as the latest ready one', async () => {
      const s1 = { repoId: 'app', snapshotId: 's1' };
      const s2 = { repoId: 'app', snapshotId: 's2' };
      const s3 = { repoId: 'app', snapshotId: 's3' };
      expect((await store.beginSnapshot({ ...s1, commit: 'abc' })).status).toBe('indexing');
      expect(await store.latestReadySnapshot('app')).toBeNull();
      await store.finishSnapshot(s1, { status: 'ready', stats: { files: 2 } });
      await store.beginSnapshot({ ...s2, baseSnapshotId: 's1' });
      expect((await store.latestReadySnapshot('app'))?.snapshotId).toBe('s1');
      await store.finishSnapshot(s2, { status: 'failed', error: 'killed' });
      expect((await store.latestReadySnapshot('app'))?.snapshotId).toBe('s1');
      // (stats given when it begins are kept while it is built, and replaced when it finishes)
      expect((await store.beginSnapshot({ ...s3, stats: { owner: { host: 'h', pid: 7 } } })).stats).toEqual({ owner: { host: 'h', pid: 7 } });
      expect((await store.getSnapshot(s3))!.stats).toEqual({ owner: { host: 'h', pid: 7 } });
      await new Promise((r) => setTimeout(r, 5));
      await store.finishSnapshot(s3, { status: 'ready' });
      expect((await store.latestReadySnapshot('app'))?.snapshotId).toBe('s3');
      expect((await store.getSnapshot(s3))!.stats).toEqual({});
      // An older ready snapshot made the latest again; a failed or unknown one cannot be.
      expect((await store.touchSnapshot!(s1)).snapshotId).toBe('s1');
      expect((await store.latestReadySnapshot('app'))?.snapshotId).toBe('s1');
      await expect(store.touchSnapshot!(s2)).rejects.toBeInstanceOf(ConflictError);
      await expect(store.touchSnapshot!({ repoId: 'app', snapshotId: 'zz' })).rejects.toBeInstanceOf(NotFoundError);
      await store.touchSnapshot!(s3);
      const s1r = await store.getSnapshot(s1);
      expect(s1r).toMatchObject({ status: 'ready', commit: 'abc', stats: { files: 2 } });
      expect(s1r!.finishedAt).toBeInstanceOf(Date);
      expect((await store.getSnapshot(s2))).toMatchObject({ status: 'failed', error: 'killed', baseSnapshotId: 's1' });
      expect((await store.listSnapshots('app')).map((s) => s.snapshotId)).toEqual(['s3', 's2', 's1']);
      await expect(store.finishSnapshot(s1, { status: 'failed' })).rejects.toBeInstanceOf(ConflictError);
      await expect(store.finishSnapshot({ repoId: 'app', snapshotId: 'zz' }, { status: 'ready' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.beginSnapshot({ repoId: 'ghost', snapshotId: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      // A retired snapshot is failed: never the latest, never touched back.
      await store.retireSnapshot!(s1, 'being removed');
      expect(await store.getSnapshot(s1)).toMatchObject({ status: 'failed', error: 'being removed' });
      expect((await store.latestReadySnapshot('app'))?.snapshotId).toBe('s3');
      await expect(store.touchSnapshot!(s1)).rejects.toBeInstanceOf(ConflictError);
      await store.retireSnapshot!({ repoId: 'app', snapshotId: 'zz' }, 'x');
    });

    it('stores, copies and removes files per snapshot', async () => {
      const v1 = { repoId: 'lib', snapshotId: 'v1' };
      const v2 = { repoId: 'lib', snapshotId: 'v2' };
      await store.beginSnapshot(v1);
      const files = [sourceFile('src/a.ts', 'export const a = 1;\n'), sourceFile('src/b.ts', 'export const b = "한국어 🐟";\n'), sourceFile('README.md', '# Lib\n', 'markdown')];
      expect(await store.saveFiles(v1, files)).toBe(3);
      expect(await store.getFile(v1, 'src/b.ts')).toEqual(files[1]);
      expect((await store.listFiles(v1)).map((f) => f.path)).toEqual(['README.md', 'src/a.ts', 'src/b.ts']);
      expect((await store.listFiles(v1))[0]).not.toHaveProperty('content');
      expect((await store.getFiles(v1, ['src/b.ts', 'missing', 'src/a.ts'])).map((f) => f.path)).toEqual(['src/b.ts', 'src/a.ts']);
      await store.beginSnapshot({ ...v2, baseSnapshotId: 'v1' });
      expect(await store.copyFiles(v1, v2, ['src/a.ts'])).toBe(2);
      await store.saveFiles(v2, [sourceFile('src/a.ts', 'export const a = 2;\n')]);
      expect((await store.getFile(v2, 'src/a.ts'))!.content).toBe('export const a = 2;\n');
      expect((await store.getFile(v1, 'src/a.ts'))!.content).toBe('export const a = 1;\n');
      expect(await store.deleteFiles(v2, ['README.md'])).toBe(1);
      expect((await store.listFiles(v2)).map((f) => f.path)).toEqual(['src/a.ts', 'src/b.ts']);
      await store.deleteSnapshot(v1);
      expect(await store.getSnapshot(v1)).toBeNull();
      expect(await store.listFiles(v1)).toEqual([]);
      expect((await store.getFile(v2, 'src/b.ts'))!.content).toContain('한국어');
    });

    it('keeps the change time a scan recorded per file, through copies and rewrites, and rejects a bad one', async () => {
      const w1 = { repoId: 'stat', snapshotId: 'w1' };
      const w2 = { repoId: 'stat', snapshotId: 'w2' };
      await store.upsertRepo({ repoId: 'stat' });
      await store.beginSnapshot(w1);
      const at = 1_764_000_000_123.5;
      await store.saveFiles(w1, [{ ...sourceFile('a.ts', 'a\n'), modifiedMs: at }, sourceFile('b.ts', 'b\n'), { ...sourceFile('c.ts', 'c\n'), modifiedMs: null }]);
      const listed = await store.listFiles(w1);
      expect(listed[0]).toMatchObject({ path: 'a.ts', modifiedMs: at });
      expect(listed[1]).not.toHaveProperty('modifiedMs');
      expect(listed[2]).not.toHaveProperty('modifiedMs');
      expect((await store.getFile(w1, 'a.ts'))!.modifiedMs).toBe(at);
      await store.beginSnapshot({ ...w2, baseSnapshotId: 'w1' });
      await store.copyFiles(w1, w2, ['b.ts']);
      await store.saveFiles(w2, [{ ...sourceFile('b.ts', 'b2\n'), modifiedMs: at + 1 }]);
      expect((await store.listFiles(w2)).map((f) => f.modifiedMs ?? null)).toEqual([at, at + 1, null]);
      await store.saveFiles(w2, [sourceFile('b.ts', 'b3\n')]);
      expect((await store.getFile(w2, 'b.ts'))!.modifiedMs).toBeUndefined();
      await expect(store.saveFiles(w2, [{ ...sourceFile('d.ts', 'd\n'), modifiedMs: Number.NaN }])).rejects.toThrow(/modifiedMs must be a time/);
      expect(await store.getFile(w2, 'd.ts')).toBeNull();
      // Times updated in place, in one snapshot only; unknown paths and unchanged times are not counted.
      expect(store.updateModifiedTimes).toBeTypeOf('function');
      expect(await store.updateModifiedTimes!(w2, [{ path: 'a.ts', modifiedMs: at + 5 }, { path: 'c.ts', modifiedMs: at }, { path: 'b.ts', modifiedMs: null }, { path: 'ghost.ts', modifiedMs: 1 }])).toBe(2);
      expect((await store.listFiles(w2)).map((f) => f.modifiedMs ?? null)).toEqual([at + 5, null, at]);
      expect((await store.listFiles(w1)).map((f) => f.modifiedMs ?? null)).toEqual([at, null, null]);
      expect((await store.getFile(w2, 'c.ts'))!.content).toBe('c\n');
      await expect(store.updateModifiedTimes!(w2, [{ path: 'a.ts', modifiedMs: -1 }])).rejects.toThrow(/modifiedMs must be a time/);
    });

    it('reads line ranges of stored files, across segments and inside very long lines', async () => {
      const ref = { repoId: 'lines', snapshotId: 'v1' };
      await store.upsertRepo({ repoId: 'lines' });
      await store.beginSnapshot(ref);
      const long = Array.from({ length: 1500 }, (_, i) => `item${i}`).join(',');
      const lines = [...Array.from({ length: 400 }, (_, i) => `line ${i + 1}: ${'x'.repeat(i % 50)} 한국어`), long, 'after\r', ''];
      const content = lines.join('\n');
      await store.saveFiles(ref, [sourceFile('src/big.ts', content), sourceFile('src/empty.ts', '')]);
      // Optional in the port, but every store this suite runs on has it: a missing one fails here.
      expect(store.getFileLines).toBeTypeOf('function');
      const got = await store.getFileLines!(ref, [
        { path: 'src/big.ts', startLine: 1, endLine: 3 },
        { path: 'src/big.ts', startLine: 150, endLine: 260 },
        { path: 'src/big.ts', startLine: 399, endLine: 402 },
        { path: 'src/big.ts', startLine: 401, endLine: 900 },
        { path: 'missing.ts', startLine: 1, endLine: 2 },
        { path: 'src/empty.ts', startLine: 1, endLine: 5 },
      ]);
      const slice = (from: number, to: number) => lines.slice(from - 1, to);
      expect(got[0]).toEqual({ path: 'src/big.ts', contentHash: hash(content), startLine: 1, lines: slice(1, 3) });
      expect(got[1]!.lines).toEqual(slice(150, 260));
      expect(got[2]!.lines).toEqual(slice(399, 402));
      expect(got[2]!.lines[2]).toBe(long);
      expect(got[3]!.lines).toEqual(slice(401, 403));
      expect(got[4]).toBeNull();
      expect(got[5]).toMatchObject({ path: 'src/empty.ts', lines: [''] });
      // Cut to maxLineChars: the long line's first characters, short lines whole.
      for (const max of [5, 100, 2048, 5000]) {
        const [cut] = await store.getFileLines!(ref, [{ path: 'src/big.ts', startLine: 399, endLine: 402 }], { maxLineChars: max });
        expect(cut!.lines, `maxLineChars ${max}`).toEqual(slice(399, 402).map((l) => l.slice(0, max)));
      }
      await expect(store.getFileLines!(ref, [{ path: 'src/big.ts', startLine: 1, endLine: 1 }], { maxLineChars: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('rejects files that would escape the repository or are binary, writing none', async () => {
      const v = { repoId: 'lib', snapshotId: 'bad' };
      await store.beginSnapshot(v);
      for (const bad of [sourceFile('../etc/passwd', 'x'), sourceFile('/abs.ts', 'x'), sourceFile('bin.dat', 'a\u0000b')]) {
        await expect(store.saveFiles(v, [sourceFile('ok.ts', 'ok'), bad])).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect(await store.listFiles(v)).toEqual([]);
      await expect(store.saveFiles({ repoId: 'lib', snapshotId: 'never-begun' }, [sourceFile('ok.ts', 'ok')])).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a repository with its snapshots and files', async () => {
      await store.deleteRepo('lib');
      expect(await store.getRepo('lib')).toBeNull();
      expect(await store.listSnapshots('lib')).toEqual([]);
      expect(await store.listFiles({ repoId: 'lib', snapshotId: 'v2' })).toEqual([]);
    });
  });
}
