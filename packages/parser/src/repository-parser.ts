import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import {
  ConfigError,
  InvalidInputError,
  eachConcurrently,
  throwIfAborted,
  type CallOptions,
  type Chunk,
  type RelinkScope,
  type SourceFile,
  type SymbolContextNeed,
  type SymbolDefinition,
  type SymbolKind,
  type SymbolRelation,
} from '@trawl/core';
import { parseFile, type FileImport, type ParseFileInput, type ParsedFile } from './file-parser.js';
import { ParseWorkerPool } from './parse-worker-pool.js';
import { sha256Hex } from './ids.js';
import { buildRepositoryChunks, contentSnapshotId } from './repository-chunks.js';
import { binaryReason, checkFile, DEFAULT_MAX_FILE_BYTES, walkRepository, type SkippedFile, type WalkedFile, type WalkOptions } from './repository-walker.js';
import { linkRelations, symbolContextNeed, type LinkStats } from './symbol-linker.js';

/** A progress event: walking, reading, parsing (once per file) and linking. */
export interface ParseProgress {
  phase: 'walk' | 'read' | 'parse' | 'link' | 'done';
  filesDone: number;
  filesTotal: number;
  chunks: number;
  /** The file just finished, in the `read` and `parse` phases. */
  path?: string;
}

export interface ParseRepositoryOptions extends Omit<WalkOptions, 'signal'>, CallOptions {
  repoId: string;
  /** Omit for a plain directory: a content-derived id ({@link contentSnapshotId}) is used. */
  snapshotId?: string;
  /**
   * Parse only these paths (relative, `/`-separated) instead of walking: an incremental run.
   * Paths that no longer exist are reported in `missing`; ignore rules are not applied (the
   * caller chose them) but binary and oversized files are still skipped. No module/project
   * chunks are built: call `buildRepositoryChunks` with every file of the new snapshot.
   */
  paths?: readonly string[];
  /**
   * Symbols of the files that were not re-parsed, so calls into them still resolve
   * (`symbolsFromChunks(await chunkStore.listRepoChunks(repoId, { snapshotId: base }))`). Or a
   * function called once the files are parsed with what their links can look at
   * ({@link symbolContextNeed}), returning at least those symbols: the links come out the same.
   */
  contextSymbols?: readonly SymbolDefinition[] | ((need: SymbolContextNeed) => Promise<readonly SymbolDefinition[]>);
  /**
   * The other paths of the new snapshot (an incremental run's unchanged files), for resolving
   * imports into files that were not re-parsed; `relinkScope` re-links only among them.
   */
  knownPaths?: Iterable<string>;
  /**
   * An incremental run (`paths` given): called once the files are parsed, before they are
   * linked, with what they define and use; the unchanged files it names are read, parsed and
   * linked with them (see `RelinkScope`), and listed in `relinked`.
   */
  relinkScope?: (change: { changedPaths: string[]; deletedPaths: string[]; symbols: SymbolDefinition[]; relations: SymbolRelation[] }) => Promise<RelinkScope>;
  onProgress?: (event: ParseProgress) => void;
  /** Files read ahead of the parser. Default 16. */
  readConcurrency?: number;
  /**
   * Worker threads that parse files (see {@link ParseWorkerPool}); `0` parses on the calling
   * thread. The output is the same either way. Default: `os.availableParallelism()` when that is
   * at least 2 and the files add up to {@link AUTO_THREADS_MIN_BYTES} or more, else 0 (starting a
   * worker and loading its grammars costs more than it saves on a small run). When workers cannot
   * start from where the parser is installed, parsing falls back to the calling thread
   * (`stats.threads` says which happened).
   */
  threads?: number;
}

/** Below this many bytes of files, `parseRepository` parses on the calling thread unless `threads` says otherwise. */
export const AUTO_THREADS_MIN_BYTES = 2 * 1024 * 1024;

