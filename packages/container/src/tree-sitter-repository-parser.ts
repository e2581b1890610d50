import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted, type CallOptions, type Chunk, type ParsedFiles, type ParseProgress, type RepositoryParser, type RepositoryScan, type SourceFileInfo } from '@trawl/core';
import { buildRepositoryChunks, parseRepository, sha256Hex, symbolsFromChunks, walkRepository, type WalkOptions } from '@trawl/parser';

/** Reads the HEAD commit of a git work tree without spawning git; null when not a repository. */
export async function readHeadCommit(root: string): Promise<string | null> {
  try {
    const head = (await readFile(join(root, '.git', 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    try {
      return (await readFile(join(root, '.git', ref), 'utf8')).trim();
    } catch {
      const packed = await readFile(join(root, '.git', 'packed-refs'), 'utf8');
      return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
    }
  } catch {
    return null;
  }
}

/**
 * The RepositoryParser port over @trawl/parser: gitignore-aware walk, content hashes, tree-sitter
 * parsing, and on incremental runs re-linking against the symbols of unchanged files plus
 * rebuilding the project/module chunks over every file of the new snapshot.
 */
export class TreeSitterRepositoryParser implements RepositoryParser {
  constructor(private readonly walkOptions: Omit<WalkOptions, 'signal'> = {}) {}

  async scan(root: string, options: CallOptions = {}): Promise<RepositoryScan> {
    const walk = await walkRepository(root, { ...this.walkOptions, signal: options.signal });
    const files: RepositoryScan['files'] = [];
    const queue = [...walk.files];
    // Bounded parallel reads: hashing is cheap, the disk is the limit.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          throwIfAborted(options.signal, 'parser');
          const text = await readFile(join(root, f.path), 'utf8');
          files.push({ path: f.path, sizeBytes: f.sizeBytes, language: f.language, contentHash: sha256Hex(text) });
        }
      }),
    );
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { files, skipped: walk.skipped.map((s) => ({ path: s.path, reason: s.reason })), commit: await readHeadCommit(root) };
  }

  async parse(
    root: string,
    options: CallOptions & {
      repoId: string;
      snapshotId: string;
      paths?: readonly string[];
      onProgress?: (progress: ParseProgress) => void;
      unchanged?: { files: readonly SourceFileInfo[]; chunks: readonly Chunk[] };
    },
  ): Promise<ParsedFiles> {
    const onProgress = options.onProgress
      ? (p: { phase: string; filesDone: number; filesTotal: number; chunks: number }) => {
          if (p.phase === 'parse' || p.phase === 'done') options.onProgress!({ filesDone: p.filesDone, filesTotal: p.filesTotal, chunks: p.chunks });
        }
      : undefined;
    if (!options.paths) {
      const parsed = await parseRepository(root, { ...this.walkOptions, repoId: options.repoId, snapshotId: options.snapshotId, signal: options.signal, onProgress });
      return { files: parsed.files, chunks: parsed.chunks, symbols: parsed.symbols, relations: parsed.relations };
    }
    const unchanged = options.unchanged ?? { files: [], chunks: [] };
    const parsed = await parseRepository(root, {
      ...this.walkOptions,
      repoId: options.repoId,
      snapshotId: options.snapshotId,
      paths: options.paths,
      contextSymbols: symbolsFromChunks(unchanged.chunks),
      knownPaths: [...unchanged.files.map((f) => f.path), ...options.paths],
      signal: options.signal,
      onProgress,
    });
    const upper = buildRepositoryChunks(options.repoId, options.snapshotId, [...unchanged.files, ...parsed.files]);
    return { files: parsed.files, chunks: [...upper, ...parsed.chunks], symbols: parsed.symbols, relations: parsed.relations };
  }
}
