import {
  InvalidInputError,
  InvalidQueryError,
  knownLanguages,
  throwIfAborted,
  type CallOptions,
  type ChunkStore,
  type HealthStatus,
  type IndexRunResult,
  type LexicalIndex,
  type LexicalSearchOptions,
  type SearchHit,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type SourceFile,
} from '@trawl/core';
import { LEXICAL_TRIGRAM_INDEX, LEXICAL_WINDOW_CHARS, copySnapshotFiles, dropSnapshotFiles, ensureLexicalTrigramIndex, removeSnapshotFiles, upsertSnapshotFiles, type PostgresQueryable, type PostgresStore } from '@trawl/postgres';
import { mapLineMatchesToHits, type LexicalLineMatch } from './lexical-hit-mapper.js';
import { lazy, type Lazy } from './lazy.js';

export interface PostgresLexicalIndexOptions {
  /** The database holding the catalog's `files` / `file_contents` tables. */
  store: Lazy<PostgresStore>;
  /** Maps (file, line) to chunks; must hold the snapshot's chunks before it is searched. */
  chunkStore: Lazy<ChunkStore>;
  /**
   * Write the snapshot's files in `reindexRepo` / `reindexPaths` (default `true`). Set `false`
   * when the catalog store already saves them to the same database (as Trawl's indexer does),
   * to skip sending every file twice.
   */
  writeFiles?: boolean;
  /** Matching lines read per search: `limit` times this. Default 20. */
  matchesPerHit?: number;
}

const COMPONENT = 'index-lexical';
const DEFAULT_LIMIT = 20;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/**
 * The run result when the catalog store writes the files: it cuts them into segments as it
 * stores their text (`upsertSnapshotFiles`), and merges the trigram index when the snapshot
 * becomes ready.
 */
function catalogWritesFiles(started: number): IndexRunResult {
  return { index: 'lexical', durationMs: performance.now() - started, itemsIndexed: 0, note: 'files are written by the catalog store (writeFiles: false)' };
}

/** A literal as a PostgreSQL regex (ARE): every character but letters, digits and spaces escaped. */
export function escapeRegexLiteral(text: string): string {
  return text.replace(/[^\p{L}\p{N}\s]/gu, '\\$&');
}

/**
 * Rewrites the RE2 / Perl word-boundary escapes `\b` and `\B` as PostgreSQL's `\y` and `\Y`
 * (in PostgreSQL `\b` is a backspace), leaving escaped backslashes and bracket expressions alone.
 */
export function toPostgresRegex(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1]!;
      out += !inClass && next === 'b' ? '\\y' : !inClass && next === 'B' ? '\\Y' : c + next;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

/**
 * A PostgreSQL regex made newline-sensitive (`n`: `^` and `$` match at line ends and `.` never
 * crosses a line), for matching a segment of several lines. PostgreSQL takes one group of
 * embedded options, at the very start: a pattern's own (`(?i)word`) gets `n` added to them, after
 * an `***:` director when there is one; a literal (`***=`) is left as it is.
 */
export function newlineSensitive(pattern: string): string {
  if (pattern.startsWith('***=')) return pattern;
  if (pattern.startsWith('***:')) return `***:${newlineSensitive(pattern.slice(4))}`;
  const own = /^\(\?([bceimnpqstwx]+)\)/.exec(pattern);
  // (`n` last: a pattern's `s` or `p` would otherwise turn newline sensitivity off)
  return own ? `(?${own[1]}n)${pattern.slice(own[0].length)}` : `(?n)${pattern}`;
}

/** Rounds that read the files a search's first read left out. */
const MAX_CONTINUATIONS = 3;

