import {
  ConfigError,
  InvalidQueryError,
  SnapshotCache,
  throwIfAborted,
  type CallOptions,
  type FuzzyIndex,
  type HealthStatus,
  type IndexRunResult,
  type SearchHit,
  type SearchOptions,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
} from '@trawl/core';
import { ensureSchema, fileVersions, FileVersionMembership, type FileVersion, type PostgresQueryable, type PostgresStore } from '@trawl/postgres';
import { identifierWords, normalizeIdentifier } from './identifier-forms.js';
import { FuzzyIdentifierTable, type IdentifierRow, type RankedIdentifierRow } from './fuzzy-identifier-table.js';

export interface PostgresFuzzyIndexOptions {
  /** The store that holds `fuzzy_identifiers`, or a factory called once on first use. */
  store: PostgresStore | (() => PostgresStore | Promise<PostgresStore>);
  /** Minimum trigram similarity (0..1) of a non-prefix match. Default 0.3, pg_trgm's own default. */
  threshold?: number;
  /** Hits returned when a search names no limit. Default 20. */
  defaultLimit?: number;
  /** Rows per INSERT statement while indexing. Default 2000. */
  batchSize?: number;
  /** Index file chunks by file name too (`chunk-store.ts`). Default true. */
  includeFileNames?: boolean;
  /**
   * Snapshots whose identifiers are kept in memory for search (most recently used first; about
   * 300 bytes per identifier, loaded once per snapshot). Default 4; 0 searches with SQL every
   * time. Results are the same either way.
   */
  cacheSize?: number;
}

/** Search options of the fuzzy index. */
export interface FuzzySearchOptions extends SearchOptions {
  /** Overrides the index's similarity threshold for this search. */
  threshold?: number;
}

type HitRow = RankedIdentifierRow;

const COMPONENT = 'index-fuzzy';

const COLUMNS = ['identifier', 'normalized', 'words', 'kind', 'fqn', 'chunk_id', 'symbol_id', 'file_path', 'line', 'end_line'] as const;
const COLUMN_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int4', 'int4'] as const;

/** Identifier rows of a snapshot (or of the changed files of a delta), one per (file, line, name). */
export function identifierRows(content: Pick<SnapshotContent, 'chunks' | 'symbols'>, includeFileNames = true): IdentifierRow[] {
  const rows = new Map<string, IdentifierRow>();
  const add = (row: Omit<IdentifierRow, 'normalized' | 'words'>) => {
    const normalized = normalizeIdentifier(row.identifier);
    if (!normalized) return;
    const key = `${row.file_path}\u0000${row.line}\u0000${row.identifier}`;
    if (!rows.has(key)) rows.set(key, { ...row, normalized, words: identifierWords(row.identifier).join(' ') });
  };
  for (const s of content.symbols) {
    add({
      identifier: s.name,
      kind: s.kind,
      fqn: s.fqn,
      chunk_id: s.chunkId,
      symbol_id: s.id,
      file_path: s.filePath,
      line: s.startLine,
      end_line: s.endLine,
    });
  }
  // Chunks carry names too: they cover parsers that emit no symbols, and file names.
  for (const c of content.chunks) {
    if (c.kind === 'project' || c.kind === 'module' || c.kind === 'block') continue;
    if (c.kind === 'file' && !includeFileNames) continue;
    add({
      identifier: c.name,
      kind: c.kind,
      fqn: c.fqn,
      chunk_id: c.id,
      symbol_id: c.symbolId,
      file_path: c.filePath,
      line: c.startLine,
      end_line: c.endLine,
    });
  }
  return [...rows.values()];
}

