export { ZoektClient, type ZoektClientOptions, type ZoektDispatcher, type ZoektSearchOptions } from './zoekt-client.js';
export { ZoektIndexer, shardPrefix, type ZoektIndexerOptions, type ZoektIndexRun, type ZoektIndexRunOptions, type ZoektGitIndexRunOptions } from './zoekt-indexer.js';
export { buildZoektQuery, escapeRegex, goQueryEscape, literalQuery, quoteAtom, type ZoektQuerySpec } from './zoekt-query.js';
export { byteOffsetToColumn, decodeListResponse, decodeSearchResponse, lineStartsWith } from './zoekt-response-decoder.js';
export type { ZoektBranch, ZoektFileMatch, ZoektLineMatch, ZoektMatchRange, ZoektRepository, ZoektSearchResult, ZoektSearchStats } from './zoekt-types.js';
