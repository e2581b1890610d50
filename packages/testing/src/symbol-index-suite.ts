import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotContent, SnapshotRef, SymbolIndex, SymbolRelation } from '@trawl/core';
import { fixtureDelta, fixtureSnapshot, type FixtureFile } from './snapshot-fixtures.js';

export interface SymbolIndexSuiteOptions {
  /** A fresh, empty index and how to dispose of it (and its database). */
  create(): Promise<{ index: SymbolIndex; dispose(): Promise<void> }>;
}

const ANIMAL: FixtureFile = {
  path: 'src/animal.ts',
  content: ['export abstract class Animal {', '  abstract speak(): string;', '  greet() {', '    return this.speak();', '  }', '}'].join('\n'),
  symbols: [
    { name: 'Animal', kind: 'class', startLine: 1, endLine: 6 },
    { name: 'speak', kind: 'method', startLine: 2, endLine: 2, owner: 'Animal' },
    { name: 'greet', kind: 'method', startLine: 3, endLine: 5, owner: 'Animal' },
  ],
};
const DOG: FixtureFile = {
  path: 'src/dog.ts',
  content: ["import { Animal } from './animal';", 'export class Dog extends Animal implements Pet {', "  speak() { return 'woof'; }", '}'].join('\n'),
  symbols: [
    { name: 'Dog', kind: 'class', startLine: 2, endLine: 4 },
    { name: 'speak', kind: 'method', startLine: 3, endLine: 3, owner: 'Dog' },
  ],
};
const MAIN = (helper: string): FixtureFile => ({
  path: 'src/main.ts',
  content: ["import { Dog } from './dog';", "import express from 'express';", 'export function main() {', '  return new Dog().greet();', '}', `function ${helper}() { console.log(1); }`, 'main();'].join('\n'),
  symbols: [
    { name: 'main', kind: 'function', startLine: 3, endLine: 5 },
    { name: helper, kind: 'function', startLine: 6, endLine: 6 },
  ],
});

/** A three-file TypeScript snapshot with a class hierarchy, calls across files and library calls. */
function zoo(ref: SnapshotRef, helper = 'helper'): SnapshotContent {
  const content = fixtureSnapshot(ref, [ANIMAL, DOG, MAIN(helper)]);
  const id = (fqn: string) => content.symbols.find((s) => s.fqn === fqn)!.id;
  const rel = (kind: SymbolRelation['kind'], fromId: string, toId: string | null, toName: string, filePath: string, line: number): SymbolRelation => ({ kind, fromId, toId, toName, resolved: toId !== null, filePath, line });
  const relations: SymbolRelation[] = [
    rel('extends', id('src/dog.ts:Dog'), id('src/animal.ts:Animal'), 'Animal', 'src/dog.ts', 2),
    rel('implements', id('src/dog.ts:Dog'), null, 'Pet', 'src/dog.ts', 2),
    rel('calls', id('src/animal.ts:Animal.greet'), id('src/animal.ts:Animal.speak'), 'this.speak', 'src/animal.ts', 4),
    rel('calls', id('src/main.ts:main'), id('src/dog.ts:Dog'), 'Dog', 'src/main.ts', 4),
    rel('calls', id('src/main.ts:main'), id('src/animal.ts:Animal.greet'), 'greet', 'src/main.ts', 4),
    rel('calls', id('src/main.ts:main'), id(`src/main.ts:${helper}`), helper, 'src/main.ts', 4),
    rel('calls', id(`src/main.ts:${helper}`), null, 'console.log', 'src/main.ts', 6),
    rel('calls', 'file:src/main.ts', id('src/main.ts:main'), 'main', 'src/main.ts', 7),
    // From an unchanged file into the one the incremental test changes.
    rel('calls', id('src/dog.ts:Dog.speak'), id('src/main.ts:main'), 'main', 'src/dog.ts', 3),
    ...(helper === 'helper' ? [rel('calls', id('src/dog.ts:Dog.speak'), id('src/main.ts:helper'), 'helper', 'src/dog.ts', 3)] : [rel('calls', id('src/dog.ts:Dog.speak'), null, 'helper', 'src/dog.ts', 3)]),
    rel('references', id('src/dog.ts:Dog'), id('src/animal.ts:Animal'), 'Animal', 'src/dog.ts', 1),
    rel('imports', 'file:src/dog.ts', 'file:src/animal.ts', './animal', 'src/dog.ts', 1),
    rel('imports', 'file:src/main.ts', 'file:src/dog.ts', './dog', 'src/main.ts', 1),
    rel('imports', 'file:src/main.ts', null, 'express', 'src/main.ts', 2),
  ];
  return { ...content, relations };
}

