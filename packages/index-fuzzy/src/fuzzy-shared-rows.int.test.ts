import { describe, expect, it } from 'vitest';
import { createTestStore, fixtureDelta, fixtureSnapshot, POSTGRES_FLAVOURS, type FixtureFile } from '@trawl/testing';
import { loadMigrations, runMigrations } from '@trawl/postgres';
import { PostgresFuzzyIndex } from './postgres-fuzzy-index.js';

// Identifiers are stored once per file version and shared between snapshots (migration 0006):
// an incremental snapshot answers like a full load, pruning one snapshot leaves the others whole,
// and versions no snapshot has any more are deleted.

const file = (path: string, names: string[]): FixtureFile => ({
  path,
  content: names.map((n) => `export function ${n}() {}`).join('\n'),
  symbols: names.map((name, i) => ({ name, kind: 'function' as const, startLine: i + 1, endLine: i + 1 })),
});
const V1 = [file('src/a.ts', ['createUser', 'deleteUser']), file('src/b.ts', ['parseConfig']), file('src/c.ts', ['loadIndex'])];
const V2 = [file('src/a.ts', ['createUser', 'deleteUser']), file('src/b.ts', ['parseConfigFile', 'saveConfig']), file('src/d.ts', ['findChunk'])];
const QUERIES = ['createUser', 'craeteUser', 'parseConfig', 'saveConfig', 'loadIndex', 'findChunk', 'user', 'config'];

