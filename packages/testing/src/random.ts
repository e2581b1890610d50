/**
 * A seeded source of integers in [0, n) (mulberry32): model-based tests draw the same history on
 * every run, so a failure names a step that can be replayed.
 *
 * ```ts
 * const random = seededRandom(7)
 * const op = random(10)
 * ```
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed | 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
