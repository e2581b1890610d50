import { chunkKindRank, type CallOptions, type Chunk, type ChunkStore, type HitMapping, type LineLookup, type SearchHit, type SnapshotRef } from '@trawl/core';

/** One matching line as a lexical backend found it. */
export interface LexicalLineMatch {
  filePath: string;
  /** 1-based. */
  line: number;
  /** The line's text. Read only for the hits returned, so a backend may decode it lazily (a getter). */
  readonly text: string;
  /** Matched ranges in `text` (UTF-16 columns, end exclusive), when the backend knows them. Read like `text`. */
  readonly ranges: { start: number; end: number }[];
  /** Backend relevance of the line (or its file); higher is better, 0 when the backend has none. */
  score: number;
  language: string | null;
}

/** How the score of each mapping tier starts: every exact hit outranks every file fallback, which outranks every unmapped hit. */
const TIER: Record<HitMapping, number> = { exact: 2, file_fallback: 1, unmapped: 0 };
const PREVIEW_CHARS = 240;
const MAX_LINES_IN_METADATA = 20;
const MAX_LINE_CHARS = 2000;

/** The id of a hit no stored chunk contains: `virtual:<repo>:<file>:<line>`. */
export function virtualChunkId(repoId: string, filePath: string, line: number): string {
  return `virtual:${repoId}:${filePath}:${line}`;
}

function preview(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > PREVIEW_CHARS ? `${trimmed.slice(0, PREVIEW_CHARS - 1)}…` : trimmed;
}

interface Group {
  mapping: HitMapping;
  chunk: Chunk | null;
  filePath: string;
  matches: LexicalLineMatch[];
}

/**
 * Turns (file, line) matches into chunk hits, the way every lexical backend does it:
 * - the line's innermost function / method / class chunk (`exact`), found for all lines of one
 *   query in one `findChunksAtLines` call (through `lookup` when the caller began one, see
 *   `ChunkStore.beginLineLookup`);
 * - else the file chunk (`file_fallback`), looked up once per such file;
 * - else a virtual id `virtual:<repo>:<file>:<line>` (`unmapped`).
 * Matches inside one chunk become one hit listing every matched line. Scores are tiered so the
 * three mappings always rank in that order; within a tier the backend score (squashed to 0..1)
 * orders hits, nudged up when the chunk's name is the query itself.
 */
