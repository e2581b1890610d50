import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidQueryError,
  NotFoundError,
  TimeoutError,
  isTrawlError,
  throwIfAborted,
  type CatalogStore,
  type Chunk,
  type FileLineRange,
  type FileLines,
  type ChunkStore,
  type IndexName,
  type Reranker,
  type SearchHit,
  type SearchIndex,
  type SnapshotRecord,
  type SnapshotRef,
  type SourceFile,
} from '@trawl/core';
import { weightedReciprocalRankFusion, type FusionFunction, type RankedList } from './fusion.js';
import { classifyQuery, type IndexWeights, type QueryIntent } from './query-intent.js';

export interface RetrieverOptions {
  /** The indexes to fan out to: any objects satisfying the SearchIndex port, keyed by their name. */
  indexes: readonly SearchIndex[];
  /** Resolves the latest ready snapshot and hydrates file text. */
  catalog: CatalogStore;
  /** Hydrates hits with their chunk (lines, kind, name). */
  chunks: ChunkStore;
  /** Per-index weights that override the intent defaults. */
  weights?: IndexWeights;
  fusion?: FusionFunction;
  reranker?: Reranker;
  /** How many fused candidates the reranker sees (default 50). */
  rerankDepth?: number;
  /** Per-index deadline in ms (default 2000). */
  deadlineMs?: number;
  /** How many hits to ask each index for (default 3 x limit, at least 30). */
  candidatesPerIndex?: number;
}

export interface RetrieverSearchOptions {
  repo: string;
  /** Defaults to the latest ready snapshot of the repository. */
  snapshot?: string;
  /** Restrict to these indexes (default: every configured one). */
  indexes?: readonly IndexName[];
  limit?: number;
  weights?: IndexWeights;
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Force the lexical query to be a regex (otherwise `/.../` queries are). */
  regex?: boolean;
  /** Include each hit's full chunk text (default false: a preview only). */
  includeText?: boolean;
  /** Check the hits' files against the working tree and flag changed ones (default true). */
  checkStale?: boolean;
}

export interface HitSource {
  index: IndexName;
  rank: number;
  score: number;
  mapping: SearchHit['mapping'];
}

/** One fused result: a chunk, why it was found, and a preview of it. */
export interface RetrievedHit {
  chunkId: string;
  /** Relative to the repository root. */
  file: string;
  startLine: number | null;
  endLine: number | null;
  kind: string | null;
  name: string | null;
  score: number;
  sources: HitSource[];
  matchedLines: number[];
  preview: string | null;
  text?: string;
  /** The file changed in the working tree since this snapshot was indexed. */
  stale: boolean;
}

export interface DegradedIndex {
  /** The index (or the rerank stage) that did not contribute. */
  index: IndexName | 'rerank';
  reason: string;
  code: string;
}

export interface RetrieverResult {
  hits: RetrievedHit[];
  degraded: DegradedIndex[];
  tookMs: number;
  repo: string;
  snapshot: string;
  intent: QueryIntent;
  /** Milliseconds each index took (or until it was given up on). */
  timings: Partial<Record<IndexName, number>>;
}

const PREVIEW_LINES = 6;
/** Characters of a line a preview shows (longer lines end in `…`). */
const PREVIEW_LINE_CHARS = 200;

/**
 * Fans a query out to every configured index in parallel, each under its own deadline, fuses the
 * rankings with weighted reciprocal rank fusion, optionally reranks, and hydrates the results.
 * A failing or slow index never fails the search: it is listed under `degraded`.
 *
 * ```ts
 * const retriever = new Retriever({ indexes: [lexical, fuzzy, symbols], catalog, chunks })
 * const { hits, degraded } = await retriever.search('createUser', { repo: 'app', limit: 10 })
 * ```
 */
export class Retriever {
  readonly #options: RetrieverOptions;
  readonly #fusion: FusionFunction;
  readonly #indexes: Map<IndexName, SearchIndex>;

  constructor(options: RetrieverOptions) {
    this.#options = options;
    this.#fusion = options.fusion ?? weightedReciprocalRankFusion();
    this.#indexes = new Map(options.indexes.map((i) => [i.name, i]));
  }

