#!/usr/bin/env node
// Enforces Trawl's package boundaries on whatever packages exist under packages/*:
//   1. layers only point down (core <- postgres, zoekt <- chunk-store, parser <- index-* <-
//      retrieval (core only) <- container <- server, mcp <- cli);
//   2. no circular dependencies between packages;
//   3. every module a package's shipped source imports is declared in its own dependencies or
//      peerDependencies (never hoisting luck), and workspace packages are not reached by
//      relative paths;
//   4. infra clients (pg, kysely, undici, Qdrant, Kuzu, tree-sitter, PGlite) appear only in the
//      package that talks to them;
//   5. nothing published imports or depends on a private package (@trawl/testing).
// Imports are read with the TypeScript parser: static imports/exports, `import type`,
// `import('x')` (calls and type positions), `require('x')`, `require.resolve('x')`,
// `import.meta.resolve('x')` and `import x = require('x')`.
// Test files (*.test.ts, *.int.test.ts) and bench/ are not shipped and are not checked.
//
// Usage: node tools/release/check-layers.mjs [workspaceRoot]   (exit 1 and one line per violation)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Layer of each published package: a package may depend on packages of a strictly lower layer,
 * unless `ALLOWED` narrows it. Any `index-<name>` package is layer 3.
 */
export const LAYERS = {
  core: 0,
  postgres: 1,
  zoekt: 1,
  'chunk-store': 2,
  parser: 2,
  // index-*: 3
  retrieval: 4,
  container: 5,
  server: 6,
  mcp: 6,
  // The CLI runs the HTTP and MCP servers (`trawl serve`, `trawl mcp`), so it sits above them.
  cli: 7,
};

/** Packages whose allowed workspace dependencies are an explicit list, not "anything lower". */
export const ALLOWED = {
  // The parser turns files into core types; it needs no store or infra.
  parser: ['core'],
  // Retrieval composes indexes through the ports in core only; adapters are wired by the container.
  retrieval: ['core'],
};

/**
 * Third-party clients and the only packages allowed to import or depend on them. A package may
 * still declare one as a dependency when it provides a peer dependency of a workspace package it
 * depends on (e.g. the container installing PGlite for @trawl/postgres's optional peer).
 */
export const INFRA_CLIENTS = {
  pg: ['postgres'],
  kysely: ['postgres'],
  '@electric-sql/pglite': ['postgres'],
  '@electric-sql/pglite-pgvector': ['postgres'],
  '@electric-sql/pglite-socket': ['postgres'],
  undici: ['zoekt', 'index-vector'],
  '@qdrant/js-client-rest': ['index-vector'],
  kuzu: ['index-symbol'],
  lbug: ['index-symbol'],
  'web-tree-sitter': ['parser'],
  '@vscode/tree-sitter-wasm': ['parser'],
  'tree-sitter-*': ['parser'],
};

const SCOPE = '@trawl/';
const SOURCE_EXT = /\.(?:[cm]?[jt]sx?)$/;
const NOT_SHIPPED = /(?:\.test|\.spec|\.bench)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$/;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Layer of a package directory name, or undefined when the package has none. */
export function layerOf(name) {
  if (name in LAYERS) return LAYERS[name];
  if (/^index-[a-z0-9-]+$/.test(name)) return 3;
  return undefined;
}

/** The infra-client table entry that governs a module, if any. */
function infraOwners(moduleName) {
  if (INFRA_CLIENTS[moduleName]) return INFRA_CLIENTS[moduleName];
  for (const [pattern, owners] of Object.entries(INFRA_CLIENTS)) {
    if (pattern.endsWith('*') && moduleName.startsWith(pattern.slice(0, -1))) return owners;
  }
  return undefined;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative/absolute. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every module specifier a source text imports, with whether the import is type-only. */
export function extractImports(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (node, literal, typeOnly) => {
    if (literal && ts.isStringLiteralLike(literal)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push({ specifier: literal.text, line: line + 1, typeOnly });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isRequireResolve = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'require' && callee.name.text === 'resolve';
      const isMetaResolve = ts.isPropertyAccessExpression(callee) && ts.isMetaProperty(callee.expression) && callee.expression.keywordToken === ts.SyntaxKind.ImportKeyword && callee.name.text === 'resolve';
      if (isImport || isRequire || isRequireResolve || isMetaResolve) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function listSources(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry === '__tests__' || entry === 'bench' || entry === 'fixtures') continue;
      out.push(...listSources(path));
    } else if (SOURCE_EXT.test(entry) && !NOT_SHIPPED.test(entry)) out.push(path);
  }
  return out;
}

/** Reads packages/* of a workspace: name, dir, manifest and the shipped sources' imports. */
export function readWorkspace(root) {
  const packagesDir = join(root, 'packages');
  const packages = [];
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifestPath = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const pkgDir = join(packagesDir, dir);
    const entryDirs = ['src', 'bin'].map((d) => join(pkgDir, d));
    const imports = [];
    for (const file of entryDirs.flatMap(listSources)) {
      for (const imp of extractImports(file, readFileSync(file, 'utf8'))) imports.push({ ...imp, file: relative(root, file) });
    }
    packages.push({ dir, pkgDir, name: manifest.name, manifest, private: manifest.private === true, imports });
  }
  return packages;
}

