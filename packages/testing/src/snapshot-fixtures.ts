import { createHash } from 'node:crypto';
import {
  normalizeChunk,
  type Chunk,
  type ChunkKind,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type SourceFile,
  type SymbolDefinition,
  type SymbolKind,
} from '@trawl/core';

/** A symbol a fixture file declares by hand (the fixtures do not parse code). */
export interface FixtureSymbol {
  name: string;
  kind: Extract<ChunkKind, 'class' | 'interface' | 'function' | 'method' | 'type' | 'enum'>;
  startLine: number;
  endLine: number;
  /** Docstring or leading comment, copied to `chunk.summary`. */
  summary?: string;
  /** Name of the enclosing fixture symbol (a method's class). */
  owner?: string;
}

export interface FixtureFile {
  path: string;
  content: string;
  language?: string | null;
  symbols?: FixtureSymbol[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function languageOf(path: string): string | null {
  if (/\.(ts|tsx)$/.test(path)) return 'typescript';
  if (/\.py$/.test(path)) return 'python';
  if (/\.(md|markdown)$/.test(path)) return 'markdown';
  if (/\.rst$/.test(path)) return 'rst';
  if (/\.txt$/.test(path)) return 'text';
  return null;
}

function linesOf(content: string, start: number, end: number): string {
  return content.split('\n').slice(start - 1, end).join('\n');
}

/**
 * Builds the {@link SnapshotContent} a parser would produce for a handful of files: a file
 * chunk per file, a chunk and a symbol per declared symbol. Chunk ids derive from repo, path,
 * qualified name and text, so an unchanged file keeps its ids in the next snapshot.
 *
 * ```ts
 * const content = fixtureSnapshot({ repoId: 'r', snapshotId: 's1' }, [{ path: 'a.ts', content: 'export function f() {}', symbols: [{ name: 'f', kind: 'function', startLine: 1, endLine: 1 }] }])
 * ```
 */
export function fixtureSnapshot(ref: SnapshotRef, files: readonly FixtureFile[], rootPath = '/nonexistent'): SnapshotContent {
  const sourceFiles: SourceFile[] = [];
  const chunks: Chunk[] = [];
  const symbols: SymbolDefinition[] = [];
  for (const file of files) {
    const lineCount = file.content.split('\n').length;
    const language = file.language === undefined ? languageOf(file.path) : file.language;
    sourceFiles.push({
      path: file.path,
      language,
      contentHash: sha256(file.content),
      sizeBytes: Buffer.byteLength(file.content),
      lineCount,
      content: file.content,
    });
    const fileChunkId = sha256(`${ref.repoId}|${file.path}|<file>|${sha256(file.content)}`).slice(0, 32);
    const fileChunk = normalizeChunk({
      id: fileChunkId,
      repoId: ref.repoId,
      snapshotId: ref.snapshotId,
      filePath: file.path,
      kind: 'file',
      name: file.path.split('/').pop() ?? file.path,
      fqn: file.path,
      startLine: 1,
      endLine: lineCount,
      contentHash: sha256(file.content),
      language,
    });
    chunks.push(fileChunk);
    const byName = new Map<string, { chunk: Chunk; symbol: SymbolDefinition }>();
    for (const s of file.symbols ?? []) {
      const owner = s.owner ? byName.get(s.owner) : undefined;
      const qualified = owner ? `${owner.symbol.name}.${s.name}` : s.name;
      const fqn = `${file.path}:${qualified}`;
      const text = linesOf(file.content, s.startLine, s.endLine);
      const symbolId = sha256(`${ref.repoId}|${file.path}|${qualified}`).slice(0, 24);
      const chunk = normalizeChunk({
        id: sha256(`${ref.repoId}|${file.path}|${fqn}|${sha256(text)}`).slice(0, 32),
        repoId: ref.repoId,
        snapshotId: ref.snapshotId,
        filePath: file.path,
        kind: s.kind,
        name: s.name,
        fqn,
        startLine: s.startLine,
        endLine: s.endLine,
        contentHash: sha256(text),
        parentId: owner?.chunk.id ?? fileChunkId,
        language,
        symbolId,
        symbolOwner: owner?.symbol.id ?? null,
        summary: s.summary ?? null,
      });
      const symbol: SymbolDefinition = {
        id: symbolId,
        name: s.name,
        fqn,
        kind: s.kind as SymbolKind,
        filePath: file.path,
        startLine: s.startLine,
        endLine: s.endLine,
        chunkId: chunk.id,
        ownerId: owner?.symbol.id ?? null,
        language,
        visibility: 'public',
      };
      chunks.push(chunk);
      symbols.push(symbol);
      byName.set(s.name, { chunk, symbol });
    }
  }
  return { snapshot: ref, rootPath, files: sourceFiles, chunks, symbols, relations: [] };
}

/**
 * The delta from `base` to `next` (two fixture snapshots of one repository): paths whose file
 * hash changed or that are new, and paths that disappeared. `files`, `chunks` and `symbols` keep
 * only the changed paths, as an incremental indexer would pass them.
 */
export function fixtureDelta(base: SnapshotContent, next: SnapshotContent): SnapshotDelta {
  const before = new Map(base.files.map((f) => [f.path, f.contentHash]));
  const after = new Map(next.files.map((f) => [f.path, f.contentHash]));
  const changedPaths = [...after].filter(([p, h]) => before.get(p) !== h).map(([p]) => p);
  const deletedPaths = [...before.keys()].filter((p) => !after.has(p));
  const changed = new Set(changedPaths);
  return {
    ...next,
    files: next.files.filter((f) => changed.has(f.path)),
    chunks: next.chunks.filter((c) => changed.has(c.filePath)),
    symbols: next.symbols.filter((s) => changed.has(s.filePath)),
    relations: next.relations.filter((r) => changed.has(r.filePath)),
    baseSnapshotId: base.snapshot.snapshotId,
    changedPaths,
    deletedPaths,
  };
}