export async function mapLineMatchesToHits(
  snapshot: SnapshotRef,
  matches: readonly LexicalLineMatch[],
  chunkStore: ChunkStore,
  options: CallOptions & { limit: number; query: string; backend: string; lookup?: LineLookup },
): Promise<SearchHit[]> {
  if (matches.length === 0) return [];
  const lines = distinctLines(matches);
  // A line match is a LineLocation (filePath, line): no copy for the lookup.
  // (borrowed: the chunks are read here and only their fields reach the hits, so the store need
  // not copy each one)
  const ask = { signal: options.signal, borrow: true };
  const found = await (options.lookup ? options.lookup.find(lines, ask) : chunkStore.findChunksAtLines(snapshot, lines, ask));

  const missingFiles = [...new Set(lines.filter((_, i) => !found[i]).map((m) => m.filePath))];
  const fileChunks = new Map<string, Chunk | null>(
    await Promise.all(missingFiles.map(async (p) => [p, await chunkStore.getFileChunk(snapshot, p, { signal: options.signal })] as const)),
  );

  const groups = new Map<string, Group>();
  const fileRank = chunkKindRank('file');
  let last: Group | undefined;
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!;
    let chunk = found[i] ?? null;
    // (a chunk's lines mostly come one after another: the group of the line before, without a lookup)
    if (chunk !== null && last?.chunk === chunk) {
      last.matches.push(m);
      continue;
    }
    let mapping: HitMapping;
    if (chunk) mapping = chunkKindRank(chunk.kind) >= fileRank ? 'file_fallback' : 'exact';
    else {
      chunk = fileChunks.get(m.filePath) ?? null;
      mapping = chunk ? 'file_fallback' : 'unmapped';
    }
    const id = chunk ? chunk.id : virtualChunkId(snapshot.repoId, m.filePath, m.line);
    last = groups.get(id);
    if (last) last.matches.push(m);
    else groups.set(id, (last = { mapping, chunk, filePath: m.filePath, matches: [m] }));
  }

  // Rank every group, then build hits for the kept ones only: a line's text (which a backend may
  // decode lazily, and which can be a whole minified file) is read only when it is shown.
  const needle = options.query.toLowerCase();
  const ranked: { id: string; group: Group; score: number; startLine: number }[] = [];
  for (const [id, g] of groups) {
    if (!ascending(g.matches)) g.matches.sort((a, b) => a.line - b.line);
    let best = -Infinity;
    for (const m of g.matches) if (m.score > best) best = m.score;
    // More matched lines and a better backend score both help; the squash keeps it under 1.
    let raw = Math.max(0, best) + Math.log2(1 + g.matches.length);
    if (g.chunk && g.chunk.kind !== 'file' && g.chunk.name.toLowerCase() === needle) raw *= 2;
    ranked.push({ id, group: g, score: TIER[g.mapping] + raw / (raw + 1), startLine: g.chunk?.startLine ?? g.matches[0]!.line });
  }
  // (ties by path in code-unit order: the same on every machine, whatever its locale, and cheaper
  // than a collation; a broad query's chunks tie often, many in one file)
  ranked.sort((a, b) => b.score - a.score || byCodeUnits(a.group.filePath, b.group.filePath) || a.startLine - b.startLine);

  return ranked.slice(0, options.limit).map(({ id, group: g, score }) => {
    const first = g.matches[0]!;
    const metadata: Record<string, unknown> = {
      line: first.line,
      kind: g.chunk?.kind ?? null,
      language: g.chunk?.language ?? first.language,
      backend: options.backend,
    };
    if (g.mapping === 'unmapped') metadata.unmapped = true;
    return withLazyLines(
      {
        chunkId: id,
        repoId: snapshot.repoId,
        snapshotId: snapshot.snapshotId,
        filePath: g.filePath,
        symbolId: g.chunk?.symbolId ?? null,
        score,
        index: 'lexical',
        kind: g.chunk?.kind ?? null,
        name: g.chunk?.name ?? null,
        startLine: g.chunk?.startLine ?? first.line,
        endLine: g.chunk?.endLine ?? first.line,
        matchedLines: g.matches.map((m) => m.line),
        mapping: g.mapping,
        metadata,
      },
      g.matches,
    );
  });
}

/** Strings in UTF-16 code-unit order. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Each (file, line) once, in first-seen order, holding the merged match where a line came twice.
 * Keyed per file, then per line number, so no key string is built per match; skipped when every
 * file's lines come as one run in increasing line order, as Zoekt and the trigram backend return
 * them (no line can repeat then).
 */
function distinctLines(matches: readonly LexicalLineMatch[]): readonly LexicalLineMatch[] {
  if (inFileRuns(matches)) return matches;
  const byFile = new Map<string, Map<number, LexicalLineMatch>>();
  let duplicates = false;
  for (const m of matches) {
    let perLine = byFile.get(m.filePath);
    if (!perLine) byFile.set(m.filePath, (perLine = new Map()));
    const seen = perLine.get(m.line);
    if (!seen) perLine.set(m.line, m);
    else {
      duplicates = true;
      // Every range of both, the better score, the first's text (both are the line's). Explicit
      // fields: a backend's line may be a class whose text and ranges are getters.
      const best = m.score > seen.score ? m : seen;
      perLine.set(m.line, { filePath: m.filePath, line: m.line, text: seen.text, ranges: mergeRanges(seen.ranges, m.ranges), score: best.score, language: best.language });
    }
  }
  if (!duplicates) return matches;
  // each (file, line) once, where it was first seen, holding the merged match
  const kept: LexicalLineMatch[] = [];
  for (const m of matches) {
    const perLine = byFile.get(m.filePath)!;
    const merged = perLine.get(m.line);
    if (merged) {
      kept.push(merged);
      perLine.delete(m.line);
    }
  }
  return kept;
}

