import { isAscii } from 'node:buffer';
import { TrawlError } from '@trawl/core';
import type { ZoektFileMatch, ZoektLineMatch, ZoektMatchRange, ZoektRepository, ZoektSearchResult, ZoektSearchStats } from './zoekt-types.js';

// Zoekt's JSON follows its Go structs: []byte fields are base64, offsets are UTF-8 byte offsets,
// durations are nanoseconds, and empty slices arrive as null. Every field is checked here so an
// unexpected shape fails with the path of the field, never as a TypeError deep in a caller.

type Json = Record<string, unknown>;

function shapeError(path: string, expected: string, value: unknown): TrawlError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return new TrawlError('BACKEND_ERROR', `unexpected response from zoekt-webserver: ${path} should be ${expected}, got ${got}. Is the URL a zoekt-webserver started with -rpc?`, {
    component: 'zoekt',
  });
}

function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw shapeError(path, 'an object', value);
  return value as Json;
}

function num(o: Json, key: string, path: string, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw shapeError(`${path}.${key}`, 'a number', v);
  return v;
}

function str(o: Json, key: string, path: string, fallback?: string): string {
  const v = o[key];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw shapeError(`${path}.${key}`, 'a string', v);
  return v;
}

function list(o: Json, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw shapeError(`${path}.${key}`, 'an array', v);
  return v;
}

function bytes(o: Json, key: string, path: string): Buffer {
  return Buffer.from(base64(o, key, path), 'base64');
}

/** A `[]byte` field, checked but still base64: decoding waits until the bytes are read. */
function base64(o: Json, key: string, path: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw shapeError(`${path}.${key}`, 'base64 text', v);
  return v;
}

function stripEol(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end);
}

function splitLines(block: Buffer): string[] {
  if (block.length === 0) return [];
  const text = stripEol(block).toString('utf8');
  return text.split(/\r?\n/);
}

/**
 * The UTF-16 column of a UTF-8 byte offset within `line`. An offset inside a multi-byte character
 * (which Zoekt never sends) is clamped to that character's start.
 */
export function byteOffsetToColumn(line: Buffer, byteOffset: number): number {
  let offset = Math.max(0, Math.min(byteOffset, line.length));
  while (offset > 0 && offset < line.length && (line[offset]! & 0xc0) === 0x80) offset--;
  return line.subarray(0, offset).toString('utf8').length;
}

/**
 * Converts many byte offsets of one line to UTF-16 columns in one pass (a minified line can hold
 * thousands of matches; converting each from the line start would be quadratic). ASCII lines,
 * the common case, map offsets to themselves.
 */
