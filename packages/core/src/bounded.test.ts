import { describe, expect, it } from 'vitest';
import { bounded } from './bounded.js';

describe('bounded', () => {
  it("answers with the promise's value, or the fallback on a rejection or once the time is up", async () => {
    expect(await bounded(Promise.resolve(1), 1_000, () => 0)).toBe(1);
    expect(await bounded(Promise.reject(new Error('down')), 1_000, (e) => e.message)).toBe('down');
    const started = performance.now();
    expect(await bounded(new Promise<string>(() => undefined), 30, (e) => e.message)).toBe('no answer within 30 ms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
