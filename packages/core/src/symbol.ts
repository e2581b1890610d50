/** What a symbol is, as precisely as the grammar tells. */
export type SymbolKind =
  | 'module'
  | 'namespace'
  | 'class'
  | 'interface'
  | 'struct'
  | 'enum'
  | 'trait'
  | 'type'
  | 'function'
  | 'method'
  | 'constructor'
  | 'field'
  | 'property'
  | 'variable'
  | 'constant';

/** A symbol a file defines. */
export interface SymbolDefinition {
  /** Deterministic: same repo, path and qualified name give the same id. */
  id: string;
  name: string;
  fqn: string;
  kind: SymbolKind;
  filePath: string;
  startLine: number;
  endLine: number;
  /** The chunk that holds the definition, when one does. */
  chunkId: string | null;
  /** The enclosing symbol (a method's class). */
  ownerId: string | null;
  language: string | null;
  visibility: 'public' | 'protected' | 'private' | 'internal' | 'unknown' | null;
  /**
   * A type's bases as written (what it extends or implements), when known without its file's
   * relations: symbols read back from stored chunks carry them, so an incremental run can follow
   * an inherited member through a file it did not parse.
   */
  bases?: readonly string[];
}

export type RelationKind = 'defines' | 'contains' | 'calls' | 'references' | 'imports' | 'extends' | 'implements';

/**
 * An edge from a symbol (or a file, for imports) to a target. Targets the parser could not
 * resolve keep `toId: null` and `resolved: false`, with the name as written.
 */
export interface SymbolRelation {
  kind: RelationKind;
  /** A symbol id, or `file:<path>` for file-level edges. */
  fromId: string;
  toId: string | null;
  /** The target as written in source (`foo.bar`, `./util`). */
  toName: string;
  resolved: boolean;
  filePath: string;
  line: number;
}
