import { describe, expect, it } from 'vitest';
import { createTestStore, describeCatalogStore, POSTGRES_FLAVOURS } from '@trawl/testing';
import { loadMigrations, runMigrations } from '@trawl/postgres';
import { PostgresCatalogStore } from './postgres-catalog-store.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeCatalogStore(`PostgresCatalogStore (${flavour})`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { store: new PostgresCatalogStore(store), dispose };
    },
  });
}

describe('PostgresCatalogStore on PGlite (no autovacuum)', () => {
  it('reuses the space of deleted snapshots: re-indexing over and over does not grow the file spans table', async () => {
    const { store, dispose } = await createTestStore('pglite');
    try {
      const catalog = new PostgresCatalogStore(store);
      await catalog.upsertRepo({ repoId: 'churn', rootPath: '/r' });
      const files = Array.from({ length: 2000 }, (_, i) => ({ path: `src/f${i}.ts`, language: 'typescript', contentHash: `h${i}`, sizeBytes: 10, lineCount: 1, content: `// ${i}` }));
      const size = async () => Number(await store.fetchValue('SELECT pg_relation_size($1::regclass)', ['file_spans']));
      const cycle = async (n: number) => {
        const ref = { repoId: 'churn', snapshotId: `s${n}` };
        await catalog.beginSnapshot(ref);
        await catalog.saveFiles(ref, files);
        await catalog.deleteSnapshot(ref);
      };
      await cycle(0);
      const first = await size();
      for (let n = 1; n <= 5; n++) await cycle(n);
      // Without the vacuum each cycle adds its 2000 rows' pages again (6x the first size).
      expect(await size()).toBeLessThanOrEqual(first * 1.5);
    } finally {
      await dispose();
    }
  });
});

describe.each(POSTGRES_FLAVOURS)('PostgresCatalogStore files as generation spans (%s)', (flavour) => {
  const file = (path: string, text: string) => ({ path, language: 'typescript', contentHash: `h:${text}`, sizeBytes: text.length, lineCount: 1, content: text });

  it('carries a one-file change over from the newest snapshot in two span rows, not one row per file', async () => {
    const { store, dispose } = await createTestStore(flavour);
    try {
      const catalog = new PostgresCatalogStore(store);
      await catalog.upsertRepo({ repoId: 'spans' });
      const v1 = { repoId: 'spans', snapshotId: 'v1' };
      const v2 = { repoId: 'spans', snapshotId: 'v2' };
      await catalog.beginSnapshot(v1);
      await catalog.saveFiles(v1, Array.from({ length: 300 }, (_, i) => file(`src/f${i}.ts`, `v1 ${i}`)));
      const rows = async () => Number(await store.fetchValue("SELECT count(*) FROM file_spans WHERE repo_id = 'spans'"));
      expect(await rows()).toBe(300);
      await catalog.beginSnapshot({ ...v2, baseSnapshotId: 'v1' });
      expect(await catalog.copyFiles(v1, v2, ['src/f7.ts', 'src/f8.ts'])).toBe(298);
      await catalog.saveFiles(v2, [file('src/f7.ts', 'v2 7')]);
      expect(await rows()).toBe(301);
      expect((await catalog.listFiles(v2)).map((f) => f.path)).toHaveLength(299);
      expect((await catalog.getFile(v2, 'src/f7.ts'))!.content).toBe('v2 7');
      expect((await catalog.getFile(v1, 'src/f7.ts'))!.content).toBe('v1 7');
      expect(await catalog.getFile(v2, 'src/f8.ts')).toBeNull();
      // Pruning v1 takes the spans and the text only it had.
      await catalog.deleteSnapshot(v1);
      expect(await rows()).toBe(299);
      expect(await store.fetchValue("SELECT count(*)::int FROM file_contents WHERE content_hash IN ('h:v1 7', 'h:v1 8')")).toBe(0);
      expect((await catalog.listFiles(v2)).map((f) => f.contentHash)).toContain('h:v1 9');
    } finally {
      await dispose();
    }
  });

  it('keeps the files of snapshots written before the spans, the newest one open to deltas', async () => {
    const { store, dispose } = await createTestStore(flavour);
    try {
      const all = await loadMigrations();
      await runMigrations(store, { migrations: all.filter((m) => m.name < '0015') });
      await store.execute("INSERT INTO repos (repo_id) VALUES ('pre')");
      await store.execute("INSERT INTO snapshots (repo_id, snapshot_id, status, finished_at) VALUES ('pre', 'old', 'ready', now() - interval '1 hour'), ('pre', 'new', 'ready', now())");
      await store.execute("INSERT INTO file_contents (content_hash, content) VALUES ('a1', 'a'), ('b1', 'b one'), ('b2', 'b two')");
      await store.execute(
        `INSERT INTO files (repo_id, snapshot_id, file_path, content_hash, language, size_bytes, line_count, modified_ms) VALUES
         ('pre', 'old', 'a.ts', 'a1', 'typescript', 1, 1, 5), ('pre', 'old', 'b.ts', 'b1', 'typescript', 5, 1, NULL),
         ('pre', 'new', 'a.ts', 'a1', 'typescript', 1, 1, 5), ('pre', 'new', 'b.ts', 'b2', 'typescript', 5, 1, 7)`,
      );
      await runMigrations(store, { migrations: all });
      const catalog = new PostgresCatalogStore(store);
      const old = { repoId: 'pre', snapshotId: 'old' };
      const now = { repoId: 'pre', snapshotId: 'new' };
      expect((await catalog.listFiles(old)).map((f) => [f.path, f.contentHash, f.modifiedMs ?? null])).toEqual([['a.ts', 'a1', 5], ['b.ts', 'b1', null]]);
      expect((await catalog.getFile(now, 'b.ts'))!.content).toBe('b two');
      const next = { repoId: 'pre', snapshotId: 'next' };
      await catalog.beginSnapshot({ ...next, baseSnapshotId: 'new' });
      expect(await catalog.copyFiles(now, next, ['a.ts'])).toBe(1);
      // Built on the newest snapshot: the copy closed one span and wrote none.
      expect(Number(await store.fetchValue("SELECT count(*) FROM file_spans WHERE repo_id = 'pre'"))).toBe(4);
      expect((await catalog.listFiles(next)).map((f) => f.path)).toEqual(['b.ts']);
    } finally {
      await dispose();
    }
  });
});