for (const flavour of POSTGRES_FLAVOURS) {
  describe(`PostgresFuzzyIndex on ${flavour}: identifiers shared between snapshots`, () => {
    it('answers like a full load after an incremental run, and after its base is pruned', async () => {
      const { store, dispose } = await createTestStore(flavour);
      try {
        const index = new PostgresFuzzyIndex({ store, cacheSize: 0 });
        const full = new PostgresFuzzyIndex({ store, cacheSize: 0 });
        const s1 = fixtureSnapshot({ repoId: 'share', snapshotId: 's1' }, V1);
        const s2 = fixtureSnapshot({ repoId: 'share', snapshotId: 's2' }, V2);
        await index.reindexRepo(s1);
        const result = await index.reindexPaths(fixtureDelta(s1, s2));
        expect(result.details).toMatchObject({ carriedFiles: 1 }); // src/a.ts
        // The same content loaded in full under another snapshot id.
        await full.reindexRepo(fixtureSnapshot({ repoId: 'share', snapshotId: 'f2' }, V2));
        const answers = async (snapshotId: string) => {
          const out: unknown[] = [];
          for (const q of QUERIES) out.push((await index.search({ repoId: 'share', snapshotId }, q, { limit: 50 })).map((h) => ({ ...h, snapshotId: '' })));
          return out;
        };
        const expected = await answers('f2');
        expect(await answers('s2')).toEqual(expected);
        expect((await index.search({ repoId: 'share', snapshotId: 's1' }, 'loadIndex'))[0]).toMatchObject({ name: 'loadIndex' });
        // src/a.ts is stored once for the three snapshots that have it.
        expect(await store.fetchValue<number>("SELECT count(*)::int FROM fuzzy_file_identifiers WHERE repo_id = 'share' AND file_path = 'src/a.ts'")).toBe(3);

        await index.deleteRepo('share', 's1');
        expect(await answers('s2')).toEqual(expected);
        expect(await index.search({ repoId: 'share', snapshotId: 's1' }, 'loadIndex')).toEqual([]);
        // Only s1 had src/c.ts and the old src/b.ts: their identifiers are gone; src/a.ts stays.
        const paths = await store.fetch<{ file_path: string; n: number }>(
          "SELECT file_path, count(*)::int AS n FROM fuzzy_file_identifiers WHERE repo_id = 'share' GROUP BY file_path ORDER BY file_path",
        );
        expect(paths).toEqual([
          { file_path: 'src/a.ts', n: 3 },
          { file_path: 'src/b.ts', n: 3 },
          { file_path: 'src/d.ts', n: 2 },
        ]);
        await index.deleteRepo('share');
        expect(await store.fetchValue<number>("SELECT count(*)::int FROM fuzzy_file_identifiers WHERE repo_id = 'share'")).toBe(0);
        expect(await store.fetchValue<number>("SELECT (SELECT count(*) FROM fuzzy_file_spans WHERE repo_id = 'share') + (SELECT count(*) FROM fuzzy_snapshot_gens WHERE repo_id = 'share')")).toBe('0');
      } finally {
        await dispose();
      }
    });

    it('keeps the identifiers of snapshots written before the migration', async () => {
      const { store, dispose } = await createTestStore(flavour);
      try {
        const all = await loadMigrations();
        const before = all.filter((m) => m.name < '0006');
        await runMigrations(store, { migrations: before });
        await store.execute("INSERT INTO repos (repo_id) VALUES ('old')");
        await store.execute("INSERT INTO snapshots (repo_id, snapshot_id, status) VALUES ('old', 's1', 'ready')");
        await store.execute("INSERT INTO file_contents (content_hash, content) VALUES ('h1', 'x')");
        await store.execute("INSERT INTO files (repo_id, snapshot_id, file_path, content_hash, size_bytes, line_count) VALUES ('old', 's1', 'a.ts', 'h1', 1, 1)");
        await store.execute(
          `INSERT INTO fuzzy_identifiers (repo_id, snapshot_id, identifier, normalized, words, kind, fqn, chunk_id, symbol_id, file_path, line, end_line) VALUES
           ('old', 's1', 'createUser', 'createuser', 'create user', 'function', 'a.ts:createUser', 'c1', 'y1', 'a.ts', 1, 1),
           ('old', 's1', 'orphan', 'orphan', 'orphan', 'function', 'b.ts:orphan', 'c2', 'y2', 'b.ts', 1, 1)`,
        );
        await runMigrations(store, { migrations: all });
        const hits = await new PostgresFuzzyIndex({ store, cacheSize: 0 }).search({ repoId: 'old', snapshotId: 's1' }, 'createUser');
        expect(hits[0]).toMatchObject({ name: 'createUser', chunkId: 'c1', filePath: 'a.ts' });
        expect(await store.fetch(`SELECT m.file_path, m.content_hash FROM fuzzy_snapshot_gens g JOIN fuzzy_file_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen
           WHERE g.repo_id = 'old' AND g.snapshot_id = 's1' ORDER BY m.file_path`)).toEqual([
          { file_path: 'a.ts', content_hash: 'h1' },
          { file_path: 'b.ts', content_hash: '' },
        ]);
      } finally {
        await dispose();
      }
    });

    it('keeps the membership of snapshots written before generations, the newest one open to deltas', async () => {
      const { store, dispose } = await createTestStore(flavour);
      try {
        const all = await loadMigrations();
        await runMigrations(store, { migrations: all.filter((m) => m.name < '0014') });
        await store.execute("INSERT INTO repos (repo_id) VALUES ('pre')");
        await store.execute("INSERT INTO snapshots (repo_id, snapshot_id, status, finished_at) VALUES ('pre', 'old', 'ready', now() - interval '1 hour'), ('pre', 'new', 'ready', now())");
        await store.execute(
          `INSERT INTO fuzzy_file_identifiers (repo_id, file_path, content_hash, identifier, normalized, words, kind, fqn, chunk_id, symbol_id, line, end_line) VALUES
           ('pre', 'a.ts', 'a1', 'createUser', 'createuser', 'create user', 'function', 'a.ts:createUser', 'c1', 'y1', 1, 1),
           ('pre', 'b.ts', 'b1', 'oldName', 'oldname', 'old name', 'function', 'b.ts:oldName', 'c2', 'y2', 1, 1),
           ('pre', 'b.ts', 'b2', 'newName', 'newname', 'new name', 'function', 'b.ts:newName', 'c3', 'y3', 1, 1)`,
        );
        await store.execute(
          `INSERT INTO fuzzy_snapshot_files (repo_id, snapshot_id, file_path, content_hash) VALUES
           ('pre', 'old', 'a.ts', 'a1'), ('pre', 'old', 'b.ts', 'b1'), ('pre', 'new', 'a.ts', 'a1'), ('pre', 'new', 'b.ts', 'b2')`,
        );
        await runMigrations(store, { migrations: all });
        const index = new PostgresFuzzyIndex({ store, cacheSize: 0 });
        const names = async (snapshotId: string) => (await index.search({ repoId: 'pre', snapshotId }, 'name', { limit: 10 })).map((h) => h.name).sort();
        expect(await names('old')).toEqual(['oldName']);
        expect(await names('new')).toEqual(['newName']);
        // The newest snapshot's spans are open: a run built on it carries them over as a delta.
        const next = fixtureSnapshot({ repoId: 'pre', snapshotId: 'next' }, [file('c.ts', ['thirdName'])]);
        const result = await index.reindexPaths({ ...next, baseSnapshotId: 'new', changedPaths: ['c.ts'], deletedPaths: [] });
        expect(result.details).toMatchObject({ carriedFiles: 2 });
        expect(await names('next')).toEqual(['newName']);
        expect((await index.search({ repoId: 'pre', snapshotId: 'next' }, 'thirdName'))[0]).toMatchObject({ name: 'thirdName', filePath: 'c.ts' });
        expect(await store.fetchValue<number>("SELECT count(*)::int FROM fuzzy_file_spans WHERE repo_id = 'pre'")).toBe(5);
      } finally {
        await dispose();
      }
    });
  });
}
