import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, POSTGRES_FLAVOURS, type PostgresFlavour } from '@trawl/testing';
import type { PostgresStore } from './postgres-store.js';
import { refreshSnapshotStatistics } from './snapshot-statistics.js';

describe.each(POSTGRES_FLAVOURS)('refreshSnapshotStatistics on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
  });
  afterAll(async () => dispose());

  const estimate = async (snapshot: string) => {
    const plan = await store.fetch<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM snap_rows WHERE repo_id = 'r' AND snapshot_id = '${snapshot}'`);
    return Number(/rows=(\d+)/.exec(plan[0]!['QUERY PLAN'])![1]);
  };

  it('makes the planner see a snapshot written after the last ANALYZE', async () => {
    await store.execute('CREATE TABLE snap_rows (repo_id text, snapshot_id text, n int)');
    await store.execute('CREATE TABLE unrelated (snapshot_id text)');
    await store.execute(`INSERT INTO snap_rows SELECT 'r', 'old', g FROM generate_series(1, 5000) g`);
    await store.execute('ANALYZE snap_rows');
    await store.execute(`INSERT INTO snap_rows SELECT 'r', 'new', g FROM generate_series(1, 5000) g`);
    // Before: the statistics know only 'old', so 'new' is taken for almost nothing.
    expect(await estimate('new')).toBeLessThan(100);

    const analyzed = await refreshSnapshotStatistics(store);
    expect(analyzed).toContain('snap_rows');
    expect(analyzed).not.toContain('unrelated');
    expect(await estimate('new')).toBeGreaterThan(2000);
  });
});
