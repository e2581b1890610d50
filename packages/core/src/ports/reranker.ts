import type { CallOptions } from '../refs.js';

/** A candidate passed to a reranker: an id the caller maps back, and the text to judge. */
export interface RerankCandidate {
  id: string;
  text: string;
}

/**
 * Reorders candidates by relevance to a query (a cross-encoder, usually over HTTP).
 *
 * Contract: returns a score for some or all candidate ids, higher is more relevant; ids not
 * returned keep their fused order after the scored ones.
 */
export interface Reranker {
  rerank(query: string, candidates: readonly RerankCandidate[], options?: CallOptions & { topN?: number }): Promise<{ id: string; score: number }[]>;
}