/** PostgreSQL regex syntax JavaScript reads differently or not at all. */
const POSTGRES_ONLY_REGEX = /\[\[[:.=]|\\[yYmMAZ]|^\*\*\*|\(\?[bceiqnpswx]+\)/;

/** A line predicate equivalent to the SQL condition, or null when only PostgreSQL can evaluate it. */
function jsLineMatcher(query: string, options: LexicalSearchOptions): ((line: string) => boolean) | null {
  if (!options.regex) {
    if (options.caseSensitive) return (line) => line.includes(query);
    const needle = query.toLowerCase();
    return (line) => line.toLowerCase().includes(needle);
  }
  if (POSTGRES_ONLY_REGEX.test(query)) return null;
  try {
    const re = new RegExp(query, options.caseSensitive ? 'u' : 'iu');
    return (line) => re.test(line);
  } catch {
    return null;
  }
}

/**
 * Finds the matched ranges of a line (at most 50), with the pattern compiled once per search;
 * no ranges for a PostgreSQL-only regex construct (the line matched, its columns are unknown).
 */
function jsRangeFinder(query: string, options: LexicalSearchOptions): (text: string) => { start: number; end: number }[] {
  let re: RegExp;
  try {
    const source = options.regex ? query : query.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
    re = new RegExp(source, options.caseSensitive ? 'gu' : 'giu');
  } catch {
    return () => [];
  }
  return (text) => {
    const ranges: { start: number; end: number }[] = [];
    for (const m of text.matchAll(re)) {
      if (m[0].length === 0) continue; // (a pattern that can match nothing: only its non-empty matches are ranges)
      ranges.push({ start: m.index, end: m.index + m[0].length });
      if (ranges.length >= 50) break;
    }
    return ranges;
  };
}

/**
 * Lexical search without Zoekt, over the file text the catalog keeps in PostgreSQL: a GIN
 * trigram index over `lexical_segments` (file text cut into ~2 KB runs of whole lines by
 * `upsertSnapshotFiles` as it stores the text; the index is created on this backend's first use) narrows LIKE literal
 * and `~` / `~*` regex searches to candidate segments, their matching lines are cut out, and the
 * chunk store maps them to chunks exactly as the Zoekt backend does. Regexes use PostgreSQL's
 * syntax (`\b` is accepted for a word boundary). Works on a PostgreSQL server and on PGlite.
 *
 * ```ts
 * const index = new PostgresLexicalIndex({ store, chunkStore })
 * await index.reindexRepo(content)
 * const hits = await index.search(content.snapshot, 'parseConfig(', { limit: 10 })
 * ```
 */
export class PostgresLexicalIndex implements LexicalIndex, AsyncDisposable {
  readonly name = 'lexical' as const;
  readonly #store: () => PostgresStore;
  readonly #chunks: () => ChunkStore;
  readonly #writeFiles: boolean;
  readonly #matchesPerHit: number;

  constructor(options: PostgresLexicalIndexOptions) {
    this.#store = lazy(options.store);
    this.#chunks = lazy(options.chunkStore);
    this.#writeFiles = options.writeFiles ?? true;
    this.#matchesPerHit = options.matchesPerHit ?? 20;
  }

  async #db(options: CallOptions): Promise<PostgresStore> {
    const store = this.#store();
    // (after the migrations; only this backend reads the index, so only it creates it)
    await ensureLexicalTrigramIndex(store, options);
    return store;
  }

  /**
   * Makes the trigram index (if the database has none) before an index run writes files, so it
   * is kept up as they arrive: left to this index's first query, on PGlite it came after a first
   * run's files and was built over all of them at once, holding every other writer up meanwhile
   * (60 MB of source: 12.7 s).
   */
  async prepare(options: CallOptions = {}): Promise<void> {
    await this.#db(options);
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    throwIfAborted(options.signal, COMPONENT);
    const started = performance.now();
    const db = await this.#db(options);
    if (!this.#writeFiles) return catalogWritesFiles(started);
    const keep = content.files.map((f) => f.path);
    await db.transaction(async (tx) => {
      await this.#ensureSnapshot(tx, content.snapshot, options);
      const had = await tx.fetch<{ file_path: string }>('SELECT file_path FROM files WHERE repo_id = $1 AND snapshot_id = $2', [content.snapshot.repoId, content.snapshot.snapshotId], options);
      const kept = new Set(keep);
      await removeSnapshotFiles(tx, content.snapshot, had.map((f) => f.file_path).filter((p) => !kept.has(p)), options);
      await this.#upsertFiles(tx, content.snapshot, content.files, options);
    }, options);
    await this.#flushPendingIndex(db, options);
    return { index: 'lexical', durationMs: performance.now() - started, itemsIndexed: content.files.length, details: { backend: 'postgres' } };
  }

  /** Carries the base snapshot's unchanged files over in SQL and writes only the changed ones. */
  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    throwIfAborted(options.signal, COMPONENT);
    const started = performance.now();
    const db = await this.#db(options);
    if (!this.#writeFiles) return catalogWritesFiles(started);
    const { repoId, snapshotId } = delta.snapshot;
    const changed = new Set(delta.changedPaths);
    const files = delta.files.filter((f) => changed.has(f.path));
    let carried = 0;
    await db.transaction(async (tx) => {
      await this.#ensureSnapshot(tx, delta.snapshot, options);
      carried = await copySnapshotFiles(tx, { repoId, snapshotId: delta.baseSnapshotId }, delta.snapshot, [...delta.changedPaths, ...delta.deletedPaths], options);
      await removeSnapshotFiles(tx, delta.snapshot, delta.deletedPaths, options);
      await this.#upsertFiles(tx, delta.snapshot, files, options);
    }, options);
    await this.#flushPendingIndex(db, options);
    return {
      index: 'lexical',
      durationMs: performance.now() - started,
      itemsIndexed: files.length,
      fullRebuild: false,
      details: { backend: 'postgres', carriedOver: carried, deleted: delta.deletedPaths.length },
    };
  }

  async search(snapshot: SnapshotRef, query: string, options: LexicalSearchOptions = {}): Promise<SearchHit[]> {
    throwIfAborted(options.signal, COMPONENT);
    if (query.trim() === '') throw new InvalidQueryError('empty query: pass the text or regex to search for', { component: COMPONENT });
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit <= 0) throw new InvalidQueryError(`limit must be a positive integer, got ${options.limit}`, { component: COMPONENT });
    const db = await this.#db(options);
    const maxLines = Math.max(200, limit * this.#matchesPerHit);
    const matcher = jsLineMatcher(query, options);
    // Candidate segments (about 2 KB of whole lines, written with the file text) come
    // from the trigram index; their matching lines are cut out here when the pattern means the same
    // in JavaScript (literals always, most regexes), which is several times cheaper than matching
    // every line in SQL. PostgreSQL-only regex syntax is matched in SQL. Only `limit + 10`
    // segments are read first: enough for `limit` hits unless several segments fall in one chunk
    // (a long function) or a few files hold most matching segments. Then the files read are left
    // out and the others read, four times as many rows each round (a few rounds at most).
    const lookup = this.#chunks().beginLineLookup?.(snapshot, { signal: options.signal });
    const map = (lines: LexicalLineMatch[]) => mapLineMatchesToHits(snapshot, lines, this.#chunks(), { limit, query, backend: 'postgres', signal: options.signal, lookup });
    let rows = matcher ? limit + 10 : maxLines;
    const lines: LexicalLineMatch[] = [];
    const read = new Set<string>();
    for (let round = 0; ; round++) {
      const found = await this.#matchingLines(db, snapshot, query, options, matcher, rows, maxLines, [...read]);
      for (const line of found.lines) lines.push(line);
      const hits = await map(lines);
      // (fewer rows than asked, each looked at: every candidate was read)
      if (hits.length >= limit || (found.rows < rows && found.complete) || round === MAX_CONTINUATIONS) return hits;
      for (const path of found.files) read.add(path);
      if (found.rows >= rows) rows = Math.min(rows * 4, maxLines * 4);
    }
  }

  /**
   * Up to `maxLines` matching lines from at most `maxRows` candidate segments (or, without a
   * JavaScript matcher, matching lines cut out in SQL) of files other than `exclude`, how many
   * rows the query returned, and of which files.
   */
  async #matchingLines(
    db: PostgresStore,
    snapshot: SnapshotRef,
    query: string,
    options: LexicalSearchOptions,
    matcher: ((line: string) => boolean) | null,
    maxRows: number,
    maxLines: number,
    exclude: readonly string[] = [],
  ): Promise<{ lines: LexicalLineMatch[]; rows: number; files: Set<string>; complete: boolean }> {
    // (a pattern that cannot match an empty line needs no check for the one past a file's end)
    const { sql, params } = lexicalSearchSql(snapshot, query, options, maxRows, matcher ? 'segments' : 'lines', exclude, matcher ? matcher('') : true);
    // Text lives mostly in TOAST, whose pages the planner does not count when it prices a
    // sequential scan: it would read and match every segment rather than use the trigram index.
    // Turning sequential scans off for this one statement keeps the search on the index.
    const rows = await db.transaction(async (tx) => {
      await tx.execute('SET LOCAL enable_seqscan = off', [], options);
      return tx.fetch<{ file_path: string; language: string | null; past_end: boolean; content_hash: string; start_line: number; start_column: number; text: string }>(sql, params, options);
    }, options);
    const lines: LexicalLineMatch[] = [];
    const rangesOf = jsRangeFinder(query, options);
    const push = (filePath: string, language: string | null, line: number, raw: string) => {
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      lines.push({ filePath, line, text, ranges: rangesOf(text), score: 0, language });
    };
    // A window of a long line is a candidate only: the whole line is read and matched afterwards
    // (an anchor or word boundary means the line's, and columns count from its start, in UTF-16).
    const windowed = new Map<string, { filePath: string; language: string | null; contentHash: string; line: number }>();
    // No file takes more than a quarter of the lines: one long function matching on every line
    // would otherwise leave none for the other files.
    const perFile = Math.ceil(maxLines / 4);
    const taken = new Map<string, number>();
    // The files of the rows looked at, and whether every row was (else the lines ran out).
    const files = new Set<string>();
    let complete = true;
    for (const r of rows) {
      if (lines.length >= maxLines) {
        complete = false;
        break;
      }
      files.add(r.file_path);
      const start = Number(r.start_line);
      if (mayBeWindow(Number(r.start_column), r.text)) {
        windowed.set(`${r.content_hash}\0${start}`, { filePath: r.file_path, language: r.language, contentHash: r.content_hash, line: start });
        continue;
      }
      if (!matcher) {
        if (!r.past_end) push(r.file_path, r.language, start, r.text);
        continue;
      }
      let n = taken.get(r.file_path) ?? 0;
      const segmentLines = r.text.split('\n');
      // (text ending in a newline splits into one empty line more than it has: see LAST_SEGMENT)
      if (r.past_end) segmentLines.pop();
      for (let i = 0; i < segmentLines.length && lines.length < maxLines && n < perFile; i++) {
        if (matcher(segmentLines[i]!)) {
          push(r.file_path, r.language, start + i, segmentLines[i]!);
          n++;
        }
      }
      taken.set(r.file_path, n);
    }
    if (windowed.size > 0) {
      const candidates = [...windowed.values()];
      // (a PostgreSQL-only regex is matched in SQL, as the lines of segments are)
      const sqlMatch = matcher ? null : `split_part(c.content, E'\\n', t.n) ${options.caseSensitive ? '~' : '~*'} $3`;
      const whole = await db.fetch<{ i: number; text: string; matched: boolean | null }>(
        `SELECT t.i::int AS i, split_part(c.content, E'\\n', t.n) AS text, ${sqlMatch ?? 'NULL'} AS matched
         FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS t(h, n, i) JOIN file_contents c ON c.content_hash = t.h`,
        [candidates.map((w) => w.contentHash), candidates.map((w) => w.line), ...(sqlMatch ? [toPostgresRegex(query)] : [])],
        options,
      );
      for (const w of whole) {
        const candidate = candidates[w.i - 1]!;
        const text = w.text.endsWith('\r') ? w.text.slice(0, -1) : w.text;
        if (matcher ? matcher(text) : w.matched) push(candidate.filePath, candidate.language, candidate.line, text);
      }
    }
    return { lines, rows: rows.length, files, complete };
  }

  /** Removes the files of one snapshot (or of every snapshot) and file text no snapshot uses any more. */
  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal, COMPONENT);
    const db = await this.#db(options);
    await dropSnapshotFiles(db, repoId, snapshotId, options);
  }

  async healthCheck(options: CallOptions = {}): Promise<HealthStatus> {
    void options;
    return this.#store().healthCheck();
  }

  /** Nothing to release: the store and chunk store belong to the caller. */
  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * New rows of a GIN index first land in its unsorted pending list, which every search must
   * scan and which makes the planner price the index above a sequential scan. Merging it after a
   * bulk write keeps searches on the index. Needs ownership of the table: skipped otherwise.
   */
  async #flushPendingIndex(db: PostgresStore, options: CallOptions): Promise<void> {
    try {
      await db.execute('SELECT gin_clean_pending_list($1::regclass)', [LEXICAL_TRIGRAM_INDEX], options);
    } catch {
      // not the owner: autovacuum merges the list later
    }
  }

  async #ensureSnapshot(tx: PostgresQueryable, ref: SnapshotRef, options: CallOptions): Promise<void> {
    // The catalog owns repos and snapshots; create them only when this index is used on its own.
    await tx.execute('INSERT INTO repos (repo_id) VALUES ($1) ON CONFLICT DO NOTHING', [ref.repoId], options);
    await tx.execute(`INSERT INTO snapshots (repo_id, snapshot_id, status) VALUES ($1, $2, 'indexing') ON CONFLICT DO NOTHING`, [ref.repoId, ref.snapshotId], options);
  }

  async #upsertFiles(tx: PostgresQueryable, ref: SnapshotRef, files: readonly SourceFile[], options: CallOptions): Promise<void> {
    for (const f of files) {
      if (!f.path || typeof f.content !== 'string' || !f.contentHash) {
        throw new InvalidInputError(`file "${f.path}" needs a path, a contentHash and its content`, { component: COMPONENT });
      }
    }
    await upsertSnapshotFiles(tx, ref, files, options);
  }
}

