import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Chunk, SnapshotRef, SymbolDefinition, SymbolRelation } from '@trawl/core';
import { ALIVE, EDGE_PAIRS, RELATION_TABLES, type EdgeKind } from './kuzu-symbol-schema.js';

export type Cell = string | number | null;

/** Rows for one table (a node table, or one FROM/TO pair of a rel table). */
export interface TableRows {
  table: string;
  /** For rel tables with several FROM/TO pairs. */
  from?: string;
  to?: string;
  columns: readonly string[];
  rows: Cell[][];
}

/** The primary key of a snapshot's `Generation` node: unambiguous whatever the ids contain. */
export function generationKey(ref: SnapshotRef): string {
  return `${ref.repoId.length}:${ref.repoId}|${ref.snapshotId.length}:${ref.snapshotId}|`;
}

/*
 * Primary keys of File, Symbol, Chunk and External nodes are short: the i-th node a generation
 * creates is `<gen>.<i>` and a node a generation copies from another chain is `<gen>~<its key>`
 * (both numbers in base 36; generation numbers are never reused, so neither form repeats).
 * Kuzu keeps strings of up to 12 bytes inline and hashes and compares them like integers, while
 * a longer key lives in overflow pages: the keys that named repository, snapshot and id in full
 * (70-100 bytes) made COPY of the edge tables, which looks both ends up by key, 2-3 times slower
 * (20 MB of source: the whole COPY 5.8 -> 4.1 s). Older databases keep their long keys, which
 * start with digits and a colon, so the forms never meet.
 */

/** The key prefix of the nodes generation `gen` creates (`<gen>.`) or copies (`<gen>~`). */
export function keyPrefix(gen: number, copied = false): string {
  return `${gen.toString(36)}${copied ? '~' : '.'}`;
}

export interface GraphInput {
  files: readonly { path: string; language: string | null }[];
  symbols: readonly SymbolDefinition[];
  chunks: readonly Pick<Chunk, 'id' | 'kind' | 'fqn' | 'filePath' | 'startLine' | 'endLine' | 'parentId'>[];
  relations: readonly SymbolRelation[];
}

const LIFE_COLUMNS = ['chain', 'born', 'died'] as const;
const FILE_COLUMNS = ['key', 'repo', 'snap', 'path', 'language', ...LIFE_COLUMNS] as const;
const SYMBOL_COLUMNS = ['key', 'repo', 'snap', 'id', 'name', 'lname', 'fqn', 'kind', 'file', 'startLine', 'endLine', 'chunkId', 'ownerId', 'language', 'visibility', ...LIFE_COLUMNS] as const;
const CHUNK_COLUMNS = ['key', 'repo', 'snap', 'id', 'kind', 'fqn', 'file', 'startLine', 'endLine', ...LIFE_COLUMNS] as const;
const EXTERNAL_COLUMNS = ['key', 'repo', 'snap', 'name', 'lname', ...LIFE_COLUMNS] as const;
const EDGE_COLUMNS = ['from', 'to', 'line', 'toName', 'file', 'born', 'died'] as const;

/**
 * Nodes the target generation already has (alive in its chain): edges may point at them. Maps
 * an id (a file path, symbol id, chunk id, external name) to the node's primary key.
 */
export interface ExistingNodes {
  files: ReadonlyMap<string, string>;
  symbols: ReadonlyMap<string, string>;
  chunks: ReadonlyMap<string, string>;
  externals: ReadonlyMap<string, string>;
}

/** Where new rows live: their chain and the generation that creates them. */
export interface Generation {
  chain: number;
  gen: number;
}

const NO_NODES: ExistingNodes = { files: new Map(), symbols: new Map(), chunks: new Map(), externals: new Map() };

