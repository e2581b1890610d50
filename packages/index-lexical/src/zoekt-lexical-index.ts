import {
  ConfigError,
  TrawlError,
  InvalidQueryError,
  languagePathPattern,
  NotFoundError,
  TimeoutError,
  throwIfAborted,
  type CallOptions,
  type ChunkStore,
  type HealthStatus,
  type IndexRunResult,
  type LexicalIndex,
  type LexicalSearchOptions,
  type LineLookup,
  type SearchHit,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
} from '@trawl/core';
import { buildZoektQuery, escapeRegex, lineStartsWith, quoteAtom, type ZoektClient, type ZoektIndexer, type ZoektIndexRun, type ZoektLineMatch, type ZoektMatchRange, type ZoektSearchOptions, type ZoektSearchResult } from '@trawl/zoekt';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLineMatchesToHits, type LexicalLineMatch } from './lexical-hit-mapper.js';
import { lazy, type Lazy } from './lazy.js';

export interface ZoektLexicalIndexOptions {
  /** Client of the zoekt-webserver that serves the indexer's folder. */
  client: Lazy<ZoektClient>;
  /** Writes shards into the folder that webserver serves. */
  indexer: Lazy<ZoektIndexer>;
  /** Maps (file, line) to chunks; must hold the snapshot's chunks before it is searched. */
  chunkStore: Lazy<ChunkStore>;
  /** How long to wait for the webserver to load a new shard after indexing. Default 30 000 ms. */
  loadTimeoutMs?: number;
  /** Matches asked from Zoekt per search: `limit` times this (at least 200). Default 20. */
  matchesPerHit?: number;
  /**
   * Files asked from Zoekt per search: `limit` times this. Default 1: Zoekt's `limit` best-ranked
   * files, which always hold `limit` hits. Raise it to let chunks with many matched lines in
   * files Zoekt ranked lower compete (more to transfer and map).
   */
  filesPerHit?: number;
  /** Skip ctags when indexing (faster; Zoekt then has no symbol data for ranking). */
  disableCtags?: boolean;
  /**
   * Zoekt skips files with more distinct trigrams than this (minified or generated text) and
   * files larger than `fileLimitBytes`; the PostgreSQL backend skips neither. Defaults: Zoekt's
   * (20 000 trigrams, 2 MiB).
   */
  maxTrigramCount?: number;
  fileLimitBytes?: number;
  /**
   * `reindexPaths` lays the changed files over the base snapshot's shards (an overlay) while the
   * paths it replaces, accumulated over consecutive deltas, number at most this; past it, the
   * delta is rebuilt whole. Default 256; 0 always rebuilds.
   */
  overlayMaxPaths?: number;
}

const COMPONENT = 'index-lexical';
/** Zoekt replaces the text of a file it skipped (too large, binary, too many trigrams) by this marker and the reason. */
const NOT_INDEXED = 'NOT-INDEXED: ';
const NOT_INDEXED_BYTES = Buffer.from(NOT_INDEXED);
const DEFAULT_LIMIT = 20;
/**
 * The file an overlay snapshot's shard carries to say what it lays over; no search returns it,
 * and a repository's own file at this path is not indexed.
 */
export const OVERLAY_MANIFEST = '__trawl_overlay__.json';
/** Folder of the index directory where deleted snapshots that overlays still build on are marked. */
const TOMBSTONES = '.trawl-deleted';
const LAYOUT_CACHE_SIZE = 256;

/**
 * How a snapshot's files are laid out in Zoekt: whole in its own repository, or as an overlay (its
 * repository holds only the files changed since `base`, a whole repository whose `masked` paths
 * it replaces or deleted), or deleted (kept only because overlays build on it).
 */
type Layout = { kind: 'full' } | Overlay | { kind: 'deleted' };
/** An overlay's base and the paths of the base it replaces or deletes (also as a set, made once: searches test answers against it). */
type Overlay = { kind: 'overlay'; base: string; masked: string[]; maskedSet: ReadonlySet<string> };

const overlay = (base: string, masked: string[]): Overlay => ({ kind: 'overlay', base, masked, maskedSet: new Set(masked) });

