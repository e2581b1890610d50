import { describe, expect, it } from 'vitest';
import { HashingEmbeddingProvider } from './hashing-embedding-provider.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('HashingEmbeddingProvider (not semantic)', () => {
  it('is deterministic, unit length and of the configured size', async () => {
    const p = new HashingEmbeddingProvider({ dimensions: 64 });
    const [a, b] = await p.embed(['createUser(email)', 'createUser(email)']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(64);
    expect(dot(a!, a!)).toBeCloseTo(1, 6);
    expect(p.model).toBe('trawl-hashing-v1');
  });

  it('puts texts sharing words and spellings closer than unrelated ones', async () => {
    const p = new HashingEmbeddingProvider();
    const [q, near, far] = await p.embed(['create user account', 'function createUserAccount(email) {}', 'parse the yaml configuration file']);
    expect(dot(q!, near!)).toBeGreaterThan(dot(q!, far!));
  });

  it('rejects tiny dimensions and aborted calls', async () => {
    expect(() => new HashingEmbeddingProvider({ dimensions: 2 })).toThrow(/dimensions/);
    await expect(new HashingEmbeddingProvider().embed(['x'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
