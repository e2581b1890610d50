import { describe, expect, it, vi } from 'vitest';
import type { IndexProgressEvent } from '@trawl/retrieval';
import type { CliIo } from './io.js';
import { ProgressReporter } from './progress.js';

function reporter(mode: 'tty' | 'plain') {
  let err = '';
  const io: CliIo = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t), isTTY: mode === 'tty', columns: 200 }, env: {}, cwd: '/', signal: new AbortController().signal };
  return { progress: new ProgressReporter(io, mode), output: () => err };
}

// What the tree-sitter parser reports for three files: each read, each parsed, linked, done.
const parseEvents: IndexProgressEvent[] = [
  { stage: 'parse', phase: 'walk', filesDone: 0, filesTotal: 3, chunks: 0 },
  ...[1, 2, 3].map((n): IndexProgressEvent => ({ stage: 'parse', phase: 'read', filesDone: n, filesTotal: 3, chunks: 0 })),
  ...[1, 2, 3].map((n): IndexProgressEvent => ({ stage: 'parse', phase: 'parse', filesDone: n, filesTotal: 3, chunks: n * 4 })),
  { stage: 'parse', phase: 'link', filesDone: 3, filesTotal: 3, chunks: 12 },
  { stage: 'parse', phase: 'done', filesDone: 3, filesTotal: 3, chunks: 15 },
];

describe('ProgressReporter', () => {
  it('prints one parse line without a terminal, when parsing is done, with the chunk count (not when reading is)', () => {
    const { progress, output } = reporter('plain');
    for (const e of parseEvents) progress.handle(e);
    expect(output().split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^parse {2}3 files, 15 chunks in \d+\.\ds$/)]);
  });

  it('shows reading, parsing and linking on a terminal, and ends the stage at done', () => {
    vi.useFakeTimers(); // (a terminal line is redrawn at most every 80 ms)
    const { progress, output } = reporter('tty');
    try {
      for (const e of parseEvents) {
        progress.handle(e);
        vi.advanceTimersByTime(100);
      }
    } finally {
      vi.useRealTimers();
    }
    const text = output();
    expect(text).toMatch(/read {3}█+░* \d+% \d\/3 files, \d+ files\/s/);
    expect(text).not.toMatch(/read .*chunks/);
    expect(text).toMatch(/parse  █+░* \d+% \d\/3 files, \d+ chunks/);
    expect(text).toMatch(/link {3}3 files, 12 chunks/);
    expect(text).toMatch(/parse {2}3 files, 15 chunks in \d+\.\ds\n$/);
  });

  it('ends the stage at the last file for a parser that does not name its steps', () => {
    const { progress, output } = reporter('plain');
    for (const n of [1, 2]) progress.handle({ stage: 'parse', filesDone: n, filesTotal: 2, chunks: n });
    expect(output()).toMatch(/^parse {2}2 files, 2 chunks in \d+\.\ds\n$/);
  });
});