/** Turns a snapshot's parse output into node and edge rows, nodes first. */
export function buildGraphRows(
  ref: SnapshotRef,
  input: GraphInput,
  generation: Generation,
  existing: ExistingNodes = NO_NODES,
): { nodes: TableRows[]; edges: TableRows[]; counts: Record<string, number> } {
  const { repoId: repo, snapshotId: snap } = ref;
  const life: Cell[] = [generation.chain, generation.gen, ALIVE];
  const edgeLife: Cell[] = [generation.gen, ALIVE];
  const prefix = keyPrefix(generation.gen);
  let created = 0;
  const newKey = () => prefix + (created++).toString(36);
  const fileRows = new Map<string, Cell[]>();
  for (const f of input.files) if (!existing.files.has(f.path) && !fileRows.has(f.path)) fileRows.set(f.path, [newKey(), repo, snap, f.path, f.language, ...life]);
  // Files that only appear through their symbols still get a node.
  for (const s of input.symbols) if (!fileRows.has(s.filePath) && !existing.files.has(s.filePath)) fileRows.set(s.filePath, [newKey(), repo, snap, s.filePath, s.language, ...life]);
  const hasFile = (path: string) => fileRows.has(path) || existing.files.has(path);
  const fileKey = (path: string) => existing.files.get(path) ?? (fileRows.get(path)![0] as string);

  const symbolRows = new Map<string, Cell[]>();
  for (const s of input.symbols) {
    if (symbolRows.has(s.id) || existing.symbols.has(s.id)) continue;
    symbolRows.set(s.id, [newKey(), repo, snap, s.id, s.name, s.name.toLowerCase(), s.fqn, s.kind, s.filePath, s.startLine, s.endLine, s.chunkId, s.ownerId, s.language, s.visibility, ...life]);
  }
  const chunkRows = new Map<string, Cell[]>();
  const hasSymbol = (id: string) => symbolRows.has(id) || existing.symbols.has(id);
  const hasChunk = (id: string) => chunkRows.has(id) || existing.chunks.has(id);
  const symbolKey = (id: string) => existing.symbols.get(id) ?? (symbolRows.get(id)![0] as string);
  const chunkKey = (id: string) => existing.chunks.get(id) ?? (chunkRows.get(id)![0] as string);
  for (const c of input.chunks) if (!chunkRows.has(c.id) && !existing.chunks.has(c.id)) chunkRows.set(c.id, [newKey(), repo, snap, c.id, c.kind, c.fqn, c.filePath, c.startLine, c.endLine, ...life]);

  const externals = new Map<string, Cell[]>();
  const edgeGroups = new Map<string, TableRows>();
  const edge = (table: string, from: string | undefined, to: string | undefined, row: Cell[], columns: readonly string[] = EDGE_COLUMNS) => {
    const groupKey = `${table}|${from ?? ''}|${to ?? ''}`;
    let group = edgeGroups.get(groupKey);
    if (!group) {
      group = { table, from, to, columns, rows: [] };
      edgeGroups.set(groupKey, group);
    }
    group.rows.push([...row, ...edgeLife]);
  };

  for (const s of input.symbols) {
    if (!symbolRows.has(s.id)) continue; // already in the generation, with its edges
    edge('Defines', undefined, undefined, [fileKey(s.filePath), symbolKey(s.id), s.startLine], ['from', 'to', 'line', 'born', 'died']);
    if (s.ownerId && hasSymbol(s.ownerId)) edge('Contains', undefined, undefined, [symbolKey(s.ownerId), symbolKey(s.id), s.startLine], ['from', 'to', 'line', 'born', 'died']);
    if (s.chunkId && hasChunk(s.chunkId)) edge('DefinedIn', undefined, undefined, [symbolKey(s.id), chunkKey(s.chunkId)], ['from', 'to', 'born', 'died']);
  }
  for (const c of input.chunks) {
    if (!chunkRows.has(c.id)) continue;
    if (hasFile(c.filePath) && c.kind !== 'module' && c.kind !== 'project') edge('HasChunk', undefined, undefined, [fileKey(c.filePath), chunkKey(c.id)], ['from', 'to', 'born', 'died']);
    if (c.parentId && hasChunk(c.parentId)) edge('ChildChunk', undefined, undefined, [chunkKey(c.parentId), chunkKey(c.id)], ['from', 'to', 'born', 'died']);
  }

  for (const r of input.relations) {
    const table = RELATION_TABLES[r.kind as EdgeKind];
    if (!table) continue; // defines/contains come from the symbols themselves
    const fromIsFile = r.fromId.startsWith('file:');
    if (fromIsFile ? !hasFile(r.fromId.slice(5)) : !hasSymbol(r.fromId)) continue;
    const fromKey = fromIsFile ? fileKey(r.fromId.slice(5)) : symbolKey(r.fromId);
    if ((r.kind === 'imports') !== fromIsFile && (r.kind === 'imports' || r.kind === 'extends' || r.kind === 'implements')) continue;
    const fromLabel = fromIsFile ? 'File' : 'Symbol';
    let toLabel: 'Symbol' | 'File' | 'External';
    let toKey: string;
    if (r.resolved && r.toId && r.toId.startsWith('file:') && hasFile(r.toId.slice(5)) && r.kind === 'imports') {
      toLabel = 'File';
      toKey = fileKey(r.toId.slice(5));
    } else if (r.resolved && r.toId && hasSymbol(r.toId) && r.kind !== 'imports') {
      toLabel = 'Symbol';
      toKey = symbolKey(r.toId);
    } else {
      // Unresolved (or resolved to something this load does not hold): keep the name as written.
      toLabel = 'External';
      let known = existing.externals.get(r.toName) ?? (externals.get(r.toName)?.[0] as string | undefined);
      if (known === undefined) externals.set(r.toName, [(known = newKey()), repo, snap, r.toName, lastSegment(r.toName).toLowerCase(), ...life]);
      toKey = known;
    }
    edge(table, fromLabel, toLabel, [fromKey, toKey, r.line, r.toName, r.filePath]);
  }

  const nodes: TableRows[] = [
    { table: 'File', columns: FILE_COLUMNS, rows: [...fileRows.values()] },
    { table: 'Symbol', columns: SYMBOL_COLUMNS, rows: [...symbolRows.values()] },
    { table: 'Chunk', columns: CHUNK_COLUMNS, rows: [...chunkRows.values()] },
    { table: 'External', columns: EXTERNAL_COLUMNS, rows: [...externals.values()] },
  ];
  const edges = [...edgeGroups.values()];
  const counts: Record<string, number> = {};
  for (const t of [...nodes, ...edges]) counts[t.table] = (counts[t.table] ?? 0) + t.rows.length;
  return { nodes, edges, counts };
}