/**
 * Typo-tolerant identifier search on PostgreSQL `pg_trgm` over the `fuzzy_identifiers` table.
 *
 * Identifiers are stored with a normalised form (words joined, lower case), so `create_user`,
 * `createUser`, `CreateUser` and the typo `craeteUser` all find `createUser`. Ranking puts an
 * exact identifier first, then an exact normalised match, then prefix matches, then trigram
 * similarity; the score is `tier + similarity` (0..4). The schema is created on first use.
 *
 * ```ts
 * const fuzzy = new PostgresFuzzyIndex({ store })
 * await fuzzy.reindexRepo(content)
 * const hits = await fuzzy.search({ repoId, snapshotId }, 'craeteUser', { limit: 10 })
 * ```
 */
export class PostgresFuzzyIndex implements FuzzyIndex, AsyncDisposable {
  readonly name = 'fuzzy' as const;
  readonly threshold: number;
  readonly defaultLimit: number;
  readonly #batchSize: number;
  readonly #members: FileVersionMembership;
  readonly #includeFileNames: boolean;
  readonly #storeSource: PostgresFuzzyIndexOptions['store'];
  #store: Promise<PostgresStore> | undefined;
  /** In-memory tables by `repo\0snapshot\0`, least recently used first. */
  readonly #tables: SnapshotCache<FuzzyIdentifierTable>;

  constructor(options: PostgresFuzzyIndexOptions) {
    if (!options?.store) throw new ConfigError('PostgresFuzzyIndex needs a store (a PostgresStore or a factory)', { component: COMPONENT });
    this.threshold = checkThreshold(options.threshold ?? 0.3);
    this.defaultLimit = options.defaultLimit ?? 20;
    this.#batchSize = options.batchSize ?? 2000;
    this.#members = new FileVersionMembership({ rows: 'fuzzy_file_identifiers', gens: 'fuzzy_snapshot_gens', spans: 'fuzzy_file_spans' }, this.#batchSize);
    this.#includeFileNames = options.includeFileNames ?? true;
    this.#storeSource = options.store;
    this.#tables = new SnapshotCache(options.cacheSize ?? 4);
  }

