import { resolve } from 'node:path';
import { ConfigError } from '@trawl/core';
import { validateConnectionString } from '@trawl/postgres';

/** Everything the container needs to build Trawl's layers. */
export interface TrawlSettings {
  /** Folder of the embedded default's data (PGlite, Kuzu). `TRAWL_HOME`, default `./.trawl`. */
  home: string;
  /** `DATABASE_URL`: a PostgreSQL server. Unset: PGlite under `home`. */
  databaseUrl: string | null;
  /** `TRAWL_PG_POOL_MIN` / `TRAWL_PG_POOL_MAX` (default 2 / 10). */
  pool: { min: number; max: number };
  /** `TRAWL_CHUNK_STORE`: `postgres` (default) or `memory` (nothing persists). */
  chunkStore: 'postgres' | 'memory';
  /** `ZOEKT_URL` + `ZOEKT_INDEX_DIR` (+ `ZOEKT_BIN_DIR`): lexical search on Zoekt. Unset: PostgreSQL trigram search. */
  zoekt: { url: string; indexDir: string; binDir: string | null } | null;
  /** `QDRANT_URL` (+ `QDRANT_API_KEY`): vectors in Qdrant. Unset: pgvector in PostgreSQL. */
  qdrant: { url: string; apiKey: string | null } | null;
  /**
   * `TRAWL_EMBEDDING_URL`, `TRAWL_EMBEDDING_MODEL`, `TRAWL_EMBEDDING_DIMENSIONS`,
   * `TRAWL_EMBEDDING_API_KEY`, `TRAWL_EMBEDDING_BATCH_SIZE`: an OpenAI-compatible embeddings
   * endpoint. Unset: no vector search (reported as such, not as an error).
   */
  embedding: { url: string; model: string; dimensions: number; apiKey: string | null; batchSize: number | null } | null;
  /** `KUZU_PATH`: the symbol graph database file (default `<home>/graph.kuzu`). */
  kuzuPath: string;
  /** Open the symbol graph read-only (servers), so an indexer can write beside them. */
  readOnly: boolean;
  /** `TRAWL_DEADLINE_MS`: per-index search deadline (default 2000). */
  deadlineMs: number;
  /**
   * `TRAWL_INDEX_CONCURRENCY`: how many indexes an index run feeds at once (default 0: all of
   * them). 1 feeds them one after another, which bounds memory when embeddings are on.
   */
  indexConcurrency: number;
  /**
   * `TRAWL_MEMORY_CACHES` (`1` or `0`, default `1`): keep each searched snapshot's symbol names,
   * fuzzy identifiers and chunk line spans in memory, loaded on its first search. The right choice for servers and
   * anything that searches more than once; one-shot commands (`trawl search`) turn it off, since
   * loading costs more than one search saves.
   */
  memoryCaches: boolean;
  /**
   * `TRAWL_OPTIMIZED_WASM` (`1` or `0`, default `0`; `trawl serve` and `trawl mcp` default to `1`):
   * compile the embedded database's WebAssembly with V8's optimizing compiler from the start.
   * Steadier query latency for a long-running process, ~1.5 s more startup; process-wide (see
   * `EmbeddedPostgresOptions.optimizedWasm`). No effect with `DATABASE_URL`.
   */
  optimizedWasm: boolean;
}

export type TrawlSettingsInput = Partial<Omit<TrawlSettings, 'pool' | 'zoekt' | 'qdrant' | 'embedding'>> & {
  pool?: Partial<TrawlSettings['pool']>;
  zoekt?: Partial<NonNullable<TrawlSettings['zoekt']>> | null;
  qdrant?: Partial<NonNullable<TrawlSettings['qdrant']>> | null;
  embedding?: Partial<NonNullable<TrawlSettings['embedding']>> | null;
};

const KNOWN_TRAWL_VARS = new Set([
  'TRAWL_HOME', 'TRAWL_PG_POOL_MIN', 'TRAWL_PG_POOL_MAX', 'TRAWL_CHUNK_STORE', 'TRAWL_EMBEDDING_URL', 'TRAWL_EMBEDDING_MODEL',
  'TRAWL_EMBEDDING_DIMENSIONS', 'TRAWL_EMBEDDING_API_KEY', 'TRAWL_EMBEDDING_BATCH_SIZE', 'TRAWL_DEADLINE_MS', 'TRAWL_READ_ONLY',
  'TRAWL_API_TOKEN', 'TRAWL_LOG_LEVEL', 'TRAWL_MEMORY_CACHES', 'TRAWL_OPTIMIZED_WASM', 'TRAWL_INDEX_CONCURRENCY',
]);

