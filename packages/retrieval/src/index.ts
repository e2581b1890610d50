export { Retriever, type RetrieverOptions, type RetrieverSearchOptions, type RetrieverResult, type RetrievedHit, type HitSource, type DegradedIndex } from './retriever.js';
export { weightedReciprocalRankFusion, type FusionFunction, type RankedList, type FusedCandidate } from './fusion.js';
export { classifyQuery, INTENT_WEIGHTS, type QueryIntent, type IndexWeights, type ClassifiedQuery } from './query-intent.js';
export { Indexer, type IndexerOptions, type IndexRepositoryOptions, type IndexRepositoryResult, type IndexProgressEvent } from './indexer.js';
export { HttpReranker, type HttpRerankerOptions } from './http-reranker.js';
export { contentSnapshotId } from './snapshot-id.js';
export { leftByDeadRun, processRunning, thisProcess, type RunOwner } from './run-owner.js';
export { toSearchResponse, readChunkWithContext, type SearchResponse, type ChunkWithContext } from './api-responses.js';
