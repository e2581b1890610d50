import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SymbolMatch } from '@trawl/core';
import { createContainer, type TrawlContainer } from './container.js';

/**
 * An incremental run links as a full run of the same tree does, also where the change alters
 * the links of files it did not touch (the real parser, PGlite and Kuzu).
 */
describe('incremental runs re-link the unchanged files a change concerns', () => {
  let home: string;
  let tree: string;
  let trawl: TrawlContainer;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'trawl-home-'));
    tree = await mkdtemp(join(tmpdir(), 'trawl-relink-'));
    trawl = createContainer({ home }, {});
  });
  afterAll(async () => {
    await trawl.close();
    await rm(home, { recursive: true, force: true });
    await rm(tree, { recursive: true, force: true });
  });

  const write = async (files: Record<string, string | null>) => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) await rm(join(tree, path), { force: true });
      else {
        await mkdir(dirname(join(tree, path)), { recursive: true });
        await writeFile(join(tree, path), text);
      }
    }
  };

  const NAMES = ['format', 'parse', 'run', 'other', 'helper', 'Alpha', 'Beta', 'Gamma', 'Base', 'Mixin', 'User', 'save', 'work', 'Options', 'make', 'later', 'late', 'pick', 'useBarrel', 'twin', 'useTwin', 'X', 'Epsilon', 'Config', 'greet', 'hello', 'sayHello', 'flush', 'useStore', 'Admin'];
  const FILES = ['app/main.ts', 'app/types.ts', 'app/late.ts', 'app/side.ts', 'app/barrel-user.ts', 'app/hello.ts', 'py/user.py', 'other/x.go'];

  /** Every definition, caller, callee, reference, subtype and import of the fixture's names, by path and name. */
  const graph = async (repoId: string): Promise<string[]> => {
    const snapshot = (await (await trawl.catalog()).latestReadySnapshot(repoId))!;
    const symbols = (await trawl.symbols())!;
    const where = (m: SymbolMatch) => `${m.symbol.filePath ? m.symbol.fqn : `unresolved ${m.symbol.name}`}${m.site ? `@${m.site.filePath}:${m.site.line}` : ''}`;
    const out: string[] = [];
    for (const name of NAMES) {
      for (const d of await symbols.definitions(snapshot, name)) out.push(`def ${d.kind} ${d.fqn}`);
      for (const m of await symbols.callers(snapshot, name)) out.push(`${name} called by ${where(m)}`);
      for (const m of await symbols.callees(snapshot, name)) out.push(`${name} calls ${where(m)}`);
      for (const m of await symbols.references(snapshot, name)) out.push(`${name} referenced by ${where(m)}`);
      for (const m of await symbols.implementations(snapshot, name)) out.push(`${name} extended by ${where(m)}`);
    }
    for (const file of FILES) for (const r of await symbols.imports(snapshot, file)) out.push(`${file} imports ${r.toName} -> ${r.resolved ? r.toId : 'unresolved'}`);
    return out.sort();
  };

  /**
   * The edits, one after another: each is indexed incrementally, and from scratch under another
   * name, and both graphs must agree; `shows` (and `hides`) name lines the graph must (not) have,
   * `relinked` the unchanged files the run must have linked again.
   */
  interface Step {
    why: string;
    edit: Record<string, string | null>;
    shows?: string[];
    hides?: string[];
    relinked?: string[];
  }
  const STEPS: Step[] = [
    { why: 'a body edited: nothing else to link again', edit: { 'lib/util.ts': 'export function format() {\n  return 10;\n}\n' }, relinked: [] },
    {
      why: 'a function the caller already calls comes to exist (and app/types.ts imports the module whose one public symbol, what a default import binds, is one no more)',
      edit: { 'lib/util.ts': 'export function format() {\n  return 1;\n}\n\nexport function parse() {\n  return 2;\n}\n' },
      shows: ['run calls lib/util.ts:parse@app/main.ts:4'],
      relinked: ['app/main.ts', 'app/types.ts'],
    },
    {
      why: 'a function moves to another file of its Go package: its callers follow it, in the package and through its import',
      edit: { 'pkg/b.go': 'package pkg\n', 'pkg/d.go': 'package pkg\n\nfunc Beta() {}\n' },
      shows: ['Alpha calls pkg/d.go:Beta@pkg/a.go:4', 'X calls pkg/d.go:Beta@other/x.go:6'],
    },
    {
      why: 'a name used nowhere else comes to exist in a new file (the repository\'s only `helper`)',
      edit: { 'app/helper.ts': 'export function helper() {\n  return 3;\n}\n' },
      shows: ['other calls app/helper.ts:helper@app/other.ts:2'],
    },
    {
      why: 'a second `helper` makes it ambiguous',
      edit: { 'lib/util.ts': 'export function format() {\n  return 1;\n}\n\nexport function parse() {\n  return 2;\n}\n\nexport function helper() {\n  return 4;\n}\n' },
      shows: ['other calls unresolved helper@app/other.ts:2'],
      hides: ['other calls app/helper.ts:helper@app/other.ts:2'],
    },
    {
      why: "a base class changes its own base: the subclass's inherited call follows",
      edit: { 'py/models.py': 'class Mixin:\n    def save(self):\n        pass\n\n\nclass Base(Mixin):\n    pass\n' },
      shows: ['work calls py/models.py:Mixin.save@py/user.py:6'],
    },
    {
      why: "the subclass changes and its base does not: the inherited call still goes through the base's own base",
      edit: { 'py/user.py': 'from .models import Base\n\n\nclass User(Base):\n    def work(self):\n        # works\n        self.save()\n' },
      shows: ['work calls py/models.py:Mixin.save@py/user.py:7'],
    },
    {
      why: 'one of two functions of a name is deleted: the other is the repository\'s only one',
      edit: { 'lib/dup-b.ts': null },
      shows: ['useTwin calls lib/dup-a.ts:twin@app/twin-user.ts:2'],
    },
    {
      why: "a module's one public symbol, what a default import binds, gets a second",
      edit: { 'lib/greet.ts': "export default function greet() {\n  return 'hi';\n}\n\nexport function extra() {\n  return 1;\n}\n" },
      shows: ['sayHello calls unresolved hello@app/hello.ts:3'],
    },
    {
      why: 'a file calls a method its interface declares (a signature: a symbol without a chunk of its own)',
      edit: { 'app/use-store.ts': "import { Store } from '../lib/store';\nexport function useStore(s: Store) {\n  // flushes\n  s.flush();\n}\n" },
      shows: ['useStore calls lib/store.ts:Store.flush@app/use-store.ts:4'],
    },
    {
      why: 'a type a file already names comes to exist in its Go package',
      edit: { 'pkg/types.go': 'package pkg\n\ntype Config struct{}\n' },
      shows: ['Config referenced by pkg/e.go:Epsilon@pkg/e.go:3'],
    },
    {
      why: 'a type a file already names comes to exist in the module it imports',
      edit: { 'lib/util.ts': 'export interface Options {\n  verbose: boolean;\n}\n\nexport function format() {\n  return 1;\n}\n\nexport function parse() {\n  return 2;\n}\n' },
      shows: ['Options referenced by app/types.ts:make@app/types.ts:2'],
    },
    {
      why: 'a barrel re-exports another module; a file an import names comes to exist',
      edit: { 'lib/index.ts': "export * from './pick-b';\n", 'app/effects.ts': 'console.log(1);\n' },
      shows: ['useBarrel calls lib/pick-b.ts:pick@app/barrel-user.ts:3', 'app/side.ts imports ./effects -> file:app/effects.ts', 'run calls lib/models/base-a.ts:Base.save@app/admin.ts:4'],
    },
    {
      why: 'a barrel re-exports another base class: the subclass of the subclass follows it too',
      edit: { 'lib/models/index.ts': "export * from './base-b';\n" },
      shows: ['run calls unresolved this.save@app/admin.ts:4'],
      relinked: ['app/admin.ts', 'app/user.ts'],
    },
  ];

  /** The tree before the first step, indexed whole. */
  const INITIAL: Record<string, string> = {
    'lib/util.ts': 'export function format() {\n  return 1;\n}\n',
    'lib/index.ts': "export * from './pick-a';\n",
    'lib/pick-a.ts': 'export function pick() {\n  return 1;\n}\n',
    'lib/pick-b.ts': 'export function pick() {\n  return 2;\n}\n',
    'app/side.ts': "import './effects';\nexport const side = 1;\n",
    'app/main.ts': "import { format, parse } from '../lib/util';\nexport function run() {\n  format();\n  parse();\n}\n",
    'app/other.ts': 'export function other() {\n  helper();\n}\n',
    'app/types.ts': "import { format } from '../lib/util';\nexport function make(opts: Options) {\n  return format();\n}\n",
    'app/late.ts': "import { later } from './later';\nexport function late() {\n  later();\n}\n",
    'app/barrel-user.ts': "import { pick } from '../lib/index';\nexport function useBarrel() {\n  pick();\n}\n",
    'lib/dup-a.ts': 'export function twin() {\n  return 1;\n}\n',
    'lib/dup-b.ts': 'export function twin() {\n  return 2;\n}\n',
    'app/twin-user.ts': 'export function useTwin() {\n  return twin();\n}\n',
    'lib/greet.ts': "export default function greet() {\n  return 'hi';\n}\n",
    'app/hello.ts': "import hello from '../lib/greet';\nexport function sayHello() {\n  return hello();\n}\n",
    'lib/store.ts': 'export interface Store {\n  flush(): void;\n}\n',
    'app/use-store.ts': "import { Store } from '../lib/store';\nexport function useStore(s: Store) {\n  s.flush();\n}\n",
    'lib/models/index.ts': "export * from './base-a';\n",
    'lib/models/base-a.ts': 'export class Base {\n  save() {\n    return 1;\n  }\n}\n',
    'lib/models/base-b.ts': 'export class Base {\n  load() {\n    return 2;\n  }\n}\n',
    'app/user.ts': "import { Base } from '../lib/models/index';\nexport class User extends Base {}\n",
    'app/admin.ts': "import { User } from './user';\nexport class Admin extends User {\n  run() {\n    return this.save();\n  }\n}\n",
    'other/x.go': 'package other\n\nimport "example.com/m/pkg"\n\nfunc X() {\n\tpkg.Beta()\n}\n',
    'pkg/e.go': 'package pkg\n\nfunc Epsilon(c Config) {}\n',
    'pkg/a.go': 'package pkg\n\nfunc Alpha() {\n\tBeta()\n}\n',
    'pkg/b.go': 'package pkg\n\nfunc Beta() {}\n',
    'pkg/c.go': 'package pkg\n\nfunc Gamma() {\n\tBeta()\n}\n',
    'py/models.py': 'class Base:\n    def save(self):\n        pass\n\n\nclass Mixin:\n    def keep(self):\n        pass\n',
    'py/user.py': 'from .models import Base\n\n\nclass User(Base):\n    def work(self):\n        self.save()\n',
  };
  beforeAll(async () => {
    await write(INITIAL);
    expect((await (await trawl.indexer()).indexRepository({ repoId: 'inc', root: tree })).mode).toBe('full');
  });

  // One test per step, in order: each builds on the tree and snapshot the step before left.
  for (const [i, step] of STEPS.entries()) {
    it(`step ${i + 1}: ${step.why}`, async () => {
      const indexer = await trawl.indexer();
      await write(step.edit);
      const result = await indexer.indexRepository({ repoId: 'inc', root: tree });
      expect(result.mode).toBe('incremental');
      const full = `full-${i}`;
      await indexer.indexRepository({ repoId: full, root: tree, incremental: false });
      const [incremental, expected] = [await graph('inc'), await graph(full)];
      await indexer.deleteRepository(full);
      expect(incremental).toEqual(expected);
      for (const line of step.shows ?? []) expect(incremental).toContain(line);
      for (const line of step.hides ?? []) expect(incremental).not.toContain(line);
      if (step.relinked) expect(result.relinkedPaths).toEqual(step.relinked);
    });
  }
});
