#!/usr/bin/env node
// One scripted pass over the metadata of every public package.json (never dependencies or
// source exports): the shared publish shape, the LICENSE file it ships, and per-package keywords.
// Idempotent; tools/new-package.mjs produces the same shape for new packages.
// Usage: node tools/release/package-metadata.mjs [--check]
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const extraKeywords = {
  core: ['types', 'ports'],
  postgres: ['postgres', 'pglite', 'kysely', 'migrations'],
  zoekt: ['zoekt', 'code-search-client'],
  'chunk-store': ['chunks', 'postgres'],
  parser: ['tree-sitter', 'parser', 'symbols'],
  'index-lexical': ['zoekt', 'trigram', 'lexical-search'],
  'index-vector': ['qdrant', 'pgvector', 'embeddings', 'vector-search'],
  'index-symbol': ['kuzu', 'graph', 'symbols'],
  'index-fuzzy': ['pg_trgm', 'fuzzy-search'],
  'index-domain': ['full-text-search', 'documentation'],
  retrieval: ['rank-fusion', 'rrf'],
  container: ['dependency-injection', 'configuration'],
  server: ['http', 'openapi'],
  mcp: ['mcp', 'model-context-protocol'],
  cli: ['cli'],
};

let drift = 0;
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const before = readFileSync(file, 'utf8');
  const pkg = JSON.parse(before);
  if (pkg.private) continue;
  pkg.name = `@trawl/${dir}`;
  pkg.license = 'MIT';
  pkg.repository = { type: 'git', url: 'git+https://github.com/trawl-dev/trawl.git', directory: `packages/${dir}` };
  pkg.keywords = [...new Set(['code-search', 'retrieval', 'trawl', ...(pkg.keywords ?? []), ...(extraKeywords[dir] ?? [])])];
  pkg.type = 'module';
  pkg.sideEffects ??= false;
  pkg.engines = { node: '>=20.11', ...pkg.engines };
  pkg.files = [...new Set(['dist', 'README.md', 'LICENSE', 'CHANGELOG.md', ...(pkg.files ?? [])])];
  pkg.publishConfig = { ...pkg.publishConfig, access: 'public' };
  // --check enforces the publish shape; keywords are a nicety and never fail CI.
  if (check) pkg.keywords = JSON.parse(before).keywords;
  const after = JSON.stringify(pkg, null, 2) + '\n';
  const license = join(root, 'packages', dir, 'LICENSE');
  if (after !== before || !existsSync(license)) {
    drift++;
    if (check) console.error(`packages/${dir}: ${existsSync(license) ? 'package.json metadata differs from the publish shape' : 'no LICENSE file'} (run node tools/release/package-metadata.mjs and commit the result)`);
    else {
      writeFileSync(file, after);
      copyFileSync(join(root, 'LICENSE'), license);
      console.log(`updated packages/${dir}`);
    }
  }
}
if (check && drift) process.exit(1);
