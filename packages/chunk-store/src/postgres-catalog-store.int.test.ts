import { describe, expect, it } from 'vitest';
import { createTestStore, describeCatalogStore, POSTGRES_FLAVOURS } from '@trawl/testing';
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
  it('reuses the space of deleted snapshots: re-indexing over and over does not grow the files table', async () => {
    const { store, dispose } = await createTestStore('pglite');
    try {
      const catalog = new PostgresCatalogStore(store);
      await catalog.upsertRepo({ repoId: 'churn', rootPath: '/r' });
      const files = Array.from({ length: 2000 }, (_, i) => ({ path: `src/f${i}.ts`, language: 'typescript', contentHash: `h${i}`, sizeBytes: 10, lineCount: 1, content: `// ${i}` }));
      const size = async () => Number(await store.fetchValue('SELECT pg_relation_size($1::regclass)', ['files']));
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