export interface ParsedRepository {
  repoId: string;
  snapshotId: string;
  /** With content, sorted by path. */
  files: SourceFile[];
  /** Project and module chunks first (full runs only), then each file's chunks in order. */
  chunks: Chunk[];
  symbols: SymbolDefinition[];
  relations: SymbolRelation[];
  /** Imports as written, per file: what `linkRelations` needs to re-link later. */
  imports: Map<string, FileImport[]>;
  skipped: SkippedFile[];
  /** Requested `paths` that do not exist (deleted files, in an incremental run). */
  missing: string[];
  /** Unchanged files parsed and linked again for `relinkScope` (in `files`, `chunks`, ... too). */
  relinked: string[];
  stats: {
    files: number;
    bytes: number;
    chunks: number;
    symbols: number;
    relations: LinkStats;
    filesWithSyntaxErrors: number;
    walkMs: number;
    readMs: number;
    parseMs: number;
    linkMs: number;
    /** Worker threads that parsed (0: the calling thread did). */
    threads: number;
    /** Why parsing ran on the calling thread although workers were asked for (absent otherwise). */
    threadsFallback?: string;
  };
}

/**
 * Walks (or takes the given paths of) a repository, reads and hashes every file, parses each
 * into chunks, symbols and relations, and links the relations across files. The one call the
 * indexer needs. Throws an {@link InvalidInputError} when a full run finds no file to index.
 *
 * ```ts
 * const repo = await parseRepository('/src/acme', { repoId: 'acme', snapshotId: commitSha, onProgress })
 * await chunkStore.saveChunks(repo.chunks)
 * ```
 */
export async function parseRepository(root: string, options: ParseRepositoryOptions): Promise<ParsedRepository> {
  const { signal } = options;
  const progress = options.onProgress ?? (() => {});
  const t0 = performance.now();
  let walked: WalkedFile[];
  let skipped: SkippedFile[] = [];
  const missing: string[] = [];
  if (options.paths) {
    walked = [];
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    for (const path of [...new Set(options.paths)].sort()) {
      throwIfAborted(signal, 'parser');
      const checked = await checkFile(root, path, maxFileBytes);
      if ('reason' in checked) {
        if (checked.reason === 'unreadable' && /ENOENT|ENOTDIR/.test(checked.detail)) missing.push(path);
        else skipped.push(checked);
      } else walked.push(checked);
    }
  } else {
    const walk = await walkRepository(root, { ...options, signal });
    walked = walk.files;
    skipped = walk.skipped;
    if (!walked.length) {
      const reasons = new Map<string, number>();
      for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
      const why = [...reasons].map(([r, n]) => `${n} ${r}`).join(', ');
      throw new InvalidInputError(
        `no files to index under ${root}${why ? ` (skipped: ${why})` : ''}; check the path, .gitignore/.trawlignore and the size limit`,
        { component: 'parser', context: { root, skipped: skipped.length } },
      );
    }
  }
  const walkMs = performance.now() - t0;
  progress({ phase: 'walk', filesDone: 0, filesTotal: walked.length, chunks: 0 });

  // Decide on worker threads now, so they start and load their grammars while the files are read.
  let totalBytes = 0;
  for (const w of walked) totalBytes += w.sizeBytes;
  let threads = options.threads ?? (totalBytes >= AUTO_THREADS_MIN_BYTES && availableParallelism() >= 2 ? availableParallelism() : 0);
  if (!Number.isInteger(threads) || threads < 0) {
    throw new ConfigError(`threads must be a whole number >= 0, got ${options.threads}`, { component: 'parser' });
  }
  threads = Math.min(threads, walked.length);
  let threadsFallback: string | undefined;
  if (threads > 0) {
    const entry = ParseWorkerPool.entry();
    if (!entry.ok) {
      threadsFallback = entry.reason;
      threads = 0;
    }
  }
  const pool = threads > 0 ? new ParseWorkerPool({ size: threads }) : null;
  try {
    pool?.warm(walked.map((w) => w.language));
    return await readParseLink(root, options, walked, skipped, missing, walkMs, pool, threadsFallback);
  } finally {
    await pool?.close();
  }
}

