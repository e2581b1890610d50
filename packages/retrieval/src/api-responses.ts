import { NotFoundError, type CallOptions, type CatalogStore, type ChunkStore, type SnapshotRef } from '@trawl/core';
import type { RetrieverResult } from './retriever.js';

/**
 * The JSON shape of a search result shared by `trawl search --json`, the HTTP API and the MCP
 * server, so every front end answers the same way.
 *
 * ```ts
 * const body = toSearchResponse(await retriever.search('createUser', { repo: 'app' }))
 * ```
 */
export function toSearchResponse(result: RetrieverResult) {
  return {
    hits: result.hits.map((h) => ({
      chunkId: h.chunkId,
      file: h.file,
      startLine: h.startLine,
      endLine: h.endLine,
      kind: h.kind,
      name: h.name,
      score: h.score,
      sources: h.sources.map((s) => s.index),
      preview: h.preview,
      ...(h.stale ? { stale: true } : {}),
    })),
    degraded: result.degraded,
    tookMs: result.tookMs,
    repo: result.repo,
    snapshot: result.snapshot,
    intent: result.intent,
  };
}

export type SearchResponse = ReturnType<typeof toSearchResponse>;

/** A chunk with its lines and `context` lines either side, read from the snapshot's stored file. */
export interface ChunkWithContext {
  repo: string;
  snapshot: string;
  chunkId: string;
  file: string;
  kind: string;
  name: string | null;
  language: string | null;
  startLine: number;
  endLine: number;
  /** First and last line of `lines` (the chunk plus context, clamped to the file). */
  fromLine: number;
  toLine: number;
  lines: { line: number; text: string; inChunk: boolean }[];
  /** True when `maxLines` cut the chunk short. */
  truncated: boolean;
}

/**
 * Reads one chunk of a snapshot with surrounding lines. Text comes only from the file contents
 * stored for that snapshot (never from disk), so nothing outside an indexed repository is reachable.
 * Throws NotFoundError when the chunk or its file is not in the snapshot.
 */
export async function readChunkWithContext(
  stores: { catalog: CatalogStore; chunks: ChunkStore },
  snapshot: SnapshotRef,
  chunkId: string,
  options: CallOptions & { context?: number; maxLines?: number } = {},
): Promise<ChunkWithContext> {
  const context = Math.max(0, Math.min(options.context ?? 3, 200));
  const maxLines = Math.max(1, options.maxLines ?? 2000);
  const chunk = await stores.chunks.getChunk(chunkId, { snapshot, signal: options.signal });
  if (!chunk || chunk.repoId !== snapshot.repoId) {
    throw new NotFoundError(`chunk "${chunkId}" is not in ${snapshot.repoId}@${snapshot.snapshotId}: take chunk ids from a search of this repository`, {
      component: 'retrieval',
    });
  }
  const file = await stores.catalog.getFile(snapshot, chunk.filePath, { signal: options.signal });
  if (!file) throw new NotFoundError(`the file ${chunk.filePath} of chunk "${chunkId}" is not stored in ${snapshot.repoId}@${snapshot.snapshotId}`, { component: 'retrieval' });
  const all = file.content.split(/\r?\n/);
  const fromLine = Math.max(1, chunk.startLine - context);
  let toLine = Math.min(all.length, chunk.endLine + context);
  const truncated = toLine - fromLine + 1 > maxLines;
  if (truncated) toLine = fromLine + maxLines - 1;
  const lines = [];
  for (let n = fromLine; n <= toLine; n++) lines.push({ line: n, text: all[n - 1] ?? '', inChunk: n >= chunk.startLine && n <= chunk.endLine });
  return {
    repo: snapshot.repoId,
    snapshot: snapshot.snapshotId,
    chunkId: chunk.id,
    file: chunk.filePath,
    kind: chunk.kind,
    name: chunk.name || null,
    language: chunk.language ?? null,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    fromLine,
    toLine,
    lines,
    truncated,
  };
}
