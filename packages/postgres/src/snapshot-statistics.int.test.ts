import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, POSTGRES_FLAVOURS, type PostgresFlavour } from '@trawl/testing';
import type { PostgresStore } from './postgres-store.js';
import { checkpointIfWalOver, flushGinPendingLists, refreshSnapshotStatistics } from './snapshot-statistics.js';

describe.each(POSTGRES_FLAVOURS)('refreshSnapshotStatistics on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
  });
  afterAll(async () => dispose());

  /** The planner's row estimate for one snapshot of `table`. */
  const estimate = async (table: string, snapshot: string) => {
    const plan = await store.fetch<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT * FROM ${table} WHERE repo_id = 'r' AND snapshot_id = $1`, [snapshot]);
    return Number(/rows=(\d+)/.exec(plan[0]!['QUERY PLAN'])![1]);
  };
  /** Adds `n` rows of snapshot `snapshot` (repository 'r') to `table`, creating it first when asked. */
  const rows = async (table: string, snapshot: string, n: number, create = false) => {
    if (create) await store.execute(`CREATE TABLE ${table} (repo_id text, snapshot_id text, n int)`);
    await store.execute(`INSERT INTO ${table} SELECT 'r', $1, g FROM generate_series(1, $2::int) g`, [snapshot, n]);
  };

  it('makes the planner see a snapshot written after the last ANALYZE', async () => {
    await store.execute('CREATE TABLE unrelated (snapshot_id text)');
    await rows('snap_rows', 'old', 5000, true);
    await store.execute('ANALYZE snap_rows');
    await rows('snap_rows', 'new', 5000);
    // Before: the statistics know only 'old', so 'new' is taken for almost nothing.
    expect(await estimate('snap_rows', 'new')).toBeLessThan(100);

    const analyzed = await refreshSnapshotStatistics(store);
    expect(analyzed).toContain('snap_rows');
    expect(analyzed).not.toContain('unrelated');
    expect(await estimate('snap_rows', 'new')).toBeGreaterThan(2000);
  });

  it('with a snapshot, analyzes only the tables whose estimate for it is far off', async () => {
    await rows('big_rows', 'base', 20000, true);
    await rows('inc_rows', 'base', 5000, true);
    await store.execute('ANALYZE big_rows');
    await store.execute('ANALYZE inc_rows');
    // The new snapshot: 50 rows of big_rows (estimated at about one), 5000 of inc_rows (estimated
    // at about one: unseen at the last ANALYZE), 3000 of fresh_rows (never analyzed).
    const id = "it's";
    await rows('big_rows', id, 50);
    await rows('inc_rows', id, 5000);
    await rows('fresh_rows', id, 3000, true);
    const analyzed = await refreshSnapshotStatistics(store, { repoId: 'r', snapshotId: id });
    expect(analyzed).toContain('inc_rows');
    expect(analyzed).toContain('fresh_rows');
    expect(analyzed).not.toContain('big_rows');
    expect(await estimate('inc_rows', id)).toBeGreaterThan(2000);
    expect(await estimate('big_rows', id)).toBeLessThan(500);
    // Nothing changed since: nothing is analyzed again.
    expect(await refreshSnapshotStatistics(store, { repoId: 'r', snapshotId: id })).toEqual([]);
  });

  it('analyzes a span table after a full load, not after a delta', async () => {
    await store.execute('CREATE TABLE load_spans (repo_id text, file_path text, from_gen int, to_gen int)');
    const spans = (n: number, from: number) => store.execute(`INSERT INTO load_spans SELECT 'r', 'f' || g, $2, 2147483647 FROM generate_series(1, $1::int) g`, [n, from]);
    const known = async () => Number(await store.fetchValue(`SELECT reltuples FROM pg_class WHERE oid = 'load_spans'::regclass`));
    await spans(6000, 1);
    expect(await refreshSnapshotStatistics(store, { repoId: 'r', snapshotId: 'full' })).toContain('load_spans');
    expect(await known()).toBeGreaterThan(5000);
    await spans(5, 2);
    expect(await refreshSnapshotStatistics(store, { repoId: 'r', snapshotId: 'delta' })).not.toContain('load_spans');
  });

  it('checkpoints once the WAL written since the last checkpoint passes the limit', async () => {
    const since = async () => Number(await store.fetchValue('SELECT pg_current_wal_insert_lsn() - redo_lsn FROM pg_control_checkpoint()'));
    await store.execute('CREATE TABLE wal_rows (n int, body text)');
    await store.execute(`INSERT INTO wal_rows SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g`);
    expect(await since()).toBeGreaterThan(2_000_000);
    expect(await checkpointIfWalOver(store, 1_000_000)).toBe(true);
    expect(await since()).toBeLessThan(1_000_000);
    expect(await checkpointIfWalOver(store, 1_000_000)).toBe(false);
  });

  it('merges GIN pending lists into the index', async () => {
    await store.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await store.execute('CREATE TABLE gin_rows (body text)');
    await store.execute('CREATE INDEX gin_rows_idx ON gin_rows USING gin (body gin_trgm_ops) WITH (fastupdate = on)');
    await store.execute(`INSERT INTO gin_rows SELECT 'row number ' || g FROM generate_series(1, 2000) g`);
    expect(await flushGinPendingLists(store)).toContain('gin_rows_idx');
    // Nothing is left pending, and the index still answers.
    expect(await flushGinPendingLists(store)).not.toContain('gin_rows_idx');
    expect(await store.fetchValue<number>(`SELECT count(*)::int FROM gin_rows WHERE body LIKE '%number 1999%'`)).toBe(1);
  });
});
