export * from './databases.js';
export * from './chunk-fixtures.js';
export * from './chunk-store-suite.js';
export * from './snapshot-fixtures.js';
export * from './fuzzy-index-suite.js';
export * from './catalog-store-suite.js';
export * from './domain-index-suite.js';
