import { directoriesAbove, selectSymbolContext, validateChunks, type SymbolContextNeed, type SymbolRelation } from '@trawl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRepositoryChunks, fileChunkId } from './repository-chunks.js';
import { parseRepository, symbolsFromChunks, type ParsedRepository, type ParseProgress } from './repository-parser.js';
import { withTempRepo, writeTempRepo } from './test-support/temp-repo.js';

const FILES: Record<string, string> = {
  'README.md': '# Zoo\n\nA fixture repository.\n',
  '.gitignore': 'build/\n',
  'build/out.js': 'ignored',
  // TypeScript: a class hierarchy across files, calls through named, namespace and barrel imports.
  'web/src/animal.ts': `export abstract class Animal {\n  abstract speak(): string;\n  greet(): string { return this.speak(); }\n}\n`,
  'web/src/dog.ts': `import { Animal } from './animal';\nimport * as fmt from './format';\nexport class Dog extends Animal {\n  speak() { return fmt.shout('woof'); }\n}\n`,
  'web/src/format.ts': `export function shout(s: string) { return s.toUpperCase(); }\n`,
  'web/src/index.ts': `export * from './dog';\nexport { shout } from './format';\n`,
  'web/src/main.ts': `import { Dog, shout } from './index';\nimport express from 'express';\nexport function main() {\n  const d = new Dog();\n  shout(d.greet());\n  express();\n  console.log('x');\n}\n`,
  // Python: relative and absolute imports.
  'py/zoo/__init__.py': '',
  'py/zoo/base.py': `class Animal:\n    def speak(self):\n        raise NotImplementedError\n`,
  'py/zoo/dog.py': `from .base import Animal\nfrom zoo import util\n\nclass Dog(Animal):\n    def speak(self):\n        return util.loud("woof")\n`,
  'py/zoo/util.py': `import os\n\ndef loud(s):\n    return os.path.join(s)\n`,
  'py/zoo/yell.py': `import os\nimport zoo.util\nfrom .base import Animal\n\ndef yell():\n    return zoo.util.loud("x")\n`,
  // Go: one package in two files, another package imported by path.
  'go/server/server.go': `package server\n\nimport "example.com/zoo/go/store"\n\ntype Server struct{}\n\nfunc (s *Server) Run() { start(); store.Open() }\n`,
  'go/server/start.go': `package server\n\nfunc start() {}\n`,
  'go/store/store.go': `package store\n\nfunc Open() {}\n`,
  // Java: an import and a same-package class.
  'java/com/acme/Dog.java': `package com.acme;\nimport com.acme.util.Sounds;\npublic class Dog extends Animal {\n  public String speak() { return Sounds.bark(); }\n}\n`,
  'java/com/acme/Animal.java': `package com.acme;\npublic abstract class Animal { public abstract String speak(); }\n`,
  'java/com/acme/util/Sounds.java': `package com.acme.util;\npublic class Sounds { public static String bark() { return "woof"; } }\n`,
  // C: a header include.
  'c/util.h': `int helper(int x);\n`,
  'c/util.c': `#include "util.h"\nint helper(int x) { return x; }\n`,
  'c/main.c': `#include "util.h"\nint main(void) { return helper(1); }\n`,
};

