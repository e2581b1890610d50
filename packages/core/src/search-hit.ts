import type { ChunkKind } from './chunk.js';

/** The five index families Trawl fuses. */
export type IndexName = 'lexical' | 'vector' | 'symbol' | 'fuzzy' | 'domain';

export const INDEX_NAMES: readonly IndexName[] = ['lexical', 'vector', 'symbol', 'fuzzy', 'domain'];

/**
 * How a hit was tied to a chunk: the chunk that contains the match, the file chunk when no
 * smaller chunk does, or a virtual id when the store knows no chunk for the file.
 */
export type HitMapping = 'exact' | 'file_fallback' | 'unmapped';

/** One result of one index. Hits from different indexes name the same chunk by `chunkId`. */
export interface SearchHit {
  chunkId: string;
  repoId: string;
  snapshotId: string;
  filePath: string;
  symbolId: string | null;
  /** Index-specific; higher is better. Only comparable within one index. */
  score: number;
  index: IndexName;
  kind: ChunkKind | null;
  name: string | null;
  startLine: number | null;
  endLine: number | null;
  /** Lines (1-based) that matched, when the index knows them. */
  matchedLines: number[];
  preview: string | null;
  mapping: HitMapping;
  metadata: Record<string, unknown>;
}

export interface SearchOptions {
  limit?: number;
  signal?: AbortSignal;
}
