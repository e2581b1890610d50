import { describe, expect, it } from 'vitest';
import { normalizeChunk, type Chunk } from '@trawl/core';
import { makeChunk } from '@trawl/testing';
import { ChunkSpanTable } from './chunk-span-table.js';

const chunk = (id: string, name = id): Chunk => normalizeChunk(makeChunk({ id, name }));

describe('ChunkSpanTable rows', () => {
  it('keeps rows within maxRows, drops those unused for a whole generation, and keeps a row used again', () => {
    const table = new ChunkSpanTable([], 'stamp', 4);
    const [a, b, c] = [chunk('a'), chunk('b'), chunk('c')];
    table.keep([a, b]);
    expect(table.row('a')).toBe(a); // (used: moves to the recent generation)
    table.keep([c]);
    // b went unused while a and c filled a generation: dropped.
    expect(table.row('b')).toBeUndefined();
    expect(table.holdsRows(['a', 'c'])).toBe(true);
    expect(table.holdsRows(['a', 'b'])).toBe(false);
    expect(table.row('c')).toBe(c);
    // Kept again under the same id: the new row replaces the old one.
    const a2 = chunk('a', 'renamed');
    table.keep([a2]);
    expect(table.row('a')).toBe(a2);
  });

  it('never holds more than maxRows, and always holds the row used or kept last', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (const maxRows of [1, 2, 3, 10, 64]) {
      const table = new ChunkSpanTable([], 'stamp', maxRows);
      const latest = new Map<string, Chunk>();
      for (let step = 0; step < 2000; step++) {
        const id = `c${rand(3 * maxRows + 2)}`;
        if (rand(3) === 0) {
          const row = chunk(id, `${id}-${step}`);
          table.keep([row]);
          latest.set(id, row);
        } else {
          const row = table.row(id);
          // a row found is the one kept last under its id
          if (row) expect(row).toBe(latest.get(id));
          else continue;
        }
        expect(table.row(id)).toBe(latest.get(id));
        expect(table.rowsKept).toBeLessThanOrEqual(maxRows);
      }
    }
  });

  it('keeps no rows without a stamp or with maxRows 0', () => {
    for (const table of [new ChunkSpanTable([], null, 10), new ChunkSpanTable([], 'stamp', 0)]) {
      table.keep([chunk('a')]);
      expect(table.row('a')).toBeUndefined();
      expect(table.rowsKept).toBe(0);
      expect(table.holdsRows([])).toBe(false);
    }
  });
});
