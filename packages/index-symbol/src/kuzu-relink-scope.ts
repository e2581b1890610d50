import { posix } from 'node:path';
import type { RelinkChange, RelinkScope, SymbolDefinition } from '@trawl/core';
import { cypherString, visible, visibleEdge } from './kuzu-symbol-schema.js';

/**
 * Which unchanged files an incremental change re-links (`SearchIndex.relinkScope`), worked out
 * from the base snapshot's graph. The linker resolves a target by its name (and its qualifiers'
 * names), through the calling file's imports, its directory and the repository's unique names.
 * Its answer for a link of an unchanged file can differ from the base's only when:
 *
 * - a name the link uses is defined differently: a symbol of that name added, removed, or
 *   changed in kind, owner or visibility by the change. The links that may use it are edges
 *   whose written target the name can resolve (`usesChangedName`), resolved or not. References
 *   that did not resolve are not kept as edges, nor are uses through a namespace import: files
 *   that import a file defining a changed type or top-level name (directly or through a module
 *   that may re-export it), or share its directory, are re-linked when their text has the name
 *   (`mentioning`);
 * - a type's bases changed: every member name of the type and of its old and new bases; and
 *   where bases may resolve otherwise, the files of the types below those re-linked;
 * - what a changed module re-exports changed (its imports, in languages that re-export; or the
 *   one public symbol a default import binds): the files that import it;
 * - a file was added or deleted: the files whose imports may name it (the import ends with its
 *   name, or names its directory).
 *
 * Anything else (a body edited, lines moved) changes no link of an unchanged file, and costs
 * a few small queries. Not followed: a re-export's bindings changing while its sources stay
 * (`from .a import x` -> `from .a import x, y`), and a type reference in a file that neither
 * imports the type's file nor shares its directory (a name unique in the repository).
 */
export interface OldGraph {
  symbols: readonly Pick<SymbolDefinition, 'id' | 'name' | 'kind' | 'ownerId' | 'visibility' | 'filePath'>[];
  /** Base-class edges from the replaced files' symbols. */
  heritage: readonly { fromId: string; toName: string }[];
  /** Import edges from the replaced files. */
  imports: readonly { filePath: string; toName: string }[];
}

export interface RelinkPlan {
  /** Names defined differently (see above). */
  names: string[];
  /** Those of them that unkept links can use (types, top-level names): looked for in text. */
  mentionNames: string[];
  /** Base names of types whose bases changed: their members' names join `names`. */
  baseNames: string[];
  /** Changed modules whose exports changed otherwise than by their own symbols: their importers are re-linked. */
  barrels: string[];
  /** Files (old or new) defining one of `mentionNames`: their importers and neighbours may mention it. */
  definingFiles: string[];
  /** Names an import of an added or deleted file may end with: a file's (with an extension or without), a directory's. */
  stems: { files: string[]; directories: string[] };
  /** How each of `names` changed, for {@link usesChangedName}. */
  usage: Map<string, NameChange>;
}

/**
 * How a name's definitions changed: `removed` and `added` count its symbols that went and came
 * (`…Methods`: those that are methods); `topLevel` when one of them is not a member, with
 * `modules` the names its file can be imported by (its stem, its directory's); `owners` the names
 * of the types whose members they are; `wide` when a type's bases changed (any use of the name
 * may resolve otherwise).
 */
export interface NameChange {
  removed: number;
  added: number;
  removedMethods: number;
  addedMethods: number;
  topLevel: boolean;
  modules: Set<string>;
  owners: Set<string>;
  wide: boolean;
  /** Whether one of the symbols is a type. */
  type: boolean;
}

/** How many symbols of a name the base has, and how many of them are methods. */
export interface BaseCount {
  all: number;
  methods: number;
}

/** Symbol kinds that are types (what `references`, `extends` and `implements` resolve to). */
export const TYPE_KINDS: ReadonlySet<string> = new Set(['class', 'interface', 'struct', 'trait', 'type', 'enum']);
/** Languages whose modules re-export what they import (barrels), by extension. */
const REEXPORTING = /\.(?:[cm]?[jt]sx?|py|rs)$/;

