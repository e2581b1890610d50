export { ZoektLexicalIndex, zoektRepositoryName, type ZoektLexicalIndexOptions } from './zoekt-lexical-index.js';
export { PostgresLexicalIndex, lexicalSearchSql, toPostgresRegex, type PostgresLexicalIndexOptions } from './postgres-lexical-index.js';
export { mapLineMatchesToHits, virtualChunkId, type LexicalLineMatch } from './lexical-hit-mapper.js';
export type { Lazy } from './lazy.js';
