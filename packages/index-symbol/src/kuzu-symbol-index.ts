import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  AbortedError,
  BackendUnavailableError,
  ConflictError,
  InvalidInputError,
  InvalidQueryError,
  NotFoundError,
  SnapshotCache,
  TimeoutError,
  TrawlError,
  throwIfAborted,
  type CallOptions,
  type ChunkKind,
  type HealthStatus,
  type IndexRunResult,
  type RelinkChange,
  type RelinkScope,
  type SearchHit,
  type SearchOptions,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type SymbolContextNeed,
  type SymbolDefinition,
  type SymbolIndex,
  type SymbolKind,
  type SymbolMatch,
  type SymbolQueryOptions,
  type SymbolRelation,
} from '@trawl/core';
import { closeResults, loadDefaultKuzuDriver, type KuzuConnectionLike, type KuzuDatabaseLike, type KuzuDriver, type KuzuPreparedStatementLike } from './kuzu-driver.js';
import { buildGraphRows, copyTables, generationKey, keyPrefix, unwindStatements, unwindTables, type ExistingNodes, type Generation, type GraphInput } from './kuzu-graph-loader.js';
import { RELINK_PREPARED, relinkScopeOf, TYPE_KINDS } from './kuzu-relink-scope.js';
import { ALIVE, cypherString, EDGE_PAIRS, NODE_TABLES, RELATION_TABLES, SCHEMA_STATEMENTS, SYMBOL_SCHEMA_VERSION, visible, visibleEdge } from './kuzu-symbol-schema.js';
import { SymbolNameTable } from './symbol-name-table.js';

export interface KuzuSymbolIndexOptions {
  /** The database file (Kuzu keeps it plus `<path>.wal`). `:memory:` for an in-memory graph. */
  path: string;
  /** Open without write access: any number of readers may share a database no writer holds. */
  readOnly?: boolean;
  /** The Kuzu module (`kuzu` by default; `lbug` has the same API), or a lazy factory for it. */
  driver?: KuzuDriver | (() => Promise<KuzuDriver>);
  /** Buffer pool size in bytes. Default 256 MiB (Kuzu's own default is 80% of the machine's memory). */
  bufferPoolBytes?: number;
  /** Threads per query. Default: Kuzu's choice. */
  threads?: number;
  /** `copy` (temporary CSV + COPY, the default and fastest) or `unwind` (batched prepared statements). */
  loadStrategy?: 'copy' | 'unwind';
  /** With `copy`, loads of at most this many rows (nodes and edges) still use UNWIND, which has no fixed cost per table. Default 2000. */
  smallLoadRows?: number;
  /** Where `copy` writes its temporary CSV files. Default: the OS temp directory. */
  tempDir?: string;
  /** Default and maximum number of results of a query. Default 50 and 1000. */
  defaultLimit?: number;
  maxLimit?: number;
  /** Default time budget of one query in milliseconds. Default 10 000. */
  defaultTimeoutMs?: number;
  /** Called after every Cypher statement with how long it took (tracing, slow-query logs). */
  onStatement?: (statement: string, durationMs: number) => void;
  /**
   * Snapshots whose symbol names are kept in memory for `search` and `definitions` (most recently
   * used first; about 200 bytes per symbol). Default 4; 0 turns the cache off and every lookup
   * scans the graph.
   */
  nameCacheSize?: number;
  /**
   * Dropping a snapshot deletes the nodes no remaining snapshot sees (with their edges) every
   * time, but the scan for the few other unseen edges (closed while both their ends stayed, e.g.
   * a call into a file that later changed) only on every this-many-th generation dropped. Left
   * behind meanwhile, such edges are invisible to every query; the scan is most of the drop's
   * cost (0.27 of 0.34 s at 110k chunks). Default 8; 1 scans on every drop.
   */
  edgeSweepEvery?: number;
}

interface Opened {
  db: KuzuDatabaseLike;
  conn: KuzuConnectionLike;
  /** Opens another connection to `db` (see `#beside`). */
  connect: () => Promise<KuzuConnectionLike>;
}

const COMPONENT = 'index-symbol';
const SYMBOL_FIELDS = 's.id AS id, s.name AS name, s.fqn AS fqn, s.kind AS kind, s.file AS file, s.startLine AS startLine, s.endLine AS endLine, s.chunkId AS chunkId, s.ownerId AS ownerId, s.language AS language, s.visibility AS visibility';
const CHUNK_KIND: Partial<Record<SymbolKind, ChunkKind>> = {
  class: 'class',
  interface: 'interface',
  struct: 'struct',
  enum: 'enum',
  trait: 'trait',
  type: 'type',
  function: 'function',
  method: 'method',
  constructor: 'method',
  namespace: 'namespace',
  module: 'namespace',
};

/**
 * The symbol index on an embedded Kuzu property graph: where a name is defined, who calls it,
 * what it calls, who references, extends or implements it, what a file imports, and a name
 * search that returns the defining chunk for the retrieval facade.
 *
 * One writer per database: the indexer opens it read-write, servers read-only. A second writer
 * gets a {@link ConflictError} naming the lock instead of a crash. Every query result is closed
 * before the next statement, so closing the database never finds one open (Kuzu would crash).
 *
 * ```ts
 * await using symbols = new KuzuSymbolIndex({ path: '.trawl/symbols.kuzu' })
 * await symbols.reindexRepo(content)
 * const callers = await symbols.callers({ repoId, snapshotId }, 'parseFile', { depth: 2 })
 * ```
 */
export class KuzuSymbolIndex implements SymbolIndex {
  readonly name = 'symbol' as const;
  readonly #options: KuzuSymbolIndexOptions;
  #opening: Promise<Opened> | null = null;
  #opened: Opened | null = null;
  /** The statements queued on each connection (see `#inLane`). */
  readonly #lanes: Record<'main' | 'side', Promise<unknown>> = { main: Promise.resolve(), side: Promise.resolve() };
  #closed = false;
  #closing = false;
  #closePromise: Promise<void> | null = null;
  /** Prepared statements by connection (a statement prepared on one cannot run on another). */
  #prepared = new WeakMap<KuzuConnectionLike, Map<string, KuzuPreparedStatementLike>>();
  /** The second connection, for reads that can run beside the first's (`#beside`). */
  #side: Promise<KuzuConnectionLike> | null = null;
  /** Name tables by `repo\0snapshot`, least recently used first. */
  readonly #nameTables: SnapshotCache<SymbolNameTable>;

  constructor(options: KuzuSymbolIndexOptions) {
    if (!options?.path) throw new InvalidInputError('KuzuSymbolIndex needs a database path (or ":memory:")', { component: COMPONENT });
    if (options.edgeSweepEvery !== undefined && !(Number.isInteger(options.edgeSweepEvery) && options.edgeSweepEvery >= 1)) {
      throw new InvalidInputError(`edgeSweepEvery must be a whole number of 1 or more, got ${options.edgeSweepEvery}`, { component: COMPONENT });
    }
    this.#options = options;
    this.#nameTables = new SnapshotCache(options.nameCacheSize ?? 4);
  }