function emptyChange(): NameChange {
  return { removed: 0, added: 0, removedMethods: 0, addedMethods: 0, topLevel: false, modules: new Set(), owners: new Set(), wide: false, type: false };
}

/** A file's names as a module: its stem (`util` of `util.ts`; `util.test` of `util.test.ts`; `util` and `util.d` of `util.d.ts`) and its directory's. */
function moduleNames(path: string): { files: string[]; directory: string | null } {
  const base = posix.basename(path);
  const last = base.lastIndexOf('.');
  // (a declaration file is imported without its `.d`; \`util.test.ts\` is no \`util\`)
  const declaration = /\.d\.[cm]?ts$/.exec(base);
  const files = new Set([last > 0 ? base.slice(0, last) : base]);
  if (declaration) files.add(base.slice(0, declaration.index));
  const directory = posix.basename(posix.dirname(path));
  return { files: [...files].filter(Boolean), directory: directory && directory !== '.' ? directory : null };
}

/** Compares the change with the base's graph of the replaced files. */
export function relinkPlan(change: Omit<RelinkChange, 'base'>, old: OldGraph): RelinkPlan {
  const signature = (s: OldGraph['symbols'][number]) => `${s.id}\u0000${s.kind}\u0000${s.ownerId ?? ''}\u0000${s.visibility ?? ''}\u0000${s.filePath}`;
  const oldByName = groupSorted(old.symbols, (s) => s.name, signature);
  const newByName = groupSorted(change.symbols, (s) => s.name, signature);
  const names = new Set<string>();
  for (const name of new Set([...oldByName.keys(), ...newByName.keys()])) if (!sameList(oldByName.get(name), newByName.get(name))) names.add(name);
  const symbols = [...old.symbols, ...change.symbols];
  const byId = new Map(symbols.map((s) => [s.id, s]));
  const isTopLevel = (s: OldGraph['symbols'][number]) => {
    const owner = s.ownerId ? byId.get(s.ownerId) : undefined;
    return !owner || owner.kind === 'module' || owner.kind === 'namespace';
  };
  const usage = new Map<string, NameChange>();
  const note = (name: string) => {
    let u = usage.get(name);
    if (!u) usage.set(name, (u = emptyChange()));
    return u;
  };
  const mentionNames = new Set<string>();
  const definingFiles = new Set<string>();
  for (const [list, side] of [[old.symbols, 'removed'], [change.symbols, 'added']] as const) {
    for (const s of list) {
      if (!names.has(s.name)) continue;
      const u = note(s.name);
      u[side]++;
      if (s.kind === 'method') u[side === 'removed' ? 'removedMethods' : 'addedMethods']++;
      if (isTopLevel(s)) {
        u.topLevel = true;
        const m = moduleNames(s.filePath);
        for (const f of m.files) u.modules.add(f);
        if (m.directory) u.modules.add(m.directory);
      } else u.owners.add(byId.get(s.ownerId!)!.name);
      if (TYPE_KINDS.has(s.kind)) u.type = true;
      if (isTopLevel(s) || TYPE_KINDS.has(s.kind)) {
        mentionNames.add(s.name);
        definingFiles.add(s.filePath);
      }
    }
  }

  // Bases: a type whose base names changed makes its members' names and its bases' members' names change meaning.
  const oldBases = groupSorted(old.heritage, (h) => h.fromId, (h) => h.toName);
  const newBases = groupSorted(
    change.relations.filter((r) => r.kind === 'extends' || r.kind === 'implements'),
    (r) => r.fromId,
    (r) => r.toName,
  );
  const baseNames = new Set<string>();
  for (const fromId of new Set([...oldBases.keys(), ...newBases.keys()])) {
    const before = oldBases.get(fromId);
    const after = newBases.get(fromId);
    if (sameList(before, after)) continue;
    for (const s of symbols) {
      if (s.id !== fromId && s.ownerId !== fromId) continue;
      names.add(s.name);
      note(s.name).wide = true;
    }
    for (const toName of [...(before ?? []), ...(after ?? [])]) baseNames.add(toName.split('.').pop()!);
  }

  // Modules changed in place whose exports changed otherwise: what they re-export (their imports,
  // as written), or the one public top-level symbol a default import of them binds.
  const oldImports = groupSorted(old.imports, (i) => i.filePath, (i) => i.toName);
  const newImports = groupSorted(
    change.relations.filter((r) => r.kind === 'imports'),
    (r) => r.filePath,
    (r) => r.toName,
  );
  const publicTop = (list: readonly OldGraph['symbols'][number][], path: string) =>
    list.filter((s) => s.filePath === path && s.visibility === 'public' && isTopLevel(s)).map((s) => s.id).sort();
  const added = new Set(change.addedPaths);
  const barrels = change.changedPaths.filter((p) => {
    if (added.has(p) || !REEXPORTING.test(p)) return false;
    if (!sameList(oldImports.get(p), newImports.get(p))) return true;
    const [before, after] = [publicTop(old.symbols, p), publicTop(change.symbols, p)];
    return (before.length === 1 || after.length === 1) && !sameList(before, after);
  });

  const files = new Set<string>();
  const directories = new Set<string>();
  for (const path of [...change.addedPaths, ...change.deletedPaths]) {
    const m = moduleNames(path);
    for (const f of m.files) files.add(f);
    if (m.directory) directories.add(m.directory);
  }
  return {
    names: [...names].sort(),
    mentionNames: [...mentionNames].sort(),
    baseNames: [...baseNames].sort(),
    barrels,
    definingFiles: [...definingFiles].sort(),
    stems: { files: [...files].sort(), directories: [...directories].sort() },
    usage,
  };
}