/** Checks a workspace; returns one human-readable line per violation (empty when clean). */
export function checkWorkspace(root) {
  const packages = readWorkspace(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const errors = [];
  const edges = new Map(packages.map((p) => [p.name, new Map()])); // name -> (dep -> 'where, where')
  const addEdge = (from, to, where) => {
    const list = edges.get(from);
    list.set(to, list.has(to) ? `${list.get(to)}, ${where}` : where);
  };

  const declared = (p) => ({ ...p.manifest.dependencies, ...p.manifest.optionalDependencies, ...p.manifest.peerDependencies });
  // Peer dependencies of workspace packages a package depends on (transitively): it may declare them.
  const providedPeers = (p, seen = new Set()) => {
    const out = new Set();
    for (const dep of Object.keys(declared(p))) {
      const target = byName.get(dep);
      if (!target || seen.has(dep)) continue;
      seen.add(dep);
      for (const peer of Object.keys(target.manifest.peerDependencies ?? {})) out.add(peer);
      for (const peer of providedPeers(target, seen)) out.add(peer);
    }
    return out;
  };

  for (const p of packages) {
    const where = `packages/${p.dir}`;
    if (!p.private && p.name !== `${SCOPE}${p.dir}`) errors.push(`${where}/package.json: name is "${p.name}", expected "${SCOPE}${p.dir}" (published packages are named after their folder)`);
    const layer = layerOf(p.dir);
    if (!p.private && layer === undefined) {
      errors.push(`${where}: package has no layer; add "${p.dir}" to LAYERS in tools/release/check-layers.mjs (and to the architecture table)`);
    }
    const deps = declared(p);
    const peersProvided = providedPeers(p);

    // Workspace edges from package.json (runtime dependencies and peers, not devDependencies).
    for (const [section, list] of [['dependencies', p.manifest.dependencies], ['peerDependencies', p.manifest.peerDependencies], ['optionalDependencies', p.manifest.optionalDependencies]]) {
      for (const dep of Object.keys(list ?? {})) {
        if (dep.startsWith(SCOPE)) addEdge(p.name, dep, `${where}/package.json ${section}`);
        const owners = infraOwners(dep);
        if (!p.private && owners && !owners.includes(p.dir) && !peersProvided.has(dep)) {
          errors.push(`${where}/package.json: ${section} has "${dep}", an infra client that only ${owners.map((o) => SCOPE + o).join(' / ')} may depend on; go through that package instead`);
        }
      }
    }

    for (const imp of p.imports) {
      const at = `${imp.file}:${imp.line}`;
      const spec = imp.specifier;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolve(dirname(join(root, imp.file)), spec);
        if (target !== p.pkgDir && !target.startsWith(p.pkgDir + sep)) {
          errors.push(`${at}: relative import "${spec}" reaches outside ${where}; import the other package by its name (${SCOPE}...) and declare it`);
        }
        continue;
      }
      if (BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]) || spec.startsWith('node:')) continue;
      const name = packageNameOf(spec);
      if (!name || name === p.name) continue;
      if (name.startsWith(SCOPE)) addEdge(p.name, name, at);
      if (p.private) continue;
      if (!(name in deps)) {
        const hint = p.manifest.devDependencies?.[name] ? ' (it is only a devDependency: shipped code needs it in dependencies or peerDependencies)' : '';
        errors.push(`${at}: imports "${spec}" but ${p.name} does not declare "${name}" in dependencies or peerDependencies${hint}; consumers would only get it by hoisting luck`);
      }
      const owners = infraOwners(name);
      if (owners && !owners.includes(p.dir)) {
        errors.push(`${at}: imports the infra client "${name}", which only ${owners.map((o) => SCOPE + o).join(' / ')} may talk to; use that package's API instead`);
      }
    }
  }

  // Direction and privacy of every workspace edge.
  for (const p of packages) {
    if (p.private) continue;
    const layer = layerOf(p.dir);
    for (const [dep, where] of edges.get(p.name)) {
      const target = byName.get(dep);
      if (!target) {
        errors.push(`${where}: depends on "${dep}", which is not a package of this workspace`);
        continue;
      }
      if (target.private) {
        errors.push(`${where}: published ${p.name} depends on private ${dep}; private packages are never published, so consumers could not install it`);
        continue;
      }
      const targetLayer = layerOf(target.dir);
      if (layer === undefined || targetLayer === undefined) continue;
      const allowed = ALLOWED[p.dir];
      if (allowed ? !allowed.includes(target.dir) : targetLayer >= layer) {
        const rule = allowed ? `${p.name} may depend only on ${allowed.map((a) => SCOPE + a).join(', ')}` : `layers only point down and ${dep} (layer ${targetLayer}) is not below ${p.name} (layer ${layer})`;
        errors.push(`${where}: ${p.name} -> ${dep} breaks the layer rule: ${rule}`);
      }
    }
  }

  // Cycles between packages (private ones included), over imports and runtime dependencies.
  const state = new Map();
  const stack = [];
  const reported = new Set();
  const visit = (name) => {
    state.set(name, 'active');
    stack.push(name);
    for (const dep of edges.get(name)?.keys() ?? []) {
      if (!edges.has(dep)) continue;
      if (state.get(dep) === 'active') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...cycle.slice(0, -1)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          errors.push(`circular dependency between packages: ${cycle.join(' -> ')} (${cycle.slice(0, -1).map((n, i) => `${n} -> ${cycle[i + 1]} at ${edges.get(n).get(cycle[i + 1])}`).join('; ')})`);
        }
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of edges.keys()) if (!state.has(name)) visit(name);

  return errors;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  const errors = checkWorkspace(root);
  const count = readWorkspace(root).length;
  if (errors.length) {
    for (const e of errors) console.error(`layers: ${e}`);
    console.error(`layers: ${errors.length} violation(s) in ${count} packages`);
    process.exit(1);
  }
  console.log(`layers: ${count} packages, no violations`);
}