  /**
   * The snapshot's identifiers in memory, loaded on first use (null when the cache is off). A
   * snapshot's rows never change once it is ready; this process's own writes drop the tables of
   * the snapshots they touch, and a snapshot with no rows yet is not kept.
   */
  #table(store: PostgresStore, snapshot: SnapshotRef): Promise<FuzzyIdentifierTable> | null {
    if (this.#tables.capacity <= 0) return null;
    return this.#tables.get(snapshot, async () =>
      new FuzzyIdentifierTable(await store.fetch<IdentifierRow>(`SELECT ${COLUMNS.join(', ')} FROM fuzzy_identifiers WHERE repo_id = $1 AND snapshot_id = $2`, [snapshot.repoId, snapshot.snapshotId])),
    );
  }

  /** Loads the snapshot's identifier table now (nothing when `cacheSize` is 0). */
  async warm(snapshot: SnapshotRef, options: CallOptions = {}): Promise<void> {
    await this.#table(await this.#ready(options), snapshot);
  }

  #forget(repoId: string, snapshotId?: string): void {
    this.#tables.forget(repoId, snapshotId);
  }

  /** The store, with the schema ensured (once). */
  #ready(options?: CallOptions): Promise<PostgresStore> {
    throwIfAborted(options?.signal, COMPONENT);
    this.#store ??= (async () => {
      const source = this.#storeSource;
      const store = typeof source === 'function' ? await source() : source;
      // (shared by every caller: no one caller's signal may fail it for the others)
      await ensureSchema(store);
      return store;
    })();
    this.#store.catch(() => {
      this.#store = undefined;
    });
    return this.#store;
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    const { repoId, snapshotId } = content.snapshot;
    const rows = identifierRows(content, this.#includeFileNames);
    this.#forget(repoId, snapshotId);
    const store = await this.#ready(options);
    const versions = fileVersions(content.files, rows);
    await store.transaction(async (tx) => {
      await this.#insert(tx, repoId, rows, versions, options);
      await this.#members.replace(tx, repoId, snapshotId, versions, options);
    }, options);
    this.#forget(repoId, snapshotId); // a search during the write may have loaded the rows it replaced
    await this.#analyzeAfterBulkLoad(store, rows.length, options);
    return { index: 'fuzzy', durationMs: performance.now() - started, itemsIndexed: rows.length, details: { identifiers: rows.length } };
  }

  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    const { repoId, snapshotId } = delta.snapshot;
    const replaced = [...new Set([...delta.changedPaths, ...delta.deletedPaths])];
    const changed = new Set(delta.changedPaths);
    const rows = identifierRows(
      { chunks: delta.chunks.filter((c) => changed.has(c.filePath)), symbols: delta.symbols.filter((s) => changed.has(s.filePath)) },
      this.#includeFileNames,
    );
    this.#forget(repoId, snapshotId);
    const store = await this.#ready(options);
    const versions = fileVersions(
      delta.files.filter((f) => changed.has(f.path)),
      rows,
    );
    // Unchanged files keep the versions the base has: their spans reach on into this snapshot.
    const carried = await store.transaction(async (tx) => {
      await this.#insert(tx, repoId, rows, versions, options);
      return this.#members.derive(tx, repoId, delta.baseSnapshotId, snapshotId, replaced, versions, options);
    }, options);
    this.#forget(repoId, snapshotId);
    await this.#analyzeAfterBulkLoad(store, rows.length, options);
    return {
      index: 'fuzzy',
      durationMs: performance.now() - started,
      itemsIndexed: rows.length,
      details: { identifiers: rows.length, carriedFiles: carried, replacedPaths: replaced.length },
    };
  }

  /**
   * Fresh statistics after a large load: without them the planner guesses that `%` matches
   * everything and scans the table instead of using the trigram index. PGlite runs no autovacuum.
   */
  async #analyzeAfterBulkLoad(store: PostgresStore, rows: number, options: CallOptions): Promise<void> {
    if (rows >= 5000) await store.execute('ANALYZE fuzzy_file_identifiers, fuzzy_file_spans', [], options);
  }

  /** Writes identifiers under their file's version; versions already stored are left as they are. */
  async #insert(tx: PostgresQueryable, repoId: string, rows: readonly IdentifierRow[], versions: readonly FileVersion[], options: CallOptions): Promise<void> {
    const hashOf = new Map(versions.map((v) => [v.file_path, v.content_hash]));
    const selects = COLUMNS.map((c, i) => `$${i + 3}::${COLUMN_TYPES[i]}[]`).join(', ');
    for (let i = 0; i < rows.length; i += this.#batchSize) {
      throwIfAborted(options.signal, COMPONENT);
      const batch = rows.slice(i, i + this.#batchSize);
      await tx.execute(
        `INSERT INTO fuzzy_file_identifiers (repo_id, content_hash, ${COLUMNS.join(', ')})
         SELECT $1, ($2::text[])[t.n], ${COLUMNS.map((c) => `t.${c}`).join(', ')} FROM unnest(${selects}) WITH ORDINALITY AS t(${COLUMNS.join(', ')}, n)
         ON CONFLICT DO NOTHING`,
        [repoId, batch.map((r) => hashOf.get(r.file_path) ?? ''), ...COLUMNS.map((c) => batch.map((r) => r[c]))],
        options,
      );
    }
  }

  async search(snapshot: SnapshotRef, query: string, options: FuzzySearchOptions = {}): Promise<SearchHit[]> {
    throwIfAborted(options.signal, COMPONENT);
    const raw = query.trim();
    const normalized = normalizeIdentifier(raw);
    if (!normalized) throw new InvalidQueryError(`fuzzy query ${JSON.stringify(query)} has no letters or digits: pass an identifier such as "createUser"`, { component: COMPONENT });
    const threshold = checkThreshold(options.threshold ?? this.threshold);
    const limit = Math.max(1, Math.min(options.limit ?? this.defaultLimit, 1000));
    const store = await this.#ready(options);
    const call = { signal: options.signal };
    const table = this.#table(store, snapshot);
    const rows = table ? (await table).search(raw, normalized, threshold, limit) : await this.#searchSql(store, snapshot, raw, normalized, threshold, limit, call);
    return rows.map((r) => toHit(snapshot, r));
  }

  async #searchSql(store: PostgresStore, snapshot: SnapshotRef, raw: string, normalized: string, threshold: number, limit: number, call: CallOptions): Promise<HitRow[]> {
    // `%` uses the GIN trigram index and reads its threshold from a setting; set it for this
    // transaction only so concurrent searches with other thresholds do not interfere.
    const rows = await store.transaction(async (tx) => {
      await tx.execute(`SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [String(threshold)], call);
      // Two index-friendly branches instead of one OR (which defeats both indexes): trigram
      // similarity through the GIN index, and prefixes through the btree pattern index.
      const cols = COLUMNS.join(', ');
      return tx.fetch<HitRow>(
        `SELECT ${cols},
                CASE WHEN identifier = $3 THEN 3 WHEN normalized = $4 THEN 2 WHEN normalized LIKE $5 THEN 1 ELSE 0 END AS tier,
                similarity(normalized, $4) AS sim
         FROM (
           (SELECT ${cols} FROM fuzzy_identifiers WHERE repo_id = $1 AND snapshot_id = $2 AND normalized % $4)
           UNION
           (SELECT ${cols} FROM fuzzy_identifiers WHERE repo_id = $1 AND snapshot_id = $2 AND normalized LIKE $5
            ORDER BY length(normalized), normalized LIMIT $6)
         ) AS candidates
         ORDER BY tier DESC, sim DESC, length(normalized), identifier, file_path, line
         LIMIT $6`,
        [snapshot.repoId, snapshot.snapshotId, raw, normalized, `${escapeLike(normalized)}%`, limit],
        call,
      );
    }, call);
    return rows;
  }

  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    this.#forget(repoId, snapshotId);
    const store = await this.#ready(options);
    await store.transaction((tx) => this.#members.deleteRepo(tx, repoId, snapshotId, options), options);
  }

  async healthCheck(_options: CallOptions = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      const store = await this.#ready();
      return await store.healthCheck();
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as { detail?: string }).detail ?? (error as Error).message };
    }
  }

  /** Does nothing: the store belongs to whoever passed it in and is closed by them. */
  async close(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const CHUNK_KINDS = new Set(['project', 'module', 'file', 'namespace', 'class', 'interface', 'struct', 'enum', 'trait', 'type', 'function', 'method', 'block']);

function chunkKindOf(kind: string): SearchHit['kind'] {
  if (CHUNK_KINDS.has(kind)) return kind as SearchHit['kind'];
  if (kind === 'constructor') return 'method';
  return null;
}

/** A result row as a search hit; the score is tier + similarity (0..4). */
function toHit(snapshot: SnapshotRef, r: HitRow): SearchHit {
  return {
    chunkId: r.chunk_id ?? `virtual:${r.file_path}#L${r.line}`,
    repoId: snapshot.repoId,
    snapshotId: snapshot.snapshotId,
    filePath: r.file_path,
    symbolId: r.symbol_id,
    score: Number(r.tier) + Number(r.sim),
    index: 'fuzzy',
    kind: chunkKindOf(r.kind),
    name: r.identifier,
    startLine: r.line,
    endLine: r.end_line,
    matchedLines: [r.line],
    preview: r.fqn,
    mapping: r.chunk_id ? 'exact' : 'unmapped',
    metadata: { match: ['similar', 'prefix', 'normalized', 'exact'][Number(r.tier)], similarity: Number(r.sim), symbolKind: r.kind, fqn: r.fqn },
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function checkThreshold(value: number): number {
  if (!(value >= 0 && value <= 1)) throw new ConfigError(`fuzzy threshold ${value} is out of range: use a similarity between 0 and 1 (default 0.3)`, { component: COMPONENT });
  return value;
}
