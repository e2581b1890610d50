import { describe, expect, it } from 'vitest';
import { POSTGRES_FLAVOURS, createTestStore, describeFuzzyIndex } from '@trawl/testing';
import { PostgresFuzzyIndex } from './postgres-fuzzy-index.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeFuzzyIndex(`PostgresFuzzyIndex on ${flavour}`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { index: new PostgresFuzzyIndex({ store }), dispose };
    },
  });
}

describe('PostgresFuzzyIndex options', () => {
  it('rejects a threshold outside 0..1', () => {
    expect(() => new PostgresFuzzyIndex({ store: {} as never, threshold: 2 })).toThrow(/between 0 and 1/);
  });

  it('creates its store lazily, once', async () => {
    let calls = 0;
    const { store, dispose } = await createTestStore('pglite');
    try {
      const index = new PostgresFuzzyIndex({ store: () => (calls++, store) });
      expect(calls).toBe(0);
      await index.search({ repoId: 'r', snapshotId: 's' }, 'x');
      await index.search({ repoId: 'r', snapshotId: 's' }, 'y');
      expect(calls).toBe(1);
      expect((await index.healthCheck()).ok).toBe(true);
    } finally {
      await dispose();
    }
  });
});
