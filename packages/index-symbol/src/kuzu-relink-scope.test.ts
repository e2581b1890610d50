import { describe, expect, it } from 'vitest';
import type { SymbolDefinition, SymbolRelation } from '@trawl/core';
import { inlined, relinkPlan, usesChangedName, type OldGraph } from './kuzu-relink-scope.js';

const symbol = (id: string, name: string, filePath: string, more: Partial<SymbolDefinition> = {}): SymbolDefinition => ({
  id,
  name,
  fqn: `${filePath}:${name}`,
  kind: 'function',
  filePath,
  startLine: 1,
  endLine: 2,
  chunkId: null,
  ownerId: null,
  language: 'typescript',
  visibility: 'public',
  ...more,
});
const relation = (kind: SymbolRelation['kind'], fromId: string, toName: string, filePath: string): SymbolRelation => ({ kind, fromId, toId: null, toName, resolved: false, filePath, line: 1 });

const OLD: OldGraph = {
  symbols: [symbol('s1', 'format', 'lib/util.ts'), symbol('s2', 'Base', 'lib/util.ts', { kind: 'class' }), symbol('s3', 'save', 'lib/util.ts', { kind: 'method', ownerId: 's2' })],
  heritage: [{ fromId: 's2', toName: 'Mixin' }],
  imports: [{ filePath: 'lib/util.ts', toName: './mixin' }],
};
const SAME = {
  changedPaths: ['lib/util.ts'],
  addedPaths: [],
  deletedPaths: [],
  symbols: [symbol('s1', 'format', 'lib/util.ts', { startLine: 7, endLine: 9 }), symbol('s2', 'Base', 'lib/util.ts', { kind: 'class' }), symbol('s3', 'save', 'lib/util.ts', { kind: 'method', ownerId: 's2' })],
  relations: [relation('extends', 's2', 'Mixin', 'lib/util.ts'), relation('imports', 'file:lib/util.ts', './mixin', 'lib/util.ts'), relation('calls', 's1', 'other', 'lib/util.ts')],
};

describe('relinkPlan', () => {
  it('finds nothing to re-link when a change defines, bases and imports what it did (a body edited, lines moved)', () => {
    expect(relinkPlan(SAME, OLD)).toEqual({ names: [], mentionNames: [], baseNames: [], barrels: [], definingFiles: [], stems: { files: [], directories: [] }, usage: new Map() });
  });

  it('names the symbols added, removed or changed in kind, owner or visibility', () => {
    const plan = relinkPlan(
      {
        ...SAME,
        symbols: [symbol('s1', 'format', 'lib/util.ts', { visibility: 'private' }), symbol('s4', 'parse', 'lib/util.ts'), SAME.symbols[1]!, symbol('s3', 'save', 'lib/util.ts', { kind: 'function' })],
      },
      OLD,
    );
    expect(plan.names).toEqual(['format', 'parse', 'save']);
    // (\`save\` is a function now; a member's name alone would be looked for in edges only)
    expect(plan.mentionNames).toEqual(['format', 'parse', 'save']);
    expect(plan.definingFiles).toEqual(['lib/util.ts']);
  });

  it('takes a type whose bases changed: its name, its members and its old and new bases', () => {
    const plan = relinkPlan({ ...SAME, relations: [relation('implements', 's2', 'pkg.Other', 'lib/util.ts'), SAME.relations[1]!] }, OLD);
    expect(plan.names).toEqual(['Base', 'save']);
    expect(plan.baseNames).toEqual(['Mixin', 'Other']);
  });

  it('takes a changed module whose imports or default export changed as a barrel, and the names added and deleted files may be imported by', () => {
    const plan = relinkPlan(
      {
        ...SAME,
        changedPaths: ['lib/util.ts', 'lib/new.d.ts', 'go/pkg/x.go'],
        addedPaths: ['lib/new.d.ts'],
        deletedPaths: ['py/pkg/__init__.py'],
        relations: [SAME.relations[0]!, relation('imports', 'file:lib/util.ts', './mixin2', 'lib/util.ts'), relation('imports', 'file:lib/new.d.ts', './x', 'lib/new.d.ts'), relation('imports', 'file:go/pkg/x.go', 'fmt', 'go/pkg/x.go')],
      },
      OLD,
    );
    // (Go does not re-export: its imports changing concerns no importer)
    expect(plan.barrels).toEqual(['lib/util.ts']);
    expect(plan.stems).toEqual({ files: ['__init__', 'new', 'new.d'], directories: ['lib', 'pkg'] });
    const only = (symbols: SymbolDefinition[]) => relinkPlan({ ...SAME, symbols, relations: SAME.relations }, { ...OLD, symbols: [symbol('s1', 'format', 'lib/util.ts')] });
    // The one public symbol a default import binds changes when a second one comes.
    expect(only([symbol('s1', 'format', 'lib/util.ts'), symbol('s9', 'extra', 'lib/util.ts')]).barrels).toEqual(['lib/util.ts']);
    expect(only([symbol('s1', 'format', 'lib/util.ts'), symbol('s9', 'extra', 'lib/util.ts', { visibility: 'private' })]).barrels).toEqual([]);
  });
});

