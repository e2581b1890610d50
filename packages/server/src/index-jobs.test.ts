import { describe, expect, it } from 'vitest';
import { ConflictError } from '@trawl/core';
import type { Indexer, IndexRepositoryOptions } from '@trawl/retrieval';
import { IndexJobs } from './index-jobs.js';
import { isLoopbackHost } from './auth.js';
import { toHttpError } from './http-errors.js';

/** An indexer whose runs finish only when the test says so. */
function heldIndexer() {
  const pending: { options: IndexRepositoryOptions; finish: () => void; fail: (e: Error) => void }[] = [];
  const indexer = {
    indexRepository: (options: IndexRepositoryOptions) =>
      new Promise((resolve, reject) => {
        options.onProgress?.({ stage: 'scan', files: 2, skipped: 0 });
        if (options.signal?.aborted) return reject(new Error('aborted'));
        options.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        pending.push({ options, finish: () => resolve({ repoId: options.repoId, snapshotId: 's1', mode: 'full', files: 2, chunks: 4, changedPaths: [], deletedPaths: [], skipped: [], indexes: [], durationMs: 1 }), fail: reject });
      }),
  } as unknown as Indexer;
  return { indexer, pending };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('IndexJobs', () => {
  it('allows one run per repository at a time (ConflictError -> 409)', async () => {
    const { indexer, pending } = heldIndexer();
    const jobs = new IndexJobs(async () => indexer);
    const first = jobs.start('app', '/src/app');
    await settle();
    expect(() => jobs.start('app', '/src/app')).toThrow(ConflictError);
    try {
      jobs.start('app', '/src/app');
    } catch (e) {
      expect(toHttpError(e).status).toBe(409);
    }
    const other = jobs.start('lib', '/src/lib');
    expect(other.status).toBe('running');
    expect(first.events).toEqual([{ stage: 'scan', files: 2, skipped: 0, seq: 1 }]);
    pending[0]!.finish();
    await settle();
    expect(jobs.get(first.id)).toMatchObject({ status: 'succeeded', result: { snapshotId: 's1' } });
    expect(jobs.start('app', '/src/app').status).toBe('running');
    await jobs.stopAll();
    expect(jobs.list().filter((r) => r.status === 'cancelled').length).toBe(2);
  });

  it('records failures with their message', async () => {
    const { indexer, pending } = heldIndexer();
    const jobs = new IndexJobs(async () => indexer);
    const run = jobs.start('app', '/src/app');
    await settle();
    pending[0]!.fail(new Error('disk full'));
    await settle();
    expect(jobs.get(run.id)).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: 'disk full' } });
    expect(() => jobs.get('nope')).toThrow(/no index run/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.4', false],
    ['example.com', false],
  ])('%s -> %s', (host, loopback) => expect(isLoopbackHost(host)).toBe(loopback));
});