describe('parseRepository', () => {
  let repo: { root: string; cleanup: () => Promise<void> };
  let parsed: ParsedRepository;
  const events: ParseProgress[] = [];
  const sym = (fqn: string) => {
    const s = parsed.symbols.find((x) => x.fqn === fqn);
    if (!s) throw new Error(`no symbol ${fqn}`);
    return s;
  };
  const edge = (kind: SymbolRelation['kind'], fromFqn: string, toName: string) => parsed.relations.find((r) => r.kind === kind && r.fromId === sym(fromFqn).id && r.toName === toName);
  const resolvedTo = (kind: SymbolRelation['kind'], fromFqn: string, toName: string) => {
    const r = edge(kind, fromFqn, toName);
    expect(r, `${kind} ${fromFqn} -> ${toName}`).toBeDefined();
    return r!.resolved ? parsed.symbols.find((s) => s.id === r!.toId)?.fqn : null;
  };

  beforeAll(async () => {
    repo = await writeTempRepo(FILES);
    parsed = await parseRepository(repo.root, { repoId: 'zoo', snapshotId: 'c1', onProgress: (e) => events.push(e) });
  });
  afterAll(() => repo.cleanup());

  it('reads, hashes and parses every indexable file', () => {
    expect(parsed.files.map((f) => f.path)).not.toContain('build/out.js');
    expect(parsed.files).toHaveLength(Object.keys(FILES).length - 1);
    const readme = parsed.files.find((f) => f.path === 'README.md')!;
    expect(readme).toMatchObject({ language: 'markdown', lineCount: 3, content: FILES['README.md'] });
    expect(readme.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.skipped).toEqual([{ path: 'build/', reason: 'ignored', detail: '.gitignore: build/' }]);
    expect(parsed.stats.filesWithSyntaxErrors).toBe(0);
  });

  it('links the project > module > file > class > method tree', () => {
    validateChunks(parsed.chunks);
    const byId = new Map(parsed.chunks.map((c) => [c.id, c]));
    const project = parsed.chunks[0]!;
    expect(project).toMatchObject({ kind: 'project', parentId: null, filePath: '' });
    for (const c of parsed.chunks.slice(1)) {
      const parent = byId.get(c.parentId!);
      expect(parent, `parent of ${c.kind} ${c.fqn}`).toBeDefined();
      expect(parent!.childIds, `${parent!.fqn} lists ${c.fqn}`).toContain(c.id);
    }
    const dogFile = parsed.chunks.find((c) => c.kind === 'file' && c.filePath === 'web/src/dog.ts')!;
    expect(byId.get(dogFile.parentId!)).toMatchObject({ kind: 'module', filePath: 'web/src', fqn: 'web/src/' });
    expect(byId.get(byId.get(dogFile.parentId!)!.parentId!)).toMatchObject({ kind: 'module', filePath: 'web' });
    expect(dogFile.id).toBe(fileChunkId('zoo', parsed.files.find((f) => f.path === 'web/src/dog.ts')!));
  });

  it('resolves calls, imports and inheritance across files', () => {
    // TypeScript
    expect(resolvedTo('extends', 'web/src/dog.ts:Dog', 'Animal')).toBe('web/src/animal.ts:Animal');
    expect(resolvedTo('calls', 'web/src/dog.ts:Dog.speak', 'fmt.shout')).toBe('web/src/format.ts:shout');
    expect(resolvedTo('calls', 'web/src/main.ts:main', 'Dog')).toBe('web/src/dog.ts:Dog'); // through the barrel
    expect(resolvedTo('calls', 'web/src/main.ts:main', 'shout')).toBe('web/src/format.ts:shout');
    expect(resolvedTo('calls', 'web/src/animal.ts:Animal.greet', 'this.speak')).toBe('web/src/animal.ts:Animal.speak');
    expect(resolvedTo('calls', 'web/src/main.ts:main', 'd.greet')).toBe('web/src/animal.ts:Animal.greet');
    // Python
    expect(resolvedTo('extends', 'py/zoo/dog.py:Dog', 'Animal')).toBe('py/zoo/base.py:Animal');
    expect(resolvedTo('calls', 'py/zoo/dog.py:Dog.speak', 'util.loud')).toBe('py/zoo/util.py:loud');
    expect(resolvedTo('calls', 'py/zoo/yell.py:yell', 'zoo.util.loud')).toBe('py/zoo/util.py:loud'); // a dotted import binding
    // Go
    expect(resolvedTo('calls', 'go/server/server.go:Server.Run', 'start')).toBe('go/server/start.go:start');
    expect(resolvedTo('calls', 'go/server/server.go:Server.Run', 'store.Open')).toBe('go/store/store.go:Open');
    // Java
    expect(resolvedTo('extends', 'java/com/acme/Dog.java:Dog', 'Animal')).toBe('java/com/acme/Animal.java:Animal');
    expect(resolvedTo('calls', 'java/com/acme/Dog.java:Dog.speak', 'Sounds.bark')).toBe('java/com/acme/util/Sounds.java:Sounds.bark');
    // C
    expect(resolvedTo('calls', 'c/main.c:main', 'helper')).toBe('c/util.c:helper');
  });

  it('keeps unresolved targets as written instead of guessing', () => {
    expect(edge('calls', 'web/src/main.ts:main', 'express')).toMatchObject({ resolved: false, toId: null });
    expect(edge('calls', 'web/src/main.ts:main', 'console.log')).toMatchObject({ resolved: false, toId: null });
    expect(edge('calls', 'py/zoo/util.py:loud', 'os.path.join')).toMatchObject({ resolved: false, toId: null });
    const imports = parsed.relations.filter((r) => r.kind === 'imports' && r.filePath === 'web/src/main.ts');
    expect(imports.map((r) => [r.toName, r.toId])).toEqual([
      ['./index', 'file:web/src/index.ts'],
      ['express', null],
    ]);
  });

  it('reports progress through every phase', () => {
    expect(events[0]).toMatchObject({ phase: 'walk', filesTotal: parsed.files.length });
    expect(events.filter((e) => e.phase === 'parse')).toHaveLength(parsed.files.length);
    expect(events.at(-1)).toMatchObject({ phase: 'done', filesDone: parsed.files.length, chunks: parsed.chunks.length });
  });

  it('re-parses only given paths, linking against the symbols of the others', async () => {
    const changed = await parseRepository(repo.root, {
      repoId: 'zoo',
      snapshotId: 'c2',
      paths: ['web/src/main.ts', 'web/src/gone.ts'],
      contextSymbols: symbolsFromChunks(parsed.chunks.filter((c) => c.filePath !== 'web/src/main.ts')),
      knownPaths: parsed.files.map((f) => f.path),
    });
    expect(changed.files.map((f) => f.path)).toEqual(['web/src/main.ts']);
    expect(changed.missing).toEqual(['web/src/gone.ts']);
    expect(changed.chunks.every((c) => c.filePath === 'web/src/main.ts')).toBe(true);
    // Unchanged content keeps its ids in the new snapshot.
    expect(changed.chunks.map((c) => c.id)).toEqual(parsed.chunks.filter((c) => c.filePath === 'web/src/main.ts').map((c) => c.id));
    const call = changed.relations.find((r) => r.kind === 'calls' && r.toName === 'shout')!;
    expect(call.toId).toBe(sym('web/src/format.ts:shout').id);
    // The upper levels for the new snapshot come from the full file list.
    const upper = buildRepositoryChunks('zoo', 'c2', parsed.files);
    expect(upper.map((c) => c.id)).toEqual(parsed.chunks.filter((c) => c.kind === 'project' || c.kind === 'module').map((c) => c.id));
  });

  it('builds only the directory chunks above replaced paths when asked, each the same as in a full build', () => {
    const full = buildRepositoryChunks('zoo', 'c2', parsed.files);
    const only = directoriesAbove(['web/src/dog.ts', 'py/zoo/gone.py']);
    expect([...only].sort()).toEqual(['py', 'py/zoo', 'web', 'web/src']);
    const some = buildRepositoryChunks('zoo', 'c2', parsed.files, only);
    expect(some.map((c) => c.filePath).sort()).toEqual(['', 'py', 'py/zoo', 'web', 'web/src']);
    for (const c of some) expect(c).toEqual(full.find((f) => f.id === c.id));
  });

  it('links a re-parsed file the same way when asked for only the symbols its links can reach', async () => {
    // The fixture plus a default import (resolved through the imported file, whatever the names)
    // and unrelated symbols that the narrowed context leaves out.
    const more: Record<string, string> = {
      ...FILES,
      'web/src/kennel.ts': `export default class DogHouse {\n  open() { return 1; }\n}\n`,
      'web/src/pet.ts': `import Kennel from './kennel';\nimport { shout } from './format';\nexport function adopt() {\n  new Kennel();\n  return shout('x');\n}\n`,
      // Go: \`stop()\` in package server names a method, not a package function: told apart only by its owner.
      'go/server/worker.go': `package server\n\ntype Worker struct{}\n\nfunc (w *Worker) stop() {}\n`,
      'go/server/boss.go': `package server\n\nfunc boss() { stop() }\n`,
      'go/other/other.go': `package other\n\ntype Other struct{}\n\nfunc (o *Other) stop() {}\n`,
      'web/src/noise.ts': Array.from({ length: 40 }, (_, i) => `export function noise${i}() { return ${i}; }\n`).join(''),
    };
    await withTempRepo(more, async (root) => {
      const all = await parseRepository(root, { repoId: 'zoo', snapshotId: 'n1' });
      const view = (rels: readonly SymbolRelation[]) => rels.map((r) => [r.kind, r.fromId, r.toName, r.toId, r.resolved]);
      let full = 0;
      let narrowed = 0;
      for (const f of all.files) {
        const rest = all.chunks.filter((c) => c.filePath !== f.path);
        const knownPaths = all.files.filter((x) => x.path !== f.path).map((x) => x.path);
        const reference = await parseRepository(root, { repoId: 'zoo', snapshotId: 'n2', paths: [f.path], contextSymbols: symbolsFromChunks(rest), knownPaths });
        let asked: SymbolContextNeed | undefined;
        const lean = await parseRepository(root, {
          repoId: 'zoo',
          snapshotId: 'n2',
          paths: [f.path],
          knownPaths,
          contextSymbols: async (need) => {
            asked = need;
            return symbolsFromChunks(selectSymbolContext(rest, need));
          },
        });
        expect(view(lean.relations), f.path).toEqual(view(reference.relations));
        full += symbolsFromChunks(rest).length;
        narrowed += symbolsFromChunks(selectSymbolContext(rest, asked!)).length;
        if (f.path === 'web/src/pet.ts') {
          // `new Kennel()` reaches DogHouse only through the file the default import names.
          expect(asked!.filePaths).toContain('web/src/kennel.ts');
          expect(asked!.names).not.toContain('DogHouse');
          const call = lean.relations.find((r) => r.kind === 'calls' && r.toName === 'Kennel')!;
          expect(all.symbols.find((s) => s.id === call.toId)?.fqn).toBe('web/src/kennel.ts:DogHouse');
        }
      }
      // The point of asking: far fewer symbols than every other file's.
      expect(narrowed).toBeLessThan(full / 3);
    });
  });

  it('links a re-parsed file as the full parse did, with members inherited through files it did not parse', async () => {
    await withTempRepo({
      'h/top.py': 'class Top:\n    def save(self):\n        pass\n',
      'h/mid.py': 'from .top import Top\n\n\nclass Mid(Top):\n    pass\n',
      'h/low.py': 'from .mid import Mid\n\n\nclass Low(Mid):\n    def work(self):\n        self.save()\n',
      'ts/a.ts': 'export class A {\n  hello() { return 1; }\n}\n',
      'ts/b.ts': "import { A } from './a';\nexport class B extends A {}\n",
      'ts/c.ts': "import { B } from './b';\nexport class C extends B {\n  run() { return this.hello(); }\n}\n",
    }, async (root) => {
      const all = await parseRepository(root, { repoId: 'h', snapshotId: 'h1' });
      const view = (rels: readonly SymbolRelation[]) => rels.map((r) => [r.kind, r.fromId, r.toName, r.toId, r.resolved]);
      for (const f of all.files) {
        const again = await parseRepository(root, {
          repoId: 'h',
          snapshotId: 'h1',
          paths: [f.path],
          contextSymbols: symbolsFromChunks(all.chunks.filter((c) => c.filePath !== f.path)),
          knownPaths: all.files.map((x) => x.path),
        });
        expect(view(again.relations), f.path).toEqual(view(all.relations.filter((r) => r.filePath === f.path)));
      }
      const inherited = all.relations.filter((r) => r.kind === 'calls' && r.resolved).map((r) => all.symbols.find((s) => s.id === r.toId)!.fqn);
      expect(inherited.sort()).toEqual(['h/top.py:Top.save', 'ts/a.ts:A.hello']);
    });
  });

  it('parses and links again the unchanged files relinkScope names, and those of its mentioning list whose text has a name', async () => {
    await withTempRepo({
      'a.ts': 'export function alpha() {\n  return 1;\n}\n',
      'b.ts': 'export function beta() {\n  return alpha();\n}\n',
      'c.ts': "import { alpha } from './a';\nexport const c = 1; // alpha is mentioned\n",
      'd.ts': "import { gamma } from './a';\nexport const d = 1;\n",
    }, async (root) => {
      const all = await parseRepository(root, { repoId: 'r', snapshotId: 's1' });
      let asked: Parameters<NonNullable<Parameters<typeof parseRepository>[1]['relinkScope']>>[0] | undefined;
      const needs: SymbolContextNeed[] = [];
      const again = await parseRepository(root, {
        repoId: 'r',
        snapshotId: 's2',
        paths: ['a.ts', 'gone.ts'],
        contextSymbols: async (need) => {
          needs.push(need);
          return symbolsFromChunks(selectSymbolContext(all.chunks.filter((c) => c.filePath !== 'a.ts'), need));
        },
        knownPaths: ['b.ts', 'c.ts', 'd.ts'],
        relinkScope: async (change) => {
          asked = structuredClone(change);
          return { paths: ['b.ts', 'a.ts', 'gone.ts'], mentioning: { names: ['alpha'], paths: ['c.ts', 'd.ts'] } };
        },
      });
      // What the change defines and uses, before linking; the changed and missing files are not parsed twice.
      expect(asked).toMatchObject({ changedPaths: ['a.ts'], deletedPaths: ['gone.ts'] });
      expect(asked!.symbols.map((s) => s.name)).toEqual(['alpha']);
      expect(again.relinked).toEqual(['b.ts', 'c.ts']);
      // The context is asked for the changed file, then for what only the re-linked ones reach.
      expect(needs.map((n) => n.names.includes('alpha'))).toEqual([false, true]);
      expect(again.files.map((f) => f.path)).toEqual(['a.ts', 'b.ts', 'c.ts']);
      // Linked with the change: b's call resolves to the re-parsed alpha.
      const call = again.relations.find((r) => r.kind === 'calls' && r.filePath === 'b.ts')!;
      expect(call).toMatchObject({ resolved: true, toId: again.symbols.find((s) => s.name === 'alpha')!.id });
    });
  });

  it('derives a content snapshot id for a plain directory', async () => {
    const a = await parseRepository(repo.root, { repoId: 'zoo' });
    const b = await parseRepository(repo.root, { repoId: 'zoo' });
    expect(a.snapshotId).toMatch(/^[0-9a-f]{16}$/);
    expect(b.snapshotId).toBe(a.snapshotId);
  });

  it('treats a run that finds no file as an error', async () => {
    await withTempRepo({ '.gitignore': '*\n', 'a.ts': 'x' }, async (root) => {
      await expect(parseRepository(root, { repoId: 'e', snapshotId: 's' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('no files to index') });
    });
  });
});
