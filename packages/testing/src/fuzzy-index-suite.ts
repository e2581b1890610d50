import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FuzzyIndex, SnapshotRef } from '@trawl/core';
import { fixtureDelta, fixtureSnapshot, type FixtureFile } from './snapshot-fixtures.js';

export interface FuzzyIndexSuiteOptions {
  /** A fresh, empty index and how to dispose of it (and its database). */
  create(): Promise<{ index: FuzzyIndex; dispose(): Promise<void> }>;
}

const USERS: FixtureFile = {
  path: 'src/users.ts',
  content: [
    'export class UserService {',
    '  createUser(name: string) {',
    '    return name;',
    '  }',
    '  createUserAccount() {}',
    '  deleteUser() {}',
    '}',
    'export function create_user_legacy() {}',
    'export function parseHTTPRequest() {}',
  ].join('\n'),
  symbols: [
    { name: 'UserService', kind: 'class', startLine: 1, endLine: 7 },
    { name: 'createUser', kind: 'method', startLine: 2, endLine: 4, owner: 'UserService' },
    { name: 'createUserAccount', kind: 'method', startLine: 5, endLine: 5, owner: 'UserService' },
    { name: 'deleteUser', kind: 'method', startLine: 6, endLine: 6, owner: 'UserService' },
    { name: 'create_user_legacy', kind: 'function', startLine: 8, endLine: 8 },
    { name: 'parseHTTPRequest', kind: 'function', startLine: 9, endLine: 9 },
  ],
};

const ORDERS: FixtureFile = {
  path: 'src/orders.ts',
  content: 'export function placeOrder() {}\nexport function cancelOrder() {}',
  symbols: [
    { name: 'placeOrder', kind: 'function', startLine: 1, endLine: 1 },
    { name: 'cancelOrder', kind: 'function', startLine: 2, endLine: 2 },
  ],
};

/**
 * The conformance suite every {@link FuzzyIndex} passes: naming-convention and typo tolerance,
 * ranking (exact > normalised > prefix > similar), snapshot isolation, incremental carry-over,
 * deletion, errors and cancellation.
 *
 * ```ts
 * describeFuzzyIndex('PostgresFuzzyIndex on pglite', { create: async () => ... })
 * ```
 */
