import { CHUNK_KINDS, chunkKindRank, type Chunk } from '@trawl/core';

/** A `chunks` row as pg returns it. */
export interface ChunkRow {
  repo_id: string;
  snapshot_id: string;
  chunk_id: string;
  file_path: string;
  kind: Chunk['kind'];
  name: string;
  fqn: string;
  start_line: number;
  end_line: number;
  content_hash: string;
  parent_id: string | null;
  child_ids: string[];
  language: string | null;
  symbol_id: string | null;
  symbol_owner: string | null;
  visibility: Chunk['visibility'];
  summary: string | null;
  importance: number;
  attributes: Record<string, unknown>;
  version: number;
  last_indexed_commit: string | null;
  deleted: boolean;
}

export const CHUNK_COLUMNS =
  'repo_id, snapshot_id, chunk_id, file_path, kind, name, fqn, start_line, end_line, content_hash, parent_id, child_ids, language, symbol_id, symbol_owner, visibility, summary, importance, attributes, version, last_indexed_commit, deleted';

/** Copies a chunk so callers never share state with a store's memory (cheaper than structuredClone). */
export function cloneChunk(c: Chunk): Chunk {
  return { ...c, childIds: [...c.childIds], attributes: Object.keys(c.attributes).length ? structuredClone(c.attributes) : {} };
}

export function rowToChunk(row: ChunkRow): Chunk {
  return {
    id: row.chunk_id,
    repoId: row.repo_id,
    snapshotId: row.snapshot_id,
    filePath: row.file_path,
    kind: row.kind,
    name: row.name,
    fqn: row.fqn,
    startLine: row.start_line,
    endLine: row.end_line,
    contentHash: row.content_hash,
    parentId: row.parent_id,
    childIds: row.child_ids ?? [],
    language: row.language,
    symbolId: row.symbol_id,
    symbolOwner: row.symbol_owner,
    visibility: row.visibility,
    summary: row.summary,
    importance: Number(row.importance),
    attributes: row.attributes ?? {},
    version: row.version,
    lastIndexedCommit: row.last_indexed_commit,
    deleted: row.deleted,
  };
}

/**
 * `CASE kind ... END` giving each kind its {@link chunkKindRank}, so SQL orders line lookups
 * exactly like the in-memory store.
 */
export function kindRankSql(column = 'kind'): string {
  const arms = CHUNK_KINDS.map((kind) => `WHEN '${kind}' THEN ${chunkKindRank(kind)}`).join(' ');
  return `CASE ${column} ${arms} ELSE 9 END`;
}
