export { PostgresDomainIndex, type PostgresDomainIndexOptions } from './postgres-domain-index.js';
export { docFormatOf, splitDocument, splitMarkdown, splitRst, splitText, identifierTerms, type DocSection, type DocFormat } from './doc-sections.js';
