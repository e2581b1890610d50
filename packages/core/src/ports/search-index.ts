import type { Chunk } from '../chunk.js';
import type { CallOptions, SnapshotRef, SourceFile } from '../refs.js';
import type { IndexName, SearchHit, SearchOptions } from '../search-hit.js';
import type { HealthStatus } from '../refs.js';
import type { SymbolDefinition, SymbolRelation } from '../symbol.js';
import type { SymbolContextNeed } from './repository-parser.js';

/**
 * Everything the parser produced for a snapshot: the input of a full re-index.
 * Each index reads the parts it needs (Zoekt the working tree at `rootPath`, the vector index the
 * chunks, the symbol index the symbols and relations, ...).
 */
export interface SnapshotContent {
  snapshot: SnapshotRef;
  /** The working tree on disk, for indexes that read files themselves (Zoekt). */
  rootPath: string;
  files: readonly SourceFile[];
  chunks: readonly Chunk[];
  symbols: readonly SymbolDefinition[];
  relations: readonly SymbolRelation[];
}

/**
 * An incremental update: `snapshot` is built from `baseSnapshotId` by replacing the files in
 * `changedPaths` (whose new content is in `files`, `chunks`, ...) and removing `deletedPaths`.
 * Everything else carries over from the base unchanged.
 */
export interface SnapshotDelta extends SnapshotContent {
  baseSnapshotId: string;
  changedPaths: readonly string[];
  deletedPaths: readonly string[];
  /**
   * Paths among `changedPaths` whose content is the base's but whose links to other files were
   * made again (see {@link SearchIndex.relinkScope}). Only an index with `relinkScope` is given
   * them; to the others, an incremental run's delta holds only the files that changed.
   */
  relinkedPaths?: readonly string[];
}

/**
 * What an incremental run changed, as `relinkScope` reads it: the changed files' symbols and
 * relations as the parser wrote them (targets by name, before linking), with the files added
 * and deleted since `base`.
 */
export interface RelinkChange {
  base: SnapshotRef;
  /** Files added or modified since the base. */
  changedPaths: readonly string[];
  /** Those of `changedPaths` the base did not have. */
  addedPaths: readonly string[];
  deletedPaths: readonly string[];
  symbols: readonly SymbolDefinition[];
  relations: readonly SymbolRelation[];
}

/**
 * The unchanged files an incremental run links again: `paths`, and those of `mentioning.paths`
 * or directly in one of `mentioning.directories` (`.` for the root) whose text has one of
 * `mentioning.names` as a word (links that did not resolve and were not kept, such as
 * references to a type the repository did not define, can only be found so).
 */
export interface RelinkScope {
  paths: readonly string[];
  mentioning?: { names: readonly string[]; paths: readonly string[]; directories?: readonly string[] };
}

/** What an index run did. */
export interface IndexRunResult {
  index: IndexName;
  durationMs: number;
  /** Items written (files, chunks, vectors, symbols... the index says which in `details`). */
  itemsIndexed: number;
  /** True when an incremental request had to rebuild the whole snapshot; `note` says why. */
  fullRebuild?: boolean;
  note?: string;
  details?: Record<string, unknown>;
}

/**
 * The port every index adapter implements.
 *
 * Contract:
 * - `reindexRepo` makes `content.snapshot` fully searchable in this index; running it twice
 *   converges to the same state.
 * - `reindexPaths` does the same from a base snapshot and a delta, touching as little as the
 *   backend allows; an adapter that must rebuild everything says so in the result.
 * - `search` only returns hits of the requested snapshot, best first, at most `limit`.
 * - `deleteRepo` removes one snapshot, or every snapshot when `snapshotId` is omitted.
 * - `reindexRepo` / `reindexPaths` read the snapshot from their argument: Trawl's indexer runs
 *   them while it is still writing the snapshot's files and chunks to the catalog and chunk
 *   store, unless the index sets `readsStoredSnapshot`.
 */
