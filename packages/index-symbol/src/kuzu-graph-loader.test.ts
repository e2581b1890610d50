import { describe, expect, it } from 'vitest';
import type { SymbolDefinition, SymbolRelation } from '@trawl/core';
import { EDGES_PER_STATEMENT, buildGraphRows, generationKey, keyPrefix, unwindStatements, unwindTables, type ExistingNodes, type GraphInput, type TableRows } from './kuzu-graph-loader.js';

const ref = { repoId: 'a-repository-with-a-long-name', snapshotId: '0123456789abcdef0123456789abcdef01234567' };
const path = (i: number) => `packages/some/deeply/nested/folder/module-${i}.ts`;

function symbol(i: number, ownerId: string | null = null): SymbolDefinition {
  const p = path(i % 3);
  return { id: `sym-${i}-${'x'.repeat(40)}`, name: `name${i}`, fqn: `${p}:name${i}`, kind: 'function', filePath: p, startLine: i + 1, endLine: i + 2, chunkId: `chunk-${i}`, ownerId, language: 'typescript', visibility: 'public' };
}

function input(): GraphInput {
  const symbols = [symbol(0), symbol(1, 'sym-0-' + 'x'.repeat(40)), symbol(2), symbol(3)];
  const relations: SymbolRelation[] = [
    { kind: 'calls', fromId: symbols[1]!.id, toId: symbols[2]!.id, toName: 'name2', resolved: true, filePath: path(1), line: 3 },
    { kind: 'calls', fromId: symbols[1]!.id, toId: null, toName: 'console.log', resolved: false, filePath: path(1), line: 4 },
    { kind: 'calls', fromId: symbols[2]!.id, toId: null, toName: 'console.log', resolved: false, filePath: path(2), line: 5 },
    { kind: 'imports', fromId: `file:${path(0)}`, toId: `file:${path(1)}`, toName: './module-1', resolved: true, filePath: path(0), line: 1 },
    { kind: 'calls', fromId: symbols[3]!.id, toId: 'sym-existing', toName: 'old', resolved: true, filePath: path(0), line: 9 },
  ];
  return {
    files: [0, 1, 2].map((i) => ({ path: path(i), language: 'typescript' })),
    symbols,
    chunks: symbols.map((s, i) => ({ id: `chunk-${i}`, kind: 'function', fqn: s.fqn, filePath: s.filePath, startLine: s.startLine, endLine: s.endLine, parentId: i > 0 ? 'chunk-0' : null })),
    relations,
  };
}

const column = (t: TableRows, name: string) => t.rows.map((r) => r[t.columns.indexOf(name)] as string);

describe('buildGraphRows', () => {
  const existing: ExistingNodes = { files: new Map(), symbols: new Map([['sym-existing', '7.q']]), chunks: new Map(), externals: new Map() };
  const { nodes, edges } = buildGraphRows(ref, input(), { chain: 3, gen: 46_655 }, existing);
  const nodeKeys = nodes.flatMap((t) => column(t, 'key'));

  it('gives every new node a short key of its generation, none twice, none in the long form older databases hold', () => {
    expect(nodeKeys.length).toBe(3 + 4 + 4 + 1);
    expect(new Set(nodeKeys).size).toBe(nodeKeys.length);
    for (const key of nodeKeys) {
      expect(key.startsWith(keyPrefix(46_655))).toBe(true);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(12); // inline in Kuzu's string columns
      expect(key).not.toMatch(/^\d+:/);
    }
    expect(keyPrefix(46_655)).toBe('zzz.');
    expect(keyPrefix(46_655, true)).toBe('zzz~');
    expect(generationKey(ref)).toMatch(/^\d+:/);
  });

  it('points every edge at a node of the load or an existing one, and keeps one External per name', () => {
    const known = new Set([...nodeKeys, ...existing.symbols.values()]);
    for (const t of edges) for (const [from, to] of t.rows) expect(known.has(from as string) && known.has(to as string), `${t.table} ${from} -> ${to}`).toBe(true);
    const externals = nodes.find((t) => t.table === 'External')!;
    expect(column(externals, 'name')).toEqual(['console.log']);
    const toExternal = edges.filter((t) => t.table === 'Calls' && t.to === 'External').flatMap((t) => t.rows.map((r) => r[1]));
    expect(toExternal).toEqual([externals.rows[0]![0], externals.rows[0]![0]]);
    const toExisting = edges.find((t) => t.table === 'Calls' && t.to === 'Symbol')!.rows.map((r) => r[1]);
    expect(toExisting).toContain('7.q');
  });
});

describe('unwindTables', () => {
  it('creates edges several to a statement and the rest one at a time, each with its own ends and properties', async () => {
    const calls: { statement: string; params?: Record<string, unknown> }[] = [];
    const rows = Array.from({ length: EDGES_PER_STATEMENT * 2 + 1 }, (_, i) => [`s${i}`, `t${i}`, i + 1, `name${i}`, 'a.ts']);
    await unwindTables(async (statement, params) => void calls.push({ statement, params }), [{ table: 'Calls', from: 'Symbol', to: 'External', columns: ['from', 'to', 'line', 'toName', 'file', 'born', 'died'], rows: rows.map((r) => [...r, 3, 9]) }]);
    expect(calls.map((c) => c.statement)).toEqual([...Array(2).fill(expect.stringMatching(/^MATCH \(a0:Symbol \{key: \$src0\}\), \(b0:External \{key: \$dst0\}\), .* CREATE \(a0\)-\[:Calls \{line: \$line0, toName: \$toName0, file: \$file0, born: \$born0, died: \$died0\}\]->\(b0\), /)), expect.stringMatching(/^MATCH \(a0:Symbol \{key: \$src0\}\), \(b0:External \{key: \$dst0\}\) CREATE \(a0\)-\[:Calls [^\]]*\]->\(b0\)$/)]);
    // Every edge once, in order, with its ends and properties.
    const edges = calls.flatMap(({ params }) => Array.from({ length: EDGES_PER_STATEMENT }, (_, i) => params![`src${i}`] === undefined ? [] : [[params![`src${i}`], params![`dst${i}`], params![`line${i}`], params![`toName${i}`], params![`born${i}`]]]).flat());
    expect(edges).toEqual(rows.map((r) => [r[0], r[1], r[2], r[3], 3]));
    for (const { statement } of calls) expect(unwindStatements()).toContain(statement);
  });
});