export function describeFuzzyIndex(title: string, options: FuzzyIndexSuiteOptions): void {
  describe(title, () => {
    let index: FuzzyIndex;
    let dispose: () => Promise<void>;
    const repoId = `fz_${Math.random().toString(36).slice(2, 8)}`;
    const s1: SnapshotRef = { repoId, snapshotId: 's1' };
    const s2: SnapshotRef = { repoId, snapshotId: 's2' };
    const base = fixtureSnapshot(s1, [USERS, ORDERS]);

    beforeAll(async () => {
      ({ index, dispose } = await options.create());
      await index.reindexRepo(base);
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('is named fuzzy', () => {
      expect(index.name).toBe('fuzzy');
    });

    it.each(['createUser', 'create_user', 'CreateUser', 'create-user', 'craeteUser', 'createUsr'])('finds createUser for %s', async (q) => {
      const hits = await index.search(s1, q, { limit: 5 });
      expect(hits[0]?.name).toBe('createUser');
      expect(hits[0]).toMatchObject({ index: 'fuzzy', repoId, snapshotId: 's1', filePath: 'src/users.ts', kind: 'method', startLine: 2, mapping: 'exact' });
      expect(hits[0]?.chunkId).toBe(base.chunks.find((c) => c.name === 'createUser')?.id);
      expect(hits[0]?.symbolId).toBe(base.symbols.find((s) => s.name === 'createUser')?.id);
    });

    it('ranks exact over normalised over prefix over similar', async () => {
      const hits = await index.search(s1, 'createUser', { limit: 10 });
      const names = hits.map((h) => h.name);
      expect(names[0]).toBe('createUser');
      expect(names.indexOf('createUserAccount')).toBeGreaterThan(0);
      expect(names.indexOf('createUserAccount')).toBeLessThan(names.includes('deleteUser') ? names.indexOf('deleteUser') : Infinity);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      expect(hits[0]!.metadata.match).toBe('exact');
      const snake = await index.search(s1, 'create_user', { limit: 3 });
      expect(snake[0]!.metadata.match).toBe('normalized');
    });

    it('splits acronyms and snake case', async () => {
      expect((await index.search(s1, 'parse_http_request'))[0]?.name).toBe('parseHTTPRequest');
      expect((await index.search(s1, 'createUserLegacy'))[0]?.name).toBe('create_user_legacy');
    });

    it('finds file names', async () => {
      const hits = await index.search(s1, 'orders.ts');
      expect(hits[0]).toMatchObject({ name: 'orders.ts', kind: 'file', filePath: 'src/orders.ts' });
    });

    it('honours limit and threshold', async () => {
      expect(await index.search(s1, 'order', { limit: 1 })).toHaveLength(1);
      const loose = await index.search(s1, 'createUser', { limit: 50, threshold: 0.1 });
      const strict = await index.search(s1, 'createUser', { limit: 50, threshold: 0.9 });
      expect(loose.length).toBeGreaterThan(strict.length);
      expect(strict.map((h) => h.name)).toContain('createUser');
    });

    it('returns nothing for an unknown snapshot or an unrelated word', async () => {
      expect(await index.search({ repoId, snapshotId: 'nope' }, 'createUser')).toEqual([]);
      expect(await index.search(s1, 'zzqqxx')).toEqual([]);
    });

    it('rejects a query without letters or digits', async () => {
      await expect(index.search(s1, '  -- ')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it('honours an aborted signal', async () => {
      await expect(index.search(s1, 'createUser', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it('converges when a snapshot is indexed twice', async () => {
      const before = await index.search(s1, 'order', { limit: 100 });
      await index.reindexRepo(base);
      expect(await index.search(s1, 'order', { limit: 100 })).toEqual(before);
    });

    it('carries unchanged files over and replaces changed and deleted ones in a delta', async () => {
      const usersV2: FixtureFile = {
        path: 'src/users.ts',
        content: 'export function registerMember() {}',
        symbols: [{ name: 'registerMember', kind: 'function', startLine: 1, endLine: 1 }],
      };
      const added: FixtureFile = { path: 'src/billing.ts', content: 'export function chargeCard() {}', symbols: [{ name: 'chargeCard', kind: 'function', startLine: 1, endLine: 1 }] };
      const next = fixtureSnapshot(s2, [usersV2, ORDERS, added]);
      const result = await index.reindexPaths(fixtureDelta(base, next));
      expect(result.index).toBe('fuzzy');
      expect((await index.search(s2, 'placeOrder'))[0]).toMatchObject({ name: 'placeOrder', snapshotId: 's2' });
      expect((await index.search(s2, 'registerMember'))[0]?.name).toBe('registerMember');
      expect((await index.search(s2, 'chargeCard'))[0]?.name).toBe('chargeCard');
      expect((await index.search(s2, 'createUser')).map((h) => h.name)).not.toContain('createUser');
      // the base snapshot is untouched
      expect((await index.search(s1, 'createUser'))[0]?.name).toBe('createUser');

      const s3 = fixtureSnapshot({ repoId, snapshotId: 's3' }, [usersV2, added]);
      await index.reindexPaths(fixtureDelta(next, s3));
      expect((await index.search({ repoId, snapshotId: 's3' }, 'placeOrder')).map((h) => h.name)).not.toContain('placeOrder');
      expect((await index.search({ repoId, snapshotId: 's3' }, 'chargeCard'))[0]?.name).toBe('chargeCard');
    });

    it('deletes one snapshot, then the whole repository', async () => {
      await index.deleteRepo(repoId, 's2');
      expect(await index.search(s2, 'placeOrder')).toEqual([]);
      expect(await index.search(s1, 'placeOrder')).not.toEqual([]);
      await index.deleteRepo(repoId);
      expect(await index.search(s1, 'placeOrder')).toEqual([]);
      expect(await index.search({ repoId, snapshotId: 's3' }, 'chargeCard')).toEqual([]);
    });
  });
}