  /** Names of the indexes this retriever fans out to. */
  get indexNames(): IndexName[] {
    return [...this.#indexes.keys()];
  }

  async #resolveSnapshot(repo: string, snapshot: string | undefined, signal?: AbortSignal): Promise<SnapshotRecord> {
    const { catalog } = this.#options;
    if (snapshot) {
      const record = await catalog.getSnapshot({ repoId: repo, snapshotId: snapshot }, { signal });
      if (!record) throw new NotFoundError(`repository "${repo}" has no snapshot "${snapshot}"`, { component: 'retrieval' });
      if (record.status !== 'ready') {
        throw new NotFoundError(`snapshot "${snapshot}" of "${repo}" is ${record.status}, not ready: search the latest ready one or re-run the index`, {
          component: 'retrieval',
        });
      }
      return record;
    }
    const latest = await catalog.latestReadySnapshot(repo, { signal });
    if (!latest) {
      const known = await catalog.getRepo(repo, { signal });
      throw new NotFoundError(
        known ? `repository "${repo}" has no ready snapshot yet: run \`trawl index\` to completion` : `unknown repository "${repo}": index it first with \`trawl index <path> --repo ${repo}\``,
        { component: 'retrieval' },
      );
    }
    return latest;
  }

  async search(query: string, options: RetrieverSearchOptions): Promise<RetrieverResult> {
    const started = performance.now();
    throwIfAborted(options.signal, 'retrieval');
    if (typeof query !== 'string' || query.trim() === '') {
      throw new InvalidQueryError('the query is empty: pass the text, identifier or /regex/ to look for', { component: 'retrieval' });
    }
    if (query.length > 2000) throw new InvalidQueryError(`the query is ${query.length} characters long; the limit is 2000`, { component: 'retrieval' });
    const limit = Math.min(Math.max(options.limit ?? 10, 1), 200);
    const classified = classifyQuery(query);
    const regex = options.regex ?? classified.regex;
    if (regex) {
      try {
        new RegExp(classified.text);
      } catch (error) {
        throw new InvalidQueryError(`invalid regex ${JSON.stringify(classified.text)}: ${(error as Error).message}`, { component: 'retrieval' });
      }
    }
    // (the request checked whole before the catalog is asked anything)
    const wanted = options.indexes ?? this.indexNames;
    if (options.indexes && options.indexes.length === 0) {
      throw new InvalidQueryError(`indexes is empty: name at least one of ${this.indexNames.join(', ') || 'none'}, or leave it out to search them all`, { component: 'retrieval' });
    }
    for (const name of wanted) {
      if (!this.#indexes.has(name)) {
        throw new InvalidQueryError(`index "${name}" is not configured; available: ${this.indexNames.join(', ') || 'none'}`, { component: 'retrieval' });
      }
    }
    const snapshot = await this.#resolveSnapshot(options.repo, options.snapshot, options.signal);
    const ref: SnapshotRef = { repoId: snapshot.repoId, snapshotId: snapshot.snapshotId };
    const weights = { ...classified.weights, ...this.#options.weights, ...options.weights };
    const perIndex = this.#options.candidatesPerIndex ?? Math.max(30, limit * 3);
    const deadlineMs = options.deadlineMs ?? this.#options.deadlineMs ?? 2000;
    const degraded: DegradedIndex[] = [];
    const timings: Partial<Record<IndexName, number>> = {};

    const lists = await Promise.all(
      wanted.map(async (name): Promise<RankedList | null> => {
        const index = this.#indexes.get(name)!;
        const t0 = performance.now();
        const controller = new AbortController();
        const onAbort = () => controller.abort(options.signal?.reason);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        let timer: NodeJS.Timeout | undefined;
        try {
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              controller.abort();
              reject(new TimeoutError(`no answer within ${deadlineMs} ms`, { component: name }));
            }, deadlineMs);
          });
          const hits = await Promise.race([
            index.search(ref, classified.text, { limit: perIndex, signal: controller.signal, ...(name === 'lexical' ? { regex } : {}) }),
            deadline,
          ]);
          return { index: name, weight: weights[name] ?? 1, hits };
        } catch (error) {
          if (options.signal?.aborted) throw error;
          // A user's mistake (bad regex) is theirs to fix, not a degraded index.
          if (isTrawlError(error) && error.code === 'INVALID_QUERY') throw error;
          degraded.push({
            index: name,
            code: isTrawlError(error) ? error.code : 'INTERNAL',
            reason: isTrawlError(error) ? error.detail : String((error as Error)?.message ?? error),
          });
          return null;
        } finally {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          timings[name] = Math.round((performance.now() - t0) * 10) / 10;
        }
      }),
    );
    throwIfAborted(options.signal, 'retrieval');

    let fused = this.#fusion(lists.filter((l): l is RankedList => l !== null));
    // Hydrate only what is shown, or what the reranker reads.
    const head = fused.slice(0, this.#options.reranker ? Math.max(limit, this.#options.rerankDepth ?? 50) : limit);
    const chunkIds = head.map((f) => f.chunkId).filter((id) => !id.startsWith('virtual:'));
    const chunks = new Map((await this.#options.chunks.getChunks(chunkIds, { snapshot: ref, signal: options.signal })).map((c) => [c.id, c]));
    // Whole chunks when their text is returned or reranked, else the preview's few lines.
    const wholeChunks = options.includeText === true || this.#options.reranker !== undefined;
    const files = await this.#loadText(ref, head.map((f) => textRange(chunks.get(f.chunkId), f.sources[0]!.hit, matchedLinesOf(f), wholeChunks)), wholeChunks, options.signal);
    if (this.#options.reranker && fused.length > 1) {
      const depth = Math.min(fused.length, this.#options.rerankDepth ?? 50);
      const candidates = fused.slice(0, depth).map((f) => ({ id: f.chunkId, text: files.text(textRange(chunks.get(f.chunkId), f.sources[0]!.hit, [], true)) ?? f.sources[0]!.hit.preview ?? '' }));
      try {
        const scores = new Map((await this.#options.reranker.rerank(classified.text, candidates, { topN: depth, signal: options.signal })).map((s) => [s.id, s.score]));
        const top = fused.slice(0, depth);
        const scored = top.filter((f) => scores.has(f.chunkId)).sort((a, b) => scores.get(b.chunkId)! - scores.get(a.chunkId)!);
        fused = [...scored, ...top.filter((f) => !scores.has(f.chunkId)), ...fused.slice(depth)];
      } catch (error) {
        if (options.signal?.aborted) throw error;
        degraded.push({ index: 'rerank', code: isTrawlError(error) ? error.code : 'INTERNAL', reason: (error as Error).message });
      }
    }

    const repo = options.checkStale === false ? null : await this.#options.catalog.getRepo(options.repo, { signal: options.signal });
    const staleCache = new Map<string, Promise<boolean>>();
    const hits = await Promise.all(
      fused.slice(0, limit).map(async (f): Promise<RetrievedHit> => {
        const best = f.sources[0]!.hit;
        const chunk = chunks.get(f.chunkId);
        const matchedLines = matchedLinesOf(f);
        const file = chunk?.filePath ?? best.filePath;
        const range = textRange(chunk, best, matchedLines, wholeChunks);
        const text = files.text(range);
        let stale = false;
        if (repo?.rootPath && file) {
          let pending = staleCache.get(file);
          if (!pending) staleCache.set(file, (pending = isStale(repo.rootPath, file, files.contentHash(file))));
          stale = await pending;
        }
        return {
          chunkId: f.chunkId,
          file,
          startLine: chunk?.startLine ?? best.startLine,
          endLine: chunk?.endLine ?? best.endLine,
          kind: chunk?.kind ?? best.kind,
          name: chunk?.name ?? best.name,
          score: Math.round(f.score * 1e6) / 1e6,
          sources: f.sources.map((s) => ({ index: s.index, rank: s.rank, score: s.score, mapping: s.hit.mapping })),
          matchedLines,
          preview: makePreview(text, range.startLine, matchedLines) ?? best.preview,
          ...(options.includeText ? { text: text ?? undefined } : {}),
          stale,
        };
      }),
    );
    return {
      hits,
      degraded,
      tookMs: Math.round((performance.now() - started) * 10) / 10,
      repo: ref.repoId,
      snapshot: ref.snapshotId,
      intent: classified.intent,
      timings,
    };
  }

  /** The text of each range: read as line ranges where the catalog can, else from whole files. */
  async #loadText(ref: SnapshotRef, ranges: FileLineRange[], wholeLines: boolean, signal?: AbortSignal): Promise<HitText> {
    const wanted = ranges.filter((r) => r.path);
    const { catalog } = this.#options;
    // A preview shows the start of each line: one more character tells that a line goes on.
    const cut = wholeLines ? {} : { maxLineChars: PREVIEW_LINE_CHARS + 1 };
    if (catalog.getFileLines) return HitText.fromLines(wanted, await catalog.getFileLines(ref, wanted, { signal, ...cut }));
    const files = await catalog.getFiles(ref, [...new Set(wanted.map((r) => r.path))], { signal });
    return HitText.fromFiles(files);
  }
}

/** The text search results show, from line ranges or whole files, and each file's content hash. */
class HitText {
  /** Lines read per requested range (`path:start:end`), or whole files' lines by path. */
  readonly #ranges = new Map<string, string[]>();
  readonly #files = new Map<string, string[]>();
  readonly #hashes = new Map<string, string>();

  static fromLines(ranges: readonly FileLineRange[], answers: readonly (FileLines | null)[]): HitText {
    const text = new HitText();
    answers.forEach((a, i) => {
      if (!a) return;
      text.#hashes.set(a.path, a.contentHash);
      text.#ranges.set(rangeKey(ranges[i]!), a.lines);
    });
    return text;
  }

  static fromFiles(files: readonly SourceFile[]): HitText {
    const text = new HitText();
    for (const f of files) {
      text.#hashes.set(f.path, f.contentHash);
      text.#files.set(f.path, f.content.split('\n'));
    }
    return text;
  }

  /** Lines `startLine..endLine` of the file joined, or null when they were not read. */
  text(range: FileLineRange): string | null {
    const lines = this.#ranges.get(rangeKey(range)) ?? this.#files.get(range.path)?.slice(range.startLine - 1, range.endLine);
    return lines ? lines.join('\n') : null;
  }

  contentHash(path: string): string | undefined {
    return this.#hashes.get(path);
  }
}

function rangeKey(r: FileLineRange): string {
  return `${r.path}\0${r.startLine}\0${r.endLine}`;
}

function matchedLinesOf(f: { sources: { hit: SearchHit }[] }): number[] {
  return [...new Set(f.sources.flatMap((s) => s.hit.matchedLines))].sort((a, b) => a - b);
}

/**
 * The lines a hit shows: its whole chunk (`whole`), else the preview's lines (from the line above
 * the first matched line inside the chunk, or the chunk's head).
 */
function textRange(chunk: Chunk | undefined, hit: SearchHit, matched: readonly number[], whole: boolean): FileLineRange {
  const path = chunk?.filePath ?? hit.filePath;
  const start = chunk?.startLine ?? hit.startLine ?? 1;
  const end = chunk?.endLine ?? hit.endLine ?? start;
  if (whole) return { path, startLine: start, endLine: end };
  const first = matched.find((l) => l >= start && l <= end);
  const from = first === undefined ? start : Math.max(start, first - 1);
  return { path, startLine: from, endLine: Math.min(end, from + PREVIEW_LINES - 1) };
}

/** A few lines of the chunk around the first matched line (or its head). */
function makePreview(text: string | null, startLine: number, matched: number[]): string | null {
  if (text === null) return null;
  const lines = text.split('\n');
  const first = matched.find((l) => l >= startLine && l < startLine + lines.length);
  const from = first === undefined ? 0 : Math.max(0, first - startLine - 1);
  return lines
    .slice(from, from + PREVIEW_LINES)
    .map((l) => (l.length > PREVIEW_LINE_CHARS ? `${l.slice(0, PREVIEW_LINE_CHARS)}…` : l))
    .join('\n');
}

async function isStale(root: string, path: string, indexedHash: string | undefined): Promise<boolean> {
  if (!indexedHash) return false;
  try {
    // Hash the UTF-8 text, as the parser does for `contentHash`.
    const current = await readFile(join(root, path), 'utf8');
    return createHash('sha256').update(current).digest('hex') !== indexedHash;
  } catch {
    return true; // deleted or unreadable since indexing
  }
}