async function readParseLink(
  root: string,
  options: ParseRepositoryOptions,
  walked: WalkedFile[],
  skipped: SkippedFile[],
  missing: string[],
  walkMs: number,
  pool: ParseWorkerPool | null,
  threadsFallback: string | undefined,
): Promise<ParsedRepository> {
  const { signal } = options;
  const progress = options.onProgress ?? (() => {});

  // Read and hash everything first: a plain directory's snapshot id is derived from the hashes.
  const t1 = performance.now();
  const contents: (string | null)[] = new Array(walked.length).fill(null);
  let readDone = 0;
  await eachConcurrently(walked, Math.max(1, options.readConcurrency ?? 16), async (file, i) => {
    throwIfAborted(signal, 'parser');
    try {
      const content = await readFile(join(root, file.path), 'utf8');
      const nul = binaryReason(content);
      if (nul) skipped.push({ path: file.path, reason: 'binary', detail: nul });
      else contents[i] = content;
    } catch (cause) {
      skipped.push({ path: file.path, reason: 'unreadable', detail: String((cause as Error).message ?? cause) });
    }
    readDone++;
    progress({ phase: 'read', filesDone: readDone, filesTotal: walked.length, chunks: 0, path: file.path });
  });
  const hashes = contents.map((c) => (c === null ? null : sha256Hex(c)));
  const readMs = performance.now() - t1;
  const snapshotId =
    options.snapshotId ??
    contentSnapshotId(walked.flatMap((w, i) => (hashes[i] ? [{ path: w.path, contentHash: hashes[i]! }] : [])));

  const t2 = performance.now();
  let chunkCount = 0;
  const inputs = walked.map((w, i): ParseFileInput | null =>
    contents[i] === null || contents[i] === undefined ? null : { repoId: options.repoId, snapshotId, path: w.path, content: contents[i]!, language: w.language, contentHash: hashes[i]! },
  );
  contents.fill(null);
  let parsed: ParsedFile[];
  if (pool) {
    let filesDone = 0;
    const results = await pool.parseAll(inputs, {
      signal,
      onParsed: (i, result) => {
        inputs[i] = null;
        chunkCount += result.chunks.length;
        progress({ phase: 'parse', filesDone: ++filesDone, filesTotal: walked.length, chunks: chunkCount, path: walked[i]!.path });
      },
    });
    parsed = results.filter((r): r is ParsedFile => r !== null);
  } else {
    parsed = [];
    for (let i = 0; i < walked.length; i++) {
      throwIfAborted(signal, 'parser');
      const input = inputs[i];
      if (!input) continue;
      const result = await parseFile(input);
      inputs[i] = null;
      parsed.push(result);
      chunkCount += result.chunks.length;
      progress({ phase: 'parse', filesDone: i + 1, filesTotal: walked.length, chunks: chunkCount, path: walked[i]!.path });
    }
  }
  // Unchanged files whose links the change alters are linked again with it. The symbols the
  // changed files' links can reach are asked for while those files are found (two stores, side
  // by side); those the re-linked files reach as well, after.
  const knownPaths = options.knownPaths ? [...options.knownPaths] : undefined;
  const load = typeof options.contextSymbols === 'function' ? options.contextSymbols : null;
  const need = load ? symbolContextNeed(parsed, knownPaths) : null;
  const loading: Promise<readonly SymbolDefinition[] | undefined> = load ? load(need!) : Promise.resolve(options.contextSymbols as readonly SymbolDefinition[] | undefined);
  loading.catch(() => undefined); // (awaited below; a failure while re-linked files are read is not unhandled)
  const relinked = options.relinkScope ? await parseRelinked(root, options, parsed, missing, knownPaths ?? [], pool, snapshotId) : [];
  for (const p of relinked) chunkCount += p.chunks.length;
  parsed.push(...relinked);
  await pool?.close(); // the workers' heaps are not needed for linking
  const parseMs = performance.now() - t2;

  const t3 = performance.now();
  progress({ phase: 'link', filesDone: parsed.length, filesTotal: Math.max(walked.length, parsed.length), chunks: chunkCount });
  let contextSymbols = await loading;
  if (load && relinked.length) {
    const more = symbolContextNeed(relinked, knownPaths);
    const names = new Set(need!.names);
    const filePaths = new Set(need!.filePaths);
    const extra = { names: more.names.filter((n) => !names.has(n)), filePaths: more.filePaths.filter((f) => !filePaths.has(f)) };
    if (extra.names.length || extra.filePaths.length) contextSymbols = [...(contextSymbols ?? []), ...(await load(extra))];
  }
  throwIfAborted(signal, 'parser');
  const contextImports = knownPaths ? await barrelImports(root, options, parsed, knownPaths, snapshotId) : [];
  const linkStats = linkRelations(parsed, { contextSymbols, knownPaths, contextImports });
  const linkMs = performance.now() - t3;

  const files = parsed.map((p) => p.file);
  const chunks: Chunk[] = options.paths ? [] : buildRepositoryChunks(options.repoId, snapshotId, files);
  const symbols: SymbolDefinition[] = [];
  const relations: SymbolRelation[] = [];
  const imports = new Map<string, FileImport[]>();
  let bytes = 0;
  let withErrors = 0;
  for (const p of parsed) {
    for (const c of p.chunks) chunks.push(c);
    for (const s of p.symbols) symbols.push(s);
    for (const r of p.relations) relations.push(r);
    imports.set(p.file.path, p.imports);
    bytes += p.file.sizeBytes;
    if (p.hasSyntaxErrors) withErrors++;
  }
  progress({ phase: 'done', filesDone: parsed.length, filesTotal: walked.length, chunks: chunks.length });
  return {
    repoId: options.repoId,
    snapshotId,
    files,
    chunks,
    symbols,
    relations,
    imports,
    skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    missing,
    relinked: relinked.map((p) => p.file.path),
    stats: {
      files: files.length,
      bytes,
      chunks: chunks.length,
      symbols: symbols.length,
      relations: linkStats,
      filesWithSyntaxErrors: withErrors,
      walkMs,
      readMs,
      parseMs,
      linkMs,
      threads: pool?.size ?? 0,
      ...(threadsFallback ? { threadsFallback } : {}),
    },
  };
}

