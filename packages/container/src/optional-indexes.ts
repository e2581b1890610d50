import type { ChunkStore, HealthStatus, IndexName, LexicalIndex, SymbolIndex, VectorIndex } from '@trawl/core';
import type { PostgresStore } from '@trawl/postgres';
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
  void settings;
  void deps;
  return {
    lexical: null,
    symbol: null,
    vector: null,
    backends: {},
    disabled: [
      { index: 'lexical', reason: 'not wired yet' },
      { index: 'symbol', reason: 'not wired yet' },
      { index: 'vector', reason: 'not wired yet' },
    ],
    extraHealth: {},
    async close() {},
  };
}
