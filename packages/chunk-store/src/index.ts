export { InMemoryChunkStore, compareSpecificity } from './in-memory-chunk-store.js';
export { PostgresChunkStore, type PostgresChunkStoreOptions } from './postgres-chunk-store.js';
export { InMemoryCatalogStore } from './in-memory-catalog-store.js';
export { PostgresCatalogStore } from './postgres-catalog-store.js';
export { validateRef } from './catalog-validation.js';