function fail(message: string): never {
  throw new ConfigError(message, { component: 'settings' });
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  fail(`${name} must be 1 or 0, got ${JSON.stringify(value)}`);
}

function int(name: string, value: string | number | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) fail(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`${name} ${JSON.stringify(value)} is not a URL: expected http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${name} ${JSON.stringify(value)} has scheme "${url.protocol.replace(/:$/, '')}": use http:// or https://`);
  return value.replace(/\/+$/, '');
}

const nonEmpty = (v: string | undefined | null): string | null => (v === undefined || v === null || v.trim() === '' ? null : v.trim());

/**
 * Reads settings from the environment, applies `overrides` on top, and validates the result.
 * Throws a ConfigError naming the variable and what to do for anything malformed or missing.
 *
 * ```ts
 * const settings = loadSettings({ home: '/var/lib/trawl' })
 * ```
 */
export function loadSettings(overrides: TrawlSettingsInput = {}, env: NodeJS.ProcessEnv = process.env): TrawlSettings {
  for (const key of Object.keys(env)) {
    if (key.startsWith('TRAWL_') && !KNOWN_TRAWL_VARS.has(key) && !key.startsWith('TRAWL_TEST_')) {
      fail(`unknown setting ${key}: known ones are ${[...KNOWN_TRAWL_VARS].join(', ')}`);
    }
  }
  const home = resolve(overrides.home ?? nonEmpty(env.TRAWL_HOME) ?? '.trawl');
  const databaseUrl = overrides.databaseUrl !== undefined ? overrides.databaseUrl : nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== null) validateConnectionString(databaseUrl, 'DATABASE_URL');
  const pool = {
    min: int('TRAWL_PG_POOL_MIN', overrides.pool?.min ?? env.TRAWL_PG_POOL_MIN, 2, 0),
    max: int('TRAWL_PG_POOL_MAX', overrides.pool?.max ?? env.TRAWL_PG_POOL_MAX, 10, 1),
  };
  if (pool.min > pool.max) fail(`TRAWL_PG_POOL_MIN (${pool.min}) is above TRAWL_PG_POOL_MAX (${pool.max})`);
  const chunkStore = overrides.chunkStore ?? (nonEmpty(env.TRAWL_CHUNK_STORE) as TrawlSettings['chunkStore'] | null) ?? 'postgres';
  if (chunkStore !== 'postgres' && chunkStore !== 'memory') fail(`TRAWL_CHUNK_STORE must be "postgres" or "memory", got ${JSON.stringify(chunkStore)}`);

  let zoekt: TrawlSettings['zoekt'] = null;
  const zoektUrl = overrides.zoekt === null ? null : (overrides.zoekt?.url ?? nonEmpty(env.ZOEKT_URL));
  if (zoektUrl) {
    const indexDir = overrides.zoekt?.indexDir ?? nonEmpty(env.ZOEKT_INDEX_DIR);
    if (!indexDir) fail('ZOEKT_URL is set but ZOEKT_INDEX_DIR is not: set it to the folder zoekt-webserver serves (its -index flag), so the indexer can write shards there');
    zoekt = { url: httpUrl('ZOEKT_URL', zoektUrl), indexDir: resolve(indexDir), binDir: overrides.zoekt?.binDir ?? nonEmpty(env.ZOEKT_BIN_DIR) };
  }

  let embedding: TrawlSettings['embedding'] = null;
  const embeddingUrl = overrides.embedding === null ? null : (overrides.embedding?.url ?? nonEmpty(env.TRAWL_EMBEDDING_URL));
  if (embeddingUrl) {
    const model = overrides.embedding?.model ?? nonEmpty(env.TRAWL_EMBEDDING_MODEL);
    if (!model) fail('TRAWL_EMBEDDING_URL is set but TRAWL_EMBEDDING_MODEL is not: name the embedding model (e.g. text-embedding-3-small, nomic-embed-text)');
    const dims = overrides.embedding?.dimensions ?? env.TRAWL_EMBEDDING_DIMENSIONS;
    if (dims === undefined || dims === '') {
      fail(`TRAWL_EMBEDDING_DIMENSIONS is not set: give the vector length of ${model} (e.g. 1536 for text-embedding-3-small, 768 for nomic-embed-text)`);
    }
    embedding = {
      url: httpUrl('TRAWL_EMBEDDING_URL', embeddingUrl),
      model,
      dimensions: int('TRAWL_EMBEDDING_DIMENSIONS', dims, 0, 1),
      apiKey: overrides.embedding?.apiKey ?? nonEmpty(env.TRAWL_EMBEDDING_API_KEY),
      batchSize: env.TRAWL_EMBEDDING_BATCH_SIZE || overrides.embedding?.batchSize ? int('TRAWL_EMBEDDING_BATCH_SIZE', overrides.embedding?.batchSize ?? env.TRAWL_EMBEDDING_BATCH_SIZE, 64, 1) : null,
    };
  } else if (nonEmpty(env.TRAWL_EMBEDDING_MODEL) && overrides.embedding !== null) {
    fail('TRAWL_EMBEDDING_MODEL is set but TRAWL_EMBEDDING_URL is not: give the OpenAI-compatible endpoint (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)');
  }

  let qdrant: TrawlSettings['qdrant'] = null;
  const qdrantUrl = overrides.qdrant === null ? null : (overrides.qdrant?.url ?? nonEmpty(env.QDRANT_URL));
  if (qdrantUrl) {
    if (!embedding) fail('QDRANT_URL is set but no embedding provider is: set TRAWL_EMBEDDING_URL and TRAWL_EMBEDDING_MODEL so there are vectors to store');
    qdrant = { url: httpUrl('QDRANT_URL', qdrantUrl), apiKey: overrides.qdrant?.apiKey ?? nonEmpty(env.QDRANT_API_KEY) };
  }

  return {
    home,
    databaseUrl,
    pool,
    chunkStore,
    zoekt,
    qdrant,
    embedding,
    kuzuPath: resolve(overrides.kuzuPath ?? nonEmpty(env.KUZU_PATH) ?? `${home}/graph.kuzu`),
    readOnly: overrides.readOnly ?? env.TRAWL_READ_ONLY === '1',
    deadlineMs: int('TRAWL_DEADLINE_MS', overrides.deadlineMs ?? env.TRAWL_DEADLINE_MS, 2000, 1),
    indexConcurrency: int('TRAWL_INDEX_CONCURRENCY', overrides.indexConcurrency ?? env.TRAWL_INDEX_CONCURRENCY, 0, 0),
    memoryCaches: overrides.memoryCaches ?? flag('TRAWL_MEMORY_CACHES', env.TRAWL_MEMORY_CACHES, true),
    optimizedWasm: overrides.optimizedWasm ?? flag('TRAWL_OPTIMIZED_WASM', env.TRAWL_OPTIMIZED_WASM, false),
  };
}

/** The settings with secrets hidden, for `trawl doctor` and logs. */
export function describeSettings(s: TrawlSettings): Record<string, unknown> {
  const hide = (url: string | null) => (url ? url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@') : null);
  return {
    home: s.home,
    database: s.databaseUrl ? hide(s.databaseUrl) : `embedded (PGlite in ${s.home}/pg)`,
    chunkStore: s.chunkStore,
    lexical: s.zoekt ? `zoekt ${s.zoekt.url} (index ${s.zoekt.indexDir})` : 'postgres trigram',
    vector: s.embedding ? `${s.qdrant ? `qdrant ${s.qdrant.url}` : 'pgvector'} with ${s.embedding.model} at ${s.embedding.url}` : 'off (no embedding provider configured)',
    symbols: `kuzu ${s.kuzuPath}${s.readOnly ? ' (read-only)' : ''}`,
    deadlineMs: s.deadlineMs,
    indexConcurrency: s.indexConcurrency || 'all indexes',
    memoryCaches: s.memoryCaches,
    optimizedWasm: s.optimizedWasm,
  };
}
