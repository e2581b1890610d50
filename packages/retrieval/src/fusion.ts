import type { IndexName, SearchHit } from '@trawl/core';

/** One index's ranked list, as handed to a fusion function. */
export interface RankedList {
  index: IndexName;
  weight: number;
  hits: readonly SearchHit[];
}

export interface FusedCandidate {
  chunkId: string;
  score: number;
  /** Every index that returned the chunk, best rank first. */
  sources: { index: IndexName; rank: number; score: number; hit: SearchHit }[];
}

/** Combines per-index rankings into one. Swap in your own through `RetrieverOptions.fusion`. */
export type FusionFunction = (lists: readonly RankedList[]) => FusedCandidate[];

/**
 * Weighted reciprocal rank fusion: each index adds `weight / (k + rank)` for every chunk it
 * returned (rank 1-based). Rank-based, so raw scores of different indexes never need to be
 * comparable. `k = 60` is the constant of the original RRF paper.
 *
 * ```ts
 * const fused = weightedReciprocalRankFusion({ k: 30 })(lists)
 * ```
 */
export function weightedReciprocalRankFusion(options: { k?: number } = {}): FusionFunction {
  const k = options.k ?? 60;
  return (lists) => {
    const byChunk = new Map<string, FusedCandidate>();
    for (const list of lists) {
      if (list.weight <= 0) continue;
      const seen = new Set<string>();
      list.hits.forEach((hit, i) => {
        // An index may return one chunk twice (two matches mapped to it): count its best rank once.
        if (seen.has(hit.chunkId)) return;
        seen.add(hit.chunkId);
        const rank = seen.size;
        let entry = byChunk.get(hit.chunkId);
        if (!entry) byChunk.set(hit.chunkId, (entry = { chunkId: hit.chunkId, score: 0, sources: [] }));
        entry.score += list.weight / (k + rank);
        entry.sources.push({ index: list.index, rank, score: hit.score, hit });
        void i;
      });
    }
    const fused = [...byChunk.values()];
    for (const f of fused) f.sources.sort((a, b) => a.rank - b.rank);
    // Ties: more sources first, then the better best rank, then id for determinism.
    fused.sort((a, b) => b.score - a.score || b.sources.length - a.sources.length || a.sources[0]!.rank - b.sources[0]!.rank || a.chunkId.localeCompare(b.chunkId));
    return fused;
  };
}
