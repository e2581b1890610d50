import type { ChunkStore, HealthStatus, IndexName, LexicalIndex, SymbolIndex, VectorIndex } from '@trawl/core';
import { PostgresLexicalIndex, ZoektLexicalIndex } from '@trawl/index-lexical';
import { KuzuSymbolIndex } from '@trawl/index-symbol';
import { OpenAIEmbeddingProvider, PgVectorIndex, QdrantVectorIndex } from '@trawl/index-vector';
import type { PostgresStore } from '@trawl/postgres';
import { ZoektClient, ZoektIndexer } from '@trawl/zoekt';
import type { TrawlSettings } from './settings.js';

/** The indexes whose backend depends on settings, and what is switched off and why. */
export interface OptionalIndexes {
  lexical: LexicalIndex | null;
  symbol: SymbolIndex | null;
  vector: VectorIndex | null;
  backends: Partial<Record<IndexName, string>>;
  disabled: { index: IndexName; reason: string }[];
  /** Health of clients that are not indexes (the embedding endpoint). */
  extraHealth: Record<string, () => Promise<HealthStatus>>;
  close(): Promise<void>;
}

export interface OptionalIndexDeps {
  postgres(): Promise<PostgresStore>;
  chunks(): Promise<ChunkStore>;
}

/** Wires lexical (Zoekt or trigram), symbol (Kuzu) and vector (Qdrant or pgvector) from settings. */
export async function buildOptionalIndexes(settings: TrawlSettings, deps: OptionalIndexDeps): Promise<OptionalIndexes> {
  const result: OptionalIndexes = { lexical: null, symbol: null, vector: null, backends: {}, disabled: [], extraHealth: {}, async close() {} };
  const closers: (() => Promise<void>)[] = [];
  result.close = async () => {
    // Indexes first (Kuzu must close its results before its database), then their clients.
    for (const index of [result.vector, result.symbol, result.lexical]) await index?.close?.().catch(() => undefined);
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  // Both are cheap to obtain: neither connects before its first query.
  const chunks = await deps.chunks();
  if (settings.zoekt) {
    const client = new ZoektClient({ url: settings.zoekt.url });
    const indexer = new ZoektIndexer({ indexDir: settings.zoekt.indexDir, ...(settings.zoekt.binDir ? { binDir: settings.zoekt.binDir } : {}) });
    result.lexical = new ZoektLexicalIndex({ client, indexer, chunkStore: chunks });
    result.backends.lexical = 'zoekt';
  } else {
    // The catalog already writes files into the same database: the index need not send them again.
    const sameDatabase = settings.chunkStore === 'postgres';
    result.lexical = new PostgresLexicalIndex({ store: await deps.postgres(), chunkStore: chunks, writeFiles: !sameDatabase });
    result.backends.lexical = 'postgres';
  }

  if (!settings.embedding) {
    result.disabled.push({ index: 'vector', reason: 'no embedding provider configured (set TRAWL_EMBEDDING_URL, TRAWL_EMBEDDING_MODEL, TRAWL_EMBEDDING_DIMENSIONS)' });
  } else {
    const e = settings.embedding;
    const embedder = new OpenAIEmbeddingProvider({
      baseUrl: e.url,
      model: e.model,
      dimensions: e.dimensions,
      ...(e.apiKey ? { apiKey: e.apiKey } : {}),
      ...(e.batchSize ? { batchSize: e.batchSize } : {}),
    });
    closers.push(() => embedder.close?.() ?? Promise.resolve());
    result.extraHealth.embedding = async () => {
      const started = performance.now();
      try {
        await embedder.embed(['health check']);
        return { ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
      }
    };
    if (settings.qdrant) {
      result.vector = new QdrantVectorIndex({ embedder, url: settings.qdrant.url, ...(settings.qdrant.apiKey ? { apiKey: settings.qdrant.apiKey } : {}) });
      result.backends.vector = 'qdrant';
    } else {
      const pg = await deps.postgres();
      const available = await pg.fetchValue<number>("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").catch(() => undefined);
      if (available) {
        result.vector = new PgVectorIndex({ store: pg, embedder });
        result.backends.vector = 'pgvector';
      } else {
        result.disabled.push({ index: 'vector', reason: 'the PostgreSQL server has no pgvector extension: install it, or set QDRANT_URL' });
      }
    }
  }

  // Kuzu opens lazily on first use; readers (servers) open it read-only beside the indexer.
  const symbol = new KuzuSymbolIndex({ path: settings.kuzuPath, readOnly: settings.readOnly, ...(settings.memoryCaches ? {} : { nameCacheSize: 0 }) });
  result.symbol = symbol;
  result.backends.symbol = 'kuzu';
  return result;
}