/**
 * The behaviour every SymbolIndex must have, on a fixture snapshot with a class hierarchy,
 * calls across files, unresolved library calls and imports.
 *
 * ```ts
 * describeSymbolIndex({ create: async () => { const index = new KuzuSymbolIndex({ path }); return { index, dispose: () => index.close() } } })
 * ```
 */
export function describeSymbolIndex(options: SymbolIndexSuiteOptions): void {
  describe('SymbolIndex conformance', () => {
    let index: SymbolIndex;
    let dispose: () => Promise<void>;
    const s1: SnapshotRef = { repoId: 'zoo', snapshotId: 's1' };
    const s2: SnapshotRef = { repoId: 'zoo', snapshotId: 's2' };
    const other: SnapshotRef = { repoId: 'other', snapshotId: 's1' };
    const base = zoo(s1);
    const fqns = (list: { symbol: { fqn: string } }[]) => list.map((m) => m.symbol.fqn).sort();

    beforeAll(async () => {
      ({ index, dispose } = await options.create());
      const result = await index.reindexRepo(base);
      expect(result).toMatchObject({ index: 'symbol', itemsIndexed: base.symbols.length });
      await index.reindexRepo(zoo(other, 'otherHelper'));
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('finds definitions by name, qualified name and kind', async () => {
      expect((await index.definitions(s1, 'speak')).map((s) => s.fqn).sort()).toEqual(['src/animal.ts:Animal.speak', 'src/dog.ts:Dog.speak']);
      expect((await index.definitions(s1, 'Dog.speak')).map((s) => s.fqn)).toEqual(['src/dog.ts:Dog.speak']);
      expect((await index.definitions(s1, 'Dog', { kind: 'class' }))[0]).toMatchObject({ fqn: 'src/dog.ts:Dog', kind: 'class', filePath: 'src/dog.ts', startLine: 2, endLine: 4 });
      expect(await index.definitions(s1, 'Dog', { kind: 'function' })).toEqual([]);
      const def = (await index.definitions(s1, 'greet'))[0]!;
      expect(def).toEqual(base.symbols.find((s) => s.fqn === 'src/animal.ts:Animal.greet'));
      expect(await index.definitions(s1, 'nothingLikeThis')).toEqual([]);
    });

    it('walks callers to a bounded depth with call sites', async () => {
      const one = await index.callers(s1, 'Animal.speak');
      expect(one.map((m) => [m.symbol.fqn, m.depth, m.site])).toEqual([['src/animal.ts:Animal.greet', 1, { filePath: 'src/animal.ts', line: 4 }]]);
      const three = await index.callers(s1, 'Animal.speak', { depth: 3 });
      expect(three.map((m) => [m.symbol.fqn, m.depth])).toEqual([
        ['src/animal.ts:Animal.greet', 1],
        ['src/main.ts:main', 2],
        ['src/dog.ts:Dog.speak', 3],
        ['src/main.ts', 3], // top-level code of the file
      ]);
      expect(three[3]!.symbol).toMatchObject({ id: 'file:src/main.ts', kind: 'module' });
      expect(await index.callers(s1, 'Animal.speak', { depth: 3, limit: 2 })).toHaveLength(2);
    });

    it('lists callees, including unresolved library calls', async () => {
      expect(fqns(await index.callees(s1, 'main'))).toEqual(['src/animal.ts:Animal.greet', 'src/dog.ts:Dog', 'src/main.ts:helper']);
      const lib = await index.callees(s1, 'helper');
      expect(lib.map((m) => [m.symbol.id, m.symbol.name, m.site])).toEqual([['unresolved:console.log', 'console.log', { filePath: 'src/main.ts', line: 6 }]]);
      expect(fqns(await index.callers(s1, 'console.log'))).toEqual(['src/main.ts:helper']);
      expect(fqns(await index.callees(s1, 'main', { depth: 2 }))).toEqual(['console.log', 'src/animal.ts:Animal.greet', 'src/animal.ts:Animal.speak', 'src/dog.ts:Dog', 'src/main.ts:helper']);
    });

    it('answers references, implementations and imports', async () => {
      expect(fqns(await index.references(s1, 'Animal'))).toEqual(['src/dog.ts:Dog']);
      expect(fqns(await index.implementations(s1, 'Animal'))).toEqual(['src/dog.ts:Dog']);
      expect(fqns(await index.implementations(s1, 'Pet'))).toEqual(['src/dog.ts:Dog']);
      const imports = await index.imports(s1, 'src/main.ts');
      expect(imports.map((r) => [r.toName, r.toId, r.resolved, r.line])).toEqual([
        ['./dog', 'file:src/dog.ts', true, 1],
        ['express', null, false, 2],
      ]);
      expect(await index.imports(s1, 'src/nope.ts')).toEqual([]);
    });

    it('searches symbol names and returns the defining chunk', async () => {
      const hits = await index.search(s1, 'Dog');
      expect(hits[0]).toMatchObject({ chunkId: base.symbols.find((s) => s.fqn === 'src/dog.ts:Dog')!.chunkId, index: 'symbol', kind: 'class', name: 'Dog', filePath: 'src/dog.ts', startLine: 2, repoId: 'zoo', snapshotId: 's1', mapping: 'exact' });
      expect(hits[0]!.score).toBeGreaterThan(hits[hits.length - 1]!.score - 1e-9);
      const natural = await index.search(s1, 'where is greet defined');
      expect(natural[0]).toMatchObject({ name: 'greet', kind: 'method' });
      expect((await index.search(s1, 'speak')).map((h) => h.name)).toEqual(['speak', 'speak']);
      expect(await index.search(s1, 'speak', { limit: 1 })).toHaveLength(1);
      expect((await index.search(s1, 'Dog.speak'))[0]).toMatchObject({ filePath: 'src/dog.ts', name: 'speak' });
      expect(await index.search(s1, '   ')).toEqual([]);
    });

    it('keeps snapshots and repositories apart', async () => {
      expect(await index.definitions(other, 'helper')).toEqual([]);
      expect((await index.definitions(other, 'otherHelper')).length).toBe(1);
      expect(await index.definitions(s1, 'otherHelper')).toEqual([]);
      expect(await index.search({ repoId: 'zoo', snapshotId: 'missing' }, 'Dog')).toEqual([]);
    });

    it('converges when a snapshot is indexed twice', async () => {
      await index.reindexRepo(base);
      expect(await index.definitions(s1, 'speak')).toHaveLength(2);
      expect(await index.callers(s1, 'Animal.speak')).toHaveLength(1);
    });

    it('answers with the new names when a snapshot is indexed again with other content', async () => {
      const ref: SnapshotRef = { repoId: 'zoo', snapshotId: 'redo' };
      await index.reindexRepo(zoo(ref, 'helper'));
      expect((await index.search(ref, 'helper')).map((h) => h.name)).toEqual(['helper']);
      await index.reindexRepo(zoo(ref, 'assist'));
      expect(await index.search(ref, 'helper')).toEqual([]);
      expect(await index.definitions(ref, 'helper')).toEqual([]);
      expect((await index.search(ref, 'assist')).map((h) => h.name)).toEqual(['assist']);
      await index.deleteRepo('zoo', 'redo');
      expect(await index.search(ref, 'assist')).toEqual([]);
    });

    it('builds a snapshot incrementally from its base', async () => {
      const next = zoo(s2, 'assist');
      const delta = fixtureDelta(base, next);
      expect(delta.changedPaths).toEqual(['src/main.ts']);
      const result = await index.reindexPaths(delta);
      expect(result.index).toBe('symbol');
      expect(await index.definitions(s2, 'helper')).toEqual([]);
      expect((await index.definitions(s2, 'assist')).length).toBe(1);
      // Carried over from the base: the hierarchy and the calls of unchanged files.
      expect(fqns(await index.implementations(s2, 'Animal'))).toEqual(['src/dog.ts:Dog']);
      expect(fqns(await index.callers(s2, 'Animal.speak'))).toEqual(['src/animal.ts:Animal.greet']);
      expect(fqns(await index.callees(s2, 'main'))).toEqual(['src/animal.ts:Animal.greet', 'src/dog.ts:Dog', 'src/main.ts:assist']);
      expect((await index.imports(s2, 'src/dog.ts')).map((r) => r.toId)).toEqual(['file:src/animal.ts']);
      // Edges from unchanged files into the changed one: kept where the target survived, unresolved where it is gone.
      expect((await index.callees(s1, 'Dog.speak')).map((m) => m.symbol.fqn).sort()).toEqual(['src/main.ts:helper', 'src/main.ts:main']);
      expect((await index.callees(s2, 'Dog.speak')).map((m) => m.symbol.id).sort()).toEqual([(await index.definitions(s2, 'main'))[0]!.id, 'unresolved:helper']);
      // The base is untouched.
      expect((await index.definitions(s1, 'helper')).length).toBe(1);
    });

    it('deletes one snapshot, then a whole repository', async () => {
      await index.deleteRepo('zoo', 's1');
      expect(await index.definitions(s1, 'Dog')).toEqual([]);
      expect((await index.definitions(s2, 'Dog')).length).toBe(1);
      await index.deleteRepo('zoo');
      expect(await index.definitions(s2, 'Dog')).toEqual([]);
      expect((await index.definitions(other, 'Dog')).length).toBe(1);
    });

    it('rejects empty names and bad limits', async () => {
      await expect(index.definitions(other, '  ')).rejects.toMatchObject({ code: 'INVALID_QUERY' });
      await expect(index.search(other, 'Dog', { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });
  });
}
