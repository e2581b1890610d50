import type { CallOptions, SnapshotRef } from '../refs.js';
import type { SearchOptions } from '../search-hit.js';
import type { SymbolDefinition, SymbolKind, SymbolRelation } from '../symbol.js';
import type { SearchIndex } from './search-index.js';

export interface SymbolQueryOptions extends CallOptions {
  /** At most this many results (adapters apply a default and a hard cap). */
  limit?: number;
  /** Traversal depth for callers/callees (default 1). */
  depth?: number;
  kind?: SymbolKind;
  /** Time budget for the query in milliseconds. */
  timeoutMs?: number;
}

/** A symbol reached by a graph query, with how far it is and the edge that led there. */
export interface SymbolMatch {
  symbol: SymbolDefinition;
  depth: number;
  /** Where the edge was written (the call site for callers). */
  site: { filePath: string; line: number } | null;
}

/** The symbol graph: where things are defined and how they relate. */
export interface SymbolIndex extends SearchIndex<SearchOptions & { kind?: SymbolKind }> {
  readonly name: 'symbol';
  definitions(snapshot: SnapshotRef, name: string, options?: SymbolQueryOptions): Promise<SymbolDefinition[]>;
  callers(snapshot: SnapshotRef, name: string, options?: SymbolQueryOptions): Promise<SymbolMatch[]>;
  callees(snapshot: SnapshotRef, name: string, options?: SymbolQueryOptions): Promise<SymbolMatch[]>;
  references(snapshot: SnapshotRef, name: string, options?: SymbolQueryOptions): Promise<SymbolMatch[]>;
  implementations(snapshot: SnapshotRef, name: string, options?: SymbolQueryOptions): Promise<SymbolMatch[]>;
  imports(snapshot: SnapshotRef, filePath: string, options?: SymbolQueryOptions): Promise<SymbolRelation[]>;
}
