import {
  ConfigError,
  InvalidQueryError,
  throwIfAborted,
  type CallOptions,
  type EmbeddingProvider,
  type HealthStatus,
  type IndexRunResult,
  type SearchHit,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type VectorIndex,
} from '@trawl/core';
import { carryOverSnapshotRows, type PostgresQueryable, type PostgresStore } from '@trawl/postgres';
import { deltaEmbeddingItems, embeddingItems, vectorSpaceName, type EmbeddingItem, type EmbeddingTextOptions } from './embedding-text.js';
import type { VectorSearchOptions } from './vector-search-options.js';

const COMPONENT = 'pgvector';

export interface PgVectorIndexOptions extends EmbeddingTextOptions {
  /** A store whose database has pgvector (PGlite via `PostgresStore({ embedded })` loads it), or a factory called once. */
  store: PostgresStore | (() => PostgresStore | Promise<PostgresStore>);
  embedder: EmbeddingProvider;
  /** Table name prefix; the table is `<prefix>_<model>_<hash>_<dimensions>`. Default `trawl_vectors`. */
  tablePrefix?: string;
  /** HNSW parameters, or `false` for exact search only. Default m 16, efConstruction 64, efSearch 100. */
  hnsw?: { m?: number; efConstruction?: number; efSearch?: number } | false;
  /** Texts per embed() call and rows per INSERT. Default 512. */
  batchSize?: number;
  /** Hits returned when a search names no limit. Default 20. */
  defaultLimit?: number;
}

interface HitRow {
  chunk_id: string;
  file_path: string;
  kind: string;
  name: string;
  fqn: string;
  symbol_id: string | null;
  start_line: number;
  end_line: number;
  distance: number;
}

const ROW_COLUMNS = ['chunk_id', 'embed_key', 'content_hash', 'file_path', 'kind', 'name', 'fqn', 'symbol_id', 'start_line', 'end_line'] as const;
const ROW_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int4', 'int4'] as const;

function rowValues(items: readonly EmbeddingItem[]): unknown[][] {
  return [
    items.map((i) => i.chunk.id),
    items.map((i) => i.key),
    items.map((i) => i.chunk.contentHash),
    items.map((i) => i.chunk.filePath),
    items.map((i) => i.chunk.kind),
    items.map((i) => i.chunk.name),
    items.map((i) => i.chunk.fqn),
    items.map((i) => i.chunk.symbolId),
    items.map((i) => i.chunk.startLine),
    items.map((i) => i.chunk.endLine),
  ];
}

// pgvector stores float4 (~7.2 significant digits): 8 digits lose nothing, format faster than a
// plain join of doubles, and halve the text PGlite must move and parse (its slowest step).
function vectorLiteral(v: readonly number[]): string {
  return `[${v.map((x) => x.toPrecision(8)).join(',')}]`;
}

/**
 * A {@link VectorIndex} on pgvector: PGlite in the embedded default, or any PostgreSQL with the
 * `vector` extension. One table per embedding model and dimension (switching models never mixes
 * vectors), cosine distance, an HNSW index built after the first bulk load, filtered kNN with
 * pgvector's iterative index scans. Vectors are reused by the hash of the embedded text, so
 * re-indexing unchanged chunks never calls the embedding provider again.
 *
 * ```ts
 * const store = new PostgresStore({ embedded: { dataDir: '.trawl/pg' } })
 * const vectors = new PgVectorIndex({ store, embedder: new OpenAIEmbeddingProvider({ ... }) })
 * await vectors.reindexRepo(content)
 * const hits = await vectors.search({ repoId, snapshotId }, 'where do we retry failed payments', { limit: 10 })
 * ```
 */
export class PgVectorIndex implements VectorIndex, AsyncDisposable {
  readonly name = 'vector' as const;
  /** The table holding this model's vectors. */
  readonly table: string;
  readonly #o: PgVectorIndexOptions;
  readonly #embedder: EmbeddingProvider;
  #store: Promise<PostgresStore> | undefined;
  #hnswReady = false;

  constructor(options: PgVectorIndexOptions) {
    if (!options?.store) throw new ConfigError('PgVectorIndex needs a store (a PostgresStore or a factory)', { component: COMPONENT });
    if (!options.embedder) throw new ConfigError('PgVectorIndex needs an embedding provider', { component: COMPONENT });
    const prefix = options.tablePrefix ?? 'trawl_vectors';
    if (!/^[a-z_][a-z0-9_]{0,20}$/.test(prefix)) throw new ConfigError(`tablePrefix ${JSON.stringify(prefix)} must be a lower-case SQL identifier of at most 21 characters`, { component: COMPONENT });
    this.#o = options;
    this.#embedder = options.embedder;
    this.table = vectorSpaceName(prefix, options.embedder.model, options.embedder.dimensions);
  }