/** Zoekt query atoms: the repository named `name`; every repository whose name starts with `prefix`; the manifest file. */
const repoAtom = (name: string) => `repo:${quoteAtom(`^(?:${escapeRegex(name)})$`)}`;
const prefixAtom = (prefix: string) => `repo:${quoteAtom(`^${escapeRegex(prefix)}`)}`;
const manifestAtom = () => `file:${quoteAtom(`^${escapeRegex(OVERLAY_MANIFEST)}$`)}`;

/** The Zoekt query terms that select a snapshot's files in `layout` (every file, when the query is only this). */
function scopeTerms(name: string, layout: Overlay, mask = true): string {
  // (no parentheses around a lone atom: Zoekt answers `((repo:a) or repo:b)` with nothing)
  const base = mask && layout.masked.length ? `(${repoAtom(layout.base)} -file:${quoteAtom(`^(?:${layout.masked.map(escapeRegex).join('|')})$`)})` : repoAtom(layout.base);
  return `(${base} or ${repoAtom(name)}) -${manifestAtom()}`;
}

function parseManifest(text: string, name: string): Overlay {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const m = parsed as { base?: unknown; masked?: unknown } | null;
  if (!m || typeof m.base !== 'string' || !Array.isArray(m.masked) || !m.masked.every((p) => typeof p === 'string')) {
    throw new TrawlError('BACKEND_ERROR', `the Zoekt repository ${name} holds a malformed ${OVERLAY_MANIFEST}: re-index that snapshot whole (reindexRepo)`, { component: COMPONENT });
  }
  return overlay(m.base, m.masked as string[]);
}

/**
 * One Zoekt line as the hit mapper reads it. Text and ranges are read through to Zoekt's lazily
 * decoded match, so only the lines of the hits returned are decoded (and matches on line 1,
 * checked for Zoekt's skipped-file marker).
 */
class ZoektLine implements LexicalLineMatch {
  readonly line: number;

  constructor(
    readonly filePath: string,
    readonly match: ZoektLineMatch,
    readonly score: number,
    readonly language: string | null,
  ) {
    this.line = match.line;
  }

  get text(): string {
    return this.match.text;
  }

  get ranges(): ZoektMatchRange[] {
    return this.match.ranges;
  }
}

/**
 * The result limits ZoektLexicalIndex asks Zoekt for, for `limit` hits:
 * - `maxDocuments: limit * filesPerHit` (default `limit`): every file Zoekt returns yields at
 *   least one hit (its matched lines map to at least one chunk), so Zoekt's `limit` best-ranked
 *   files always hold enough hits; more files would be encoded, sent, parsed and mapped mostly
 *   to be cut. Zoekt's file ranking thus decides which files compete; chunk scores order the
 *   hits within them. When Zoekt found more files, hits carry `metadata.truncated`.
 * - `maxMatches: max(200, limit * matchesPerHit)`: how many matches Zoekt collects (per shard and
 *   in total) before it ranks files.
 * - `maxLines: min(maxMatches, max(100, limit * 10))`: how many matched lines it returns, best
 *   files first. Ten lines per hit leave room for several hits per file and several lines per
 *   hit; a broad word (`function`) otherwise returned ~370 lines and 112 KB for 20 hits, most of
 *   it parsed and mapped only to be cut. When the lines run out before `limit` hits (a file
 *   with hundreds of matches in one function), the search is asked again without the cap.
 * No context lines.
 */
function zoektSearchLimits(limit: number, matchesPerHit: number, filesPerHit: number): { maxDocuments: number; maxMatches: number; maxLines: number } {
  const maxMatches = Math.max(200, Math.ceil(limit * matchesPerHit));
  return { maxDocuments: Math.ceil(limit * filesPerHit), maxMatches, maxLines: Math.min(maxMatches, Math.max(100, limit * 10)) };
}

/** Rounds that ask Zoekt for the files a search's line budget left out, and the most lines one round asks for. */
const MAX_CONTINUATIONS = 3;
const MAX_CONTINUATION_LINES = 10_000;

/** A response's matched lines as the hit mapper reads them, after `before` (a previous round's). */
function zoektLines(result: ZoektSearchResult, before: readonly LexicalLineMatch[]): LexicalLineMatch[] {
  const lines = before.slice();
  for (const file of result.files) {
    const language = file.language ? file.language.toLowerCase() : null;
    for (const m of file.matches) {
      if (m.fileNameMatch || (m.line === 1 && lineStartsWith(m, NOT_INDEXED_BYTES))) continue;
      // Zoekt's file score orders files as Zoekt ranks them; its line score breaks ties.
      lines.push(new ZoektLine(file.fileName, m, file.score / 100 + m.score / 10_000, language));
    }
  }
  return lines;
}

