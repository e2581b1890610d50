// Proves the layer check fails on each kind of violation: it builds small fake workspaces on disk
// and runs the same checkWorkspace() that tools/checks/layers.sh runs on the real one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without declarations
import { checkWorkspace, extractImports } from './check-layers.mjs';

type Pkg = { deps?: Record<string, string>; peers?: Record<string, string>; dev?: Record<string, string>; private?: boolean; files?: Record<string, string> };

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function workspace(packages: Record<string, Pkg>): string {
  const root = mkdtempSync(join(tmpdir(), 'trawl-layers-'));
  roots.push(root);
  for (const [dir, pkg] of Object.entries(packages)) {
    const base = join(root, 'packages', dir);
    mkdirSync(join(base, 'src'), { recursive: true });
    const manifest = {
      name: `@trawl/${dir}`,
      version: '0.1.0',
      ...(pkg.private ? { private: true } : {}),
      dependencies: pkg.deps ?? {},
      ...(pkg.peers ? { peerDependencies: pkg.peers } : {}),
      ...(pkg.dev ? { devDependencies: pkg.dev } : {}),
    };
    writeFileSync(join(base, 'package.json'), JSON.stringify(manifest));
    for (const [file, text] of Object.entries(pkg.files ?? { 'index.ts': 'export {};\n' })) {
      mkdirSync(dirname(join(base, 'src', file)), { recursive: true });
      writeFileSync(join(base, 'src', file), text);
    }
  }
  return root;
}

/** A valid slice of the real stack; each test adds one violation to it. */
const healthy = (): Record<string, Pkg> => ({
  core: { files: { 'index.ts': "export const x = 1;\n" } },
  postgres: { deps: { '@trawl/core': '0.1.0', pg: '8.23.1' }, peers: { '@electric-sql/pglite': '^0.5.14' }, files: { 'index.ts': "import pg from 'pg';\nimport { x } from '@trawl/core';\nimport { readFile } from 'node:fs/promises';\nexport { pg, x, readFile };\n" } },
  zoekt: { deps: { '@trawl/core': '0.1.0', undici: '7.30.2' }, files: { 'index.ts': "import { request } from 'undici';\nexport { request };\n" } },
  'chunk-store': { deps: { '@trawl/core': '0.1.0', '@trawl/postgres': '0.1.0' }, files: { 'index.ts': "export * from '@trawl/postgres';\nexport * from './memory.js';\n", 'memory.ts': "import type { x } from '@trawl/core';\nexport type X = typeof x;\n", 'memory.test.ts': "import { describeChunkStore } from '@trawl/testing';\nimport { it } from 'vitest';\n" } },
  'index-lexical': { deps: { '@trawl/core': '0.1.0', '@trawl/zoekt': '0.1.0', '@trawl/chunk-store': '0.1.0' }, dev: { '@trawl/testing': '0.0.0' }, files: { 'index.ts': "export * from '@trawl/zoekt';\nexport * from '@trawl/chunk-store';\n" } },
  retrieval: { deps: { '@trawl/core': '0.1.0' }, files: { 'index.ts': "export * from '@trawl/core';\n" } },
  container: { deps: { '@trawl/retrieval': '0.1.0', '@trawl/index-lexical': '0.1.0', '@trawl/postgres': '0.1.0', '@electric-sql/pglite': '0.5.14' }, files: { 'index.ts': "export * from '@trawl/retrieval';\nconst lazy = () => import('@trawl/index-lexical');\nexport { lazy };\n" } },
  testing: { private: true, deps: { '@trawl/chunk-store': '0.1.0', pg: '8.23.1' }, files: { 'index.ts': "import pg from 'pg';\nimport { x } from '@trawl/core';\nexport { pg, x };\n" } },
});

