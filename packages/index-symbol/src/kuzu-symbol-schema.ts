/** Bump when the graph layout changes; an older database is refused with a ConflictError that says how to rebuild it. */
export const SYMBOL_SCHEMA_VERSION = '2';

/** `died` of a node or edge that is still alive at the head of its chain. */
export const ALIVE = 9007199254740991;

/** Edge tables for the relation kinds the parser emits (defines/contains come from the symbols). */
export const RELATION_TABLES = {
  calls: 'Calls',
  references: 'RefersTo',
  extends: 'Extends',
  implements: 'Implements',
  imports: 'Imports',
} as const;

export type EdgeKind = keyof typeof RELATION_TABLES;

// Every node and edge lives from generation `born` until generation `died` (exclusive).
const LIFE = 'born INT64, died INT64';
const EDGE_PROPS = `line INT64, toName STRING, file STRING, ${LIFE}`;

/**
 * The property graph. Snapshots share nodes and edges: each snapshot is a generation `gen` of a
 * chain (`Generation`), and a node or edge belongs to every generation of its chain in
 * `[born, died)`. A full load starts a chain; an incremental load continues its base's chain,
 * closing (`died = gen`) only the nodes and edges of changed files and adding the new ones, so
 * a one-file change writes one file's worth of graph and the base keeps answering unchanged.
 * A snapshot's nodes are those with `repo = $repo AND chain = $chain AND born <= $gen AND died > $gen`
 * (edges: `born <= $gen AND died > $gen`). `snap` names the snapshot that created a node; primary
 * keys are short and name the generation that created or copied the node (see `keyPrefix`), so
 * they never collide.
 *
 * - Generation: a snapshot's generation number, its chain, and whether its load finished.
 * - File: a source file of a snapshot.
 * - Symbol: a definition (class, function, method, ...), with the chunk that holds it.
 * - Chunk: the chunk tree (file > class > method), for graph walks from a search hit.
 * - External: a name that a call, reference, import or base class uses but that did not resolve
 *   to a definition in the repository (library calls, built-ins): kept, never guessed.
 */
export const SCHEMA_STATEMENTS: readonly string[] = [
  'CREATE NODE TABLE IF NOT EXISTS TrawlMeta(key STRING, value STRING, PRIMARY KEY(key))',
  'CREATE NODE TABLE IF NOT EXISTS Generation(key STRING, repo STRING, snap STRING, gen INT64, chain INT64, state STRING, PRIMARY KEY(key))',
  `CREATE NODE TABLE IF NOT EXISTS File(key STRING, repo STRING, snap STRING, path STRING, language STRING, chain INT64, ${LIFE}, PRIMARY KEY(key))`,
  `CREATE NODE TABLE IF NOT EXISTS Symbol(key STRING, repo STRING, snap STRING, id STRING, name STRING, lname STRING, fqn STRING, kind STRING, file STRING, startLine INT64, endLine INT64, chunkId STRING, ownerId STRING, language STRING, visibility STRING, chain INT64, ${LIFE}, PRIMARY KEY(key))`,
  `CREATE NODE TABLE IF NOT EXISTS Chunk(key STRING, repo STRING, snap STRING, id STRING, kind STRING, fqn STRING, file STRING, startLine INT64, endLine INT64, chain INT64, ${LIFE}, PRIMARY KEY(key))`,
  `CREATE NODE TABLE IF NOT EXISTS External(key STRING, repo STRING, snap STRING, name STRING, lname STRING, chain INT64, ${LIFE}, PRIMARY KEY(key))`,
  `CREATE REL TABLE IF NOT EXISTS Defines(FROM File TO Symbol, line INT64, ${LIFE})`,
  `CREATE REL TABLE IF NOT EXISTS Contains(FROM Symbol TO Symbol, line INT64, ${LIFE})`,
  `CREATE REL TABLE IF NOT EXISTS Calls(FROM Symbol TO Symbol, FROM Symbol TO External, FROM File TO Symbol, FROM File TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS RefersTo(FROM Symbol TO Symbol, FROM Symbol TO External, FROM File TO Symbol, FROM File TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Extends(FROM Symbol TO Symbol, FROM Symbol TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Implements(FROM Symbol TO Symbol, FROM Symbol TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Imports(FROM File TO File, FROM File TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS DefinedIn(FROM Symbol TO Chunk, ${LIFE})`,
  `CREATE REL TABLE IF NOT EXISTS HasChunk(FROM File TO Chunk, ${LIFE})`,
  `CREATE REL TABLE IF NOT EXISTS ChildChunk(FROM Chunk TO Chunk, ${LIFE})`,
];

export const NODE_TABLES = ['File', 'Symbol', 'Chunk', 'External'] as const;

/** Every FROM/TO pair of every rel table, with the properties its edges carry (besides `born`, `died`). */
const RELATION_PROPS = ['line', 'toName', 'file'] as const;
export const EDGE_PAIRS: readonly (readonly [table: string, from: string, to: string, props: readonly string[]])[] = [
  ['Defines', 'File', 'Symbol', ['line']],
  ['Contains', 'Symbol', 'Symbol', ['line']],
  ['DefinedIn', 'Symbol', 'Chunk', []],
  ['HasChunk', 'File', 'Chunk', []],
  ['ChildChunk', 'Chunk', 'Chunk', []],
  ...(['Calls', 'RefersTo'] as const).flatMap((t) => [
    [t, 'Symbol', 'Symbol', RELATION_PROPS] as const,
    [t, 'Symbol', 'External', RELATION_PROPS] as const,
    [t, 'File', 'Symbol', RELATION_PROPS] as const,
    [t, 'File', 'External', RELATION_PROPS] as const,
  ]),
  ...(['Extends', 'Implements'] as const).flatMap((t) => [[t, 'Symbol', 'Symbol', RELATION_PROPS] as const, [t, 'Symbol', 'External', RELATION_PROPS] as const]),
  ['Imports', 'File', 'File', RELATION_PROPS],
  ['Imports', 'File', 'External', RELATION_PROPS],
];

/** A Cypher string literal. */
export function cypherString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The nodes of one snapshot (parameters `$repo`, `$chain`, `$gen`: its scope). */
export function visible(v: string): string {
  return `${v}.repo = $repo AND ${v}.chain = $chain AND ${v}.born <= $gen AND ${v}.died > $gen`;
}

/** The edges of one snapshot (parameter `$gen`; an edge is seen only with both its ends). */
export function visibleEdge(e: string): string {
  return `${e}.born <= $gen AND ${e}.died > $gen`;
}
