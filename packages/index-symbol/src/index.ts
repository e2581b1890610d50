export { KuzuSymbolIndex, mapKuzuError, extractTerms } from './kuzu-symbol-index.js';
export type { KuzuSymbolIndexOptions } from './kuzu-symbol-index.js';
export type { KuzuDriver, KuzuConnectionLike, KuzuDatabaseLike, KuzuQueryResultLike } from './kuzu-driver.js';
export { SYMBOL_SCHEMA_VERSION } from './kuzu-symbol-schema.js';
