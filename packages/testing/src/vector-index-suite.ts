import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOptions, EmbeddingProvider, SnapshotRef, VectorIndex } from '@trawl/core';
import { fixtureDelta, fixtureSnapshot, type FixtureFile } from './snapshot-fixtures.js';

/** Wraps a provider and counts the texts it is asked to embed. */
export function countingEmbedder(inner: EmbeddingProvider): EmbeddingProvider & { embedded: string[] } {
  const embedded: string[] = [];
  return {
    model: inner.model,
    dimensions: inner.dimensions,
    embedded,
    async embed(texts: readonly string[], options?: CallOptions) {
      embedded.push(...texts);
      return inner.embed(texts, options);
    },
  };
}

export interface VectorIndexSuiteOptions {
  /** A provider for a model name and dimension (deterministic; it need not be semantic). */
  createEmbedder(model: string, dimensions: number): EmbeddingProvider;
  /** A fresh backend: indexes created by `createIndex` share it. */
  setup(): Promise<{ createIndex(embedder: EmbeddingProvider): VectorIndex; dispose(): Promise<void> }>;
  /** Runs after every test, e.g. to assert that no request broke an API contract. */
  check?(): void;
}

const PAYMENTS: FixtureFile = {
  path: 'src/payments.ts',
  content: [
    '// Charges the customer credit card through the payment gateway.',
    'export function chargeCustomer(card: Card, amountCents: number) {',
    '  return gateway.charge(card, amountCents);',
    '}',
    'export function refundPayment(paymentId: string) {',
    '  return gateway.refund(paymentId);',
    '}',
  ].join('\n'),
  symbols: [
    { name: 'chargeCustomer', kind: 'function', startLine: 2, endLine: 4, summary: 'Charges the customer credit card through the payment gateway.' },
    { name: 'refundPayment', kind: 'function', startLine: 5, endLine: 7 },
  ],
};

const USERS: FixtureFile = {
  path: 'src/users.ts',
  content: [
    'export class UserAccounts {',
    '  createUser(email: string, password: string) { return db.insertUser(email, hash(password)); }',
    '  deleteUser(userId: string) { return db.removeUser(userId); }',
    '}',
  ].join('\n'),
  symbols: [
    { name: 'UserAccounts', kind: 'class', startLine: 1, endLine: 4 },
    { name: 'createUser', kind: 'method', startLine: 2, endLine: 2, owner: 'UserAccounts' },
    { name: 'deleteUser', kind: 'method', startLine: 3, endLine: 3, owner: 'UserAccounts' },
  ],
};

const SEARCH: FixtureFile = {
  path: 'src/search.ts',
  content: 'export function rankResults(results: Result[]) {\n  return results.sort((a, b) => b.relevanceScore - a.relevanceScore);\n}',
  symbols: [{ name: 'rankResults', kind: 'function', startLine: 1, endLine: 3 }],
};

/**
 * The conformance suite every {@link VectorIndex} passes: nearest chunks of the requested
 * snapshot only, kind filter, limit and ordering, no re-embedding of unchanged chunks (same
 * snapshot, new snapshot, incremental delta), one vector space per model and dimension,
 * incremental carry-over, deletion, errors and cancellation.
 */
