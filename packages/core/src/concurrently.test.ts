import { describe, expect, it } from 'vitest';
import { eachConcurrently } from './concurrently.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eachConcurrently', () => {
  it('calls fn for every item with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await eachConcurrently([5, 1, 4, 2, 3, 0, 2], 3, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await tick(ms);
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
    await eachConcurrently([], 4, async () => expect.unreachable());
  });

  it('starts nothing after the first failure, waits for the calls in flight, then throws that failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = eachConcurrently([0, 1, 2, 3, 4, 5], 2, async (_, i) => {
      started.push(i);
      if (i === 1) throw new Error('item 1 failed');
      await tick(20);
      finished.push(i);
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });
});