function lastSegment(name: string): string {
  const parts = name.split(/\.|::|\//);
  return parts[parts.length - 1] || name;
}

const MULTI_PAIR = new Set(['Calls', 'RefersTo', 'Extends', 'Implements', 'Imports']);

/** Characters a CSV cell must not hold as they are. */
const CSV_SPECIAL = /["\r\n]/;

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // (most cells need no escaping: the test is cheaper than the two replacements)
  if (!CSV_SPECIAL.test(value)) return `"${value}"`;
  // Newlines would stop Kuzu's parallel CSV reader; identifiers never need them.
  return `"${value.replace(/[\r\n]+/g, ' ').replace(/"/g, '""')}"`;
}

/** One CSV line (a loop: `row.map(csvCell).join(',')` allocates an array per row). */
function csvLine(row: readonly Cell[]): string {
  let line = csvCell(row[0] ?? null);
  for (let i = 1; i < row.length; i++) line += `,${csvCell(row[i] ?? null)}`;
  return line;
}

/** Runs one Cypher statement (the caller closes results); provided by the index. */
export type RunStatement = (statement: string, params?: Record<string, unknown>) => Promise<unknown>;

/**
 * Bulk load through `COPY ... FROM` a temporary CSV per table (Kuzu's fastest path), node tables
 * before rel tables. Every CSV is written before the first COPY, so the COPYs run back to back:
 * each waits for the event loop only to be issued, not to build the next table's CSV as well (on
 * the embedded setup PGlite holds that loop for a whole statement at a time; 60 MB of source:
 * a full index 5 s faster). The CSV files are deleted afterwards, also on failure.
 */
export async function copyTables(run: RunStatement, tables: readonly TableRows[], tempDir?: string): Promise<void> {
  const dir = await mkdtemp(join(tempDir ?? tmpdir(), 'trawl-kuzu-'));
  try {
    const statements: string[] = [];
    let n = 0;
    for (const t of tables) {
      if (!t.rows.length) continue;
      const file = join(dir, `${t.table}-${n++}.csv`);
      const lines = [t.columns.join(',')];
      for (const row of t.rows) lines.push(csvLine(row));
      await writeFile(file, `${lines.join('\n')}\n`);
      const pair = MULTI_PAIR.has(t.table) ? `, from='${t.from}', to='${t.to}'` : '';
      statements.push(`COPY ${t.table} FROM '${file.replace(/'/g, "\\'")}' (HEADER=true, ESCAPE='"'${pair})`);
    }
    for (const statement of statements) await run(statement);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Small loads and drivers without COPY: nodes through batched `UNWIND $rows ... CREATE` prepared
 * statements, edges through prepared `MATCH ... CREATE` statements of {@link EDGES_PER_STATEMENT}
 * edges (the rest one at a time). Edges are not unwound: Kuzu plans
 * `UNWIND $rows AS r MATCH (a {key: r.from}), (b {key: r.to})` as a scan of both node tables
 * and a cross product (it ran the buffer pool out of memory at 110k chunks for 136 edges),
 * while keys given as parameters are primary-key lookups: ~1 ms an edge one at a time, half that
 * four at a time (64 edges at 130k nodes: 60-73 -> 33-37 ms). Every edge's two ends exist (the
 * load's own nodes or ones it looked up): a statement whose end were missing would create none of
 * its edges.
 */
export async function unwindTables(run: RunStatement, tables: readonly TableRows[], batchSize = 5000): Promise<void> {
  for (const t of tables) {
    if (!t.rows.length) continue;
    if (!t.columns.includes('from')) {
      const statement = nodeStatement(t);
      for (let i = 0; i < t.rows.length; i += batchSize) {
        const rows = t.rows.slice(i, i + batchSize).map((row) => Object.fromEntries(t.columns.map((c, j) => [c, row[j] ?? (NUMERIC.has(c) ? 0 : '')])));
        await run(statement, { rows });
      }
      continue;
    }
    const many = edgeStatement(t, EDGES_PER_STATEMENT);
    const one = edgeStatement(t, 1);
    let i = 0;
    for (; i + EDGES_PER_STATEMENT <= t.rows.length; i += EDGES_PER_STATEMENT) await run(many, edgeParams(t, t.rows.slice(i, i + EDGES_PER_STATEMENT)));
    for (; i < t.rows.length; i++) await run(one, edgeParams(t, [t.rows[i]!]));
  }
}

/** Edges created by one statement of {@link unwindTables} (the rest of a table's go one at a time). */
export const EDGES_PER_STATEMENT = 4;

/** The parameters of {@link edgeStatement} for these rows: the ends and properties of edge `i` suffixed with `i`. */
function edgeParams(t: Pick<TableRows, 'columns'>, rows: readonly Cell[][]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  rows.forEach((row, i) => t.columns.forEach((c, j) => (params[`${c === 'from' ? 'src' : c === 'to' ? 'dst' : c}${i}`] = row[j] ?? (NUMERIC.has(c) ? 0 : ''))));
  return params;
}

/** The statement creating `count` edges of a table's pair of end labels, each end a primary-key lookup. */
function edgeStatement(t: Pick<TableRows, 'table' | 'columns' | 'from' | 'to'>, count: number): string {
  const props = t.columns.filter((c) => c !== 'from' && c !== 'to');
  const fromLabel = t.from ?? REL_ENDPOINTS[t.table]![0];
  const toLabel = t.to ?? REL_ENDPOINTS[t.table]![1];
  const ends: string[] = [];
  const edges: string[] = [];
  for (let i = 0; i < count; i++) {
    ends.push(`(a${i}:${fromLabel} {key: $src${i}}), (b${i}:${toLabel} {key: $dst${i}})`);
    edges.push(`(a${i})-[:${t.table}${props.length ? ` {${props.map((p) => `${p}: $${p}${i}`).join(', ')}}` : ''}]->(b${i})`);
  }
  return `MATCH ${ends.join(', ')} CREATE ${edges.join(', ')}`;
}

/** The `UNWIND` of a node table's rows. */
function nodeStatement(t: Pick<TableRows, 'table' | 'columns'>): string {
  return `UNWIND $rows AS r CREATE (:${t.table} {${t.columns.map((c) => `${c}: r.${c}`).join(', ')}})`;
}


/**
 * Every statement {@link unwindTables} can run for the tables {@link buildGraphRows} makes: one
 * per node table, and two per edge table and pair of end labels (several edges, and one), for
 * preparing them ahead.
 */
export function unwindStatements(): string[] {
  const nodes: Pick<TableRows, 'table' | 'columns'>[] = [
    { table: 'File', columns: FILE_COLUMNS },
    { table: 'Symbol', columns: SYMBOL_COLUMNS },
    { table: 'Chunk', columns: CHUNK_COLUMNS },
    { table: 'External', columns: EXTERNAL_COLUMNS },
  ];
  return [
    ...nodes.map(nodeStatement),
    ...EDGE_PAIRS.flatMap(([table, from, to, props]) => {
      const t = { table, from, to, columns: ['from', 'to', ...props, 'born', 'died'] };
      return [edgeStatement(t, EDGES_PER_STATEMENT), edgeStatement(t, 1)];
    }),
  ];
}

const NUMERIC = new Set(['line', 'startLine', 'endLine', 'chain', 'born', 'died']);
const REL_ENDPOINTS: Record<string, [string, string]> = {
  Defines: ['File', 'Symbol'],
  Contains: ['Symbol', 'Symbol'],
  DefinedIn: ['Symbol', 'Chunk'],
  HasChunk: ['File', 'Chunk'],
  ChildChunk: ['Chunk', 'Chunk'],
};