/**
 * The result without the files of `masked.base` it masks (the overlay holds their new version, or
 * they were deleted), when the query could not leave them out. Zoekt counted them: `truncated`
 * stays as it said.
 */
function dropMasked(result: ZoektSearchResult, masked: Overlay | null): ZoektSearchResult {
  if (!masked) return result;
  const files = result.files.filter((f) => !(f.repository === masked.base && masked.maskedSet.has(f.fileName)));
  return files.length === result.files.length ? result : { ...result, files };
}

/** Matched lines in a response. */
function countLines(result: ZoektSearchResult): number {
  let n = 0;
  for (const f of result.files) n += f.matches.length;
  return n;
}

/**
 * The Zoekt repository name of a snapshot: repository and snapshot ids, URI-encoded so the name
 * is one folder name (zoekt-index names a repository after its folder), joined by `@`.
 */
export function zoektRepositoryName(ref: SnapshotRef): string {
  return `${encodeURIComponent(ref.repoId)}@${encodeURIComponent(ref.snapshotId)}`;
}

/**
 * Lexical search through Zoekt: each snapshot is one Zoekt repository; Zoekt finds the lines,
 * the chunk store maps them to chunks (see `mapLineMatchesToHits`: exact chunk, else file
 * chunk, else a flagged virtual id).
 *
 * ```ts
 * const index = new ZoektLexicalIndex({
 *   client: new ZoektClient({ url: process.env.ZOEKT_URL! }),
 *   indexer: new ZoektIndexer({ indexDir: '/var/zoekt' }),
 *   chunkStore,
 * })
 * await index.reindexRepo(content)
 * const hits = await index.search(content.snapshot, 'parseConfig(', { limit: 10 })
 * ```
 */
export class ZoektLexicalIndex implements LexicalIndex, AsyncDisposable {
  readonly name = 'lexical' as const;
  readonly #client: () => ZoektClient;
  readonly #indexer: () => ZoektIndexer;
  readonly #chunks: () => ChunkStore;
  readonly #loadTimeoutMs: number;
  readonly #matchesPerHit: number;
  readonly #filesPerHit: number;
  readonly #indexOptions: { disableCtags: boolean; maxTrigramCount?: number; fileLimitBytes?: number };
  readonly #overlayMaxPaths: number;
  /**
   * Layouts by Zoekt repository name (a snapshot's layout never changes once it is indexed): the
   * layout itself once known, so a search reads it without an await, or the pending read.
   */
  readonly #layouts = new Map<string, Layout | Promise<Layout>>();