function columnsOf(line: Buffer, offsets: number[]): number[] {
  if (isAscii(line)) return offsets.map((o) => Math.max(0, Math.min(o, line.length)));
  const order = offsets.map((o, i) => [o, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(offsets.length);
  let byte = 0;
  let column = 0;
  for (const [target, i] of order) {
    let clamped = Math.max(0, Math.min(target, line.length));
    // an offset inside a multi-byte character (Zoekt never sends one) moves to its start
    while (clamped > 0 && clamped < line.length && (line[clamped]! & 0xc0) === 0x80) clamped--;
    if (clamped > byte) {
      column += line.subarray(byte, clamped).toString('utf8').length;
      byte = clamped;
    }
    out[i] = column;
  }
  return out;
}

/**
 * Whether a line match's text starts with `prefix` (UTF-8 bytes). For a match this decoder made,
 * without decoding the line: a match on line 1 of a minified file is the whole file.
 */
export function lineStartsWith(match: ZoektLineMatch, prefix: Buffer): boolean {
  return match instanceof LazyLineMatch ? match.startsWith(prefix) : match.text.startsWith(prefix.toString('utf8'));
}

/**
 * A line match whose shape is checked at once and whose text is decoded on first read. A broad
 * query returns hundreds of lines (minified ones can be megabytes) while a caller such as the
 * lexical index shows a few of them: base64 and UTF-8 decoding, column conversion and context
 * splitting are paid only for the lines whose `text`, `ranges`, `before` or `after` is read, once
 * each. Those four are accessors on the prototype (a class: no closures per line), settable, and
 * included by `toJSON`; `{ ...match }` copies only the plain fields.
 */
class LazyLineMatch implements ZoektLineMatch {
  line: number;
  score: number;
  fileNameMatch: boolean;
  readonly #line: string;
  readonly #before: string;
  readonly #after: string;
  /** Byte offsets: start and end of each fragment, in pairs. */
  readonly #offsets: number[];
  #lineBytes: Buffer | undefined;
  #text: string | undefined;
  #ranges: ZoektMatchRange[] | undefined;
  #beforeLines: string[] | undefined;
  #afterLines: string[] | undefined;

  constructor(line: number, base64Line: string, base64Before: string, base64After: string, offsets: number[], score: number, fileNameMatch: boolean) {
    this.line = line;
    this.score = score;
    this.fileNameMatch = fileNameMatch;
    this.#line = base64Line;
    this.#before = base64Before;
    this.#after = base64After;
    this.#offsets = offsets;
  }

  #bytes(): Buffer {
    return (this.#lineBytes ??= stripEol(Buffer.from(this.#line, 'base64')));
  }

  /** Whether the line starts with `prefix`, decoding only as much base64 as the prefix needs. */
  startsWith(prefix: Buffer): boolean {
    if (this.#text !== undefined) return Buffer.from(this.#text).subarray(0, prefix.length).equals(prefix);
    if (this.#lineBytes) return this.#lineBytes.subarray(0, prefix.length).equals(prefix);
    const chars = Math.ceil(prefix.length / 3) * 4;
    if (chars >= this.#line.length) return this.#bytes().subarray(0, prefix.length).equals(prefix);
    // (a head short of the line's end holds no line terminator)
    return Buffer.from(this.#line.slice(0, chars), 'base64').subarray(0, prefix.length).equals(prefix);
  }

  get text(): string {
    return (this.#text ??= this.#bytes().toString('utf8'));
  }

  set text(value: string) {
    this.#text = value;
  }

  get ranges(): ZoektMatchRange[] {
    if (this.#ranges) return this.#ranges;
    const columns = columnsOf(this.#bytes(), this.#offsets);
    const ranges: ZoektMatchRange[] = [];
    for (let i = 0; i < columns.length; i += 2) ranges.push({ start: columns[i]!, end: columns[i + 1]! });
    return (this.#ranges = ranges);
  }

  set ranges(value: ZoektMatchRange[]) {
    this.#ranges = value;
  }

  get before(): string[] {
    return (this.#beforeLines ??= splitLines(Buffer.from(this.#before, 'base64')));
  }

  set before(value: string[]) {
    this.#beforeLines = value;
  }

  get after(): string[] {
    return (this.#afterLines ??= splitLines(Buffer.from(this.#after, 'base64')));
  }

  set after(value: string[]) {
    this.#afterLines = value;
  }

  toJSON(): ZoektLineMatch {
    return { line: this.line, text: this.text, ranges: this.ranges, before: this.before, after: this.after, score: this.score, fileNameMatch: this.fileNameMatch };
  }
}

const optionalBase64 = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const optionalNumber = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** The same checks as {@link checkLineMatch} without building a field path: the hot path. */
function isLineMatchShape(m: unknown): m is Json {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const o = m as Json;
  if (typeof o.LineNumber !== 'number' || !Number.isFinite(o.LineNumber) || !optionalNumber(o.Score)) return false;
  if (!optionalBase64(o.Line) || !optionalBase64(o.Before) || !optionalBase64(o.After)) return false;
  const fragments = o.LineFragments;
  if (fragments === undefined || fragments === null) return true;
  if (!Array.isArray(fragments)) return false;
  for (const f of fragments) {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return false;
    const { LineOffset, MatchLength } = f as Json;
    if (typeof LineOffset !== 'number' || !Number.isFinite(LineOffset) || typeof MatchLength !== 'number' || !Number.isFinite(MatchLength)) return false;
  }
  return true;
}

/** Throws the error that names the first field of `raw` that is not a line match's. */
function checkLineMatch(raw: unknown, path: string): void {
  const m = obj(raw, path);
  num(m, 'LineNumber', path);
  num(m, 'Score', path, 0);
  for (const key of ['Line', 'Before', 'After']) base64(m, key, path);
  list(m, 'LineFragments', path).forEach((f, i) => {
    const fragment = obj(f, `${path}.LineFragments[${i}]`);
    num(fragment, 'LineOffset', `${path}.LineFragments[${i}]`);
    num(fragment, 'MatchLength', `${path}.LineFragments[${i}]`);
  });
  throw shapeError(path, 'a line match', raw); // unreachable while both checks agree
}

function decodeLineMatch(raw: unknown, filePath: string, index: number): ZoektLineMatch {
  if (!isLineMatchShape(raw)) checkLineMatch(raw, `${filePath}.LineMatches[${index}]`);
  const m = raw as Json;
  const fragments = (m.LineFragments ?? []) as { LineOffset: number; MatchLength: number }[];
  const offsets = new Array<number>(fragments.length * 2);
  for (let i = 0; i < fragments.length; i++) {
    offsets[2 * i] = fragments[i]!.LineOffset;
    offsets[2 * i + 1] = fragments[i]!.LineOffset + fragments[i]!.MatchLength;
  }
  return new LazyLineMatch(
    m.LineNumber as number,
    (m.Line as string | null | undefined) ?? '',
    (m.Before as string | null | undefined) ?? '',
    (m.After as string | null | undefined) ?? '',
    offsets,
    (m.Score as number | undefined) ?? 0,
    m.FileName === true,
  );
}

function decodeFileMatch(raw: unknown, path: string): ZoektFileMatch {
  const f = obj(raw, path);
  const file: ZoektFileMatch = {
    repository: str(f, 'Repository', path),
    fileName: str(f, 'FileName', path),
    language: str(f, 'Language', path, ''),
    branches: list(f, 'Branches', path).map((b, i) => {
      if (typeof b !== 'string') throw shapeError(`${path}.Branches[${i}]`, 'a string', b);
      return b;
    }),
    version: str(f, 'Version', path, '') || null,
    score: num(f, 'Score', path, 0),
    matches: list(f, 'LineMatches', path).map((m, i) => decodeLineMatch(m, path, i)),
  };
  if (f.Content !== undefined && f.Content !== null) file.content = bytes(f, 'Content', path).toString('utf8');
  return file;
}

const NS_PER_MS = 1e6;

function decodeStats(r: Json, path: string): ZoektSearchStats {
  return {
    durationMs: num(r, 'Duration', path, 0) / NS_PER_MS,
    fileCount: num(r, 'FileCount', path, 0),
    matchCount: num(r, 'MatchCount', path, 0),
    filesConsidered: num(r, 'FilesConsidered', path, 0),
    filesLoaded: num(r, 'FilesLoaded', path, 0),
    filesSkipped: num(r, 'FilesSkipped', path, 0),
    shardsScanned: num(r, 'ShardsScanned', path, 0),
    shardsSkipped: num(r, 'ShardsSkipped', path, 0),
    crashes: num(r, 'Crashes', path, 0),
    contentBytesLoaded: num(r, 'ContentBytesLoaded', path, 0),
    indexBytesLoaded: num(r, 'IndexBytesLoaded', path, 0),
  };
}

/** Zoekt's FlushReason bit for "the time budget ran out". */
const FLUSH_TIMER_EXPIRED = 1;

/** Decodes the body of `POST /api/search` (`{"Result": {...}}`). */
export function decodeSearchResponse(body: unknown, query: string): ZoektSearchResult {
  const root = obj(body, 'response');
  const r = obj(root.Result, 'Result');
  const files = list(r, 'Files', 'Result').map((f, i) => decodeFileMatch(f, `Result.Files[${i}]`));
  const stats = decodeStats(r, 'Result');
  const flush = num(r, 'FlushReason', 'Result', 0);
  const returnedMatches = files.reduce((n, f) => n + f.matches.length, 0);
  return {
    query,
    files,
    stats,
    partial: stats.crashes > 0 || stats.shardsSkipped > 0 || stats.filesSkipped > 0 || (flush & FLUSH_TIMER_EXPIRED) !== 0,
    truncated: stats.fileCount > files.length || stats.matchCount > returnedMatches,
  };
}

function decodeRepository(raw: unknown, path: string): ZoektRepository {
  const entry = obj(raw, path);
  const repo = obj(entry.Repository, `${path}.Repository`);
  const meta = entry.IndexMetadata === undefined || entry.IndexMetadata === null ? {} : obj(entry.IndexMetadata, `${path}.IndexMetadata`);
  const stats = entry.Stats === undefined || entry.Stats === null ? {} : obj(entry.Stats, `${path}.Stats`);
  const indexTime = typeof meta.IndexTime === 'string' ? new Date(meta.IndexTime) : null;
  return {
    name: str(repo, 'Name', `${path}.Repository`),
    id: num(repo, 'ID', `${path}.Repository`, 0),
    url: str(repo, 'URL', `${path}.Repository`, ''),
    source: str(repo, 'Source', `${path}.Repository`, ''),
    branches: list(repo, 'Branches', `${path}.Repository`).map((b, i) => {
      const branch = obj(b, `${path}.Repository.Branches[${i}]`);
      return { name: str(branch, 'Name', `${path}.Repository.Branches[${i}]`), version: str(branch, 'Version', `${path}.Repository.Branches[${i}]`, '') };
    }),
    hasSymbols: repo.HasSymbols === true,
    indexTime: indexTime && !Number.isNaN(indexTime.getTime()) ? indexTime : null,
    shards: num(stats, 'Shards', `${path}.Stats`, 0),
    documents: num(stats, 'Documents', `${path}.Stats`, 0),
    contentBytes: num(stats, 'ContentBytes', `${path}.Stats`, 0),
    indexBytes: num(stats, 'IndexBytes', `${path}.Stats`, 0),
  };
}

/** Decodes the body of `POST /api/list` (`{"List": {"Repos": [...]}}`). */
export function decodeListResponse(body: unknown): ZoektRepository[] {
  const root = obj(body, 'response');
  const l = obj(root.List, 'List');
  return list(l, 'Repos', 'List').map((r, i) => decodeRepository(r, `List.Repos[${i}]`));
}
