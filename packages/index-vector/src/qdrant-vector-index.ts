import { createHash } from 'node:crypto';
import {
  AbortedError,
  BackendUnavailableError,
  ConfigError,
  InvalidQueryError,
  TimeoutError,
  TrawlError,
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
import { deltaEmbeddingItems, embeddingItems, vectorSpaceName, type EmbeddingItem, type EmbeddingTextOptions } from './embedding-text.js';
import type { VectorSearchOptions } from './vector-search-options.js';

const COMPONENT = 'qdrant';

type Filter = Record<string, unknown>;
interface QdrantPoint {
  id: string | number;
  vector?: unknown;
  payload?: Record<string, unknown> | null;
  score?: number;
}

/** The part of `QdrantClient` (from `@qdrant/js-client-rest`) this index uses. */
export interface QdrantClientLike {
  collectionExists(name: string): Promise<{ exists: boolean }>;
  createCollection(name: string, args: { vectors: { size: number; distance: 'Cosine' }; hnsw_config?: Record<string, unknown> }): Promise<boolean>;
  createPayloadIndex(name: string, args: { field_name: string; field_schema: 'keyword' | 'integer'; wait?: boolean }): Promise<unknown>;
  upsert(name: string, args: { wait?: boolean; points: { id: string; vector: number[]; payload: Record<string, unknown> }[] }): Promise<unknown>;
  scroll(
    name: string,
    args: { filter?: Filter; limit?: number; offset?: string | number | null; with_payload?: boolean | string[]; with_vector?: boolean },
  ): Promise<{ points: QdrantPoint[]; next_page_offset?: string | number | Record<string, unknown> | null }>;
  query(name: string, args: { query: number[]; filter?: Filter; limit?: number; with_payload?: boolean; params?: Record<string, unknown>; score_threshold?: number }): Promise<{ points: QdrantPoint[] }>;
  delete(name: string, args: { wait?: boolean; filter: Filter }): Promise<unknown>;
  getCollections(): Promise<unknown>;
}

export interface QdrantVectorIndexOptions extends EmbeddingTextOptions {
  embedder: EmbeddingProvider;
  /** Your client, or a factory called once on first use. Default: a QdrantClient for `url`. */
  client?: QdrantClientLike | (() => QdrantClientLike | Promise<QdrantClientLike>);
  /** Qdrant REST URL, e.g. http://localhost:6333 (when no client is given). */
  url?: string;
  apiKey?: string;
  /** Per-request timeout of the client this index creates, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Collection name prefix; the collection is `<prefix>_<model>_<hash>_<dimensions>`. Default `trawl`. */
  collectionPrefix?: string;
  /** Points per upsert and texts per embed() call. Default 256. */
  batchSize?: number;
  /** HNSW `ef` at search time. Default: Qdrant's. */
  hnswEf?: number;
  /** Hits returned when a search names no limit. Default 20. */
  defaultLimit?: number;
}

const PAYLOAD_INDEXES: [string, 'keyword' | 'integer'][] = [
  ['repo_id', 'keyword'],
  ['snapshot_id', 'keyword'],
  ['file_path', 'keyword'],
  ['kind', 'keyword'],
  ['embed_key', 'keyword'],
];

/** Qdrant wants an unsigned integer or a UUID: derive a UUID from the (repo, snapshot, chunk) triple. */
export function pointId(repoId: string, snapshotId: string, chunkId: string): string {
  const h = createHash('sha256').update(`${repoId}\u0000${snapshotId}\u0000${chunkId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function snapshotFilter(repoId: string, snapshotId?: string): { must: Filter[] } {
  const must: Filter[] = [{ key: 'repo_id', match: { value: repoId } }];
  if (snapshotId !== undefined) must.push({ key: 'snapshot_id', match: { value: snapshotId } });
  return { must };
}

function payloadOf(snapshot: SnapshotRef, item: EmbeddingItem): Record<string, unknown> {
  const c = item.chunk;
  return {
    repo_id: snapshot.repoId,
    snapshot_id: snapshot.snapshotId,
    chunk_id: c.id,
    embed_key: item.key,
    content_hash: c.contentHash,
    file_path: c.filePath,
    kind: c.kind,
    name: c.name,
    fqn: c.fqn,
    symbol_id: c.symbolId,
    start_line: c.startLine,
    end_line: c.endLine,
  };
}

/**
 * A {@link VectorIndex} on Qdrant through `@qdrant/js-client-rest`. One collection per embedding
 * model and dimension (switching models never mixes vectors), cosine distance, payload with
 * repo, snapshot, file, kind and lines, keyword payload indexes on the filter fields, batched
 * upserts, filtered search, delete by repository or snapshot. Vectors are reused by the hash of
 * the embedded text, so re-indexing unchanged chunks never calls the embedding provider again;
 * an incremental run copies the base snapshot's points of unchanged files.
 *
 * ```ts
 * const vectors = new QdrantVectorIndex({ url: 'http://localhost:6333', embedder })
 * await vectors.reindexRepo(content)
 * const hits = await vectors.search({ repoId, snapshotId }, 'parse the config file', { kinds: ['function'] })
 * ```
 */
export class QdrantVectorIndex implements VectorIndex, AsyncDisposable {
  readonly name = 'vector' as const;
  readonly collection: string;
  readonly #o: QdrantVectorIndexOptions;
  readonly #embedder: EmbeddingProvider;
  #client: Promise<QdrantClientLike> | undefined;

  constructor(options: QdrantVectorIndexOptions) {
    if (!options?.embedder) throw new ConfigError('QdrantVectorIndex needs an embedding provider', { component: COMPONENT });
    if (!options.client && !options.url) throw new ConfigError('QdrantVectorIndex needs a client or a url such as http://localhost:6333', { component: COMPONENT });
    const prefix = options.collectionPrefix ?? 'trawl';
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) throw new ConfigError(`collectionPrefix ${JSON.stringify(prefix)} may hold letters, digits, _ and - only`, { component: COMPONENT });
    this.#o = options;
    this.#embedder = options.embedder;
    this.collection = vectorSpaceName(prefix, options.embedder.model, options.embedder.dimensions);
  }

  #ready(): Promise<QdrantClientLike> {
    this.#client ??= (async () => {
      let client: QdrantClientLike;
      if (this.#o.client) client = typeof this.#o.client === 'function' ? await this.#o.client() : this.#o.client;
      else {
        const { QdrantClient } = await import('@qdrant/js-client-rest');
        client = new QdrantClient({ url: this.#o.url!, apiKey: this.#o.apiKey, checkCompatibility: false, timeout: this.#o.timeoutMs ?? 30_000 }) as unknown as QdrantClientLike;
      }
      await this.#call('checking the collection', async () => {
        const { exists } = await client.collectionExists(this.collection);
        if (!exists) {
          await client.createCollection(this.collection, { vectors: { size: this.#embedder.dimensions, distance: 'Cosine' } });
        }
        for (const [field_name, field_schema] of PAYLOAD_INDEXES) {
          await client.createPayloadIndex(this.collection, { field_name, field_schema, wait: true });
        }
      });
      return client;
    })();
    this.#client.catch(() => {
      this.#client = undefined;
    });
    return this.#client;
  }

  /** Runs a client call, turning its failures into Trawl errors and honouring the signal. */
  async #call<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal, COMPONENT);
    const run = fn().catch((error: unknown) => {
      throw toQdrantError(error, what, this.collection);
    });
    if (!signal) return run;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new AbortedError(`${what} aborted`, { component: COMPONENT, cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    return this.#write(content.snapshot, embeddingItems(content.chunks, content.files, this.#o), null, options);
  }

  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    const { items, carry } = deltaEmbeddingItems(delta, this.#o);
    return this.#write(delta.snapshot, items, carry, options);
  }

  async #scrollAll(client: QdrantClientLike, filter: Filter, withVector: boolean, signal?: AbortSignal): Promise<QdrantPoint[]> {
    const points: QdrantPoint[] = [];
    let offset: string | number | null | undefined;
    do {
      const page = await this.#call(
        'scrolling points',
        () => client.scroll(this.collection, { filter, limit: 256, with_payload: true, with_vector: withVector, ...(offset != null ? { offset } : {}) }),
        signal,
      );
      points.push(...page.points);
      const next = page.next_page_offset;
      offset = typeof next === 'string' || typeof next === 'number' ? next : null;
    } while (offset != null);
    return points;
  }

  async #write(snapshot: SnapshotRef, items: EmbeddingItem[], carry: { base: string; replaced: string[] } | null, options: CallOptions): Promise<IndexRunResult> {
    const started = performance.now();
    const client = await this.#ready();
    const signal = options.signal;
    const batchSize = this.#o.batchSize ?? 256;
    // 1. Vectors this model already computed for the same texts, in any snapshot.
    const keys = [...new Set(items.map((i) => i.key))];
    const vectors = new Map<string, number[]>();
    for (let i = 0; i < keys.length; i += batchSize) {
      const batch = keys.slice(i, i + batchSize);
      const found = await this.#scrollAll(client, { must: [{ key: 'embed_key', match: { any: batch } }] }, true, signal);
      for (const p of found) {
        const key = p.payload?.embed_key;
        if (typeof key === 'string' && Array.isArray(p.vector)) vectors.set(key, p.vector as number[]);
      }
    }
    const reused = vectors.size;
    // 2. Embed the rest.
    const textOf = new Map(items.map((i) => [i.key, i.text]));
    const missing = keys.filter((k) => !vectors.has(k));
    for (let i = 0; i < missing.length; i += batchSize) {
      throwIfAborted(signal, COMPONENT);
      const batch = missing.slice(i, i + batchSize);
      const embedded = await this.#embedder.embed(batch.map((k) => textOf.get(k)!), options);
      batch.forEach((k, j) => vectors.set(k, embedded[j]!));
    }
    // 3. Unchanged files' points of the base snapshot, copied under the new snapshot.
    const carried: { id: string; vector: number[]; payload: Record<string, unknown> }[] = [];
    if (carry) {
      const replaced = new Set(carry.replaced);
      const base = await this.#scrollAll(client, snapshotFilter(snapshot.repoId, carry.base), true, signal);
      for (const p of base) {
        const payload = p.payload ?? {};
        if (replaced.has(String(payload.file_path))) continue;
        carried.push({ id: pointId(snapshot.repoId, snapshot.snapshotId, String(payload.chunk_id)), vector: p.vector as number[], payload: { ...payload, snapshot_id: snapshot.snapshotId } });
      }
    }
    // 4. Replace the snapshot's points.
    await this.#call('deleting the old points of the snapshot', () => client.delete(this.collection, { wait: true, filter: snapshotFilter(snapshot.repoId, snapshot.snapshotId) }), signal);
    const points = [
      ...carried,
      ...items.map((i) => ({ id: pointId(snapshot.repoId, snapshot.snapshotId, i.chunk.id), vector: vectors.get(i.key)!, payload: payloadOf(snapshot, i) })),
    ];
    for (let i = 0; i < points.length; i += batchSize) {
      const batch = points.slice(i, i + batchSize);
      await this.#call('upserting points', () => client.upsert(this.collection, { wait: true, points: batch }), signal);
    }
    return {
      index: 'vector',
      durationMs: performance.now() - started,
      itemsIndexed: items.length,
      details: { collection: this.collection, model: this.#embedder.model, embedded: missing.length, reused, carriedOver: carried.length },
    };
  }

  async search(snapshot: SnapshotRef, query: string, options: VectorSearchOptions = {}): Promise<SearchHit[]> {
    if (!query.trim()) throw new InvalidQueryError('vector query is empty: pass a natural-language question or some code', { component: COMPONENT });
    const [vector] = await this.#embedder.embed([query], options);
    return this.searchByVector(snapshot, vector!, options);
  }

  /** kNN by a vector you already have (the same model's space). `exact: true` asks Qdrant for an exhaustive search. */
  async searchByVector(snapshot: SnapshotRef, vector: readonly number[], options: VectorSearchOptions = {}): Promise<SearchHit[]> {
    if (vector.length !== this.#embedder.dimensions) {
      throw new InvalidQueryError(`query vector has ${vector.length} dimensions, this collection holds ${this.#embedder.dimensions}`, { component: COMPONENT });
    }
    const limit = Math.max(1, Math.min(options.limit ?? this.#o.defaultLimit ?? 20, 1000));
    const client = await this.#ready();
    const filter = snapshotFilter(snapshot.repoId, snapshot.snapshotId);
    if (options.kinds?.length) filter.must.push({ key: 'kind', match: { any: [...options.kinds] } });
    const params: Record<string, unknown> = {};
    if (options.exact) params.exact = true;
    if (this.#o.hnswEf) params.hnsw_ef = this.#o.hnswEf;
    const result = await this.#call(
      'searching',
      () =>
        client.query(this.collection, {
          query: [...vector],
          filter,
          limit,
          with_payload: true,
          ...(Object.keys(params).length ? { params } : {}),
          ...(options.minScore !== undefined ? { score_threshold: options.minScore } : {}),
        }),
      options.signal,
    );
    return result.points.map((p) => {
      const payload = p.payload ?? {};
      const str = (k: string) => (typeof payload[k] === 'string' ? (payload[k] as string) : null);
      const num = (k: string) => (typeof payload[k] === 'number' ? (payload[k] as number) : null);
      return {
        chunkId: String(payload.chunk_id),
        repoId: snapshot.repoId,
        snapshotId: snapshot.snapshotId,
        filePath: str('file_path') ?? '',
        symbolId: str('symbol_id'),
        score: p.score ?? 0,
        index: 'vector' as const,
        kind: str('kind') as SearchHit['kind'],
        name: str('name'),
        startLine: num('start_line'),
        endLine: num('end_line'),
        matchedLines: [],
        preview: str('fqn'),
        mapping: 'exact' as const,
        metadata: { model: this.#embedder.model, fqn: str('fqn'), pointId: p.id },
      };
    });
  }

  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    const client = await this.#ready();
    await this.#call('deleting points', () => client.delete(this.collection, { wait: true, filter: snapshotFilter(repoId, snapshotId) }), options.signal);
  }

  async healthCheck(_options: CallOptions = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      const client = await this.#ready();
      await this.#call('listing collections', () => client.getCollections(), AbortSignal.timeout(2000));
      return { ok: true, latencyMs: Math.round(performance.now() - started), details: { collection: this.collection, model: this.#embedder.model } };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as { detail?: string }).detail ?? (error as Error).message };
    }
  }

  /** Nothing to release: the REST client holds no connections beyond undici's global pool. */
  async close(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function toQdrantError(error: unknown, what: string, collection: string): TrawlError {
  if (error instanceof TrawlError) return error;
  const e = error as { status?: number; data?: { status?: { error?: string } }; message?: string; cause?: { code?: string } };
  const detail = e.data?.status?.error ?? e.message ?? String(error);
  const context = { collection, ...(e.status ? { status: e.status } : {}) };
  if ((error as Error)?.name === 'QdrantClientTimeoutError' || /QdrantClientTimeoutError/.test(String((error as Error)?.constructor?.name))) {
    return new TimeoutError(`Qdrant did not answer in time while ${what}`, { component: COMPONENT, cause: error, context });
  }
  if (e.status === undefined || e.cause?.code === 'ECONNREFUSED' || /fetch failed|ECONNREFUSED|ENOTFOUND/i.test(String(e.message))) {
    return new BackendUnavailableError(`cannot reach Qdrant while ${what}: ${detail}; is it running at the configured url?`, { component: COMPONENT, cause: error, context });
  }
  if (e.status === 401 || e.status === 403) return new ConfigError(`Qdrant refused the credentials while ${what} (HTTP ${e.status}): check apiKey`, { component: COMPONENT, cause: error, context });
  if (e.status >= 500) return new BackendUnavailableError(`Qdrant failed while ${what} (HTTP ${e.status}): ${detail}`, { component: COMPONENT, cause: error, context });
  return new TrawlError('BACKEND_ERROR', `Qdrant rejected a request while ${what} (HTTP ${e.status}): ${detail}`, { component: COMPONENT, cause: error, context });
}