/**
 * Whether segment `s` is its text's last: text that ends with a newline splits into one empty
 * line more than it has, the last of its last segment (a segment of its own, empty, after a long
 * line), which a search must not report. Asked only where an empty line can match, and in the
 * select list (in the WHERE clause it changed the plan's join order).
 */
const LAST_SEGMENT = `NOT EXISTS (SELECT 1 FROM lexical_segments n WHERE n.content_hash = s.content_hash AND (n.start_line, n.start_column) > (s.start_line, s.start_column))`;

/**
 * Whether a segment's text may be a window of a long line: a later window starts past column 0,
 * the first is a whole window's length without a newline. (A line of exactly that length passes
 * too, and is then matched whole, as windows are: the same answer.) Told in JavaScript from the
 * text a row brings (a segment's, or a line's), not in SQL: each function of `s.text` there reads
 * its TOASTed value again (one bench run each: a broad query took 16 ms with three of them, 11
 * without).
 */
function mayBeWindow(startColumn: number, text: string): boolean {
  return startColumn > 0 || (text.length >= LEXICAL_WINDOW_CHARS && text.length <= 2 * LEXICAL_WINDOW_CHARS && !text.includes('\n') && [...text].length === LEXICAL_WINDOW_CHARS);
}

/**
 * The SQL of one search: candidate segments of the snapshot's files through the trigram index on
 * `lexical_segments` (`text LIKE/~/~*`), then either the segments (`mode: 'segments'`, at most
 * `max`; lines are matched by the caller) or their matching lines (`mode: 'lines'`, at most `max`
 * lines). Rows carry the segment's first line and column. Exported for the EXPLAIN test and the
 * benchmark.
 */
