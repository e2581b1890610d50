export { OpenAIEmbeddingProvider, type OpenAIEmbeddingProviderOptions } from './openai-embedding-provider.js';
export { HashingEmbeddingProvider, type HashingEmbeddingProviderOptions } from './hashing-embedding-provider.js';
export { PgVectorIndex, type PgVectorIndexOptions } from './pg-vector-index.js';
export { QdrantVectorIndex, type QdrantVectorIndexOptions, type QdrantClientLike } from './qdrant-vector-index.js';
export { embeddingItems, vectorSpaceName, type EmbeddingItem, type EmbeddingTextOptions } from './embedding-text.js';
export type { VectorSearchOptions } from './vector-search-options.js';