/**
 * Asks `options.relinkScope` which unchanged files the parsed change alters the links of, and
 * reads and parses those (skipping a `mentioning` candidate whose text lacks every name).
 */
async function parseRelinked(
  root: string,
  options: ParseRepositoryOptions,
  parsed: readonly ParsedFile[],
  missing: readonly string[],
  knownPaths: readonly string[],
  pool: ParseWorkerPool | null,
  snapshotId: string,
): Promise<ParsedFile[]> {
  const { signal } = options;
  const scope = await options.relinkScope!({
    changedPaths: parsed.map((p) => p.file.path),
    deletedPaths: [...missing],
    symbols: parsed.flatMap((p) => p.symbols),
    relations: parsed.flatMap((p) => p.relations),
  });
  throwIfAborted(signal, 'parser');
  // Only files of the snapshot that this run does not parse anyway (a path the scope names that
  // the scan left out, or a deleted one, stays out).
  const taken = new Set([...parsed.map((p) => p.file.path), ...missing, ...(options.paths ?? [])]);
  const unchanged = new Set(knownPaths);
  const eligible = (path: string) => unchanged.has(path) && !taken.has(path);
  const wanted = new Map<string, RegExp | null>();
  for (const path of scope.paths) if (eligible(path)) wanted.set(path, null);
  const names = scope.mentioning?.names.filter(Boolean) ?? [];
  if (names.length) {
    const word = mentionsAny(names);
    const directories = new Set(scope.mentioning!.directories ?? []);
    const neighbours = directories.size ? knownPaths.filter((path) => directories.has(posix.dirname(path))) : [];
    for (const path of [...scope.mentioning!.paths, ...neighbours]) if (eligible(path) && !wanted.has(path)) wanted.set(path, word);
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const inputs: ParseFileInput[] = [];
  await eachConcurrently([...wanted].sort(([a], [b]) => (a < b ? -1 : 1)), Math.max(1, options.readConcurrency ?? 16), async ([path, word]) => {
    throwIfAborted(signal, 'parser');
    const input = await readUnchanged(root, path, maxFileBytes, options.repoId, snapshotId);
    if (input && (!word || word.test(input.content))) inputs.push(input);
  });
  inputs.sort((a, b) => (a.path < b.path ? -1 : 1));
  if (pool) return (await pool.parseAll(inputs, { signal })).filter((r): r is ParsedFile => r !== null);
  const out: ParsedFile[] = [];
  for (const input of inputs) {
    throwIfAborted(signal, 'parser');
    out.push(await parseFile(input));
  }
  return out;
}

/**
 * A file the scan found unchanged, read again to parse (an incremental run links it again, or
 * follows its re-exports); null when it is no longer indexable (gone, too large or binary since
 * the scan: it was not linked before either).
 */
async function readUnchanged(root: string, path: string, maxFileBytes: number, repoId: string, snapshotId: string): Promise<ParseFileInput | null> {
  const checked = await checkFile(root, path, maxFileBytes);
  if ('reason' in checked) return null;
  const content = await readFile(join(root, path), 'utf8').catch(() => null);
  if (content === null || binaryReason(content)) return null;
  return { repoId, snapshotId, path, content, language: checked.language, contentHash: sha256Hex(content) };
}

/** Modules a directory is imported as (`index.ts`, `__init__.py`, `mod.rs`): the barrels whose re-exports linking follows. */
const DIRECTORY_MODULE = /(?:^|\/)(?:index\.[cm]?[jt]sx?|__init__\.py|mod\.rs|lib\.rs)$/;

/**
 * An incremental run: the imports of the directory modules the linked files import that it did
 * not parse, read and parsed from disk, and of those they import in turn (three levels), so that
 * a name imported through an unchanged barrel resolves as in a full run.
 */
async function barrelImports(root: string, options: ParseRepositoryOptions, parsed: readonly ParsedFile[], knownPaths: readonly string[], snapshotId: string): Promise<ParsedFile[]> {
  const linked = new Set(parsed.map((p) => p.file.path));
  const known = new Set(knownPaths);
  const out: ParsedFile[] = [];
  let frontier: readonly ParsedFile[] = parsed;
  for (let level = 0; level < 3 && frontier.length; level++) {
    const barrels = symbolContextNeed(frontier, knownPaths).filePaths.filter((p) => DIRECTORY_MODULE.test(p) && known.has(p) && !linked.has(p));
    for (const path of barrels) linked.add(path);
    const inputs: ParseFileInput[] = [];
    await eachConcurrently(barrels, Math.max(1, options.readConcurrency ?? 16), async (path) => {
      throwIfAborted(options.signal, 'parser');
      const input = await readUnchanged(root, path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, options.repoId, snapshotId);
      if (input) inputs.push(input);
    });
    const next: ParsedFile[] = [];
    for (const input of inputs) next.push(await parseFile(input));
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** Whether a text has one of `names` as a whole identifier. */
function mentionsAny(names: readonly string[]): RegExp {
  const alternatives = [...new Set(names)].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?<![\\w$])(?:${alternatives})(?![\\w$])`, 'u');
}

/**
 * Rebuilds the symbol table of a snapshot from its stored chunks (every chunk with a
 * `symbolId`), for linking an incremental run against the files that were not re-parsed.
 * Symbols without a chunk of their own (interface method signatures) are not recovered.
 */
export function symbolsFromChunks(chunks: readonly Chunk[]): SymbolDefinition[] {
  const out: SymbolDefinition[] = [];
  for (const c of chunks) {
    if (!c.symbolId) continue;
    const kind = (c.attributes?.symbolKind as SymbolKind | undefined) ?? (c.kind === 'method' ? 'method' : c.kind === 'function' ? 'function' : 'class');
    out.push({
      id: c.symbolId,
      name: c.name,
      fqn: c.fqn,
      kind,
      filePath: c.filePath,
      startLine: c.startLine,
      endLine: c.endLine,
      chunkId: c.id,
      ownerId: c.symbolOwner,
      language: c.language,
      visibility: c.visibility,
      ...(Array.isArray(c.attributes?.bases) ? { bases: c.attributes.bases as string[] } : {}),
    });
  }
  return out;
}
