import type { IndexName } from '@trawl/core';

/** What a query looks like, which decides how much each index is trusted for it. */
export type QueryIntent = 'identifier' | 'path' | 'regex' | 'literal' | 'natural_language';

export type IndexWeights = Partial<Record<IndexName, number>>;

export interface ClassifiedQuery {
  intent: QueryIntent;
  /** The text to send to the indexes (quotes and regex slashes removed). */
  text: string;
  weights: Required<IndexWeights>;
  /** Lexical search should treat `text` as a regular expression. */
  regex: boolean;
}

/**
 * Default weights per intent. The rules, in order:
 * 1. `/.../` is a regex: lexical only matters (regex search), fuzzy/vector barely.
 * 2. `"..."` is a literal: lexical dominates, domain helps for prose.
 * 3. Contains `/` or ends in a file extension: a path; lexical and fuzzy (file names) lead.
 * 4. One token shaped like code (`createUser`, `create_user`, `Foo.bar`, `foo::bar`): an identifier;
 *    symbol definitions first, then fuzzy (catches typos), then lexical.
 * 5. Anything else (several plain words): natural language; vector and domain lead.
 */
export const INTENT_WEIGHTS: Record<QueryIntent, Required<IndexWeights>> = {
  regex: { lexical: 3, fuzzy: 0.2, symbol: 0.2, vector: 0.2, domain: 0.2 },
  literal: { lexical: 2.5, fuzzy: 0.5, symbol: 0.5, vector: 0.5, domain: 1 },
  path: { lexical: 1.5, fuzzy: 1.5, symbol: 0.5, vector: 0.3, domain: 0.3 },
  identifier: { symbol: 2, fuzzy: 1.5, lexical: 1.2, vector: 0.6, domain: 0.4 },
  natural_language: { vector: 2, domain: 1.5, lexical: 0.8, fuzzy: 0.3, symbol: 0.5 },
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*(?:(?:\.|::|#|->)[A-Za-z_$][\w$]*)*(?:\(\))?$/;
const FILE_NAME = /^[\w.-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|cs|c|h|cc|cpp|hpp|rb|php|swift|scala|md|rst|txt|json|ya?ml|toml|sql|sh|html|css)$/i;

/** Classifies a query and picks the weights for its intent. */
export function classifyQuery(query: string): ClassifiedQuery {
  const q = query.trim();
  const make = (intent: QueryIntent, text: string, regex = false): ClassifiedQuery => ({ intent, text, weights: { ...INTENT_WEIGHTS[intent] }, regex });
  if (q.length > 2 && q.startsWith('/') && q.endsWith('/')) return make('regex', q.slice(1, -1), true);
  if (q.length > 2 && ((q.startsWith('"') && q.endsWith('"')) || (q.startsWith("'") && q.endsWith("'")))) return make('literal', q.slice(1, -1));
  if (!/\s/.test(q) && (q.includes('/') || FILE_NAME.test(q))) return make('path', q);
  if (IDENTIFIER.test(q)) return make('identifier', q.replace(/\(\)$/, ''));
  return make('natural_language', q);
}