/** Receivers a member call can be made on within its own type (the linker's first step). */
const SELF_NAMES = new Set(['this', 'self', 'Self', '$this', '@', 'super', 'base', 'parent', 'static']);

/**
 * Whether a link written `toName` (`a.b.c`) can resolve otherwise after the change, as the linker
 * reads it: by its last segment (the name), its qualifiers (a type `b`, an import `a`) and its
 * receiver. `inBase` counts the base's symbols of each name.
 *
 * - A name defined, or no longer, outside any type: where it is the whole target (`f()`), a
 *   qualifier (`T.m()`), or called on its module's name (`pkg.F()` in Go, `util.f()` in Python).
 * - A member's name: any `x.name` when the name has, or had, at most one symbol, or at most one
 *   method and its methods changed (a name unique in the repository resolves whatever its
 *   receiver); else only where the receiver can be its type: its owner's name, `this`/`self`,
 *   none, or a short Go receiver.
 * - A name of a type whose bases changed, or of its members: everywhere.
 */
export function usesChangedName(toName: string, usage: ReadonlyMap<string, NameChange>, inBase: ReadonlyMap<string, BaseCount>): boolean {
  const segments = toName.split('.');
  const last = segments[segments.length - 1]!;
  const qualifiers = segments.slice(0, -1);
  for (const q of qualifiers) {
    const u = usage.get(q);
    if (u && (u.topLevel || u.wide)) return true;
  }
  const u = usage.get(last);
  if (!u) return false;
  if (u.wide) return true;
  const receiver = qualifiers[0];
  if (u.topLevel && (receiver === undefined || u.modules.has(receiver) || u.modules.has(qualifiers[qualifiers.length - 1]!))) return true;
  if (!u.owners.size) return false;
  const base = inBase.get(last) ?? { all: 0, methods: 0 };
  if (base.all <= 1 || base.all - u.removed + u.added <= 1) return true;
  if (u.removedMethods + u.addedMethods > 0 && (base.methods <= 1 || base.methods - u.removedMethods + u.addedMethods <= 1)) return true;
  return receiver === undefined || SELF_NAMES.has(receiver) || qualifiers.some((q) => u.owners.has(q)) || (qualifiers.length === 1 && /^[a-z]\w{0,3}$/.test(receiver));
}