export function lexicalSearchSql(
  snapshot: SnapshotRef,
  query: string,
  options: LexicalSearchOptions,
  max: number,
  mode: 'segments' | 'lines' = 'lines',
  excludePaths: readonly string[] = [],
  emptyLinesMatch = true,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [snapshot.repoId, snapshot.snapshotId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  let segmentCondition: string;
  let lineCondition: string;
  if (options.regex) {
    const pattern = toPostgresRegex(query);
    const op = options.caseSensitive ? '~' : '~*';
    segmentCondition = `s.text ${op} ${param(newlineSensitive(pattern))}`;
    lineCondition = mode === 'lines' ? `l.text ${op} ${param(pattern)}` : '';
  } else if (options.caseSensitive) {
    const like = param(`%${escapeLike(query)}%`);
    segmentCondition = `s.text LIKE ${like}`;
    lineCondition = `l.text LIKE ${like}`;
  } else {
    // The literal as a case-insensitive regex rather than ILIKE: the trigram index serves both,
    // and PostgreSQL checks each candidate 2-3x faster with ~* (ILIKE lower-cases the whole
    // text first; measured 35 vs 13.5 ms per MB on PGlite).
    const pattern = param(escapeRegexLiteral(query));
    segmentCondition = `s.text ~* ${pattern}`;
    lineCondition = `l.text ~* ${pattern}`;
  }
  const filters: string[] = [];
  // (case as the query's, as Zoekt's `file:` follows its `case:`)
  if (options.filePattern) filters.push(`f.file_path ${options.caseSensitive ? '~' : '~*'} ${param(toPostgresRegex(options.filePattern))}`);
  if (excludePaths.length > 0) filters.push(`f.file_path <> ALL(${param(excludePaths)}::text[])`);
  if (options.languages && options.languages.length > 0) filters.push(`lower(f.language) = ANY(${param(knownLanguages(options.languages))}::text[])`);
  const where = `f.repo_id = $1 AND f.snapshot_id = $2 AND ${segmentCondition}${filters.map((c) => ` AND ${c}`).join('')}`;
  const limit = param(max);
  const sql =
    mode === 'segments'
      ? `SELECT f.file_path, f.language, ${emptyLinesMatch ? `CASE WHEN s.text = '' OR right(s.text, 1) = E'\\n' THEN ${LAST_SEGMENT} ELSE false END` : 'false'} AS past_end, s.content_hash, s.start_line, s.start_column, s.text
FROM lexical_segments s
JOIN files f ON f.content_hash = s.content_hash
WHERE ${where}
LIMIT ${limit}`
      : `SELECT f.file_path, f.language, s.start_line + l.n::int - 1 AS start_line, s.start_column, l.text, s.content_hash,
  CASE WHEN l.text = '' AND l.n = 1 + length(s.text) - length(replace(s.text, E'\\n', '')) THEN ${LAST_SEGMENT} ELSE false END AS past_end
FROM lexical_segments s
JOIN files f ON f.content_hash = s.content_hash
CROSS JOIN LATERAL string_to_table(s.text, E'\\n') WITH ORDINALITY AS l(text, n)
WHERE ${where}
  AND ${lineCondition}
LIMIT ${limit}`;
  return { sql, params };
}
