import type { SymbolDefinition } from '@trawl/core';
import { describe, expect, it } from 'vitest';
import { SymbolNameTable } from './symbol-name-table.js';

const symbol = (name: string, i: number): SymbolDefinition => ({
  id: `s${i}`,
  name,
  fqn: `f.ts:${name}`,
  kind: 'function',
  filePath: 'f.ts',
  startLine: i + 1,
  endLine: i + 1,
  chunkId: null,
  ownerId: null,
  language: 'typescript',
  visibility: null,
});

describe('SymbolNameTable', () => {
  const names = ['parseFile', 'parse', 'FileParser', 'reparse', 'İstanbulParse', 'x', 'parse'];
  const table = new SymbolNameTable(names.map(symbol));

  it('finds every symbol whose name contains the term, once each, ignoring case', () => {
    expect(table.containing('PARSE').map((s) => s.id)).toEqual(['s0', 's1', 's2', 's3', 's4', 's6']);
    expect(table.containing('fileparser').map((s) => s.name)).toEqual(['FileParser']);
    expect(table.containing('x').map((s) => s.name)).toEqual(['x']);
  });

  it('never matches across two names', () => {
    // 'parse' ends one name and 'file' starts the next: no symbol contains 'separse' or 'eparser'.
    expect(table.containing('eparsefile')).toEqual([]);
    expect(table.containing('parse\nfile')).toEqual([]);
    expect(table.containing('')).toEqual([]);
  });

  it('keeps offsets right after names whose lower case is longer (İ lower-cases to two code units)', () => {
    expect(table.containing('x').map((s) => s.id)).toEqual(['s5']);
    expect(table.containing('istanbul').length + table.containing('i̇stanbul').length).toBe(1);
  });

  it('looks up exact names, ignoring case', () => {
    expect(table.named('Parse').map((s) => s.id)).toEqual(['s1', 's6']);
    expect(table.named('missing')).toEqual([]);
    expect(table.size).toBe(7);
  });
});