/**
 * The statements `KuzuSymbolIndex.relinkScope` runs over the base generation (`$repo`, `$chain`,
 * `$gen`; `$paths`: the replaced files). Each starts from few nodes, or joins an UNWOUND list of
 * names: Kuzu expands edges from nodes found first quickly, where a filter on every edge of the
 * graph (half a million at 60 MB) took 250 ms.
 */
export const RELINK = (() => {
  const LINKS = 'Calls|RefersTo|Extends|Implements';
  return {
    oldSymbols: `MATCH (f:File)-[d:Defines]->(s:Symbol) WHERE ${visible('f')} AND ${visibleEdge('d')} AND list_contains($paths, f.path)
         RETURN s.key AS key, s.id AS id, s.name AS name, s.kind AS kind, s.ownerId AS ownerId, s.visibility AS visibility, s.file AS filePath`,
    oldHeritage: `MATCH (a:Symbol)-[e:Extends|Implements]->(b) WHERE a.key IN $keys AND ${visibleEdge('e')} RETURN a.id AS fromId, e.toName AS toName`,
    oldImports: `MATCH (a:File)-[e:Imports]->(b) WHERE ${visible('a')} AND ${visibleEdge('e')} AND list_contains($paths, a.path)
         RETURN a.path AS filePath, e.toName AS toName`,
    baseMembers: `MATCH (t:Symbol), (m:Symbol) WHERE ${visible('t')} AND list_contains($names, t.name) AND ${visible('m')} AND m.ownerId = t.id
         RETURN DISTINCT m.name AS name`,
    importers: `MATCH (a:File)-[e:Imports]->(b:File) WHERE ${visible('b')} AND list_contains($targets, b.path) AND ${visibleEdge('e')} AND NOT list_contains($paths, a.path)
         RETURN DISTINCT a.path AS file`,
    /** Importers through a module that imports the targets (a barrel, when it re-exports). */
    importersThrough: `MATCH (a:File)-[e:Imports]->(m:File)-[i:Imports]->(b:File) WHERE ${visible('b')} AND list_contains($targets, b.path) AND ${visibleEdge('i')} AND ${visibleEdge('e')}
         AND NOT list_contains($paths, a.path) RETURN DISTINCT a.path AS file, m.path AS through`,
    symbolsNamed: `UNWIND $names AS n MATCH (b:Symbol) WHERE b.name = n AND ${visible('b')} RETURN b.key AS key, b.name AS name, b.kind AS kind`,
    // The rest are run `inlined`: they differ on every run, and Kuzu takes no parameter inside a list lambda.
    /** `$anyName`: `contains(b.name, ...) OR ...` (a cheap filter; the segments are compared after). */
    externalsNamed: `MATCH (b:External) WHERE ($anyName) AND ${visible('b')} RETURN b.key AS key, b.name AS name`,
    usersOf: (label: 'Symbol' | 'External') =>
      `MATCH (a)-[e:${LINKS}]->(b:${label}) WHERE b.key IN $keys AND ${visibleEdge('e')} AND NOT list_contains($paths, e.file) RETURN DISTINCT e.file AS file, e.toName AS toName`,
    /** Where the names have too many nodes for `usersOf`, one pass over the edges into nodes of the names. */
    usersOfSymbolsNamed: `MATCH (a)-[e:${LINKS}]->(b:Symbol) WHERE ${visible('b')} AND list_contains($names, b.name) AND ${visibleEdge('e')} AND NOT list_contains($paths, e.file)
         RETURN DISTINCT e.file AS file, e.toName AS toName`,
    usersOfExternalsNamed: `MATCH (a)-[e:${LINKS}]->(b:External) WHERE ${visible('b')} AND size(list_filter(string_split(b.name, '.'), x -> list_contains($names, x))) > 0
         AND ${visibleEdge('e')} AND NOT list_contains($paths, e.file) RETURN DISTINCT e.file AS file, e.toName AS toName`,
    /** Files of the types below those of `$files`, up to six levels (edge lifetimes are checked inside the path). */
    subtypes: `MATCH (a:Symbol)-[e:Extends|Implements* 1..6 (r, _ | WHERE ${visibleEdge('r')})]->(b:Symbol) WHERE ${visible('b')} AND list_contains($files, b.file)
         AND NOT list_contains($paths, a.file) RETURN DISTINCT a.file AS file`,
    /** `$anyStem`: `contains(e.toName, ...) OR ...`, or `true`. */
    importsContaining: `MATCH (a:File)-[e:Imports]->(b) WHERE ($anyStem) AND ${visible('a')} AND ${visibleEdge('e')} AND NOT list_contains($paths, a.path)
         RETURN a.path AS file, e.toName AS toName`,
  };
})();

