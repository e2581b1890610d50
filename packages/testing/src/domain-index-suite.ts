import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainIndex, SnapshotRef } from '@trawl/core';
import { fixtureDelta, fixtureSnapshot, type FixtureFile } from './snapshot-fixtures.js';

export interface DomainIndexSuiteOptions {
  /** A fresh, empty index and how to dispose of it (and its database). */
  create(): Promise<{ index: DomainIndex; dispose(): Promise<void> }>;
}

const README: FixtureFile = {
  path: 'README.md',
  content: [
    '# Trawl', // 1
    '', // 2
    'Trawl indexes source repositories into chunks.', // 3
    '', // 4
    '## Snapshots', // 5
    '', // 6
    'A snapshot becomes searchable only when every index has it.', // 7
    'Call createSnapshot before indexing; see pg_trgm for fuzzy matching.', // 8
    '', // 9
    '```sh', // 10
    '# not a heading inside a fence', // 11
    '```', // 12
    '', // 13
    '### Garbage collection', // 14
    '', // 15
    'Old snapshots are deleted by the retention policy.', // 16
  ].join('\n'),
};

const GUIDE: FixtureFile = {
  path: 'docs/guide.rst',
  content: ['Billing guide', '=============', '', 'Invoices are generated monthly.', '', 'Refunds', '-------', '', 'Refund requests need approval from finance.'].join('\n'),
};

const CODE: FixtureFile = {
  path: 'src/payments.ts',
  content: 'export function chargeCustomer() {}\nexport function noDocs() {}',
  symbols: [
    { name: 'chargeCustomer', kind: 'function', startLine: 1, endLine: 1, summary: 'Charges the customer card through the payment gateway.' },
    { name: 'noDocs', kind: 'function', startLine: 2, endLine: 2 },
  ],
};

/**
 * The conformance suite every {@link DomainIndex} passes: sections by heading with heading
 * paths and line ranges, docstrings, stemming plus identifiers as written, websearch syntax,
 * ranking (title over body), snippets, snapshot isolation, incremental carry-over, deletion.
 */
export function describeDomainIndex(title: string, options: DomainIndexSuiteOptions): void {
  describe(title, () => {
    let index: DomainIndex;
    let dispose: () => Promise<void>;
    const repoId = `dm_${Math.random().toString(36).slice(2, 8)}`;
    const s1: SnapshotRef = { repoId, snapshotId: 's1' };
    const s2: SnapshotRef = { repoId, snapshotId: 's2' };
    const base = fixtureSnapshot(s1, [README, GUIDE, CODE]);

    beforeAll(async () => {
      ({ index, dispose } = await options.create());
      await index.reindexRepo(base);
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('is named domain', () => {
      expect(index.name).toBe('domain');
    });

    it('finds a Markdown section with its heading path, lines and a highlighted snippet', async () => {
      const hits = await index.search(s1, 'retention policy');
      expect(hits[0]).toMatchObject({
        index: 'domain',
        repoId,
        snapshotId: 's1',
        filePath: 'README.md',
        name: 'Garbage collection',
        startLine: 14,
        endLine: 16,
      });
      expect(hits[0]!.metadata.headingPath).toEqual(['Trawl', 'Snapshots']);
      expect(hits[0]!.preview).toMatch(/«retention»/);
      expect(hits[0]!.chunkId).toBe(base.chunks.find((c) => c.filePath === 'README.md')!.id);
    });

    it('stems English words', async () => {
      const hits = await index.search(s1, 'indexing repository');
      expect(hits[0]).toMatchObject({ filePath: 'README.md', name: 'Trawl', startLine: 1 });
    });

    it('keeps identifiers in prose findable, as written and split into words', async () => {
      for (const q of ['createSnapshot', 'pg_trgm', 'create snapshot']) {
        const hits = await index.search(s1, q);
        expect(hits[0], q).toMatchObject({ name: 'Snapshots', startLine: 5 });
      }
    });

    it('ignores headings inside code fences', async () => {
      const hits = await index.search(s1, 'heading fence');
      expect(hits.map((h) => h.name)).not.toContain('not a heading inside a fence');
    });

    it('splits reStructuredText at underlined titles', async () => {
      const hits = await index.search(s1, 'refund approval');
      expect(hits[0]).toMatchObject({ filePath: 'docs/guide.rst', name: 'Refunds', startLine: 6, endLine: 9 });
      expect(hits[0]!.metadata.headingPath).toEqual(['Billing guide']);
    });

    it('indexes docstrings tied to their chunk', async () => {
      const hits = await index.search(s1, 'payment gateway');
      const chunk = base.chunks.find((c) => c.name === 'chargeCustomer')!;
      expect(hits[0]).toMatchObject({ chunkId: chunk.id, filePath: 'src/payments.ts', kind: 'function', mapping: 'exact', startLine: 1 });
      expect(hits[0]!.metadata.source).toBe('docstring');
    });

    it('ranks a title match above a body match', async () => {
      const hits = await index.search(s1, 'snapshots');
      expect(hits[0]!.name).toBe('Snapshots');
      expect(hits.length).toBeGreaterThan(1);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    });

    it('supports websearch syntax: phrases, or, exclusion', async () => {
      expect((await index.search(s1, '"every index has it"'))[0]?.name).toBe('Snapshots');
      expect(await index.search(s1, '"index every has it"')).toEqual([]);
      const either = await index.search(s1, 'invoices or refund');
      expect(new Set(either.map((h) => h.name))).toEqual(new Set(['Billing guide', 'Refunds']));
      const excluded = await index.search(s1, 'invoices or refund -approval');
      expect(excluded.map((h) => h.name)).toEqual(['Billing guide']);
    });

    it('honours limit and snapshot isolation', async () => {
      expect(await index.search(s1, 'snapshots', { limit: 1 })).toHaveLength(1);
      expect(await index.search({ repoId, snapshotId: 'other' }, 'snapshots')).toEqual([]);
    });

    it('rejects a query without words and honours an aborted signal', async () => {
      await expect(index.search(s1, ' !! ')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(index.search(s1, 'snapshots', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    });

    it('converges when a snapshot is indexed twice', async () => {
      const before = await index.search(s1, 'snapshot or refund or trawl', { limit: 100 });
      await index.reindexRepo(base);
      expect(await index.search(s1, 'snapshot or refund or trawl', { limit: 100 })).toEqual(before);
    });

    it('carries unchanged files over and replaces changed and deleted ones in a delta', async () => {
      const readme2: FixtureFile = { path: 'README.md', content: '# Trawl\n\nNow with vector search.' };
      const next = fixtureSnapshot(s2, [readme2, CODE]);
      await index.reindexPaths(fixtureDelta(base, next));
      expect(await index.search(s2, 'retention')).toEqual([]);
      expect((await index.search(s2, 'vector'))[0]).toMatchObject({ filePath: 'README.md', snapshotId: 's2' });
      expect(await index.search(s2, 'refund')).toEqual([]);
      expect((await index.search(s2, 'payment gateway'))[0]?.name).toBe('chargeCustomer');
      expect((await index.search(s1, 'retention'))[0]?.name).toBe('Garbage collection');
    });

    it('deletes one snapshot, then the whole repository', async () => {
      await index.deleteRepo(repoId, 's1');
      expect(await index.search(s1, 'payment')).toEqual([]);
      expect(await index.search(s2, 'payment')).not.toEqual([]);
      await index.deleteRepo(repoId);
      expect(await index.search(s2, 'payment')).toEqual([]);
    });
  });
}
