export * from './databases.js';
export * from './snapshot-fixtures.js';
export * from './fuzzy-index-suite.js';
