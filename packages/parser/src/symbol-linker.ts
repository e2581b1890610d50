import { posix } from 'node:path';
import type { SymbolContextNeed, SymbolDefinition, SymbolKind, SymbolRelation } from '@trawl/core';
import { fileNodeId } from './ids.js';
import type { FileImport } from './file-parser.js';

/** The parts of a parsed file the linker reads (and whose `relations` it updates). */
export interface LinkableFile {
  file: { path: string; language: string | null };
  symbols: SymbolDefinition[];
  relations: SymbolRelation[];
  imports: FileImport[];
}

export interface LinkOptions {
  /**
   * Whether the set of repository paths is complete enough to resolve imports to files.
   * False when linking one file on its own (only in-file targets resolve then). Default true.
   */
  pathsKnown?: boolean;
  /**
   * Symbols of files that were not re-parsed (an incremental run): targets may resolve to them.
   * Rebuild them from stored chunks with `symbolsFromChunks`.
   */
  contextSymbols?: readonly SymbolDefinition[];
  /** More repository paths that exist (files without symbols, unchanged files). */
  knownPaths?: Iterable<string>;
  /** Keep `references` edges whose target did not resolve. Default false: they are mostly built-in types. */
  keepUnresolvedReferences?: boolean;
  /**
   * The imports of modules that were not re-parsed but re-export (barrels, an incremental run's
   * `index.ts` or `__init__.py`): targets imported through them resolve as in a full run.
   */
  contextImports?: readonly Pick<LinkableFile, 'file' | 'imports'>[];
}

export interface LinkStats {
  resolved: number;
  unresolved: number;
}

const SELF_NAMES = new Set(['this', 'self', 'Self', '$this', '@', 'super', 'base', 'parent', 'static']);
const CALLABLE: ReadonlySet<SymbolKind> = new Set(['function', 'method', 'constructor', 'class', 'struct']);
const TYPE_LIKE: ReadonlySet<SymbolKind> = new Set(['class', 'interface', 'struct', 'trait', 'type', 'enum']);
const PACKAGE_SCOPED = new Set(['go', 'java', 'csharp', 'c', 'cpp', 'php', 'ruby']);
const REEXPORTING = new Set(['typescript', 'tsx', 'javascript', 'python', 'rust']);
const JS_EXTS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

/**
 * Resolves the targets of calls, references, extends/implements and imports by name and scope,
 * as far as the syntax allows: the enclosing class first, then the file, then what the file
 * imports (following re-exports), then the same package (Go, Java, C#, C/C++, PHP, Ruby), then
 * a name that is unique in the whole repository. Targets that stay ambiguous or unknown keep
 * `resolved: false` with the name as written. Updates the files' `relations` in place.
 */