/** The statements `relinkScopeOf` prepares (the others are sent inlined), for warming up. */
export const RELINK_PREPARED: readonly string[] = [RELINK.oldSymbols, RELINK.oldImports, RELINK.symbolsNamed, RELINK.importers, RELINK.importersThrough, RELINK.baseMembers];

/** More nodes than this for the names of a change: their users are found in one pass over the edges. */
const KEYS_PER_EXPANSION = 64;
/** More names or stems than this: no `contains` prefilter (a statement of that many terms costs more than it saves). */
const MAX_CONTAINS_TERMS = 40;

/**
 * Runs the plan's queries through `query` and gathers the scope. Statements with `$` parameters
 * are prepared; the others are sent with their values written in (`inlined`).
 */
export async function relinkScopeOf(
  change: Omit<RelinkChange, 'base'>,
  scope: { repo: string; chain: number; gen: number },
  query: (statement: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>[]>,
): Promise<RelinkScope> {
  const paths = [...new Set([...change.changedPaths, ...change.deletedPaths])];
  // (nothing changed that the base had: nothing to compare. Kuzu ends the process on an empty list parameter.)
  if (!paths.length) return { paths: [] };
  const p = { ...scope, paths };
  const literal = (statement: string, more: Record<string, Inlined>) => query(inlined(statement, { ...p, ...more }));
  const oldSymbols = await query(RELINK.oldSymbols, p);
  // (bases only where there were types: most files' heritage is then known to be empty)
  const typeKeys = oldSymbols.filter((r) => TYPE_KINDS.has(String(r.kind))).map((r) => String(r.key));
  const old: OldGraph = {
    symbols: oldSymbols.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      kind: String(r.kind) as SymbolDefinition['kind'],
      ownerId: (r.ownerId as string | null) ?? null,
      visibility: (r.visibility as SymbolDefinition['visibility']) ?? null,
      filePath: String(r.filePath),
    })),
    heritage: typeKeys.length ? (await literal(RELINK.oldHeritage, { keys: typeKeys })).map((r) => ({ fromId: String(r.fromId), toName: String(r.toName) })) : [],
    imports: (await query(RELINK.oldImports, p)).map((r) => ({ filePath: String(r.filePath), toName: String(r.toName) })),
  };
  const plan = relinkPlan(change, old);
  const names = new Set(plan.names);
  if (plan.baseNames.length) {
    for (const r of await query(RELINK.baseMembers, { ...p, names: plan.baseNames })) {
      const name = String(r.name);
      names.add(name);
      plan.usage.set(name, { ...emptyChange(), wide: true });
    }
  }
  const files = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.file));
  const relink = new Set<string>();
  if (names.size) {
    const list = [...names];
    const symbols = await query(RELINK.symbolsNamed, { ...p, names: list });
    const inBase = new Map<string, BaseCount>();
    for (const r of symbols) {
      const count = inBase.get(String(r.name)) ?? { all: 0, methods: 0 };
      count.all++;
      if (r.kind === 'method') count.methods++;
      inBase.set(String(r.name), count);
    }
    const externalKeys =
      list.length <= MAX_CONTAINS_TERMS
        ? (await literal(RELINK.externalsNamed, { anyName: { raw: anyContains('b.name', list) } })).filter((r) => usesChangedName(String(r.name), plan.usage, inBase)).map((r) => String(r.key))
        : null;
    const users = async (label: 'Symbol' | 'External', keys: string[] | null) => {
      if (keys && !keys.length) return [];
      if (keys && keys.length <= KEYS_PER_EXPANSION) return literal(RELINK.usersOf(label), { keys });
      return label === 'Symbol' ? query(RELINK.usersOfSymbolsNamed, { ...p, names: list }) : literal(RELINK.usersOfExternalsNamed, { names: list });
    };
    const edges = [...(await users('Symbol', symbols.map((r) => String(r.key)))), ...(await users('External', externalKeys))];
    for (const e of edges) if (usesChangedName(String(e.toName), plan.usage, inBase)) relink.add(String(e.file));
  }
  if (plan.barrels.length) for (const f of files(await query(RELINK.importers, { ...p, targets: plan.barrels }))) relink.add(f);
  const { files: fileStems, directories: directoryStems } = plan.stems;
  if (fileStems.length || directoryStems.length) {
    const alternatives = (list: readonly string[]) => list.map(escapeRegex).join('|');
    const naming = new RegExp(
      `(?:^|[^A-Za-z0-9_$-])(?:${[fileStems.length ? `(?:${alternatives(fileStems)})(?:\\.[A-Za-z0-9]+)?` : '', directoryStems.length ? `(?:${alternatives(directoryStems)})(?:[./]\\*)?` : ''].filter(Boolean).join('|')})$`,
    );
    const stems = [...fileStems, ...directoryStems];
    const anyStem = stems.length <= MAX_CONTAINS_TERMS ? anyContains('e.toName', stems) : 'true';
    for (const r of await literal(RELINK.importsContaining, { anyStem: { raw: anyStem } })) if (naming.test(String(r.toName))) relink.add(String(r.file));
  }
  // A file linked again may resolve its types' bases otherwise (a barrel, a file or a type come or
  // gone): the types below them, in other files, look members up through them.
  const basesMayMove = plan.barrels.length || fileStems.length || directoryStems.length || plan.baseNames.length || [...plan.usage.values()].some((u) => u.type);
  if (relink.size && basesMayMove) for (const f of files(await literal(RELINK.subtypes, { files: [...relink, ...change.changedPaths] }))) relink.add(f);
  const mentioning = new Set<string>();
  if (plan.definingFiles.length) {
    const targets = { ...p, targets: plan.definingFiles };
    for (const f of files(await query(RELINK.importers, targets))) mentioning.add(f);
    for (const r of await query(RELINK.importersThrough, targets)) if (REEXPORTING.test(String(r.through))) mentioning.add(String(r.file));
  }
  for (const f of relink) mentioning.delete(f);
  return {
    paths: [...relink].sort(),
    mentioning: { names: plan.mentionNames, paths: [...mentioning].sort(), directories: [...new Set(plan.definingFiles.map((f) => posix.dirname(f)))].sort() },
  };
}

/** `contains(<expr>, 'a') OR contains(<expr>, 'b') ...` */
function anyContains(expr: string, values: readonly string[]): string {
  return values.map((v) => `contains(${expr}, ${cypherString(v)})`).join(' OR ');
}

type Inlined = string | number | readonly string[] | { raw: string };

/** `statement` with each `$name` of `params` written in as a literal. */
export function inlined(statement: string, params: Record<string, Inlined>): string {
  return statement.replace(/\$(\w+)/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    if (typeof value === 'number') return String(value);
    if (typeof value === 'object' && 'raw' in value) return value.raw;
    return typeof value === 'string' ? cypherString(value) : cypherList(value as readonly string[]);
  });
}

function groupSorted<T>(items: readonly T[], keyOf: (item: T) => string, valueOf: (item: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(valueOf(item));
    else out.set(key, [valueOf(item)]);
  }
  for (const list of out.values()) list.sort();
  return out;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b) return !a?.length && !b?.length;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cypherList(values: readonly string[]): string {
  return `[${values.map(cypherString).join(', ')}]`;
}