  constructor(options: ZoektLexicalIndexOptions) {
    this.#client = lazy(options.client);
    this.#indexer = lazy(options.indexer);
    this.#chunks = lazy(options.chunkStore);
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 30_000;
    this.#matchesPerHit = options.matchesPerHit ?? 20;
    this.#filesPerHit = options.filesPerHit ?? 1;
    if (!(this.#filesPerHit >= 1)) throw new ConfigError(`filesPerHit must be at least 1, got ${options.filesPerHit}`, { component: COMPONENT });
    this.#indexOptions = { disableCtags: options.disableCtags ?? false, maxTrigramCount: options.maxTrigramCount, fileLimitBytes: options.fileLimitBytes };
    this.#overlayMaxPaths = options.overlayMaxPaths ?? 256;
    if (!(this.#overlayMaxPaths >= 0)) throw new ConfigError(`overlayMaxPaths must be 0 or more, got ${options.overlayMaxPaths}`, { component: COMPONENT });
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    throwIfAborted(options.signal, COMPONENT);
    const started = performance.now();
    const name = zoektRepositoryName(content.snapshot);
    // (a file of the repository at the manifest's path is left out: it would read as one)
    const run = await this.#indexAndLoad(name, content.files.filter((f) => f.path !== OVERLAY_MANIFEST), options);
    this.#layouts.set(name, { kind: 'full' });
    return {
      index: 'lexical',
      durationMs: performance.now() - started,
      itemsIndexed: content.files.length,
      details: this.#details(name, run),
    };
  }

  /**
   * zoekt-index rebuilds a plain directory's shards whole, so a delta is laid over the base
   * instead: the new snapshot's repository holds only the changed files (with those an overlaid
   * base had already changed) and a manifest naming the whole repository it builds on and the
   * paths it replaces or deletes there; searches query both. Past `overlayMaxPaths` replaced
   * paths, or when the base is gone, the snapshot is rebuilt whole (`fullRebuild`), with unchanged
   * files taken from the base in Zoekt (Zoekt returns whole files) or else the working tree.
   */
  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    throwIfAborted(options.signal, COMPONENT);
    const started = performance.now();
    const baseName = zoektRepositoryName({ repoId: delta.snapshot.repoId, snapshotId: delta.baseSnapshotId });
    const name = zoektRepositoryName(delta.snapshot);
    this.#layouts.delete(name);
    const replaced = new Set([...delta.changedPaths, ...delta.deletedPaths]);
    const changed = new Set(delta.changedPaths);
    const changedFiles = delta.files.filter((f) => changed.has(f.path) && f.path !== OVERLAY_MANIFEST).map((f) => ({ path: f.path, content: f.content }));
    const baseLayout = await this.#layout(baseName, options);
    const wholeBase = baseLayout.kind === 'overlay' ? baseLayout.base : baseName;
    const masked = new Set([...(baseLayout.kind === 'overlay' ? baseLayout.masked : []), ...replaced]);

    if (baseLayout.kind !== 'deleted' && masked.size <= this.#overlayMaxPaths && (await this.#listed(wholeBase, options)).length > 0) {
      // The base's own overlay files carry over, except those this delta replaces.
      const carried = baseLayout.kind === 'overlay' ? await this.#files(await this.#wholeFiles(`${repoAtom(baseName)} -${manifestAtom()}`, options), delta.rootPath, replaced) : new Map<string, string>();
      const manifest = { path: OVERLAY_MANIFEST, content: `${JSON.stringify({ version: 1, base: wholeBase, masked: [...masked].sort() }, null, 1)}\n` };
      const files = [...[...carried].map(([path, content]) => ({ path, content })), ...changedFiles, manifest];
      const run = await this.#indexAndLoad(name, files, options);
      this.#layouts.set(name, overlay(wholeBase, [...masked].sort()));
      return {
        index: 'lexical',
        durationMs: performance.now() - started,
        itemsIndexed: files.length - 1,
        fullRebuild: false,
        note: `laid over ${wholeBase}: ${files.length - 1} changed files indexed, ${masked.size} paths of the base replaced or deleted`,
        details: { ...this.#details(name, run), overlayOn: wholeBase, maskedPaths: masked.size, carriedOver: carried.size },
      };
    }

    const scope = baseLayout.kind === 'overlay' ? scopeTerms(baseName, baseLayout) : repoAtom(baseName);
    const base = baseLayout.kind === 'deleted' ? null : await this.#wholeFiles(scope, options);
    if (!base || base.files.length === 0 || base.partial) {
      const rootExists = (await stat(delta.rootPath).catch(() => null))?.isDirectory();
      if (!rootExists) {
        throw new NotFoundError(
          `cannot re-index ${delta.snapshot.repoId}@${delta.snapshot.snapshotId} incrementally: Zoekt has no complete index of the base snapshot ${delta.baseSnapshotId} and ${delta.rootPath} is not a directory. Run reindexRepo with the whole snapshot.`,
          { component: COMPONENT },
        );
      }
      const run = await this.#indexAndLoad(name, null, options, delta.rootPath);
      this.#layouts.set(name, { kind: 'full' });
      return {
        index: 'lexical',
        durationMs: performance.now() - started,
        itemsIndexed: run.filesIndexed ?? 0,
        fullRebuild: true,
        note: `Zoekt had no complete index of base snapshot ${delta.baseSnapshotId}: indexed the working tree at ${delta.rootPath} whole`,
        details: this.#details(name, run),
      };
    }
    const files = await this.#files(base, delta.rootPath, replaced);
    for (const f of changedFiles) files.set(f.path, f.content);
    const run = await this.#indexAndLoad(name, [...files].map(([path, content]) => ({ path, content })), options);
    this.#layouts.set(name, { kind: 'full' });
    return {
      index: 'lexical',
      durationMs: performance.now() - started,
      itemsIndexed: files.size,
      fullRebuild: true,
      note:
        masked.size > this.#overlayMaxPaths
          ? `${masked.size} paths changed since the last whole index (more than overlayMaxPaths ${this.#overlayMaxPaths}): rebuilt whole, unchanged files carried over from the base snapshot in Zoekt`
          : 'rebuilt whole: unchanged files were carried over from the base snapshot in Zoekt, changed ones taken from the delta',
      details: { ...this.#details(name, run), carriedOver: files.size - changedFiles.length },
    };
  }

  /** Every file a Zoekt query (in Zoekt's language) selects, with its whole content. */
  #wholeFiles(query: string, options: CallOptions): Promise<ZoektSearchResult> {
    // `case:yes`: Zoekt matches an all-lowercase `file:` or `repo:` atom ignoring case otherwise,
    // so masking `src/a.ts` would also drop an `src/A.ts` beside it.
    return this.#client().search(`${query} case:yes`, { raw: true, wholeFiles: true, signal: options.signal, timeoutMs: 120_000 });
  }

  /**
   * The files of a whole-file result by path, minus `except` and the manifest. A file Zoekt
   * skipped (kept only as a marker) is read again from `rootPath` so Zoekt judges it again, or
   * left out.
   */
  async #files(found: ZoektSearchResult, rootPath: string, except: ReadonlySet<string>): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    for (const f of found.files) {
      if (except.has(f.fileName) || f.fileName === OVERLAY_MANIFEST) continue;
      let text = f.content ?? '';
      if (text.startsWith(NOT_INDEXED)) {
        const onDisk = await readFile(join(rootPath, f.fileName), 'utf8').catch(() => null);
        if (onDisk === null) continue;
        text = onDisk;
      }
      files.set(f.fileName, text);
    }
    return files;
  }

  /**
   * A snapshot's layout, read from its manifest once (one Zoekt round trip) and cached: the layout
   * itself when known (no await for a search to pay), else the pending read.
   */
  #layout(name: string, options: CallOptions): Layout | Promise<Layout> {
    const known = this.#layouts.get(name);
    if (known) return known;
    const pending = this.#readLayout(name, options);
    this.#layouts.set(name, pending);
    pending.then(
      (layout) => this.#layouts.get(name) === pending && this.#layouts.set(name, layout),
      () => this.#layouts.get(name) === pending && this.#layouts.delete(name),
    );
    if (this.#layouts.size > LAYOUT_CACHE_SIZE) this.#layouts.delete(this.#layouts.keys().next().value!);
    return pending;
  }

  async #readLayout(name: string, options: CallOptions): Promise<Layout> {
    if (await this.#tombstoned(name)) return { kind: 'deleted' };
    const found = await this.#wholeFiles(`${repoAtom(name)} ${manifestAtom()}`, options);
    const manifest = found.files.find((f) => f.fileName === OVERLAY_MANIFEST);
    return manifest ? parseManifest(manifest.content ?? '', name) : { kind: 'full' };
  }

  async search(snapshot: SnapshotRef, query: string, options: LexicalSearchOptions = {}): Promise<SearchHit[]> {
    throwIfAborted(options.signal, COMPONENT);
    if (query.trim() === '') throw new InvalidQueryError('empty query: pass the text or regex to search for', { component: COMPONENT });
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit <= 0) throw new InvalidQueryError(`limit must be a positive integer, got ${options.limit}`, { component: COMPONENT });
    const limits = zoektSearchLimits(limit, this.#matchesPerHit, this.#filesPerHit);
    // Languages as Trawl names them (Zoekt's own detection differs: a C++-looking `.h` file), by path.
    const languageAtom = options.languages?.length ? ` file:${quoteAtom(languagePathPattern(options.languages))}` : '';
    const name = zoektRepositoryName(snapshot);
    const known = this.#layout(name, options);
    const layout = known instanceof Promise ? await known : known;
    if (layout.kind === 'deleted') return [];
    // (one options object, written out: this runs on every search, and spreads cost more)
    const ask: ZoektSearchOptions = {
      regex: options.regex,
      caseSensitive: options.caseSensitive ?? false,
      filePatterns: options.filePattern ? [options.filePattern] : undefined,
      repositories: [name],
      raw: false,
      maxDocuments: limits.maxDocuments,
      maxMatches: limits.maxMatches,
      maxLines: limits.maxLines,
      signal: options.signal,
    };
    // An overlay's query selects its own files and the base's files it does not replace.
    let text = query;
    // Under `case:no` Zoekt matches `file:` ignoring case too: a masked `src/A.ts` would hide an
    // unchanged `src/a.ts`. Then the base's masked files are dropped from the answers instead.
    let masked: Overlay | null = null;
    if (layout.kind === 'overlay') {
      if (!ask.caseSensitive && layout.masked.length > 0) masked = layout;
      text = `${buildZoektQuery({ ...ask, repositories: undefined, pattern: query })}${languageAtom} ${scopeTerms(name, layout, !masked)}`;
      ask.raw = true;
    } else if (languageAtom) {
      text = `${buildZoektQuery({ ...ask, pattern: query })}${languageAtom}`;
      ask.raw = true;
    }
    // The request goes out first (the client sends it before its first await): what is not needed
    // to write it, such as beginning the chunk store's line lookup (which checks what the store
    // keeps of the snapshot), runs while Zoekt searches instead of before.
    const searching = this.#client().search(text, ask);
    let lookup: LineLookup | undefined;
    try {
      lookup = this.#chunks().beginLineLookup?.(snapshot, { signal: options.signal });
    } catch (error) {
      searching.catch(() => {});
      throw error;
    }
    const map = (lines: readonly LexicalLineMatch[]) => mapLineMatchesToHits(snapshot, lines, this.#chunks(), { limit, query, backend: 'zoekt', signal: options.signal, lookup });
    let result = dropMasked(await searching, masked);
    let lines = zoektLines(result, []);
    let hits = await map(lines);
    // A few files with very many matched lines in few chunks can use up the lines: ask again
    // for every line Zoekt collected, as it would have returned without the cap.
    if (hits.length < limit && result.truncated && limits.maxLines < limits.maxMatches && countLines(result) >= limits.maxLines) {
      result = dropMasked(await this.#client().search(text, { ...ask, maxLines: limits.maxMatches }), masked);
      hits = await map((lines = zoektLines(result, [])));
    }
    // Zoekt returns lines best files first until the line budget runs out, and drops the files
    // after (it even stops counting them once it has collected `maxMatches`): a few files matching
    // on hundreds of lines can leave fewer hits than asked while other files match too. Then the
    // files already returned are left out and the rest asked for, with a bigger budget each time
    // (a few rounds at most, until a round finds no other file). Under `case:no` a path that
    // differs only in case from one returned is left out with it (such pairs are rare).
    let returned: Set<string> | undefined;
    let budget = limits.maxMatches;
    for (let round = 0; round < MAX_CONTINUATIONS && hits.length < limit && result.truncated; round++) {
      returned ??= new Set(result.files.map((f) => f.fileName));
      budget = Math.min(budget * 4, MAX_CONTINUATION_LINES);
      const rest = `${ask.raw ? text : buildZoektQuery({ ...ask, pattern: text })} -file:${quoteAtom(`^(?:${[...returned].map(escapeRegex).join('|')})$`)}`;
      result = dropMasked(await this.#client().search(rest, { ...ask, raw: true, maxMatches: budget, maxLines: budget }), masked);
      if (result.files.length === 0) break;
      for (const f of result.files) returned.add(f.fileName);
      hits = await map((lines = zoektLines(result, lines)));
    }
    if (result.partial || result.truncated) for (const hit of hits) Object.assign(hit.metadata, { partial: result.partial, truncated: result.truncated });
    return hits;
  }

  /**
   * Deletes a snapshot, or every snapshot of a repository. A snapshot that overlays still build on
   * keeps its shards, marked deleted (its searches return nothing), until the last of them goes.
   */
  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal, COMPONENT);
    const prefix = `${encodeURIComponent(repoId)}@`;
    if (snapshotId === undefined) {
      const names = (await this.#client().listRepositories({ query: prefixAtom(prefix), signal: options.signal })).map((r) => r.name);
      await this.#remove(names, options);
      for (const file of await readdir(this.#tombstoneDir()).catch(() => [] as string[])) if (file.startsWith(prefix)) await rm(join(this.#tombstoneDir(), file), { force: true });
      for (const name of [...this.#layouts.keys()]) if (name.startsWith(prefix)) this.#layouts.delete(name);
      return;
    }
    const name = zoektRepositoryName({ repoId, snapshotId });
    // Every overlay of the repository and the whole repository it builds on, in one request.
    const found = await this.#wholeFiles(`${prefixAtom(prefix)} ${manifestAtom()}`, options);
    const bases = new Map(found.files.filter((f) => f.fileName === OVERLAY_MANIFEST).map((f) => [f.repository, parseManifest(f.content ?? '', f.repository).base]));
    this.#layouts.delete(name);
    if ([...bases].some(([overlay, base]) => base === name && overlay !== name)) {
      await mkdir(this.#tombstoneDir(), { recursive: true });
      await writeFile(join(this.#tombstoneDir(), name), '');
      return;
    }
    const names = [name];
    // The last overlay on a deleted base takes the base with it.
    const base = bases.get(name);
    if (base !== undefined && (await this.#tombstoned(base)) && ![...bases].some(([overlay, b]) => b === base && overlay !== name)) names.push(base);
    await this.#remove(names, options);
  }

  async #remove(names: readonly string[], options: CallOptions): Promise<void> {
    for (const name of names) {
      await this.#indexer().removeRepository(name, options);
      await rm(join(this.#tombstoneDir(), name), { force: true });
      this.#layouts.delete(name);
    }
    await this.#waitFor(`Zoekt to unload ${names.join(', ')}`, async () => {
      for (const name of names) if ((await this.#listed(name, options)).length > 0) return false;
      return true;
    }, options);
  }

  #tombstoneDir(): string {
    return join(this.#indexer().indexDir, TOMBSTONES);
  }

  async #tombstoned(name: string): Promise<boolean> {
    return (await stat(join(this.#tombstoneDir(), name)).catch(() => null)) !== null;
  }

  healthCheck(options: CallOptions = {}): Promise<HealthStatus> {
    return this.#client().healthCheck(options);
  }

  /** Nothing to release: the client and chunk store belong to the caller. */
  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #details(name: string, run: ZoektIndexRun): Record<string, unknown> {
    return { zoektRepository: name, shards: run.shards.length, indexBytes: run.indexBytes, filesIndexed: run.filesIndexed, indexerMs: Math.round(run.durationMs) };
  }

  async #indexAndLoad(name: string, files: readonly { path: string; content: string }[] | null, options: CallOptions, dir?: string): Promise<ZoektIndexRun> {
    const startedAt = Date.now();
    const indexer = this.#indexer();
    // (a snapshot indexed again is live again, in whatever layout it now has)
    this.#layouts.delete(name);
    await rm(join(this.#tombstoneDir(), name), { force: true });
    let run: ZoektIndexRun;
    if (files && files.length === 0) {
      // An empty snapshot has nothing to find; zoekt-index writes no shard for it.
      await indexer.removeRepository(name, options);
      return { name, durationMs: 0, shards: [], filesIndexed: 0, indexBytes: 0, log: '' };
    }
    if (files) run = await indexer.indexFiles(files, { ...this.#indexOptions, name, signal: options.signal });
    else run = await indexer.indexDirectory(dir!, { ...this.#indexOptions, name, signal: options.signal });
    await this.#waitFor(`zoekt-webserver to load the new shard of ${name} (does it serve ${indexer.indexDir}?)`, async () => {
      const [entry] = await this.#listed(name, options);
      return !!entry?.indexTime && entry.indexTime.getTime() >= startedAt;
    }, options);
    this.#layouts.delete(name); // (a search while it loaded may have read the old one)
    return run;
  }

  #listed(name: string, options: CallOptions) {
    return this.#client().listRepositories({ query: repoAtom(name), signal: options.signal });
  }

  async #waitFor(what: string, probe: () => Promise<boolean>, options: CallOptions): Promise<void> {
    const deadline = Date.now() + this.#loadTimeoutMs;
    let delay = 10;
    while (!(await probe())) {
      throwIfAborted(options.signal, COMPONENT);
      if (Date.now() > deadline) throw new TimeoutError(`timed out after ${this.#loadTimeoutMs} ms waiting for ${what}`, { component: COMPONENT });
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 200);
    }
  }
}