describe('check-layers', () => {
  it('accepts a workspace that follows the rules', () => {
    expect(checkWorkspace(workspace(healthy()))).toEqual([]);
  });

  it('fails when a lower layer imports a higher one', () => {
    const ws = healthy();
    ws.core!.files = { 'index.ts': "export const x = 1;\nexport const later = () => import('@trawl/chunk-store');\n" };
    ws.core!.deps = { '@trawl/chunk-store': '0.1.0' };
    const errors = checkWorkspace(workspace(ws));
    expect(errors.join('\n')).toMatch(/@trawl\/core -> @trawl\/chunk-store breaks the layer rule/);
    expect(errors.join('\n')).toMatch(/circular dependency between packages: .*@trawl\/core.*@trawl\/chunk-store/);
  });

  it('fails when retrieval reaches past the core ports', () => {
    const ws = healthy();
    ws.retrieval!.deps = { '@trawl/core': '0.1.0', '@trawl/chunk-store': '0.1.0' };
    ws.retrieval!.files = { 'index.ts': "const { InMemoryChunkStore } = require('@trawl/chunk-store');\nexport { InMemoryChunkStore };\n" };
    const errors = checkWorkspace(workspace(ws));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/retrieval\/package\.json dependencies, packages\/retrieval\/src\/index\.ts:1: @trawl\/retrieval -> @trawl\/chunk-store .*may depend only on @trawl\/core/);
  });

  it('fails when a sibling at the same layer is imported', () => {
    const ws = healthy();
    ws.postgres!.deps = { ...ws.postgres!.deps, '@trawl/zoekt': '0.1.0' };
    const errors = checkWorkspace(workspace(ws));
    expect(errors.join('\n')).toMatch(/@trawl\/postgres -> @trawl\/zoekt breaks the layer rule: layers only point down/);
  });

  it('fails on an import that is not declared (hoisting luck), including type-only imports', () => {
    const ws = healthy();
    ws['chunk-store']!.files = { 'index.ts': "import type { Pool } from 'pg';\nimport { z } from 'zod';\nexport type P = Pool;\nexport { z };\n" };
    ws['chunk-store']!.dev = { zod: '4.6.7' };
    const errors = checkWorkspace(workspace(ws)).join('\n');
    expect(errors).toMatch(/chunk-store\/src\/index\.ts:1: imports "pg" but @trawl\/chunk-store does not declare "pg"/);
    expect(errors).toMatch(/index\.ts:2: imports "zod" .*only a devDependency/);
  });

  it('fails when an infra client is used outside the package that owns it', () => {
    const ws = healthy();
    ws['chunk-store']!.deps = { ...ws['chunk-store']!.deps, kuzu: '0.11.3' };
    ws['chunk-store']!.files = { 'index.ts': "import kuzu from 'kuzu';\nexport { kuzu };\n" };
    const errors = checkWorkspace(workspace(ws)).join('\n');
    expect(errors).toMatch(/packages\/chunk-store\/package\.json: dependencies has "kuzu", an infra client that only @trawl\/index-symbol may depend on/);
    expect(errors).toMatch(/chunk-store\/src\/index\.ts:1: imports the infra client "kuzu"/);
  });

  it('fails when a published package depends on the private testing package', () => {
    const ws = healthy();
    ws['index-lexical']!.deps = { ...ws['index-lexical']!.deps, '@trawl/testing': '0.0.0' };
    ws['index-lexical']!.files = { 'index.ts': "export * from '@trawl/testing';\n" };
    const errors = checkWorkspace(workspace(ws)).join('\n');
    expect(errors).toMatch(/published @trawl\/index-lexical depends on private @trawl\/testing/);
  });

  it('fails on relative imports into another package and on packages without a layer', () => {
    const ws = healthy();
    ws.zoekt!.files = { 'index.ts': "export * from '../../core/src/index.js';\n" };
    ws.gadgets = {};
    const errors = checkWorkspace(workspace(ws)).join('\n');
    expect(errors).toMatch(/zoekt\/src\/index\.ts:1: relative import "..\/..\/core\/src\/index.js" reaches outside packages\/zoekt/);
    expect(errors).toMatch(/packages\/gadgets: package has no layer/);
  });

  it('reads every import form and ignores comments and strings', () => {
    const text = [
      "import type { A } from 'a';",
      "import { type B } from 'b';",
      "export * from 'c';",
      "const d = require('d');",
      "import e = require('e');",
      "const f = await import('f');",
      "type G = typeof import('g');",
      "const h = import.meta.resolve('h/grammar.wasm');",
      "const i = require.resolve('i/package.json');",
      "// import('commented-out')",
      "const s = \"require('in-a-string')\";",
    ].join('\n');
    const found = extractImports('x.ts', text).map((i: { specifier: string; typeOnly: boolean }) => `${i.specifier}${i.typeOnly ? ':type' : ''}`);
    expect(found).toEqual(['a:type', 'b:type', 'c', 'd', 'e', 'f', 'g:type', 'h/grammar.wasm', 'i/package.json']);
  });
});
