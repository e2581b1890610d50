import { describe, expect, it } from 'vitest';
import { SnapshotCache } from './snapshot-cache.js';

const value = (size: number) => ({ size });
const ref = (repoId: string, snapshotId: string) => ({ repoId, snapshotId });

describe('SnapshotCache', () => {
  it('loads a snapshot once and shares the load', async () => {
    const cache = new SnapshotCache<{ size: number }>(2);
    let loads = 0;
    const load = async () => (loads++, value(3));
    const [a, b] = await Promise.all([cache.get(ref('r', 's1'), load), cache.get(ref('r', 's1'), load)]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
  });

  it('evicts the least recently used snapshot', async () => {
    const cache = new SnapshotCache<{ size: number }>(2);
    let loads = 0;
    const load = async () => (loads++, value(1));
    await cache.get(ref('r', 's1'), load);
    await cache.get(ref('r', 's2'), load);
    await cache.get(ref('r', 's1'), load); // s1 used last: s2 goes next
    await cache.get(ref('r', 's3'), load);
    expect(loads).toBe(3);
    await cache.get(ref('r', 's1'), load);
    expect(loads).toBe(3);
    await cache.get(ref('r', 's2'), load);
    expect(loads).toBe(4);
  });

  it('keeps neither failed loads nor empty values, and forgets by snapshot or repository', async () => {
    const cache = new SnapshotCache<{ size: number }>(4);
    await expect(cache.get(ref('r', 's1'), async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await cache.get(ref('r', 's2'), async () => value(0));
    await new Promise((r) => setImmediate(r));
    let loads = 0;
    const load = async () => (loads++, value(1));
    await cache.get(ref('r', 's1'), load);
    await cache.get(ref('r', 's2'), load);
    await cache.get(ref('other', 's1'), load);
    expect(loads).toBe(3);
    cache.forget('r', 's1');
    await cache.get(ref('r', 's1'), load);
    await cache.get(ref('r', 's2'), load);
    expect(loads).toBe(4);
    cache.forget('r');
    await cache.get(ref('r', 's2'), load);
    await cache.get(ref('other', 's1'), load);
    expect(loads).toBe(5);
  });

  it('peek answers only a loaded value, starting the load once without waiting for it', async () => {
    const cache = new SnapshotCache<{ size: number }>(2);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return value(2);
    };
    expect(cache.peek(ref('r', 's1'), load)).toBeUndefined();
    expect(cache.peek(ref('r', 's1'), load)).toBeUndefined();
    release();
    await cache.get(ref('r', 's1'), load);
    expect(cache.peek(ref('r', 's1'), load)).toEqual(value(2));
    expect(loads).toBe(1);
    cache.forget('r', 's1');
    expect(cache.peek(ref('r', 's1'), load)).toBeUndefined();
    expect(loads).toBe(2);
    // a failed load is not an unhandled rejection, and is tried again
    const failing = async () => Promise.reject(new Error('down'));
    expect(cache.peek(ref('r', 's2'), failing)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(cache.peek(ref('r', 's2'), load)).toBeUndefined();
    expect(loads).toBe(3);
  });
});