  get path(): string {
    return this.#options.path;
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  #open(): Promise<Opened> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError(`the symbol index at ${this.path} is closed`, { component: COMPONENT }));
    this.#opening ??= this.#doOpen().catch((error) => {
      this.#opening = null;
      throw error;
    });
    return this.#opening;
  }

  async #doOpen(): Promise<Opened> {
    const { path, readOnly = false } = this.#options;
    const driver = typeof this.#options.driver === 'function' ? await this.#options.driver() : (this.#options.driver ?? (await loadDefaultKuzuDriver()));
    const inMemory = path === ':memory:' || path === '';
    if (!inMemory) {
      if (readOnly) {
        const exists = await stat(path).then(() => true, () => false);
        if (!exists) throw new NotFoundError(`no symbol index at ${path}: index a repository first (readers open it read-only and cannot create it)`, { component: COMPONENT });
      } else {
        await mkdir(dirname(path), { recursive: true });
      }
    }
    const db = new driver.Database(inMemory ? ':memory:' : path, this.#options.bufferPoolBytes ?? 256 * 1024 * 1024, true, readOnly);
    try {
      await db.init();
    } catch (cause) {
      // A database that failed to open must not be closed (Kuzu would retry the open and throw).
      throw mapKuzuError(cause, path);
    }
    const connect = async () => {
      const c = new driver.Connection(db, this.#options.threads);
      await c.init();
      return c;
    };
    const conn = new driver.Connection(db, this.#options.threads);
    try {
      await conn.init();
      const opened = { db, conn, connect };
      this.#opened = opened;
      if (!readOnly) await this.#ensureSchema(conn);
      return opened;
    } catch (error) {
      this.#opened = null;
      await conn.close().catch(() => undefined);
      await db.close().catch(() => undefined);
      throw error instanceof TrawlError ? error : mapKuzuError(error, path);
    }
  }

  async #ensureSchema(conn: KuzuConnectionLike): Promise<void> {
    for (const statement of SCHEMA_STATEMENTS) await rawQuery(conn, statement, this.path);
    const rows = await rawQuery(conn, `MATCH (m:TrawlMeta {key: 'schema'}) RETURN m.value AS v`, this.path);
    if (!rows.length) await rawQuery(conn, `CREATE (:TrawlMeta {key: 'schema', value: '${SYMBOL_SCHEMA_VERSION}'})`, this.path);
    else if (rows[0]!.v !== SYMBOL_SCHEMA_VERSION) {
      throw new ConflictError(`the symbol index at ${this.path} has schema version ${String(rows[0]!.v)}, this version needs ${SYMBOL_SCHEMA_VERSION}: delete it (and ${this.path}.wal) and rebuild with a full index (\`trawl index <path> --full\`, or indexRepository({ incremental: false })); an incremental run would load only the changed files`, { component: COMPONENT });
    }
  }

  /** Runs `fn` alone on the connection: Kuzu statements of one connection never overlap. */
  #exclusive<T>(fn: (conn: KuzuConnectionLike) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#inLane('main', async () => (await this.#open()).conn, fn, signal);
  }

  /**
   * Runs `fn` alone on a second connection, beside the first's statements: for reads an
   * incremental run makes while it parses (`relinkScope` beside `linkContext`), which Kuzu runs
   * in parallel. Its statements see what the first connection committed.
   */
  #beside<T>(fn: (conn: KuzuConnectionLike) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#inLane('side', async () => {
      const opened = await this.#open();
      this.#side ??= opened.connect().catch((error) => {
        this.#side = null;
        throw mapKuzuError(error, this.path);
      });
      return this.#side;
    }, fn, signal);
  }

  /** Queues `fn` on a connection's lane: after the lane's previous statements, refused once closing. */
  #inLane<T>(lane: 'main' | 'side', connection: () => Promise<KuzuConnectionLike>, fn: (conn: KuzuConnectionLike) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#closing) return Promise.reject(new BackendUnavailableError(`the symbol index at ${this.path} is closed`, { component: COMPONENT }));
    const run = this.#lanes[lane].then(async () => {
      throwIfAborted(signal, COMPONENT);
      return fn(await connection());
    });
    this.#lanes[lane] = run.catch(() => undefined);
    return run;
  }

  async #query(conn: KuzuConnectionLike, statement: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<Record<string, unknown>[]> {
    conn.setQueryTimeout(Math.max(1, Math.round(timeoutMs)));
    let result;
    const started = this.#options.onStatement ? performance.now() : 0;
    try {
      if (params) {
        const prepared = await this.#preparedStatement(conn, statement);
        // Kuzu refuses parameters a statement does not use: shared parameter objects are trimmed
        // (one scan of the statement's `$names`, not a regular expression built per parameter:
        // an edge statement has 28).
        const used = new Set(statement.match(/(?<=\$)\w+/g));
        result = await conn.execute(prepared, Object.fromEntries(Object.entries(params).filter(([k]) => used.has(k))));
      } else {
        result = await conn.query(statement);
      }
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return last ? await last.getAll() : [];
    } catch (cause) {
      throw mapKuzuError(cause, this.path, timeoutMs);
    } finally {
      closeResults(result);
      this.#options.onStatement?.(statement, performance.now() - started);
    }
  }

  /** The statement prepared on `conn`, from the cache (most recently used last) or prepared now. */
  async #preparedStatement(conn: KuzuConnectionLike, statement: string): Promise<KuzuPreparedStatementLike> {
    let cache = this.#prepared.get(conn);
    if (!cache) this.#prepared.set(conn, (cache = new Map()));
    let prepared = cache.get(statement);
    if (prepared) {
      cache.delete(statement);
      cache.set(statement, prepared);
      return prepared;
    }
    prepared = await conn.prepare(statement);
    const p = prepared as { isSuccess?: () => boolean; getErrorMessage?: () => string };
    if (p.isSuccess && !p.isSuccess()) throw new Error(p.getErrorMessage?.() ?? 'prepare failed');
    cache.set(statement, prepared);
    // Statements that name generations in their text (dropping one) are new on every run:
    // the cache keeps the most recently used, not every statement ever prepared.
    if (cache.size > PREPARED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return prepared;
  }

  /**
   * Called by the indexer before a run writes (after its scan): opens the database and prepares
   * the statements of an incremental run, queued on the connection without waiting, so that it
   * happens while the run parses. Kuzu plans a statement in 1-20 ms; an incremental run prepares
   * some 30, which a process's first run paid on its critical path (74 of 299 ms at 60 MB).
   * A failure here is left to the run's own statements to report.
   */
  async prepare(): Promise<void> {
    if (this.#options.readOnly || this.#closing) return;
    const { main, beside } = warmStatements();
    void this.#exclusive(async (conn) => {
      for (const statement of main) if (!this.#closing) await this.#preparedStatement(conn, statement);
    }).catch(() => undefined);
    void this.#beside(async (conn) => {
      for (const statement of beside) if (!this.#closing) await this.#preparedStatement(conn, statement);
    }).catch(() => undefined);
  }

  /** Closes the connection and the database once every pending statement is done. Safe to call twice. */
  close(): Promise<void> {
    this.#closePromise ??= this.#doClose();
    return this.#closePromise;
  }

  async #doClose(): Promise<void> {
    this.#closing = true;
    // Statements already queued finish first; new ones are refused.
    await Promise.all(Object.values(this.#lanes));
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = null;
    const opened = this.#opened ?? (opening ? await opening.catch(() => null) : null);
    this.#opened = null;
    this.#prepared = new WeakMap();
    const side = this.#side ? await this.#side.catch(() => null) : null;
    this.#side = null;
    await side?.close().catch(() => undefined);
    if (!opened) return;
    await opened.conn.close().catch(() => undefined);
    await opened.db.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async healthCheck(options: CallOptions = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      const rows = await this.#exclusive((conn) => this.#query(conn, 'MATCH (s:Symbol) RETURN count(*) AS n', undefined, 5000), options.signal);
      return { ok: true, latencyMs: performance.now() - started, details: { path: this.path, readOnly: !!this.#options.readOnly, symbols: Number(rows[0]?.n ?? 0) } };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, error: (error as Error).message };
    }
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    this.#assertWritable();
    const input: GraphInput = { files: content.files, symbols: content.symbols, chunks: content.chunks, relations: content.relations };
    const counts = await this.#exclusive(async (conn) => {
      await this.#dropGeneration(conn, content.snapshot);
      const generation = await this.#beginGeneration(conn, content.snapshot, null);
      const counts = await this.#load(conn, content.snapshot, input, generation, options.signal);
      await this.#finishGeneration(conn, content.snapshot);
      return counts;
    }, options.signal);
    return { index: 'symbol', durationMs: performance.now() - started, itemsIndexed: content.symbols.length, details: { ...counts, strategy: this.#strategy() } };
  }

  /**
   * Builds the new snapshot from the base one. When the base is the newest generation of its
   * chain (the usual case: the indexer builds on the latest ready snapshot), the new snapshot
   * continues the chain in place: the nodes and edges of changed and deleted files are closed
   * (`died = gen`, so the base still sees them), and only the changed files' graph is loaded; the
   * rest of the graph is shared, not copied. Otherwise (the base has newer finished generations
   * after it) the base's graph is copied inside Kuzu into a new chain. Either way, edges from
   * unchanged files into a changed file are re-pointed at the new symbol of the same id, or kept
   * unresolved by name when it is gone.
   */
  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    this.#assertWritable();
    const replaced = [...new Set([...delta.changedPaths, ...delta.deletedPaths])];
    const baseRef: SnapshotRef = { repoId: delta.snapshot.repoId, snapshotId: delta.baseSnapshotId };
    // A small delta (a few changed files: the usual case) is one transaction: some 70 statements
    // committed once instead of each on its own, and a run killed midway leaves nothing behind.
    // A large one is loaded through COPY from CSV files, statement by statement, as a full load is.
    const small = this.#strategy() === 'unwind' || deltaRows(delta) <= (this.#options.smallLoadRows ?? SMALL_LOAD_ROWS);
    const result = await this.#exclusive((conn) => this.#transaction(conn, small, async () => {
      await this.#dropGeneration(conn, delta.snapshot);
      let base = await this.#generation(conn, baseRef);
      let shared = false;
      if (base) {
        // Generations after the base in its chain that never finished (a killed run) are rolled back.
        const later = (await this.#chainGenerations(conn, delta.snapshot.repoId, base.chain)).filter((g) => g.gen > base!.gen);
        if (later.every((g) => g.state !== 'done')) {
          for (const g of later) await this.#dropGeneration(conn, { repoId: delta.snapshot.repoId, snapshotId: g.snap });
          // (read again only when something was rolled back: the usual run has nothing after its base)
          if (later.length) base = await this.#generation(conn, baseRef);
          shared = !!base;
        }
      }
      const generation = await this.#beginGeneration(conn, delta.snapshot, shared ? base!.chain : null);
      const carried = base
        ? shared
          ? await this.#continueChain(conn, delta.snapshot.repoId, generation, replaced, options.signal)
          : await this.#copyChain(conn, delta.snapshot, base, generation, replaced, options.signal)
        : { inbound: [], files: 0 };
      const input: GraphInput = {
        files: delta.files,
        symbols: delta.symbols,
        chunks: delta.chunks.filter((c) => c.kind !== 'project' && c.kind !== 'module'),
        relations: [...delta.relations, ...carried.inbound],
      };
      const existing = await this.#existingNodes(conn, delta.snapshot.repoId, generation, input, new Set(replaced));
      const counts = await this.#load(conn, delta.snapshot, input, generation, options.signal, existing, small);
      await this.#finishGeneration(conn, delta.snapshot);
      return { counts, carriedFiles: carried.files, shared };
    }), options.signal);
    return {
      index: 'symbol',
      durationMs: performance.now() - started,
      itemsIndexed: delta.symbols.length,
      fullRebuild: false,
      ...(result.carriedFiles > 0 ? {} : { note: `base snapshot ${delta.baseSnapshotId} has no files in the symbol index: only the changed files were indexed` }),
      details: { ...result.counts, carriedFiles: result.carriedFiles, sharedWithBase: result.shared, strategy: this.#strategy() },
    };
  }

  /**
   * The unchanged files of `change.base` whose links `change` alters (see kuzu-relink-scope.ts):
   * the indexer has them linked again and passes them in the delta (`relinkedPaths`), where
   * they are replaced like changed files. A base this index does not have gives an empty scope.
   */
  async relinkScope(change: RelinkChange, options: CallOptions = {}): Promise<RelinkScope> {
    return this.#beside(async (conn) => {
      const scope = await this.#scope(conn, change.base);
      if (scope.gen < 0) return { paths: [] };
      return relinkScopeOf(change, scope, (statement, params) => {
        throwIfAborted(options.signal, COMPONENT);
        return this.#query(conn, statement, params, WRITE_TIMEOUT);
      });
    }, options.signal);
  }

  /**
   * The symbols of `snapshot` an incremental run links against that stored chunks lack (see
   * `SearchIndex.linkContext`): members without a chunk of their own (interface and trait method
   * signatures, abstract methods; their chunk is their owner's) named in `need.names` or defined
   * in `need.filePaths`, outside `exceptPaths`, with their owners. At 60 MB, one in nine symbols
   * is one. Null when this index does not hold `snapshot`.
   */
  async linkContext(snapshot: SnapshotRef, need: SymbolContextNeed, options: CallOptions & { exceptPaths?: readonly string[] } = {}): Promise<SymbolDefinition[] | null> {
    return this.#exclusive(async (conn) => {
      const scope = await this.#scope(conn, snapshot);
      if (scope.gen < 0) return null;
      // (Kuzu ends the process on an empty list parameter: a path no file has stands in)
      const params = { ...scope, except: options.exceptPaths?.length ? [...options.exceptPaths] : ['\u0000'] };
      const rows: Record<string, unknown>[] = [];
      if (need.names.length) rows.push(...(await this.#query(conn, need.names.length > MANY_NAMES ? LINK_CONTEXT.manyNamed : LINK_CONTEXT.named, { ...params, names: [...need.names] }, WRITE_TIMEOUT)));
      throwIfAborted(options.signal, COMPONENT);
      if (need.filePaths.length) rows.push(...(await this.#query(conn, LINK_CONTEXT.inFiles, { ...params, files: [...need.filePaths] }, WRITE_TIMEOUT)));
      const symbols = linkingSymbols(rows);
      // Owners arrive without the bases their chunks record: a member is looked up through them.
      const types = symbols.filter((s) => TYPE_KINDS.has(s.kind)).map((s) => s.id);
      if (types.length) {
        const bases = new Map<string, string[]>();
        for (const r of await this.#query(conn, LINK_CONTEXT.bases, { ...scope, ids: types }, WRITE_TIMEOUT)) bases.set(String(r.id), [...(bases.get(String(r.id)) ?? []), String(r.toName)]);
        for (const s of symbols) if (bases.has(s.id)) s.bases = bases.get(s.id);
      }
      return symbols;
    }, options.signal);
  }

  // Generations: a snapshot is generation `gen` of chain `chain` (see kuzu-symbol-schema.ts).

  async #generation(conn: KuzuConnectionLike, ref: SnapshotRef): Promise<GenerationRecord | null> {
    const rows = await this.#query(conn, GENERATION_BY_KEY, { key: generationKey(ref) }, WRITE_TIMEOUT);
    return rows.length ? toGeneration(rows[0]!) : null;
  }

  async #chainGenerations(conn: KuzuConnectionLike, repoId: string, chain: number): Promise<GenerationRecord[]> {
    const rows = await this.#query(conn, CHAIN_GENERATIONS, { repo: repoId, chain }, WRITE_TIMEOUT);
    return rows.map(toGeneration);
  }

  /** A new generation number (never reused), registered as `building` in `chain` (a new chain when null). */
  async #beginGeneration(conn: KuzuConnectionLike, ref: SnapshotRef, chain: number | null): Promise<Generation> {
    const rows = await this.#query(conn, "MATCH (m:TrawlMeta {key: 'generation'}) RETURN m.value AS v", undefined, WRITE_TIMEOUT);
    const gen = rows.length ? Number(rows[0]!.v) + 1 : 1;
    if (rows.length) await this.#query(conn, SET_GENERATION_COUNTER, { v: String(gen) }, WRITE_TIMEOUT);
    else await this.#query(conn, "CREATE (:TrawlMeta {key: 'generation', value: $v})", { v: String(gen) }, WRITE_TIMEOUT);
    const generation = { gen, chain: chain ?? gen };
    await this.#query(
      conn,
      CREATE_GENERATION,
      { key: generationKey(ref), repo: ref.repoId, snap: ref.snapshotId, ...generation },
      WRITE_TIMEOUT,
    );
    return generation;
  }

  async #finishGeneration(conn: KuzuConnectionLike, ref: SnapshotRef): Promise<void> {
    await this.#query(conn, FINISH_GENERATION, { key: generationKey(ref) }, WRITE_TIMEOUT);
  }

  /**
   * Removes one snapshot: its generation goes; nodes and edges no remaining generation of the
   * chain sees are deleted; when it was the newest of its chain, what it added is deleted and
   * what it closed is reopened (so the chain can continue from the generation before it).
   */
  async #dropGeneration(conn: KuzuConnectionLike, ref: SnapshotRef): Promise<void> {
    this.#nameTables.forget(ref.repoId, ref.snapshotId);
    const dropped = await this.#generation(conn, ref);
    if (!dropped) return;
    const run = (statement: string, params?: Record<string, unknown>) => this.#query(conn, statement, params, WRITE_TIMEOUT);
    // The generation record goes last: a drop cut short (a killed process) is found and finished
    // by the next one, and every step below can run twice.
    const live = (await this.#chainGenerations(conn, ref.repoId, dropped.chain)).map((g) => g.gen).filter((g) => g !== dropped.gen);
    const params = { repo: ref.repoId, chain: dropped.chain };
    const inChain = (v: string) => `${v}.repo = $repo AND ${v}.chain = $chain`;
    if (!live.length) {
      for (const table of NODE_TABLES) await run(`MATCH (n:${table}) WHERE ${inChain('n')} DETACH DELETE n`, params);
    } else {
      const head = Math.max(...live);
      if (dropped.gen > head) {
        const p = { ...params, head, alive: ALIVE };
        for (const table of NODE_TABLES) await run(`MATCH (n:${table}) WHERE ${inChain('n')} AND n.born > $head DETACH DELETE n`, p);
        await run(`MATCH (a)-[e]->(b) WHERE ${inChain('a')} AND e.born > $head DELETE e`, p);
        for (const table of NODE_TABLES) await run(`MATCH (n:${table}) WHERE ${inChain('n')} AND n.died > $head AND n.died < $alive SET n.died = $alive`, p);
        await run(`MATCH (a)-[e]->(b) WHERE ${inChain('a')} AND e.died > $head AND e.died < $alive SET e.died = $alive`, p);
      }
      // Garbage: what no remaining generation sees (the closed versions of files changed since).
      const seen = (v: string) => live.map((l) => `(${v}.born <= ${l} AND ${v}.died > ${l})`).join(' OR ');
      for (const table of NODE_TABLES) await run(`MATCH (n:${table}) WHERE ${inChain('n')} AND NOT (${seen('n')}) DETACH DELETE n`, params);
      if (dropped.gen % (this.#options.edgeSweepEvery ?? EDGE_SWEEP_EVERY) === 0) await run(`MATCH (a)-[e]->(b) WHERE ${inChain('a')} AND NOT (${seen('e')}) DELETE e`, params);
    }
    await run('MATCH (g:Generation {key: $key}) DELETE g', { key: generationKey(ref) });
  }

  /**
   * Continues the base's chain: closes the nodes of replaced files and every edge touching them,
   * and returns the edges from unchanged files into replaced ones for the load to re-resolve.
   */
  async #continueChain(conn: KuzuConnectionLike, repoId: string, generation: Generation, replaced: readonly string[], signal?: AbortSignal): Promise<{ inbound: SymbolRelation[]; files: number }> {
    const run = async (statement: string, params: Record<string, unknown>) => {
      throwIfAborted(signal, COMPONENT);
      return this.#query(conn, statement, params, WRITE_TIMEOUT);
    };
    const p = { repo: repoId, chain: generation.chain, gen: generation.gen, alive: ALIVE, paths: [...replaced] };
    const inbound: SymbolRelation[] = [];
    if (replaced.length) {
      // Edges from unchanged files into replaced ones, before they close: into their symbols in
      // one query over every symbol edge table (one scan of the chain's symbols, where a query
      // per table scanned them four times: 70-90 -> 21-26 ms at 60 MB), then into the files.
      const kindOf = new Map(Object.entries(RELATION_TABLES).map(([kind, table]) => [table as string, kind]));
      for (const r of await run(CONTINUE_CHAIN.intoSymbols, p)) inbound.push(inboundRelation(kindOf.get(String(r.rel))!, 'Symbol', r));
      for (const r of await run(CONTINUE_CHAIN.intoFiles, p)) inbound.push(inboundRelation('imports', 'File', r));
      for (const statement of CONTINUE_CHAIN.close) await run(statement, p);
    }
    const files = await run(CONTINUE_CHAIN.countFiles, p);
    return { inbound, files: Number(files[0]?.n ?? 0) };
  }

  /**
   * Starts a new chain from a base that is not the newest of its own: copies the base's graph
   * of every unchanged file inside Kuzu (`COPY ... FROM (MATCH ...)`, no round trip through
   * JavaScript), and returns the edges from unchanged files into replaced ones.
   */
  async #copyChain(conn: KuzuConnectionLike, next: SnapshotRef, base: GenerationRecord, generation: Generation, replaced: readonly string[], signal?: AbortSignal): Promise<{ inbound: SymbolRelation[]; files: number }> {
    const copiedPrefix = cypherString(keyPrefix(generation.gen, true));
    const R = cypherString(next.repoId);
    const N = cypherString(next.snapshotId);
    const EX = `[${(replaced.length ? replaced : ['\u0000']).map(cypherString).join(', ')}]`;
    const life = `${generation.chain} AS chain, ${generation.gen} AS born, ${ALIVE} AS died`;
    // (a copied node's key is derived from its old one, so the edges copied next find both ends)
    const rekey = (v: string) => `${copiedPrefix} + ${v}.key`;
    const kept = (v: string, label: string) => (label === 'File' ? `NOT list_contains(${EX}, ${v}.path)` : label === 'External' ? 'true' : `NOT list_contains(${EX}, ${v}.file)`);
    const inBase = (v: string) => `${v}.repo = ${R} AND ${v}.chain = ${base.chain} AND ${v}.born <= ${base.gen} AND ${v}.died > ${base.gen}`;
    const edgeInBase = (e: string) => `${e}.born <= ${base.gen} AND ${e}.died > ${base.gen}`;
    const run = async (statement: string) => {
      throwIfAborted(signal, COMPONENT);
      return this.#query(conn, statement, undefined, WRITE_TIMEOUT);
    };
    await run(`COPY File FROM (MATCH (n:File) WHERE ${inBase('n')} AND ${kept('n', 'File')} RETURN ${rekey('n')}, n.repo, ${N}, n.path, n.language, ${life})`);
    await run(`COPY Symbol FROM (MATCH (n:Symbol) WHERE ${inBase('n')} AND ${kept('n', 'Symbol')} RETURN ${rekey('n')}, n.repo, ${N}, n.id, n.name, n.lname, n.fqn, n.kind, n.file, n.startLine, n.endLine, n.chunkId, n.ownerId, n.language, n.visibility, ${life})`);
    await run(`COPY Chunk FROM (MATCH (n:Chunk) WHERE ${inBase('n')} AND ${kept('n', 'Chunk')} RETURN ${rekey('n')}, n.repo, ${N}, n.id, n.kind, n.fqn, n.file, n.startLine, n.endLine, ${life})`);
    await run(`COPY External FROM (MATCH (n:External) WHERE ${inBase('n')} RETURN ${rekey('n')}, n.repo, ${N}, n.name, n.lname, ${life})`);
    for (const [table, from, to, props] of EDGE_PAIRS) {
      const pair = MULTI_PAIR_TABLES.has(table) ? ` (from='${from}', to='${to}')` : '';
      await run(
        `COPY ${table} FROM (MATCH (a:${from})-[e:${table}]->(b:${to}) WHERE ${inBase('a')} AND ${edgeInBase('e')} AND ${kept('a', from)} AND ${kept('b', to)} RETURN ${rekey('a')}, ${rekey('b')}${props.map((p) => `, e.${p}`).join('')}, ${generation.gen} AS born, ${ALIVE} AS died)${pair}`,
      );
    }
    const inbound: SymbolRelation[] = [];
    for (const [kind, table] of Object.entries(RELATION_TABLES)) {
      const toLabel = kind === 'imports' ? 'File' : 'Symbol';
      const rows = await run(
        `MATCH (a)-[e:${table}]->(b:${toLabel}) WHERE ${inBase('b')} AND ${edgeInBase('e')} AND NOT list_contains(${EX}, e.file) AND list_contains(${EX}, ${toLabel === 'File' ? 'b.path' : 'b.file'}) RETURN a, ${toLabel === 'File' ? "'' AS toId, b.path AS toPath" : "b.id AS toId, '' AS toPath"}, e.line AS line, e.toName AS toName, e.file AS file`,
      );
      for (const r of rows) inbound.push(inboundRelation(kind, toLabel, r));
    }
    const files = await run(`MATCH (n:File) WHERE n.repo = ${R} AND n.chain = ${generation.chain} RETURN count(*) AS n`);
    return { inbound, files: Number(files[0]?.n ?? 0) };
  }

  /**
   * The nodes of the generation that the load's rows refer to (by id), with their keys. Nodes of
   * the `replaced` paths are not looked for: the generation has none alive (closed, or not
   * copied), and each lookup scans its whole table (an incremental run's chunks all lie in
   * replaced files: its chunk lookup, 18-34 ms at 60 MB, is skipped).
   */
  async #existingNodes(conn: KuzuConnectionLike, repoId: string, generation: Generation, input: GraphInput, replaced: ReadonlySet<string> = new Set()): Promise<ExistingNodes> {
    const files = new Set<string>();
    const symbols = new Set<string>();
    const chunks = new Set<string>();
    const externals = new Set<string>();
    const ref = (id: string | null | undefined) => {
      if (!id) return;
      if (id.startsWith('file:')) files.add(id.slice(5));
      else symbols.add(id);
    };
    for (const f of input.files) files.add(f.path);
    for (const s of input.symbols) {
      files.add(s.filePath);
      symbols.add(s.id);
      ref(s.ownerId);
      if (s.chunkId) chunks.add(s.chunkId);
    }
    for (const c of input.chunks) {
      files.add(c.filePath);
      chunks.add(c.id);
      if (c.parentId) chunks.add(c.parentId);
    }
    for (const r of input.relations) {
      ref(r.fromId);
      ref(r.toId);
      externals.add(r.toName);
    }
    if (replaced.size > 0) {
      for (const path of replaced) files.delete(path);
      for (const sym of input.symbols) if (replaced.has(sym.filePath)) symbols.delete(sym.id);
      for (const c of input.chunks) if (replaced.has(c.filePath)) chunks.delete(c.id);
    }
    const p = { repo: repoId, chain: generation.chain, alive: ALIVE };
    const lookup = async (table: string, idProp: string, ids: Set<string>) => {
      if (!ids.size) return new Map<string, string>();
      const rows = await this.#query(conn, existingNodesStatement(table, idProp), { ...p, ids: [...ids] }, WRITE_TIMEOUT);
      return new Map(rows.map((r) => [String(r.id), String(r.key)]));
    };
    return {
      files: await lookup(...EXISTING_NODES.files, files),
      symbols: await lookup(...EXISTING_NODES.symbols, symbols),
      chunks: await lookup(...EXISTING_NODES.chunks, chunks),
      externals: await lookup(...EXISTING_NODES.externals, externals),
    };
  }

  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    this.#assertWritable();
    await this.#exclusive(async (conn) => {
      if (snapshotId !== undefined) return this.#dropGeneration(conn, { repoId, snapshotId });
      this.#nameTables.forget(repoId);
      for (const table of [...NODE_TABLES, 'Generation']) await this.#query(conn, `MATCH (n:${table}) WHERE n.repo = $repo DETACH DELETE n`, { repo: repoId }, WRITE_TIMEOUT);
    }, options.signal);
  }

  #assertWritable(): void {
    if (this.#options.readOnly) throw new ConflictError(`the symbol index at ${this.path} is open read-only: writes go through the indexer's read-write instance`, { component: COMPONENT });
  }

  #strategy(): 'copy' | 'unwind' {
    return this.#options.loadStrategy ?? 'copy';
  }

  /** Runs `fn` in one Kuzu transaction when `enabled` (rolled back if it throws), else as it is. */
  async #transaction<T>(conn: KuzuConnectionLike, enabled: boolean, fn: () => Promise<T>): Promise<T> {
    if (!enabled) return fn();
    await this.#query(conn, 'BEGIN TRANSACTION', undefined, WRITE_TIMEOUT);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.#query(conn, 'ROLLBACK', undefined, WRITE_TIMEOUT).catch(() => undefined);
      throw error;
    }
    await this.#query(conn, 'COMMIT', undefined, WRITE_TIMEOUT);
    return result;
  }

  /**
   * Loads the rows; `small` (a transaction is open) keeps to prepared statements even when the
   * edges into the delta's files made the load larger than estimated.
   */
  async #load(conn: KuzuConnectionLike, ref: SnapshotRef, input: GraphInput, generation: Generation, signal?: AbortSignal, existing?: ExistingNodes, small = false): Promise<Record<string, number>> {
    const { nodes, edges, counts } = buildGraphRows(ref, input, generation, existing);
    const run = async (statement: string, params?: Record<string, unknown>) => {
      throwIfAborted(signal, COMPONENT);
      await this.#query(conn, statement, params, WRITE_TIMEOUT);
    };
    // COPY pays a temporary file and a fixed cost per table (~0.1 s): small loads (an incremental
    // run's changed files) go through prepared UNWIND statements instead.
    const rows = [...nodes, ...edges].reduce((n, t) => n + t.rows.length, 0);
    if (small || this.#strategy() === 'unwind' || rows <= (this.#options.smallLoadRows ?? SMALL_LOAD_ROWS)) await unwindTables(run, [...nodes, ...edges]);
    else await copyTables(run, [...nodes, ...edges], this.#options.tempDir);
    return counts;
  }

  /**
   * The parameters of {@link visible} for a snapshot: its repository, chain and generation (a
   * generation no node has when the snapshot is not indexed here, so queries find nothing).
   */
  async #scope(conn: KuzuConnectionLike, snapshot: SnapshotRef): Promise<{ repo: string; chain: number; gen: number }> {
    const g = await this.#generation(conn, snapshot);
    return { repo: snapshot.repoId, chain: g?.chain ?? -1, gen: g?.gen ?? -1 };
  }

  // ------------------------------------------------------------------------------------------
  // Queries

  #bounds(options: SymbolQueryOptions | SearchOptions = {}): { limit: number; timeoutMs: number } {
    const max = this.#options.maxLimit ?? 1000;
    const requested = options.limit ?? this.#options.defaultLimit ?? 50;
    if (!Number.isFinite(requested) || requested < 1) throw new InvalidQueryError(`limit must be a positive number, got ${requested}`, { component: COMPONENT });
    const timeoutMs = ('timeoutMs' in options && options.timeoutMs) || this.#options.defaultTimeoutMs || 10_000;
    return { limit: Math.min(Math.floor(requested), max), timeoutMs };
  }

  /**
   * The snapshot's name table, loaded on first use and cached (null when the cache is off). Runs
   * inside `#exclusive`, so it never sees a snapshot half written; writes drop the tables of the
   * snapshots they touch.
   */
  async #nameTable(conn: KuzuConnectionLike, snapshot: SnapshotRef): Promise<SymbolNameTable | null> {
    if (this.#nameTables.capacity <= 0) return null;
    return this.#nameTables.get(snapshot, async () => {
      const rows = await this.#query(conn, `MATCH (s:Symbol) WHERE ${visible('s')} RETURN ${SYMBOL_FIELDS}`, await this.#scope(conn, snapshot), 600_000);
      return new SymbolNameTable(rows.map(toSymbol));
    });
  }

  /** Loads the snapshot's symbol name table now (nothing when `nameCacheSize` is 0). */
  async warm(snapshot: SnapshotRef, options: CallOptions = {}): Promise<void> {
    await this.#exclusive((conn) => this.#nameTable(conn, snapshot), options.signal);
  }

  /** Definitions of a name (`save`), or of a qualified name (`ChunkStore.save`), optionally of one kind. */
  async definitions(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions = {}): Promise<SymbolDefinition[]> {
    const { limit, timeoutMs } = this.#bounds(options);
    const target = requireName(name);
    return this.#exclusive((conn) => this.#definitions(conn, snapshot, target, options.kind, limit, timeoutMs), options.signal);
  }

  async #definitions(conn: KuzuConnectionLike, snapshot: SnapshotRef, name: string, kind: SymbolKind | undefined, limit: number, timeoutMs: number): Promise<SymbolDefinition[]> {
    const { short, qualified } = splitName(name);
    const params: Record<string, unknown> = { ...(await this.#scope(conn, snapshot)), lname: short.toLowerCase(), limit: limit * 4 };
    let where = `${visible('s')} AND s.lname = $lname`;
    if (kind) {
      where += ' AND s.kind = $kind';
      params.kind = kind;
    }
    const table = await this.#nameTable(conn, snapshot);
    const rows = table
      ? table
          .named(short)
          .filter((s) => !kind || s.kind === kind)
          .sort((a, b) => (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : a.startLine - b.startLine))
          .slice(0, limit * 4)
      : (await this.#query(conn, `MATCH (s:Symbol) WHERE ${where} RETURN ${SYMBOL_FIELDS} ORDER BY s.file, s.startLine LIMIT $limit`, params, timeoutMs)).map(toSymbol);
    // Exact case first; qualified names must match the tail of the fqn.
    const matching = rows.filter((s) => !qualified || s.fqn.endsWith(`:${name}`) || s.fqn.endsWith(`.${name}`));
    const exact = matching.filter((s) => s.name === short);
    return (exact.length ? exact : matching).slice(0, limit);
  }

  /** Who calls `name`, up to `depth` hops (default 1), with the call site of each edge. */
  callers(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions = {}): Promise<SymbolMatch[]> {
    return this.#walk(snapshot, name, options, ['Calls'], 'in', 1);
  }

  /** What `name` calls, up to `depth` hops; unresolved callees (library calls) come with `id` `unresolved:<name>`. */
  callees(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions = {}): Promise<SymbolMatch[]> {
    return this.#walk(snapshot, name, options, ['Calls'], 'out', 1);
  }

  /** Everything that uses `name`: calls, type references, base-class and interface uses. */
  references(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions = {}): Promise<SymbolMatch[]> {
    return this.#walk(snapshot, name, options, ['Calls', 'RefersTo', 'Extends', 'Implements'], 'in', 1);
  }

  /** Subclasses and implementations of `name`, transitively up to `depth` (default 10). */
  implementations(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions = {}): Promise<SymbolMatch[]> {
    return this.#walk(snapshot, name, options, ['Extends', 'Implements'], 'in', 10);
  }

  /** The imports of one file, resolved to `file:<path>` where they name a repository file. */
  async imports(snapshot: SnapshotRef, filePath: string, options: SymbolQueryOptions = {}): Promise<SymbolRelation[]> {
    const { limit, timeoutMs } = this.#bounds(options);
    const rows = await this.#exclusive(
      async (conn) =>
        this.#query(
          conn,
          `MATCH (f:File)-[e:Imports]->(b) WHERE ${visible('f')} AND f.path = $path AND ${visibleEdge('e')} RETURN label(b) AS toLabel, b.path AS toPath, e.toName AS toName, e.line AS line ORDER BY e.line LIMIT $limit`,
          { ...(await this.#scope(conn, snapshot)), path: filePath, limit },
          timeoutMs,
        ),
      options.signal,
    );
    return rows.map((r) => ({
      kind: 'imports' as const,
      fromId: `file:${filePath}`,
      toId: r.toLabel === 'File' ? `file:${String(r.toPath)}` : null,
      toName: String(r.toName),
      resolved: r.toLabel === 'File',
      filePath,
      line: Number(r.line),
    }));
  }

  async #walk(snapshot: SnapshotRef, name: string, options: SymbolQueryOptions, tables: string[], direction: 'in' | 'out', defaultDepth: number): Promise<SymbolMatch[]> {
    const { limit, timeoutMs } = this.#bounds(options);
    const depth = Math.max(1, Math.min(options.depth ?? defaultDepth, 10));
    const target = requireName(name);
    const deadline = performance.now() + timeoutMs;
    return this.#exclusive(async (conn) => {
      const starts = await this.#definitions(conn, snapshot, target, options.kind, this.#options.maxLimit ?? 1000, timeoutMs);
      const scope = await this.#scope(conn, snapshot);
      // Nodes are shared between the snapshots of a chain: keys come from the graph, not the snapshot.
      let frontier = starts.length
        ? (await this.#query(conn, `MATCH (s:Symbol) WHERE ${visible('s')} AND s.id IN $ids RETURN s.key AS key`, { ...scope, ids: starts.map((s) => s.id) }, timeoutMs)).map((r) => String(r.key))
        : [];
      if (direction === 'in') {
        // Callers of a name that resolves nowhere in the repository (`fetch`, `console.log`).
        const { short } = splitName(target);
        const ext = await this.#query(conn, `MATCH (x:External) WHERE ${visible('x')} AND (x.name = $name OR x.lname = $lname) RETURN x.key AS key`, { ...scope, name: target, lname: short.toLowerCase() }, timeoutMs);
        frontier.push(...ext.map((r) => String(r.key)));
      }
      const seen = new Set(frontier);
      const out: SymbolMatch[] = [];
      const pattern = `[e:${tables.join('|')}]`;
      for (let level = 1; level <= depth && frontier.length && out.length < limit; level++) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new TimeoutError(`symbol query for "${target}" ran out of its ${timeoutMs} ms budget at depth ${level}`, { component: COMPONENT });
        const statement =
          direction === 'in'
            ? `MATCH (a)-${pattern}->(b) WHERE b.key IN $keys AND ${visibleEdge('e')} RETURN a, e.file AS siteFile, e.line AS siteLine ORDER BY siteFile, siteLine LIMIT $limit`
            : `MATCH (b)-${pattern}->(a) WHERE b.key IN $keys AND ${visibleEdge('e')} RETURN a, e.file AS siteFile, e.line AS siteLine ORDER BY siteFile, siteLine LIMIT $limit`;
        const rows = await this.#query(conn, statement, { keys: frontier, gen: scope.gen, limit: (limit - out.length) * 4 + 16 }, remaining);
        const next: string[] = [];
        for (const row of rows) {
          const r = row.a as Record<string, unknown>;
          const key = String(r.key);
          if (seen.has(key)) continue;
          seen.add(key);
          next.push(key);
          out.push({ symbol: rowToMatchSymbol(r), depth: level, site: row.siteFile ? { filePath: String(row.siteFile), line: Number(row.siteLine) } : null });
          if (out.length >= limit) break;
        }
        // Only symbols have further edges worth following (files and externals end a path).
        frontier = next;
      }
      return out;
    }, options.signal);
  }

  /**
   * Symbol-name search for the retrieval facade: identifier-like words of the query are matched
   * against symbol names (exact, then prefix, then substring; `Class.method` against qualified
   * names). Each hit names the chunk that defines the symbol.
   */
  async search(snapshot: SnapshotRef, query: string, options: SearchOptions & { kind?: SymbolKind } = {}): Promise<SearchHit[]> {
    const { limit, timeoutMs } = this.#bounds(options);
    const terms = extractTerms(query);
    if (!terms.length) return [];
    return this.#exclusive(async (conn) => {
      const best = new Map<string, { symbol: SymbolDefinition; score: number; term: string }>();
      const table = await this.#nameTable(conn, snapshot);
      for (const term of terms) {
        const { short, qualified } = splitName(term);
        const lname = short.toLowerCase();
        let candidates: SymbolDefinition[];
        if (table) {
          // Every symbol containing the term is scored (the scan below keeps the shortest names only).
          candidates = table.containing(lname);
          if (options.kind) candidates = candidates.filter((s) => s.kind === options.kind);
        } else {
          const params: Record<string, unknown> = { ...(await this.#scope(conn, snapshot)), q: lname, limit: Math.min(limit * 20, 2000) };
          let where = `${visible('s')} AND s.lname CONTAINS $q`;
          if (options.kind) {
            where += ' AND s.kind = $kind';
            params.kind = options.kind;
          }
          candidates = (await this.#query(conn, `MATCH (s:Symbol) WHERE ${where} RETURN ${SYMBOL_FIELDS} ORDER BY size(s.name), s.file LIMIT $limit`, params, timeoutMs)).map(toSymbol);
        }
        for (const s of candidates) {
          let score = scoreName(s, short, lname);
          if (qualified) score = s.fqn.endsWith(`:${term}`) || s.fqn.endsWith(`.${term}`) ? Math.max(score, 1) : score * 0.6;
          score += s.visibility === 'public' ? 0.02 : 0;
          score += s.kind === 'class' || s.kind === 'interface' ? 0.01 : 0;
          const prev = best.get(s.id);
          if (!prev || prev.score < score) best.set(s.id, { symbol: s, score, term });
        }
      }
      return [...best.values()]
        .sort((a, b) => b.score - a.score || a.symbol.fqn.length - b.symbol.fqn.length || (a.symbol.fqn < b.symbol.fqn ? -1 : 1))
        .slice(0, limit)
        .map(({ symbol: s, score, term }) => ({
          chunkId: s.chunkId ?? `symbol:${s.id}`,
          repoId: snapshot.repoId,
          snapshotId: snapshot.snapshotId,
          filePath: s.filePath,
          symbolId: s.id,
          score: Math.round(score * 1000) / 1000,
          index: 'symbol' as const,
          kind: CHUNK_KIND[s.kind] ?? null,
          name: s.name,
          startLine: s.startLine,
          endLine: s.endLine,
          matchedLines: [s.startLine],
          preview: s.fqn,
          mapping: s.chunkId ? ('exact' as const) : ('unmapped' as const),
          metadata: { symbolKind: s.kind, fqn: s.fqn, visibility: s.visibility, term },
        }));
    }, options.signal);
  }
}