export function linkRelations(files: readonly LinkableFile[], options: LinkOptions = {}): LinkStats {
  const pathsKnown = options.pathsKnown ?? true;
  const symbolsById = new Map<string, SymbolDefinition>();
  const byName = new Map<string, SymbolDefinition[]>();
  const byFile = new Map<string, SymbolDefinition[]>();
  const members = new Map<string, SymbolDefinition[]>();
  const add = (s: SymbolDefinition) => {
    if (symbolsById.has(s.id)) return;
    symbolsById.set(s.id, s);
    push(byName, s.name, s);
    push(byFile, s.filePath, s);
    if (s.ownerId) push(members, s.ownerId, s);
  };
  for (const f of files) for (const s of f.symbols) add(s);
  // Context types' bases as written: resolved when a member lookup first walks through them.
  const basesOf = new Map<string, string[]>();
  const contextBases = new Map<string, SymbolDefinition>();
  for (const s of options.contextSymbols ?? []) {
    add(s);
    if (s.bases?.length && symbolsById.get(s.id) === s) contextBases.set(s.id, s);
  }

  const pathIndex = buildPathIndex([...files.map((f) => f.file.path), ...(options.knownPaths ?? []), ...byFile.keys()]);
  const { dirs } = pathIndex;
  const importsByFile = new Map<string, FileImport[]>();
  for (const f of files) importsByFile.set(f.file.path, f.imports);
  const languageByFile = new Map<string, string | null>();
  for (const f of files) languageByFile.set(f.file.path, f.file.language);
  for (const f of options.contextImports ?? []) {
    if (importsByFile.has(f.file.path)) continue;
    importsByFile.set(f.file.path, f.imports);
    languageByFile.set(f.file.path, f.file.language);
  }

  /**
   * The imports of a file that bind `head` (or a dotted name `toName` starts with, like Python's
   * `import os.path`), in the order they were written. Indexed per file on first use: scanning
   * every import for every call made linking quadratic in the imports of a file.
   */
  const importIndex = new Map<string, { byLocal: Map<string, FileImport[]>; dotted: { order: number; imp: FileImport }[]; order: Map<FileImport, number> }>();
  const NO_IMPORTS: FileImport[] = [];
  const importsBinding = (path: string, head: string, toName: string): FileImport[] => {
    let index = importIndex.get(path);
    if (!index) {
      index = { byLocal: new Map(), dotted: [], order: new Map() };
      const list = importsByFile.get(path) ?? [];
      for (let i = 0; i < list.length; i++) {
        const imp = list[i]!;
        push(index.byLocal, imp.local, imp);
        if (imp.local.includes('.')) index.dotted.push({ order: i, imp });
        index.order.set(imp, i);
      }
      importIndex.set(path, index);
    }
    const direct = index.byLocal.get(head) ?? NO_IMPORTS;
    if (!index.dotted.length) return direct;
    const prefixed: FileImport[] = [];
    for (const d of index.dotted) if (toName.startsWith(`${d.imp.local}.`)) prefixed.push(d.imp);
    if (!prefixed.length) return direct;
    const order = index.order;
    return [...direct, ...prefixed].sort((x, y) => order.get(x)! - order.get(y)!);
  };

  /** name -> symbols, per file (lazily built) and per directory. */
  const fileNames = new Map<string, Map<string, SymbolDefinition[]>>();
  const namesInFile = (path: string, name: string): SymbolDefinition[] => {
    let index = fileNames.get(path);
    if (!index) {
      index = new Map();
      for (const s of byFile.get(path) ?? []) push(index, s.name, s);
      fileNames.set(path, index);
    }
    return index.get(name) ?? [];
  };
  const dirNames = new Map<string, Map<string, SymbolDefinition[]>>();
  const namesInDir = (dir: string, name: string): SymbolDefinition[] => {
    let index = dirNames.get(dir);
    if (!index) {
      index = new Map();
      for (const p of dirs.get(dir) ?? []) for (const s of byFile.get(p) ?? []) push(index, s.name, s);
      dirNames.set(dir, index);
    }
    return index.get(name) ?? [];
  };

  const moduleCache = new Map<string, string[]>();
  const resolveModule = (source: string, fromPath: string, language: string | null): string[] => {
    const key = `${language}\u0000${posix.dirname(fromPath)}\u0000${source}`;
    let hit = moduleCache.get(key);
    if (!hit) {
      hit = pathsKnown ? resolveModulePaths(source, fromPath, language, pathIndex) : [];
      moduleCache.set(key, hit);
    }
    return hit;
  };

  /** Every file that a file's wildcard imports (`#include`, `from x import *`) bring in, resolved once. */
  const wildcardCache = new Map<string, string[]>();
  const wildcardModules = (path: string, language: string | null): string[] => {
    let list = wildcardCache.get(path);
    if (!list) {
      const set = new Set<string>();
      for (const imp of importsByFile.get(path) ?? []) if (imp.local === '*') for (const p of resolveModule(imp.source, path, language)) set.add(p);
      list = [...set].sort();
      wildcardCache.set(path, list);
    }
    return list;
  };

  const enclosingType = (id: string): SymbolDefinition | null => {
    let s = symbolsById.get(id) ?? null;
    for (let i = 0; s && i < 20; i++) {
      if (TYPE_LIKE.has(s.kind)) return s;
      s = s.ownerId ? symbolsById.get(s.ownerId) ?? null : null;
    }
    return null;
  };

  /**
   * The bases of a type: from the heritage relations linked here, or for a type of a file not
   * being linked (`contextSymbols`), its written bases resolved from its file (its imports are
   * not known: the same file, its directory, or a name unique in the repository).
   */
  const basesOfType = (typeId: string): readonly string[] => {
    const context = contextBases.get(typeId);
    if (context) {
      contextBases.delete(typeId);
      const ids: string[] = [];
      basesOf.set(typeId, ids);
      for (const toName of context.bases!) {
        const target = resolveTarget({ kind: 'extends', fromId: typeId, toId: null, toName, resolved: false, filePath: context.filePath, line: context.startLine }, context.language);
        if (target) ids.push(target.id);
      }
    }
    return basesOf.get(typeId) ?? [];
  };
  const membersNamed = (typeId: string, name: string, kinds: ReadonlySet<SymbolKind>, includeBases: boolean): SymbolDefinition[] => {
    const seen = new Set<string>();
    let frontier = [typeId];
    for (let level = 0; level < 6 && frontier.length; level++) {
      const found: SymbolDefinition[] = [];
      const next: string[] = [];
      for (const t of frontier) {
        if (seen.has(t)) continue;
        seen.add(t);
        for (const m of members.get(t) ?? []) if (m.name === name && kinds.has(m.kind)) found.push(m);
        next.push(...basesOfType(t));
      }
      if (found.length) return found;
      if (!includeBases) break;
      frontier = next;
    }
    return [];
  };

  /** Symbols named `name` (or members of type `qualifierType`) exported by module files, following re-exports. */
  const moduleLookups = new Map<string, SymbolDefinition[]>();
  // Module path lists come from caches (resolveModule, wildcardModules): join each one once.
  const pathKeys = new WeakMap<readonly string[], string>();
  const pathsKey = (paths: readonly string[]): string => {
    let key = pathKeys.get(paths);
    if (key === undefined) {
      key = paths.join('\u0001');
      pathKeys.set(paths, key);
    }
    return key;
  };
  /** What `import x from 'm'` binds: the top-level symbol named x, else the module's only public top-level one. */
  const defaultTargets = new Map<string, SymbolDefinition[]>();
  const defaultImportTargets = (modulePaths: string[], local: string): SymbolDefinition[] => {
    const key = `${pathsKey(modulePaths)}\u0000${local}`;
    let target = defaultTargets.get(key);
    if (!target) {
      const top = modulePaths.flatMap((p) => (byFile.get(p) ?? []).filter((s) => isTopLevel(s, symbolsById)));
      const named = top.filter((s) => s.name === local);
      target = named.length ? named : top.filter((s) => s.visibility === 'public').length === 1 ? top.filter((s) => s.visibility === 'public') : [];
      defaultTargets.set(key, target);
    }
    return target;
  };
  const findInModule = (modulePaths: string[], name: string, qualifierType: string | null, kinds: ReadonlySet<SymbolKind>, depth = 0): SymbolDefinition[] => {
    const memoKey = `${pathsKey(modulePaths)}\u0000${name}\u0000${qualifierType ?? ''}\u0000${kinds === CALLABLE ? 'c' : 't'}\u0000${depth}`;
    let memo = moduleLookups.get(memoKey);
    if (!memo) {
      memo = findInModuleUncached(modulePaths, name, qualifierType, kinds, depth);
      moduleLookups.set(memoKey, memo);
    }
    return memo;
  };
  const findInModuleUncached = (modulePaths: string[], name: string, qualifierType: string | null, kinds: ReadonlySet<SymbolKind>, depth: number): SymbolDefinition[] => {
    const out: SymbolDefinition[] = [];
    for (const p of modulePaths) {
      if (qualifierType) {
        for (const t of namesInFile(p, qualifierType)) if (TYPE_LIKE.has(t.kind)) out.push(...membersNamed(t.id, name, kinds, true));
      } else {
        for (const s of namesInFile(p, name)) if (kinds.has(s.kind) && isTopLevel(s, symbolsById)) out.push(s);
      }
    }
    if (out.length || depth >= 3) return out;
    // Barrels: `export * from './x'`, `export { a } from './x'`, `from .x import *`, `pub use`.
    // (C/C++ includes are not re-exports in this sense: the unique-name step covers them.)
    for (const p of modulePaths) {
      if (!REEXPORTING.has(languageByFile.get(p) ?? '')) continue;
      for (const imp of importsByFile.get(p) ?? []) {
        if (imp.local !== '*' && imp.local !== (qualifierType ?? name)) continue;
        const next = resolveModule(imp.source, p, languageByFile.get(p) ?? null);
        const importedName = imp.local === '*' ? null : imp.imported;
        out.push(...findInModule(next, importedName && !qualifierType ? importedName : name, importedName && qualifierType ? importedName : qualifierType, kinds, depth + 1));
      }
    }
    return out;
  };

  /** A Go call whose qualifier is short and lower-case, from a method: most likely its receiver. */
  const isReceiverCall = (rel: SymbolRelation): boolean => {
    const from = symbolsById.get(rel.fromId);
    return !!from && from.kind === 'method' && !!from.ownerId;
  };

  const resolveTarget = (rel: SymbolRelation, language: string | null): SymbolDefinition | null => {
    const kinds = rel.kind === 'calls' ? CALLABLE : TYPE_LIKE;
    const segments = rel.toName.split('.').filter(Boolean);
    const name = segments.pop();
    if (!name) return null;
    const qualifier = segments;
    // Go and Rust-free receivers: `s.listen()` inside `func (s *Server) ...` is a call on self.
    const selfish = qualifier.length === 1 && SELF_NAMES.has(qualifier[0]!);
    const from = symbolsById.get(rel.fromId) ?? null;
    const ownType = from ? enclosingType(from.id) : null;
    // Go receivers: `s.listen()` inside `func (s *Server) ...` calls a method of Server when it has one.
    if (language === 'go' && ownType && rel.kind === 'calls' && qualifier.length === 1 && /^[a-z]\w{0,3}$/.test(qualifier[0]!) && isReceiverCall(rel)) {
      const hit = onlyOne(membersNamed(ownType.id, name, kinds, true), null);
      if (hit) return hit;
    }
    const excludeSelf = rel.kind !== 'calls' ? rel.fromId : null;
    const unique = (list: SymbolDefinition[]): SymbolDefinition | null => onlyOne(list, excludeSelf);

    // 1. The enclosing class (and its bases): `this.go()`, `self.wag()`, implicit `go()` in Java/C#/Ruby.
    if (ownType && (selfish || qualifier.length === 0) && rel.kind === 'calls') {
      const isSuper = selfish && ['super', 'base', 'parent'].includes(qualifier[0]!);
      if (isSuper) {
        const found: SymbolDefinition[] = [];
        for (const b of basesOfType(ownType.id)) found.push(...membersNamed(b, name, kinds, true));
        const hit = unique(found);
        if (hit) return hit;
      } else {
        const hit = unique(membersNamed(ownType.id, name, kinds, true));
        if (hit) return hit;
      }
      if (selfish) return null;
    }

    const qualifierType = qualifier.length && !selfish ? qualifier[qualifier.length - 1]! : null;
    // 2. The same file.
    if (!qualifierType) {
      const local = namesInFile(rel.filePath, name).filter((s) => kinds.has(s.kind));
      const top = local.filter((s) => isTopLevel(s, symbolsById));
      const hit = unique(top.length ? top : local);
      if (hit) return hit;
    } else {
      const found: SymbolDefinition[] = [];
      for (const t of namesInFile(rel.filePath, qualifierType)) if (TYPE_LIKE.has(t.kind)) found.push(...membersNamed(t.id, name, kinds, true));
      const hit = unique(found);
      if (hit) return hit;
    }
    if (!pathsKnown) return null;

    // 3. What the file imports.
    const head = qualifier.length && !selfish ? qualifier[0]! : name;
    let importedExternally = false;
    for (const imp of importsBinding(rel.filePath, head, rel.toName)) {
      const modulePaths = resolveModule(imp.source, rel.filePath, language);
      if (!modulePaths.length) {
        importedExternally = true;
        continue;
      }
      let found: SymbolDefinition[];
      if (imp.imported === '*') {
        // `ns.f()` / `ns.Class.m()` through a namespace import.
        // What follows the binding, without the called name: `zoo.util.C.m` bound as `zoo.util` -> `C`.
        const rest = imp.local.includes('.') ? rel.toName.slice(imp.local.length + 1).split('.').slice(0, -1) : qualifier.slice(1);
        found = findInModule(modulePaths, name, rest.length ? rest[rest.length - 1]! : null, kinds);
      } else if (imp.imported === 'default') {
        const target = defaultImportTargets(modulePaths, imp.local);
        found = qualifier.length ? target.flatMap((t) => membersNamed(t.id, name, kinds, true)) : target.filter((t) => kinds.has(t.kind));
      } else {
        found = qualifier.length ? findInModule(modulePaths, name, imp.imported, kinds) : findInModule(modulePaths, imp.imported, null, kinds);
        if (!found.length && qualifier.length === 1 && language === 'python') {
          // `from pkg import mod` then `mod.f()`: the imported name is a submodule.
          const sub = resolveModule(`${imp.source}${imp.source.endsWith('.') ? '' : '.'}${imp.imported}`, rel.filePath, language);
          found = findInModule(sub, name, null, kinds);
        }
      }
      const hit = unique(found);
      if (hit) return hit;
    }
    const wildcard = wildcardModules(rel.filePath, language);
    if (wildcard.length) {
      const hit = unique(findInModule(wildcard, name, qualifierType, kinds));
      if (hit) return hit;
    }
    if (importedExternally) return null; // `fmt.Println`, `os.path.join`: a library, not this repository

    // 4. The same package (a directory, for languages whose packages are directories or global).
    if (language && PACKAGE_SCOPED.has(language)) {
      const found: SymbolDefinition[] = [];
      const dir = posix.dirname(rel.filePath);
      if (qualifierType) {
        for (const t of namesInDir(dir, qualifierType)) if (TYPE_LIKE.has(t.kind)) found.push(...membersNamed(t.id, name, kinds, true));
      } else {
        for (const s of namesInDir(dir, name)) if (kinds.has(s.kind) && isTopLevel(s, symbolsById)) found.push(s);
      }
      const hit = unique(found);
      if (hit) return hit;
    }

    // 5. A name unique in the repository (for qualified calls, among members of a type of that name).
    const globalKey = `${name}\u0000${qualifierType ?? ''}\u0000${kinds === CALLABLE ? 'c' : 't'}\u0000${language === 'go' ? 'g' : ''}`;
    let found = globalMemo.get(globalKey);
    if (found === undefined) {
      found = globalUnique(name, qualifierType, kinds, language);
      globalMemo.set(globalKey, found);
    }
    return found && !(rel.kind !== 'calls' && found.id === rel.fromId) ? found : null;
  };

  const globalMemo = new Map<string, SymbolDefinition | null>();
  /**
   * Symbols named `name` of the wanted kinds in the whole repository, grouped by owner name and
   * filtered to methods on demand: common names (`get`, `e` in bundles) have thousands of
   * symbols, and each `x.get` with a new qualifier used to filter them all again.
   */
  const nameCandidates = new Map<string, { all: SymbolDefinition[]; byOwnerName: Map<string, SymbolDefinition[]> | null; methods: SymbolDefinition[] | null }>();
  const globalUnique = (name: string, qualifierType: string | null, kinds: ReadonlySet<SymbolKind>, language: string | null): SymbolDefinition | null => {
    const unique = (list: SymbolDefinition[]): SymbolDefinition | null => {
      const distinct = new Set(list.map((s) => s.id));
      return distinct.size === 1 ? list[0]! : null;
    };
    const key = `${name}\u0000${kinds === CALLABLE ? 'c' : 't'}`;
    let candidates = nameCandidates.get(key);
    if (!candidates) {
      candidates = { all: (byName.get(name) ?? []).filter((s) => kinds.has(s.kind)), byOwnerName: null, methods: null };
      nameCandidates.set(key, candidates);
    }
    if (qualifierType) {
      if (!candidates.byOwnerName) {
        candidates.byOwnerName = new Map();
        for (const s of candidates.all) {
          const ownerName = s.ownerId ? symbolsById.get(s.ownerId)?.name : undefined;
          if (ownerName !== undefined) push(candidates.byOwnerName, ownerName, s);
        }
      }
      const owned = candidates.byOwnerName.get(qualifierType);
      if (owned?.length) return unique(owned);
      if (/^[A-Z]/.test(qualifierType) && language !== 'go') return null; // `Foo.bar` where Foo is no type we know
      candidates.methods ??= candidates.all.filter((s) => s.kind === 'method');
      return unique(candidates.methods);
    }
    return unique(candidates.all);
  };

  let resolved = 0;
  let unresolved = 0;
  // Inheritance first: method lookups walk the resolved bases.
  for (const pass of ['heritage', 'rest'] as const) {
    for (const f of files) {
      const language = f.file.language;
      for (const rel of f.relations) {
        const isHeritage = rel.kind === 'extends' || rel.kind === 'implements';
        if (pass === 'heritage' && !isHeritage) continue;
        if (pass === 'rest' && isHeritage) continue;
        if (!rel.resolved) {
          if (rel.kind === 'imports') {
            const target = resolveModule(rel.toName, rel.filePath, language)[0];
            if (target) {
              rel.toId = fileNodeId(target);
              rel.resolved = true;
            }
          } else if (rel.kind === 'calls' || rel.kind === 'references' || isHeritage) {
            const target = resolveTarget(rel, language);
            if (target) {
              rel.toId = target.id;
              rel.resolved = true;
              const from = symbolsById.get(rel.fromId);
              if (rel.kind === 'extends' && target.kind === 'interface' && from && from.kind !== 'interface') rel.kind = 'implements';
            }
          }
        }
        if (isHeritage && rel.resolved && rel.toId) push(basesOf, rel.fromId, rel.toId);
        if (rel.kind === 'defines' || rel.kind === 'contains') continue;
        if (rel.resolved) resolved++;
        else unresolved++;
      }
    }
  }
  if (!options.keepUnresolvedReferences) {
    for (const f of files) {
      if (f.relations.some((r) => r.kind === 'references' && !r.resolved)) {
        const kept = f.relations.filter((r) => r.kind !== 'references' || r.resolved);
        unresolved -= f.relations.length - kept.length;
        f.relations = kept;
      }
    }
  }
  return { resolved, unresolved };
}

