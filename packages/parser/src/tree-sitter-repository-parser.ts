import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { directoriesAbove, eachConcurrently, throwIfAborted, type CallOptions, type Chunk, type ParsedFiles, type RepositoryParser, type RepositoryScan, type ScannedFile, type SourceFileInfo } from '@trawl/core';
import type { ParseProgress as CoreParseProgress } from '@trawl/core';
import { readGitHead } from './git-head.js';
import { sha256Hex } from './ids.js';
import { buildRepositoryChunks } from './repository-chunks.js';
import { parseRepository, symbolsFromChunks } from './repository-parser.js';
import { binaryReason, walkRepository, type WalkOptions } from './repository-walker.js';

export interface TreeSitterRepositoryParserOptions extends Omit<WalkOptions, 'signal' | 'known'> {
  /** Files read at once while scanning and parsing. Default 16. */
  readConcurrency?: number;
  /** Worker threads for parsing; see `ParseRepositoryOptions.threads` (default: automatic). */
  threads?: number;
  /**
   * How much older than the scan a file's change time must be for `scan` to record it for the
   * next scan's stat cache. Default 3000 ms, above any file system's time resolution (2 s on FAT).
   */
  statCacheMarginMs?: number;
}

/**
 * The tree-sitter implementation of the core `RepositoryParser` port, for the indexer:
 * `scan` walks and hashes, `parse` parses everything or only the changed paths of an
 * incremental run (linking against the unchanged files and rebuilding project/module chunks
 * over every file of the new snapshot).
 *
 * ```ts
 * const indexer = new Indexer({ catalog, chunks, parser: new TreeSitterRepositoryParser({ maxFileBytes: 1 << 20 }), indexes })
 * ```
 */
export class TreeSitterRepositoryParser implements RepositoryParser {
  readonly #options: TreeSitterRepositoryParserOptions;

  constructor(options: TreeSitterRepositoryParserOptions = {}) {
    this.#options = options;
  }

  async scan(root: string, options: CallOptions & { known?: ReadonlyMap<string, SourceFileInfo> } = {}): Promise<RepositoryScan> {
    const started = Date.now();
    const walk = await walkRepository(root, { ...this.#options, known: options.known, signal: options.signal });
    const files: ScannedFile[] = new Array(walk.files.length);
    const skipped: RepositoryScan['skipped'] = [...walk.skipped];
    // A change time is recorded only when it is older than the scan by more than any file
    // system's time resolution; a file rewritten within one tick of being read would otherwise
    // keep its time and its stale hash (git's "racily clean" entries).
    const margin = this.#options.statCacheMarginMs ?? 3_000;
    const trusted = (modifiedMs: number) => (modifiedMs < started - margin ? modifiedMs : null);
    await eachConcurrently(walk.files, this.#options.readConcurrency ?? 16, async (f, i) => {
      throwIfAborted(options.signal, 'parser');
      if (f.knownHash !== undefined) {
        files[i] = { path: f.path, sizeBytes: f.sizeBytes, language: f.language, contentHash: f.knownHash, modifiedMs: f.modifiedMs };
        return;
      }
      try {
        const content = await readFile(join(root, f.path), 'utf8');
        const nul = binaryReason(content);
        if (nul) {
          skipped.push({ path: f.path, reason: 'binary', detail: nul } as RepositoryScan['skipped'][number]);
          return;
        }
        files[i] = { path: f.path, sizeBytes: f.sizeBytes, language: f.language, contentHash: sha256Hex(content), modifiedMs: trusted(f.modifiedMs) };
      } catch (cause) {
        skipped.push({ path: f.path, reason: 'unreadable', detail: String((cause as Error).message ?? cause) } as RepositoryScan['skipped'][number]);
      }
    });
    return { files: files.filter(Boolean), skipped, commit: await readGitHead(root) };
  }

  async parse(
    root: string,
    options: Parameters<RepositoryParser['parse']>[1],
  ): Promise<ParsedFiles> {
    const { unchanged, signal } = options;
    const load = unchanged?.loadChunks;
    const loadMore = unchanged?.loadSymbols;
    const result = await parseRepository(root, {
      ...this.#options,
      repoId: options.repoId,
      snapshotId: options.snapshotId,
      paths: options.paths,
      signal: options.signal,
      onProgress: options.onProgress,
      contextSymbols:
        load || loadMore
          ? async (need) => {
              const [chunks, more] = await Promise.all([load ? load(need, { signal }) : (unchanged?.chunks ?? []), loadMore?.(need, { signal })]);
              return more?.length ? [...symbolsFromChunks(chunks), ...more] : symbolsFromChunks(chunks);
            }
          : unchanged
            ? symbolsFromChunks(unchanged.chunks ?? [])
            : undefined,
      knownPaths: unchanged ? unchanged.files.map((f) => f.path) : undefined,
      relinkScope: options.paths && unchanged?.relinkScope ? (change) => unchanged.relinkScope!(change, { signal }) : undefined,
    });
    let chunks = result.chunks;
    if (options.paths && unchanged) {
      const seen = new Set(result.files.map((f) => f.path));
      const all = [...result.files, ...unchanged.files.filter((f) => !seen.has(f.path))];
      const only = unchanged.replacedPaths ? directoriesAbove(unchanged.replacedPaths) : undefined;
      chunks = [...buildRepositoryChunks(options.repoId, options.snapshotId, all, only), ...result.chunks];
    }
    return { files: result.files, chunks, symbols: result.symbols, relations: result.relations, ...(result.relinked.length ? { relinkedPaths: result.relinked } : {}) };
  }
}