function requireName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed) throw new InvalidQueryError('a symbol name is required', { component: COMPONENT });
  return trimmed;
}

/** `ChunkStore.save` -> short `save`, qualified; `save` -> short `save`. `::` and `#` count as dots. */
function splitName(name: string): { short: string; qualified: boolean } {
  const normal = name.replace(/::|#/g, '.');
  const parts = normal.split('.').filter(Boolean);
  return { short: parts[parts.length - 1] ?? normal, qualified: parts.length > 1 };
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'of', 'to', 'in', 'is', 'and', 'or', 'for', 'on', 'with', 'where', 'what', 'who', 'how', 'does', 'do', 'find', 'defined', 'definition', 'calls', 'call', 'function', 'method', 'class']);

/** Identifier-like words of a query, most specific first (at most 5). */
export function extractTerms(query: string): string[] {
  const words = query.match(/[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*/g) ?? [];
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const w of words) {
    if (seen.has(w) || (STOP_WORDS.has(w.toLowerCase()) && words.length > 1) || w.length < 2) continue;
    seen.add(w);
    terms.push(w);
  }
  const identifierness = (t: string) => (/[A-Z]/.test(t.slice(1)) || /[_.$]|::/.test(t) ? 1 : 0);
  return terms.sort((a, b) => identifierness(b) - identifierness(a)).slice(0, 5);
}

