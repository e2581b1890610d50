export { PostgresFuzzyIndex, type PostgresFuzzyIndexOptions, type FuzzySearchOptions } from './postgres-fuzzy-index.js';
export { identifierWords, normalizeIdentifier } from './identifier-forms.js';