describe('relinkPlan stems', () => {
  it('names a test file by its whole stem, not the module it tests', () => {
    expect(relinkPlan({ ...SAME, addedPaths: ['lib/util.test.ts'], changedPaths: [...SAME.changedPaths, 'lib/util.test.ts'] }, OLD).stems).toEqual({ files: ['util.test'], directories: ['lib'] });
  });
});

describe('usesChangedName', () => {
  const usage = relinkPlan(
    { ...SAME, symbols: [...SAME.symbols, symbol('s5', 'parse', 'lib/util.ts'), symbol('s6', 'get', 'lib/util.ts', { kind: 'method', ownerId: 's2' })] },
    OLD,
  ).usage;
  const counts = (all: number, methods = all) => new Map([['get', { all, methods }]]);

  it('matches a top-level name where it is the whole target, a qualifier, or called on its module', () => {
    expect(usage.get('parse')).toMatchObject({ added: 1, removed: 0, topLevel: true, modules: new Set(['util', 'lib']) });
    const targets = ['parse', 'parse.x', 'a.parse.b', 'util.parse', 'lib.parse', 'x.parse', 'parser'];
    expect(targets.map((n) => usesChangedName(n, usage, counts(5)))).toEqual([true, true, true, true, true, false, false]);
  });

  it('matches a member name on any receiver while the name, or its methods, is or was unique; else on receivers of its type only', () => {
    expect(usage.get('get')).toMatchObject({ added: 1, addedMethods: 1, topLevel: false, owners: new Set(['Base']) });
    // (\`b.get\`: a short receiver, as Go names its own)
    const calls = ['items.get', 'items.list.get', 'this.get', 'get', 'Base.get', 'b.get'];
    expect(calls.map((n) => usesChangedName(n, usage, counts(0)))).toEqual([true, true, true, true, true, true]);
    expect(calls.map((n) => usesChangedName(n, usage, counts(1)))).toEqual([true, true, true, true, true, true]);
    expect(calls.map((n) => usesChangedName(n, usage, counts(5, 1)))).toEqual([true, true, true, true, true, true]);
    expect(calls.map((n) => usesChangedName(n, usage, counts(5)))).toEqual([false, false, true, true, true, true]);
  });
});

describe('inlined', () => {
  it('writes parameters in as literals, once, without reading the values it writes', () => {
    expect(inlined('MATCH (n) WHERE n.repo = $repo AND n.gen = $gen AND list_contains($names, n.name) AND $other', { repo: "it's", gen: 3, names: ['$repo', 'a\\b'] })).toBe(
      "MATCH (n) WHERE n.repo = 'it\\'s' AND n.gen = 3 AND list_contains(['$repo', 'a\\\\b'], n.name) AND $other",
    );
  });
});