  #ready(options?: CallOptions): Promise<PostgresStore> {
    throwIfAborted(options?.signal, COMPONENT);
    this.#store ??= (async () => {
      const source = this.#o.store;
      const store = typeof source === 'function' ? await source() : source;
      try {
        // (shared by every caller: no one caller's signal may fail it for the others)
        await store.execute('CREATE EXTENSION IF NOT EXISTS vector');
      } catch (error) {
        throw new ConfigError(
          `pgvector is not available in ${store.description}: install the "vector" extension on that server, use the embedded database (PostgresStore({ embedded: true })), or use QdrantVectorIndex`,
          { component: COMPONENT, cause: error },
        );
      }
      const dims = this.#embedder.dimensions;
      const t = this.table;
      await store.transaction(async (tx) => {
        await tx.execute(`CREATE TABLE IF NOT EXISTS trawl_vector_spaces (
          table_name text PRIMARY KEY, model text NOT NULL, dimensions integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
        await tx.execute(`INSERT INTO trawl_vector_spaces (table_name, model, dimensions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [t, this.#embedder.model, dims]);
        await tx.execute(`CREATE TABLE IF NOT EXISTS ${t} (
          repo_id      text NOT NULL,
          snapshot_id  text NOT NULL,
          chunk_id     text NOT NULL,
          embed_key    text NOT NULL,
          content_hash text NOT NULL,
          file_path    text NOT NULL,
          kind         text NOT NULL,
          name         text NOT NULL,
          fqn          text NOT NULL,
          symbol_id    text,
          start_line   integer NOT NULL,
          end_line     integer NOT NULL,
          embedding    vector(${dims}) NOT NULL,
          PRIMARY KEY (repo_id, snapshot_id, chunk_id))`);
        await tx.execute(`CREATE INDEX IF NOT EXISTS ${t}_key_idx ON ${t} (embed_key)`);
      });
      this.#hnswReady = Boolean(await store.fetchValue(`SELECT to_regclass($1)`, [`${t}_hnsw_idx`]));
      return store;
    })();
    this.#store.catch(() => {
      this.#store = undefined;
    });
    return this.#store;
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    return this.#write(content.snapshot, embeddingItems(content.chunks, content.files, this.#o), null, options);
  }

  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    const { items, carry } = deltaEmbeddingItems(delta, this.#o);
    return this.#write(delta.snapshot, items, carry, options);
  }

  async #write(snapshot: SnapshotRef, items: EmbeddingItem[], carry: { base: string; replaced: string[] } | null, options: CallOptions): Promise<IndexRunResult> {
    const started = performance.now();
    const store = await this.#ready(options);
    const ready = performance.now();
    const t = this.table;
    const batchSize = this.#o.batchSize ?? 512;
    // 1. Which texts already have a vector in this model's space (any repo, any snapshot)?
    const keys = [...new Set(items.map((i) => i.key))];
    const known = new Set<string>();
    for (let i = 0; i < keys.length; i += 5000) {
      const rows = await store.fetch<{ embed_key: string }>(`SELECT DISTINCT embed_key FROM ${t} WHERE embed_key = ANY($1::text[])`, [keys.slice(i, i + 5000)], options);
      for (const r of rows) known.add(r.embed_key);
    }
    const lookedUp = performance.now();
    // 2. Embed the rest, outside any transaction (the provider may be slow; PGlite has one connection).
    const fresh = new Map<string, string>();
    const missing = keys.filter((k) => !known.has(k));
    const textOf = new Map(items.map((i) => [i.key, i.text]));
    for (let i = 0; i < missing.length; i += batchSize) {
      throwIfAborted(options.signal, COMPONENT);
      const batch = missing.slice(i, i + batchSize);
      const vectors = await this.#embedder.embed(batch.map((k) => textOf.get(k)!), options);
      batch.forEach((k, j) => fresh.set(k, vectorLiteral(vectors[j]!)));
    }
    const embeddedAt = performance.now();
    // 3. Replace the snapshot's rows in one transaction.
    const reused = items.filter((i) => !fresh.has(i.key));
    const created = items.filter((i) => fresh.has(i.key));
    const cols = ROW_COLUMNS.join(', ');
    const ucols = ROW_COLUMNS.map((c) => `u.${c}`).join(', ');
    const unnest = ROW_COLUMNS.map((_, i) => `$${i + 3}::${ROW_TYPES[i]}[]`).join(', ');
    const lost = await store.transaction(async (tx) => {
      // Keep the reusable vectors aside before the snapshot's own rows (maybe their source) go.
      await tx.execute(`CREATE TEMP TABLE trawl_vector_reuse ON COMMIT DROP AS
        SELECT DISTINCT ON (embed_key) embed_key, embedding FROM ${t} WHERE embed_key = ANY($1::text[])`, [[...new Set(reused.map((i) => i.key))]], options);
      await tx.execute(`DELETE FROM ${t} WHERE repo_id = $1 AND snapshot_id = $2`, [snapshot.repoId, snapshot.snapshotId], options);
      if (carry) {
        await carryOverSnapshotRows(
          tx,
          { table: t, columns: [...ROW_COLUMNS, 'embedding'], repoId: snapshot.repoId, fromSnapshotId: carry.base, toSnapshotId: snapshot.snapshotId, exceptPaths: carry.replaced },
          options,
        );
      }
      for (let i = 0; i < created.length; i += batchSize) {
        throwIfAborted(options.signal, COMPONENT);
        const batch = created.slice(i, i + batchSize);
        await tx.execute(
          `INSERT INTO ${t} (repo_id, snapshot_id, ${cols}, embedding)
           SELECT $1, $2, ${ucols}, u.v::vector FROM unnest(${unnest}, $${ROW_COLUMNS.length + 3}::text[]) AS u(${cols}, v)
           ON CONFLICT (repo_id, snapshot_id, chunk_id) DO NOTHING`,
          [snapshot.repoId, snapshot.snapshotId, ...rowValues(batch), batch.map((b) => fresh.get(b.key))],
          options,
        );
      }
      let inserted = 0;
      for (let i = 0; i < reused.length; i += batchSize) {
        const batch = reused.slice(i, i + batchSize);
        inserted += await tx.execute(
          `INSERT INTO ${t} (repo_id, snapshot_id, ${cols}, embedding)
           SELECT $1, $2, ${ucols}, r.embedding FROM unnest(${unnest}) AS u(${cols}) JOIN trawl_vector_reuse r USING (embed_key)
           ON CONFLICT (repo_id, snapshot_id, chunk_id) DO NOTHING`,
          [snapshot.repoId, snapshot.snapshotId, ...rowValues(batch)],
          options,
        );
      }
      return reused.length - inserted;
    }, options);
    if (lost > 0) {
      // A concurrent delete removed vectors this run meant to reuse: embed those chunks after all.
      const have = new Set((await store.fetch<{ chunk_id: string }>(`SELECT chunk_id FROM ${t} WHERE repo_id = $1 AND snapshot_id = $2`, [snapshot.repoId, snapshot.snapshotId], options)).map((r) => r.chunk_id));
      const retry = reused.filter((i) => !have.has(i.chunk.id));
      const vectors = await this.#embedder.embed(retry.map((i) => i.text), options);
      await store.execute(
        `INSERT INTO ${t} (repo_id, snapshot_id, ${cols}, embedding)
         SELECT $1, $2, ${ucols}, u.v::vector FROM unnest(${unnest}, $${ROW_COLUMNS.length + 3}::text[]) AS u(${cols}, v) ON CONFLICT DO NOTHING`,
        [snapshot.repoId, snapshot.snapshotId, ...rowValues(retry), vectors.map(vectorLiteral)],
        options,
      );
    }
    const writtenAt = performance.now();
    await this.#ensureHnsw(store, options);
    return {
      index: 'vector',
      durationMs: performance.now() - started,
      itemsIndexed: items.length,
      details: {
        table: t,
        model: this.#embedder.model,
        embedded: fresh.size,
        reused: reused.length,
        carriedOver: carry !== null,
        ms: {
          ready: Math.round(ready - started),
          lookup: Math.round(lookedUp - ready),
          embed: Math.round(embeddedAt - lookedUp),
          write: Math.round(writtenAt - embeddedAt),
          hnsw: Math.round(performance.now() - writtenAt),
        },
      },
    };
  }

  /** Builds the HNSW index once, after the first bulk load (building it on an empty table and inserting row by row is far slower). */
  async #ensureHnsw(store: PostgresStore, options: CallOptions): Promise<void> {
    if (this.#hnswReady || this.#o.hnsw === false) return;
    const m = this.#o.hnsw?.m ?? 16;
    const ef = this.#o.hnsw?.efConstruction ?? 64;
    await store.execute(`CREATE INDEX IF NOT EXISTS ${this.table}_hnsw_idx ON ${this.table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${m | 0}, ef_construction = ${ef | 0})`, [], options);
    this.#hnswReady = true;
  }

  /** Builds the HNSW index now if it does not exist yet (call after a large bulk load of your own). */
  async buildIndex(options: CallOptions = {}): Promise<void> {
    await this.#ensureHnsw(await this.#ready(options), options);
  }

  async search(snapshot: SnapshotRef, query: string, options: VectorSearchOptions = {}): Promise<SearchHit[]> {
    if (!query.trim()) throw new InvalidQueryError('vector query is empty: pass a natural-language question or some code', { component: COMPONENT });
    const limit = Math.max(1, Math.min(options.limit ?? this.#o.defaultLimit ?? 20, 1000));
    const [vector] = await this.#embedder.embed([query], options);
    return this.searchByVector(snapshot, vector!, { ...options, limit });
  }

  /** kNN by a vector you already have (the same model's space). `exact: true` scans without the HNSW index. */
  async searchByVector(snapshot: SnapshotRef, vector: readonly number[], options: VectorSearchOptions = {}): Promise<SearchHit[]> {
    if (vector.length !== this.#embedder.dimensions) {
      throw new InvalidQueryError(`query vector has ${vector.length} dimensions, this index holds ${this.#embedder.dimensions}`, { component: COMPONENT });
    }
    const limit = Math.max(1, Math.min(options.limit ?? this.#o.defaultLimit ?? 20, 1000));
    const store = await this.#ready(options);
    const call = { signal: options.signal };
    const kinds = options.kinds?.length ? [...options.kinds] : null;
    const efSearch = Math.max(this.#o.hnsw ? (this.#o.hnsw.efSearch ?? 100) : 100, limit);
    const rows = await store.transaction(async (tx: PostgresQueryable) => {
      if (options.exact) {
        await tx.execute(`SELECT set_config('enable_indexscan', 'off', true)`, [], call);
      } else {
        await tx.execute(`SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`, [String(efSearch)], call);
      }
      return tx.fetch<HitRow>(
        `SELECT chunk_id, file_path, kind, name, fqn, symbol_id, start_line, end_line, embedding <=> $3::vector AS distance
         FROM ${this.table}
         WHERE repo_id = $1 AND snapshot_id = $2 AND ($4::text[] IS NULL OR kind = ANY($4::text[]))
         ORDER BY embedding <=> $3::vector
         LIMIT $5`,
        [snapshot.repoId, snapshot.snapshotId, vectorLiteral(vector), kinds, limit],
        call,
      );
    }, call);
    // relaxed_order may return neighbours slightly out of order
    rows.sort((a, b) => Number(a.distance) - Number(b.distance));
    const minScore = options.minScore ?? -Infinity;
    return rows.filter((r) => 1 - Number(r.distance) >= minScore).map((r) => ({
      chunkId: r.chunk_id,
      repoId: snapshot.repoId,
      snapshotId: snapshot.snapshotId,
      filePath: r.file_path,
      symbolId: r.symbol_id,
      score: 1 - Number(r.distance),
      index: 'vector',
      kind: r.kind as SearchHit['kind'],
      name: r.name,
      startLine: r.start_line,
      endLine: r.end_line,
      matchedLines: [],
      preview: r.fqn,
      mapping: 'exact',
      metadata: { model: this.#embedder.model, distance: Number(r.distance), fqn: r.fqn },
    }));
  }

  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    const store = await this.#ready(options);
    if (snapshotId === undefined) await store.execute(`DELETE FROM ${this.table} WHERE repo_id = $1`, [repoId], options);
    else await store.execute(`DELETE FROM ${this.table} WHERE repo_id = $1 AND snapshot_id = $2`, [repoId, snapshotId], options);
  }

  async healthCheck(_options: CallOptions = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      const store = await this.#ready();
      const health = await store.healthCheck();
      return { ...health, details: { ...health.details, table: this.table, model: this.#embedder.model, dimensions: this.#embedder.dimensions } };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as { detail?: string }).detail ?? (error as Error).message };
    }
  }

  /** Does nothing: the store and the embedder belong to whoever passed them in. */
  async close(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