/** The ranges of both lists, in order, each once. */
function mergeRanges(a: readonly { start: number; end: number }[], b: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const all = [...a, ...b].sort((x, y) => x.start - y.start || x.end - y.end);
  return all.filter((r, i) => i === 0 || r.start !== all[i - 1]!.start || r.end !== all[i - 1]!.end);
}

/** Whether every file's lines come as one run, each line after the one before. */
function inFileRuns(matches: readonly LexicalLineMatch[]): boolean {
  const done = new Set<string>();
  let file: string | undefined;
  let line = 0;
  for (const m of matches) {
    if (m.filePath === file) {
      if (m.line <= line) return false;
    } else {
      if (file !== undefined) done.add(file);
      if (done.has(m.filePath)) return false;
      file = m.filePath;
    }
    line = m.line;
  }
  return true;
}

/** Whether the lines are in order already (a backend returns a file's lines in order: sorting each group would be waste). */
function ascending(lines: readonly LexicalLineMatch[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i]!.line < lines[i - 1]!.line) return false;
  return true;
}

/** A matched line as a hit's `metadata.matches` lists it. */
interface ShownLine {
  line: number;
  text: string;
  ranges: { start: number; end: number }[];
}

/** Where a hit and its metadata keep the lines their lazy properties read (not enumerable). */
const LAZY = Symbol('trawl.lexicalLines');

interface LazyLines {
  lines: readonly LexicalLineMatch[];
  firstText?: string;
  preview?: string | null;
  shown?: ShownLine[];
}

const lazyOf = (target: object) => (target as { [LAZY]: LazyLines })[LAZY];
const textOf = (lazy: LazyLines, m: LexicalLineMatch) => (m === lazy.lines[0] ? (lazy.firstText ??= m.text) : m.text);

// One getter and setter pair for every hit (not closures per hit): objects that share the
// accessor functions share their hidden class, and no per-hit function outlives its hit
// (per-hit closures kept each search's lines alive through a young-generation collection:
// ~2.6 MB promoted per scavenge on a broad Zoekt query, against ~40 KB).
const PREVIEW: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: object) {
    const lazy = lazyOf(this);
    return lazy.preview === undefined ? (lazy.preview = preview(textOf(lazy, lazy.lines[0]!))) : lazy.preview;
  },
  set(this: object, value: string | null) {
    lazyOf(this).preview = value;
  },
};
const MATCHES: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: object) {
    const lazy = lazyOf(this);
    return (lazy.shown ??= lazy.lines.slice(0, MAX_LINES_IN_METADATA).map((m) => {
      const text = textOf(lazy, m);
      return { line: m.line, text: text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text, ranges: m.ranges };
    }));
  },
  set(this: object, value: ShownLine[]) {
    lazyOf(this).shown = value;
  },
};

/**
 * Completes a hit with what is read from its lines' text: `preview` (the first matched line) and
 * `metadata.matches` (up to 20 lines with their text and matched ranges). Both are own, enumerable
 * properties computed on first read, so a spread, `JSON.stringify` or `structuredClone` sees them
 * like plain values, and a caller that never reads them (the retriever fuses hits by id and
 * score and reads previews from the catalog) never decodes a line: a backend's line text may be
 * encoded (Zoekt sends base64) or a whole minified file. Assigning either replaces it.
 */
function withLazyLines(hit: Omit<SearchHit, 'preview'>, lines: readonly LexicalLineMatch[]): SearchHit {
  const lazy: LazyLines = { lines };
  Object.defineProperty(hit, LAZY, { value: lazy });
  Object.defineProperty(hit.metadata, LAZY, { value: lazy });
  Object.defineProperty(hit.metadata, 'matches', MATCHES);
  return Object.defineProperty(hit, 'preview', PREVIEW) as SearchHit;
}