/** The single distinct symbol of a list (ignoring `exclude`), or null when there are none or several. */
function onlyOne(list: readonly SymbolDefinition[], exclude: string | null): SymbolDefinition | null {
  let found: SymbolDefinition | null = null;
  for (const s of list) {
    if (s.id === exclude) continue;
    if (found === null) found = s;
    else if (found.id !== s.id) return null;
  }
  return found;
}

function isTopLevel(s: SymbolDefinition, byId: Map<string, SymbolDefinition>): boolean {
  if (!s.ownerId) return true;
  const owner = byId.get(s.ownerId);
  return !owner || owner.kind === 'namespace' || owner.kind === 'module';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Repository paths indexed for module resolution. */
export interface PathIndex {
  paths: Set<string>;
  dirs: Map<string, string[]>;
  byBase: Map<string, string[]>;
}

function buildPathIndex(all: Iterable<string>): PathIndex {
  const paths = new Set(all);
  const dirs = new Map<string, string[]>();
  const byBase = new Map<string, string[]>();
  for (const p of paths) {
    push(dirs, posix.dirname(p), p);
    push(byBase, posix.basename(p), p);
  }
  return { paths, dirs, byBase };
}

/**
 * Which symbols of other files linking `files` can look at (an incremental run, where the other
 * files are the unchanged ones): every symbol named like a segment of a target (`a.b.c` gives
 * `a`, `b`, `c`) or an import binding, and every symbol of a file an import resolves to, plus the
 * owner of each such symbol (a lookup reads its owner's name and kind). `linkRelations` given
 * only those as `contextSymbols` links `files` as it would with every symbol of the repository:
 * each of its lookups is by one of those names, by one of those files or by an owner.
 *
 * `knownPaths`: every other path of the repository, as `linkRelations` gets it.
 */
export function symbolContextNeed(files: readonly LinkableFile[], knownPaths: Iterable<string> = []): SymbolContextNeed {
  const index = buildPathIndex([...files.map((f) => f.file.path), ...knownPaths]);
  const names = new Set<string>();
  const filePaths = new Set<string>();
  const addSegments = (dotted: string) => {
    for (const part of dotted.split('.')) if (part) names.add(part);
  };
  for (const f of files) {
    for (const rel of f.relations) if (rel.kind === 'calls' || rel.kind === 'references' || rel.kind === 'extends' || rel.kind === 'implements') addSegments(rel.toName);
    const language = f.file.language;
    for (const imp of f.imports) {
      addSegments(imp.local);
      addSegments(imp.imported);
      for (const p of resolveModulePaths(imp.source, f.file.path, language, index)) filePaths.add(p);
      // Python's `from pkg import mod`: the imported name can be a submodule.
      if (language === 'python') for (const p of resolveModulePaths(`${imp.source}${imp.source.endsWith('.') ? '' : '.'}${imp.imported}`, f.file.path, language, index)) filePaths.add(p);
    }
  }
  return { names: [...names].sort(), filePaths: [...filePaths].sort() };
}

function firstExisting(candidates: string[], paths: Set<string>): string[] {
  for (const c of candidates) if (paths.has(c)) return [c];
  return [];
}

function bySuffix(suffixes: string[], index: PathIndex): string[] {
  for (const suffix of suffixes) {
    const hits: string[] = [];
    for (const p of index.byBase.get(posix.basename(suffix)) ?? []) if (p === suffix || p.endsWith(`/${suffix}`)) hits.push(p);
    if (hits.length === 1) return hits;
    if (hits.length > 1) return hits.sort((a, b) => a.length - b.length).slice(0, 1);
  }
  return [];
}

/** Maps an import as written to the repository files it names (empty for external modules). */
export function resolveModulePaths(source: string, fromPath: string, language: string | null, index: PathIndex): string[] {
  const { paths, dirs } = index;
  const fromDir = posix.dirname(fromPath);
  const rel = (p: string) => posix.normalize(posix.join(fromDir, p)).replace(/^\.\//, '');
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript': {
      if (!source.startsWith('.')) return [];
      const base = rel(source);
      const stem = base.replace(/\.(m|c)?jsx?$/, '');
      const candidates = [base, ...JS_EXTS.map((e) => stem + e), ...JS_EXTS.map((e) => `${stem}/index${e}`)];
      return firstExisting(candidates, paths);
    }
    case 'python': {
      const dots = /^\.*/.exec(source)![0].length;
      const rest = source.slice(dots).replace(/\./g, '/');
      if (dots > 0) {
        let dir = fromDir;
        for (let i = 1; i < dots; i++) dir = posix.dirname(dir);
        const base = rest ? posix.join(dir, rest) : dir;
        const norm = base === '.' ? '' : base.replace(/^\.\//, '');
        return firstExisting(rest ? [`${norm}.py`, `${norm}/__init__.py`] : [`${norm ? `${norm}/` : ''}__init__.py`], paths);
      }
      return bySuffix([`${rest}.py`, `${rest}/__init__.py`], index);
    }
    case 'go': {
      let best: string | null = null;
      for (const dir of dirs.keys()) {
        if (dir === '.' ) continue;
        if ((source === dir || source.endsWith(`/${dir}`)) && (!best || dir.length > best.length)) best = dir;
      }
      return best ? (dirs.get(best) ?? []).filter((p) => p.endsWith('.go')).sort() : [];
    }
    case 'java': {
      const asPath = source.replace(/\./g, '/');
      const file = bySuffix([`${asPath}.java`], index);
      if (file.length) return file;
      for (const dir of dirs.keys()) if (dir === asPath || dir.endsWith(`/${asPath}`)) return (dirs.get(dir) ?? []).filter((p) => p.endsWith('.java')).sort();
      return [];
    }
    case 'rust': {
      const segs = source.split('::').filter((s) => s && s !== 'crate' && s !== 'self' && s !== 'super');
      if (!segs.length) return [];
      const asPath = segs.join('/');
      const local = firstExisting([`${fromDir}/${asPath}.rs`, `${fromDir}/${asPath}/mod.rs`].map((p) => posix.normalize(p)), paths);
      return local.length ? local : bySuffix([`${asPath}.rs`, `${asPath}/mod.rs`], index);
    }
    case 'c':
    case 'cpp': {
      const local = firstExisting([rel(source)], paths);
      return local.length ? local : bySuffix([source], index);
    }
    case 'ruby': {
      const withExt = source.endsWith('.rb') ? source : `${source}.rb`;
      if (source.startsWith('.')) return firstExisting([rel(withExt)], paths);
      return bySuffix([withExt], index);
    }
    case 'php': {
      if (/\.php$/.test(source)) {
        const local = firstExisting([rel(source)], paths);
        return local.length ? local : bySuffix([source], index);
      }
      const segs = source.split('\\');
      for (let i = 0; i < segs.length - 1; i++) {
        const hit = bySuffix([`${segs.slice(i).join('/')}.php`], index);
        if (hit.length) return hit;
      }
      return [];
    }
    default:
      return [];
  }
}
