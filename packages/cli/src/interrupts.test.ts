import { describe, expect, it } from 'vitest';
import { interruptHandler } from './interrupts.js';

describe('interruptHandler', () => {
  function handler() {
    let clock = 0;
    const seen = { aborted: [] as string[], exits: [] as number[], output: '' };
    const onSignal = interruptHandler({ abort: (r) => seen.aborted.push(r.message), exit: (c) => seen.exits.push(c), write: (t) => (seen.output += t), now: () => clock });
    return { onSignal, seen, at: (ms: number) => (clock = ms) };
  }

  it('aborts on the first signal and exits 130 on a second one', () => {
    const { onSignal, seen, at } = handler();
    onSignal('SIGINT');
    expect(seen).toMatchObject({ aborted: ['received SIGINT'], exits: [] });
    expect(seen.output).toMatch(/stopping \(SIGINT\); press Ctrl-C again to force/);
    at(1_000);
    onSignal('SIGINT');
    expect(seen.exits).toEqual([130]);
  });

  it('takes a second signal right after the first as the same Ctrl-C (a wrapper passing it on)', () => {
    const { onSignal, seen, at } = handler();
    onSignal('SIGINT');
    at(3);
    onSignal('SIGINT');
    expect(seen).toMatchObject({ aborted: ['received SIGINT'], exits: [] });
    at(600);
    onSignal('SIGTERM');
    expect(seen.exits).toEqual([130]);
  });
});