function scoreName(s: SymbolDefinition, short: string, lname: string): number {
  const name = s.name;
  const lower = name.toLowerCase();
  if (name === short) return 1;
  if (lower === lname) return 0.9;
  if (lower.startsWith(lname)) return 0.6 + 0.2 * (lname.length / lower.length);
  if (lower.endsWith(lname)) return 0.5 + 0.2 * (lname.length / lower.length);
  return 0.3 + 0.2 * (lname.length / lower.length);
}

function nullable(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

function toSymbol(r: Record<string, unknown>): SymbolDefinition {
  return {
    id: String(r.id),
    name: String(r.name),
    fqn: String(r.fqn),
    kind: r.kind as SymbolKind,
    filePath: String(r.file),
    startLine: Number(r.startLine),
    endLine: Number(r.endLine),
    chunkId: nullable(r.chunkId),
    ownerId: nullable(r.ownerId),
    language: nullable(r.language),
    visibility: nullable(r.visibility) as SymbolDefinition['visibility'],
  };
}

/** A row of a walk as a symbol: files stand in as `module` symbols, unresolved names as `unresolved:<name>`. */
function rowToMatchSymbol(r: Record<string, unknown>): SymbolDefinition {
  if (r._label === 'Symbol') return toSymbol(r);
  if (r._label === 'File') {
    const path = String(r.path);
    return { id: `file:${path}`, name: path.split('/').pop()!, fqn: path, kind: 'module', filePath: path, startLine: 1, endLine: 1, chunkId: null, ownerId: null, language: nullable(r.language), visibility: null };
  }
  const name = String(r.name);
  return { id: `unresolved:${name}`, name, fqn: name, kind: 'function', filePath: '', startLine: 0, endLine: 0, chunkId: null, ownerId: null, language: null, visibility: null };
}

async function rawQuery(conn: KuzuConnectionLike, statement: string, path: string): Promise<Record<string, unknown>[]> {
  let result;
  try {
    result = await conn.query(statement);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return last ? await last.getAll() : [];
  } catch (cause) {
    throw mapKuzuError(cause, path);
  } finally {
    closeResults(result);
  }
}

/** Kuzu's errors as Trawl errors: a held lock is a conflict, an interrupted query a timeout. */
export function mapKuzuError(cause: unknown, path: string, timeoutMs?: number): TrawlError {
  if (cause instanceof TrawlError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/could not set lock|lock on file/i.test(message)) {
    return new ConflictError(
      `the Kuzu database ${path} is locked by another process (Kuzu allows one read-write process, or several read-only ones while no writer is open): ${firstLine(message)}. Stop the other writer, or open this one with readOnly: true once it is done`,
      { component: COMPONENT, cause, context: { path, lock: path } },
    );
  }
  if (/interrupted/i.test(message)) return new TimeoutError(`symbol query exceeded its ${timeoutMs ?? '?'} ms budget and was interrupted`, { component: COMPONENT, cause });
  if (/read-only/i.test(message)) return new ConflictError(`the Kuzu database ${path} is open read-only: ${firstLine(message)}`, { component: COMPONENT, cause });
  if (/aborted/i.test(message)) return new AbortedError('symbol index operation aborted', { component: COMPONENT, cause });
  if (/does not exist|cannot find|not found/i.test(message) && /table|catalog/i.test(message)) {
    return new NotFoundError(`the symbol index at ${path} has no graph yet (${firstLine(message)}): index a repository first`, { component: COMPONENT, cause });
  }
  return new TrawlError('BACKEND_ERROR', `Kuzu failed: ${firstLine(message)}`, { component: COMPONENT, cause, context: { path } });
}

/** A Cypher string literal (COPY subqueries take no parameters). */
const MULTI_PAIR_TABLES = new Set(['Calls', 'RefersTo', 'Extends', 'Implements', 'Imports']);

const WRITE_TIMEOUT = 600_000;

/** Prepared statements kept per open database. */
const PREPARED_CACHE_SIZE = 256;

// The statements of an incremental run, named once: used where they run, and prepared ahead by
// `prepare()` (see `incrementalStatements`).
const GENERATION_BY_KEY = 'MATCH (g:Generation {key: $key}) RETURN g.gen AS gen, g.chain AS chain, g.state AS state, g.snap AS snap';
const CHAIN_GENERATIONS = 'MATCH (g:Generation) WHERE g.repo = $repo AND g.chain = $chain RETURN g.gen AS gen, g.chain AS chain, g.state AS state, g.snap AS snap ORDER BY g.gen';
const SET_GENERATION_COUNTER = "MATCH (m:TrawlMeta {key: 'generation'}) SET m.value = $v";
const CREATE_GENERATION = "CREATE (:Generation {key: $key, repo: $repo, snap: $snap, gen: $gen, chain: $chain, state: 'building'})";
const FINISH_GENERATION = "MATCH (g:Generation {key: $key}) SET g.state = 'done'";

/** What continuing a chain runs: the edges into replaced files, closing their nodes and edges, counting files. */
const CONTINUE_CHAIN = (() => {
  const alive = (v: string) => `${v}.repo = $repo AND ${v}.chain = $chain AND ${v}.died = $alive`;
  const closed = (v: string) => `${v}.repo = $repo AND ${v}.chain = $chain AND ${v}.died = $gen`;
  const symbolTables = Object.entries(RELATION_TABLES)
    .filter(([kind]) => kind !== 'imports')
    .map(([, table]) => table);
  return {
    intoSymbols: `MATCH (a)-[e:${symbolTables.join('|')}]->(b:Symbol) WHERE ${alive('b')} AND e.died = $alive AND list_contains($paths, b.file) AND NOT list_contains($paths, e.file)
         RETURN label(e) AS rel, a, b.id AS toId, '' AS toPath, e.line AS line, e.toName AS toName, e.file AS file`,
    intoFiles: `MATCH (a)-[e:${RELATION_TABLES.imports}]->(b:File) WHERE ${alive('b')} AND e.died = $alive AND list_contains($paths, b.path) AND NOT list_contains($paths, e.file)
         RETURN a, '' AS toId, b.path AS toPath, e.line AS line, e.toName AS toName, e.file AS file`,
    close: [
      `MATCH (n:File) WHERE ${alive('n')} AND list_contains($paths, n.path) SET n.died = $gen`,
      `MATCH (n:Symbol) WHERE ${alive('n')} AND list_contains($paths, n.file) SET n.died = $gen`,
      `MATCH (n:Chunk) WHERE ${alive('n')} AND list_contains($paths, n.file) SET n.died = $gen`,
      `MATCH (a)-[e]->(b) WHERE ${closed('a')} AND e.died = $alive SET e.died = $gen`,
      `MATCH (a)-[e]->(b) WHERE ${closed('b')} AND e.died = $alive SET e.died = $gen`,
    ],
    countFiles: `MATCH (n:File) WHERE ${alive('n')} RETURN count(*) AS n`,
  };
})();

/**
 * `linkContext`'s statements (parameters: the snapshot's scope, `$except` paths): members whose
 * chunk is their owner's, with the owner, in the columns linking reads (`linkingSymbols`: each
 * column read costs; 22 of them took 130 ms for 800 rows, these 10 take 60).
 */
const LINK_CONTEXT = (() => {
  const columns = 's.id AS id, s.name AS name, s.kind AS kind, s.file AS file, s.visibility AS visibility, o.id AS oid, o.name AS oname, o.kind AS okind, o.ownerId AS oowner, o.visibility AS ovisibility';
  const member = `s.chunkId = o.chunkId AND ${visible('s')} AND ${visibleEdge('c')}`;
  return {
    named: `MATCH (o:Symbol)-[c:Contains]->(s:Symbol) WHERE ${member} AND list_contains($names, s.name) AND NOT list_contains($except, s.file) RETURN ${columns}`,
    /** As `named`, for many names: joined with the UNWOUND list (list_contains compares each row with every name: 2,000 names, 0.5 s). */
    manyNamed: `UNWIND $names AS n MATCH (o:Symbol)-[c:Contains]->(s:Symbol) WHERE s.name = n AND ${member} AND NOT list_contains($except, s.file) RETURN ${columns}`,
    /** The written bases of owners that are types (they came here without their chunk's). */
    bases: `MATCH (o:Symbol)-[h:Extends|Implements]->(x) WHERE ${visible('o')} AND ${visibleEdge('h')} AND list_contains($ids, o.id) RETURN o.id AS id, h.toName AS toName`,
    inFiles: `MATCH (f:File)-[d:Defines]->(s:Symbol)<-[c:Contains]-(o:Symbol) WHERE ${visible('f')} AND ${visibleEdge('d')} AND list_contains($files, f.path)
         AND NOT list_contains($except, f.path) AND ${member} RETURN ${columns}`,
  };
})();

/**
 * The symbols of `linkContext`'s rows: what linking reads of them (names, kinds, files, owners,
 * visibility); their lines, qualified names and chunks are not read.
 */
function linkingSymbols(rows: readonly Record<string, unknown>[]): SymbolDefinition[] {
  const out = new Map<string, SymbolDefinition>();
  const symbol = (id: unknown, name: unknown, kind: unknown, file: unknown, ownerId: unknown, visibility: unknown): SymbolDefinition => ({
    id: String(id),
    name: String(name),
    fqn: `${String(file)}:${String(name)}`,
    kind: kind as SymbolKind,
    filePath: String(file),
    startLine: 0,
    endLine: 0,
    chunkId: null,
    ownerId: nullable(ownerId),
    language: null,
    visibility: nullable(visibility) as SymbolDefinition['visibility'],
  });
  for (const r of rows) {
    out.set(String(r.id), symbol(r.id, r.name, r.kind, r.file, r.oid, r.visibility));
    if (!out.has(String(r.oid))) out.set(String(r.oid), symbol(r.oid, r.oname, r.okind, r.file, r.oowner, r.ovisibility));
  }
  return [...out.values()];
}

/** The node table and id property each kind of `ExistingNodes` is looked up by. */
const EXISTING_NODES = {
  files: ['File', 'path'],
  symbols: ['Symbol', 'id'],
  chunks: ['Chunk', 'id'],
  externals: ['External', 'name'],
} as const satisfies Record<keyof ExistingNodes, readonly [table: string, idProp: string]>;

/** The nodes of `table` alive in a chain whose `idProp` is one of `$ids`. */
function existingNodesStatement(table: string, idProp: string): string {
  return `MATCH (n:${table}) WHERE n.repo = $repo AND n.chain = $chain AND n.died = $alive AND n.${idProp} IN $ids RETURN n.${idProp} AS id, n.key AS key`;
}

/**
 * What `prepare()` prepares on each connection, in order: what the parse asks for first comes
 * first (the link context on the first connection, the re-link scope's reads on the second),
 * then every statement of an incremental run's load.
 */
export function warmStatements(): { main: string[]; beside: string[] } {
  return { main: [LINK_CONTEXT.named, LINK_CONTEXT.inFiles, LINK_CONTEXT.bases, ...incrementalStatements()], beside: [GENERATION_BY_KEY, ...RELINK_PREPARED] };
}

/** Every parameterised statement an incremental run of the small path prepares. */
export function incrementalStatements(): string[] {
  return [
    GENERATION_BY_KEY,
    CHAIN_GENERATIONS,
    SET_GENERATION_COUNTER,
    CREATE_GENERATION,
    FINISH_GENERATION,
    CONTINUE_CHAIN.intoSymbols,
    CONTINUE_CHAIN.intoFiles,
    ...CONTINUE_CHAIN.close,
    CONTINUE_CHAIN.countFiles,
    ...Object.values(EXISTING_NODES).map(([table, idProp]) => existingNodesStatement(table, idProp)),
    ...unwindStatements(),
  ];
}

/** See `KuzuSymbolIndexOptions.edgeSweepEvery`. */
const EDGE_SWEEP_EVERY = 8;

/** More names than this: `linkContext` joins them UNWOUND. */
const MANY_NAMES = 200;

/** Loads up to this many rows (nodes and edges) use UNWIND even with the `copy` strategy. */
const SMALL_LOAD_ROWS = 2000;

/** About how many rows a delta loads (the edges into its files from unchanged ones come on top). */
function deltaRows(delta: SnapshotDelta): number {
  return delta.files.length + delta.symbols.length * 3 + delta.chunks.length * 3 + delta.relations.length;
}


interface GenerationRecord {
  snap: string;
  gen: number;
  chain: number;
  state: string;
}

function toGeneration(r: Record<string, unknown>): GenerationRecord {
  return { snap: String(r.snap), gen: Number(r.gen), chain: Number(r.chain), state: String(r.state) };
}

/** An edge from an unchanged file into a replaced one, as a relation the load re-resolves. */
function inboundRelation(kind: string, toLabel: 'File' | 'Symbol', r: Record<string, unknown>): SymbolRelation {
  const a = r.a as Record<string, unknown>;
  return {
    kind: kind as SymbolRelation['kind'],
    fromId: a._label === 'File' ? `file:${String(a.path)}` : String(a.id),
    toId: toLabel === 'File' ? `file:${String(r.toPath)}` : String(r.toId),
    toName: String(r.toName),
    resolved: true,
    filePath: String(r.file),
    line: Number(r.line),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
