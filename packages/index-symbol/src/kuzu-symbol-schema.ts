/** Bump when the graph layout changes; an older database is then rebuilt by the indexer. */
export const SYMBOL_SCHEMA_VERSION = '1';

/** Edge tables for the relation kinds the parser emits (defines/contains come from the symbols). */
export const RELATION_TABLES = {
  calls: 'Calls',
  references: 'RefersTo',
  extends: 'Extends',
  implements: 'Implements',
  imports: 'Imports',
} as const;

export type EdgeKind = keyof typeof RELATION_TABLES;

const EDGE_PROPS = 'line INT64, toName STRING, file STRING';

/**
 * The property graph. Every node carries `repo` and `snap` and a primary key that starts with
 * both, so snapshots of many repositories live side by side and one can be replaced alone.
 *
 * - File: a source file of a snapshot.
 * - Symbol: a definition (class, function, method, ...), with the chunk that holds it.
 * - Chunk: the chunk tree (file > class > method), for graph walks from a search hit.
 * - External: a name that a call, reference, import or base class uses but that did not resolve
 *   to a definition in the repository (library calls, built-ins): kept, never guessed.
 */
export const SCHEMA_STATEMENTS: readonly string[] = [
  'CREATE NODE TABLE IF NOT EXISTS TrawlMeta(key STRING, value STRING, PRIMARY KEY(key))',
  'CREATE NODE TABLE IF NOT EXISTS File(key STRING, repo STRING, snap STRING, path STRING, language STRING, PRIMARY KEY(key))',
  'CREATE NODE TABLE IF NOT EXISTS Symbol(key STRING, repo STRING, snap STRING, id STRING, name STRING, lname STRING, fqn STRING, kind STRING, file STRING, startLine INT64, endLine INT64, chunkId STRING, ownerId STRING, language STRING, visibility STRING, PRIMARY KEY(key))',
  'CREATE NODE TABLE IF NOT EXISTS Chunk(key STRING, repo STRING, snap STRING, id STRING, kind STRING, fqn STRING, file STRING, startLine INT64, endLine INT64, PRIMARY KEY(key))',
  'CREATE NODE TABLE IF NOT EXISTS External(key STRING, repo STRING, snap STRING, name STRING, lname STRING, PRIMARY KEY(key))',
  'CREATE REL TABLE IF NOT EXISTS Defines(FROM File TO Symbol, line INT64)',
  'CREATE REL TABLE IF NOT EXISTS Contains(FROM Symbol TO Symbol, line INT64)',
  `CREATE REL TABLE IF NOT EXISTS Calls(FROM Symbol TO Symbol, FROM Symbol TO External, FROM File TO Symbol, FROM File TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS RefersTo(FROM Symbol TO Symbol, FROM Symbol TO External, FROM File TO Symbol, FROM File TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Extends(FROM Symbol TO Symbol, FROM Symbol TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Implements(FROM Symbol TO Symbol, FROM Symbol TO External, ${EDGE_PROPS})`,
  `CREATE REL TABLE IF NOT EXISTS Imports(FROM File TO File, FROM File TO External, ${EDGE_PROPS})`,
  'CREATE REL TABLE IF NOT EXISTS DefinedIn(FROM Symbol TO Chunk)',
  'CREATE REL TABLE IF NOT EXISTS HasChunk(FROM File TO Chunk)',
  'CREATE REL TABLE IF NOT EXISTS ChildChunk(FROM Chunk TO Chunk)',
];

export const NODE_TABLES = ['File', 'Symbol', 'Chunk', 'External'] as const;
