import { InvalidQueryError } from '@trawl/core';

/** What to search for and where, before it is written in Zoekt's query language. */
export interface ZoektQuerySpec {
  /** The text (or RE2 regular expression when `regex` is set) to find in file contents. */
  pattern: string;
  /** Treat `pattern` as an RE2 regular expression. Default: literal text. */
  regex?: boolean;
  /** `true` matches case exactly, `false` ignores case, `'auto'` (Zoekt's default) is sensitive only when the pattern has an upper-case letter. Default `false`. */
  caseSensitive?: boolean | 'auto';
  /** Only these repositories (exact names). */
  repositories?: readonly string[];
  /** Only files of these languages (Zoekt / linguist names or aliases: `typescript`, `go`). */
  languages?: readonly string[];
  /** Only files whose path matches one of these RE2 regular expressions. */
  filePatterns?: readonly string[];
  /** Match the pattern against file names as well as contents. Default `false` (contents only). */
  includeFileNames?: boolean;
}

/** RE2's metacharacters, and the characters a quoted atom escapes, by char code. */
const RE2_META = charSet('\\^$.|?*+()[]{}');
const QUOTE_META = charSet('\\"');

function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}

/**
 * `text` with a backslash before each character of `set`. A plain loop rather than a regex
 * replace: it runs on every search, most queries hold no such character (returned as they are),
 * and a regex replace cost several microseconds a call in a server between requests.
 */
function backslashBefore(text: string, set: Uint8Array): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && set[c] === 1) {
      out += `${text.slice(from, i)}\\`;
      from = i;
    }
  }
  return out === '' ? text : out + text.slice(from);
}

/** Escapes RE2 metacharacters so `text` matches itself. */
export function escapeRegex(text: string): string {
  return backslashBefore(text, RE2_META);
}

/**
 * Writes a value as one Zoekt query atom: a double-quoted string in which `"` and `\` are
 * backslash-escaped. Quoting keeps spaces, `or`, a leading `-`, parentheses and field-like
 * prefixes (`file:`) from being read as query syntax; Zoekt strips the quoting and hands the
 * inside to its regex parser.
 */
export function quoteAtom(value: string): string {
  return `"${backslashBefore(value, QUOTE_META)}"`;
}

/**
 * A Zoekt query that finds `text` literally: regex metacharacters, quotes, `or`, a leading `-`
 * and prefixes such as `file:` are all searched as text.
 *
 * ```ts
 * literalQuery('file:a.ts or (x)') // content:"file:a\\.ts or \\(x\\)"
 * ```
 */
export function literalQuery(text: string): string {
  return `content:${quoteAtom(escapeRegex(text))}`;
}

function checkRegex(pattern: string): void {
  // Zoekt answers bad regexes with HTTP 400 too; checking here gives the message before a round
  // trip for the common mistakes. RE2 and JS differ on a few constructs (lookarounds are JS-only),
  // so only reject what is invalid in both.
  // (`(?<name>...)` is a named group, which RE2 takes; `(?<=` and `(?<!` look behind)
  if (/\(\?(?:[=!]|<[=!])/.test(pattern)) {
    throw new InvalidQueryError(`invalid regex "${pattern}": lookaround assertions are not supported by Zoekt (RE2)`, { component: 'zoekt' });
  }
}

/**
 * Builds the Zoekt query for a {@link ZoektQuerySpec}.
 *
 * ```ts
 * buildZoektQuery({ pattern: 'TODO(', repositories: ['web'], languages: ['typescript'] })
 * // content:"TODO\\(" case:no repo:"^web$" lang:typescript
 * ```
 */
export function buildZoektQuery(spec: ZoektQuerySpec): string {
  return writeZoektQuery(spec.pattern, spec);
}

/** {@link buildZoektQuery} with the pattern apart, for callers that hold it apart (no spread on every search). */
export function writeZoektQuery(pattern: string, spec: Omit<ZoektQuerySpec, 'pattern'>): string {
  if (!pattern || pattern.trim() === '') {
    throw new InvalidQueryError('empty query: pass the text or regex to search for', { component: 'zoekt' });
  }
  if (spec.regex) checkRegex(pattern);
  const body = spec.regex ? pattern : escapeRegex(pattern);
  const parts: string[] = [spec.includeFileNames ? quoteAtom(body) : `content:${quoteAtom(body)}`];
  const caseMode = spec.caseSensitive === undefined ? 'no' : spec.caseSensitive === 'auto' ? 'auto' : spec.caseSensitive ? 'yes' : 'no';
  parts.push(`case:${caseMode}`);
  if (spec.repositories) {
    if (spec.repositories.length === 0) throw new InvalidQueryError('repositories is empty: omit it to search every repository', { component: 'zoekt' });
    const alternatives = spec.repositories.map(escapeRegex).join('|');
    parts.push(`repo:${quoteAtom(`^(?:${alternatives})$`)}`);
  }
  if (spec.languages && spec.languages.length > 0) {
    const langs = spec.languages.map((l) => {
      if (!/^[\w+#.-]+$/.test(l)) throw new InvalidQueryError(`invalid language "${l}": use a name such as typescript or go`, { component: 'zoekt' });
      return `lang:${l}`;
    });
    parts.push(langs.length === 1 ? langs[0]! : `(${langs.join(' or ')})`);
  }
  if (spec.filePatterns && spec.filePatterns.length > 0) {
    const files = spec.filePatterns.map((p) => `file:${quoteAtom(p)}`);
    parts.push(files.length === 1 ? files[0]! : `(${files.join(' or ')})`);
  }
  return parts.join(' ');
}

/**
 * Go's `url.QueryEscape`, which Zoekt applies to a repository name to name its shard files.
 * Unreserved characters stay, space becomes `+`, every other byte becomes `%XX` (upper-case).
 */
export function goQueryEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