export function describeVectorIndex(title: string, options: VectorIndexSuiteOptions): void {
  describe(title, () => {
    let backend: Awaited<ReturnType<VectorIndexSuiteOptions['setup']>>;
    let index: VectorIndex;
    const embedder = countingEmbedder(options.createEmbedder('suite-model-a', 64));
    const repoId = `vx_${Math.random().toString(36).slice(2, 8)}`;
    const s1: SnapshotRef = { repoId, snapshotId: 's1' };
    const s2: SnapshotRef = { repoId, snapshotId: 's2' };
    const base = fixtureSnapshot(s1, [PAYMENTS, USERS, SEARCH]);
    const chunk = (name: string) => base.chunks.find((c) => c.name === name)!;

    beforeAll(async () => {
      backend = await options.setup();
      index = backend.createIndex(embedder);
      await index.reindexRepo(base);
    });
    afterAll(async () => {
      await backend?.dispose();
    });
    const check = () => options.check?.();

    it('is named vector and embedded every chunk once', () => {
      expect(index.name).toBe('vector');
      expect(embedder.embedded.length).toBe(base.chunks.length);
      check();
    });

    it('finds the nearest chunks of the snapshot, best first', async () => {
      const hits = await index.search(s1, 'charge the customer credit card through the payment gateway', { limit: 5 });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.length).toBeLessThanOrEqual(5);
      expect(hits[0]).toMatchObject({ index: 'vector', repoId, snapshotId: 's1', filePath: 'src/payments.ts', mapping: 'exact' });
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      check();
    });

    it('filters by kind and carries chunk fields', async () => {
      const hits = await index.search(s1, 'charge customer credit card payment gateway', { limit: 3, kinds: ['function'] });
      expect(hits.every((h) => h.kind === 'function')).toBe(true);
      const c = chunk('chargeCustomer');
      expect(hits[0]).toMatchObject({ chunkId: c.id, name: 'chargeCustomer', symbolId: c.symbolId, startLine: 2, endLine: 4, kind: 'function' });
      const methods = await index.search(s1, 'create user email password', { limit: 2, kinds: ['method'] });
      expect(methods[0]?.chunkId).toBe(chunk('createUser').id);
      check();
    });

    it('honours limit and snapshot isolation', async () => {
      expect(await index.search(s1, 'user', { limit: 1 })).toHaveLength(1);
      expect(await index.search({ repoId, snapshotId: 'none' }, 'user')).toEqual([]);
      check();
    });

    it('does not embed unchanged chunks again, in the same or a new snapshot', async () => {
      const before = embedder.embedded.length;
      await index.reindexRepo(base);
      expect(embedder.embedded.length).toBe(before);
      const copy = fixtureSnapshot({ repoId, snapshotId: 's1-copy' }, [PAYMENTS, USERS, SEARCH]);
      await index.reindexRepo(copy);
      expect(embedder.embedded.length).toBe(before);
      expect((await index.search({ repoId, snapshotId: 's1-copy' }, 'rank results relevance score', { limit: 1 }))[0]?.filePath).toBe('src/search.ts');
      await index.deleteRepo(repoId, 's1-copy');
      check();
    });

    it('carries unchanged files over, embeds only new text, and drops deleted files in a delta', async () => {
      const users2: FixtureFile = {
        ...USERS,
        content: USERS.content.replace('createUser(email: string, password: string) { return db.insertUser(email, hash(password)); }', 'createUser(email: string) { return db.insertUser(email, inviteToken()); }'),
      };
      const billing: FixtureFile = {
        path: 'src/billing.ts',
        content: 'export function sendInvoice(customerId: string) {\n  return mailer.sendMonthlyInvoice(customerId);\n}',
        symbols: [{ name: 'sendInvoice', kind: 'function', startLine: 1, endLine: 3 }],
      };
      const next = fixtureSnapshot(s2, [PAYMENTS, users2, billing]);
      const delta = fixtureDelta(base, next);
      expect(new Set(delta.changedPaths)).toEqual(new Set(['src/users.ts', 'src/billing.ts']));
      const before = embedder.embedded.length;
      await index.reindexPaths(delta);
      // users.ts: the file chunk, the class and createUser changed; deleteUser did not. billing.ts: file + function.
      expect(embedder.embedded.length - before).toBe(5);
      expect(embedder.embedded.slice(before).some((t) => t.includes('deleteUser'))).toBe(true); // inside the changed file/class chunks
      expect(embedder.embedded.slice(before).some((t) => t.startsWith('method src/users.ts:UserAccounts.deleteUser'))).toBe(false);
      const pay = await index.search(s2, 'charge customer credit card payment gateway', { limit: 1, kinds: ['function'] });
      expect(pay[0]).toMatchObject({ chunkId: chunk('chargeCustomer').id, snapshotId: 's2' });
      const inv = await index.search(s2, 'send monthly invoice mailer', { limit: 1 });
      expect(inv[0]?.filePath).toBe('src/billing.ts');
      const all = await index.search(s2, 'rank results relevance score sort', { limit: 50 });
      expect(all.map((h) => h.filePath)).not.toContain('src/search.ts');
      expect(all.map((h) => h.chunkId)).not.toContain(chunk('createUser').id);
      // the base snapshot is untouched
      expect((await index.search(s1, 'rank results relevance score', { limit: 1 }))[0]?.filePath).toBe('src/search.ts');
      check();
    });

    it('keeps one vector space per model and dimension', async () => {
      const other = countingEmbedder(options.createEmbedder('suite-model-b', 32));
      const second = backend.createIndex(other);
      expect(await second.search(s1, 'charge customer')).toEqual([]);
      const queries = other.embedded.length;
      await second.reindexRepo(base);
      expect(other.embedded.length - queries).toBe(base.chunks.length);
      expect((await second.search(s1, 'charge customer credit card payment gateway', { limit: 1 }))[0]?.filePath).toBe('src/payments.ts');
      expect((await index.search(s1, 'charge customer credit card payment gateway', { limit: 1 }))[0]?.filePath).toBe('src/payments.ts');
      await second.deleteRepo(repoId);
      expect((await index.search(s1, 'charge customer', { limit: 1 })).length).toBe(1);
      check();
    });

    it('rejects an empty query and honours an aborted signal', async () => {
      await expect(index.search(s1, '   ')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(index.search(s1, 'user', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(index.reindexRepo(base, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
      check();
    });

    it('deletes one snapshot, then the whole repository', async () => {
      await index.deleteRepo(repoId, 's1');
      expect(await index.search(s1, 'user')).toEqual([]);
      expect(await index.search(s2, 'user')).not.toEqual([]);
      await index.deleteRepo(repoId);
      expect(await index.search(s2, 'user')).toEqual([]);
      check();
    });
  });
}