export interface SearchIndex<TSearchOptions extends SearchOptions = SearchOptions> {
  readonly name: IndexName;
  /**
   * Set it when `reindexRepo` / `reindexPaths` read the snapshot's files or chunks back from the
   * catalog or chunk store: the indexer then starts them only once those are written. Searching
   * always may: a snapshot becomes ready only after both.
   */
  readonly readsStoredSnapshot?: boolean;
  /**
   * Called by the indexer before a run writes anything to the stores: what the index's own writes
   * and searches rely on and is cheaper made before the data arrives (a database index kept up as
   * rows come in, rather than built over all of them later). Optional; idempotent.
   */
  prepare?(options?: CallOptions): Promise<void>;
  reindexRepo(content: SnapshotContent, options?: CallOptions): Promise<IndexRunResult>;
  reindexPaths(delta: SnapshotDelta, options?: CallOptions): Promise<IndexRunResult>;
  /**
   * For an index that keeps links between files (calls, imports, base classes: the symbol
   * graph): which unchanged files of `change.base` link differently once `change` is made. A
   * call into a function a changed file now defines, or no longer defines, resolves otherwise
   * than in the base; a full index would link it anew. The indexer has the parser link those
   * files again with the changed ones and passes them to this index's `reindexPaths` as
   * `relinkedPaths`, so its incremental result is the full index's. Optional: an index without
   * links between files has nothing to re-link.
   */
  relinkScope?(change: RelinkChange, options?: CallOptions): Promise<RelinkScope>;
  /**
   * For an index that keeps the symbols of a snapshot: those of `snapshot` outside
   * `exceptPaths` that linking an incremental run's files can reach (`need`) and that symbols
   * rebuilt from stored chunks lack (members without a chunk of their own, such as interface
   * method signatures), with their owners. The indexer links against both. Null when the index
   * does not hold `snapshot`. Optional.
   */
  linkContext?(snapshot: SnapshotRef, need: SymbolContextNeed, options?: CallOptions & { exceptPaths?: readonly string[] }): Promise<SymbolDefinition[] | null>;
  search(snapshot: SnapshotRef, query: string, options?: TSearchOptions): Promise<SearchHit[]>;
  deleteRepo(repoId: string, snapshotId?: string, options?: CallOptions): Promise<void>;
  /**
   * Loads what the index keeps in memory per snapshot (its search tables) now, so the first
   * search of that snapshot need not wait for it. Optional; a no-op where nothing is kept.
   */
  warm?(snapshot: SnapshotRef, options?: CallOptions): Promise<void>;
  healthCheck?(options?: CallOptions): Promise<HealthStatus>;
  close?(): Promise<void>;
}

export interface LexicalSearchOptions extends SearchOptions {
  /** Treat the query as a regular expression (RE2 syntax for Zoekt, POSIX for Postgres). */
  regex?: boolean;
  caseSensitive?: boolean;
  /** Restrict to files whose path matches this regex. */
  filePattern?: string;
  /**
   * Only files of these languages, as Trawl names them (`detectLanguage`: `typescript`, `python`,
   * `cpp`, `markdown`, ... in any case); an unknown one is an InvalidQueryError.
   */
  languages?: readonly string[];
}

/** Lexical (exact text / regex) search over file contents. */
export interface LexicalIndex extends SearchIndex<LexicalSearchOptions> {
  readonly name: 'lexical';
}

/** Typo-tolerant identifier search. */
export interface FuzzyIndex extends SearchIndex<SearchOptions & { threshold?: number }> {
  readonly name: 'fuzzy';
}

/** Ranked full-text search over documentation and domain text. */
export interface DomainIndex extends SearchIndex<SearchOptions> {
  readonly name: 'domain';
}

/** Semantic search over embedded chunk text. */
export interface VectorIndex extends SearchIndex<SearchOptions & { kinds?: readonly string[] }> {
  readonly name: 'vector';
}
