import { isChunkKind, type ChunkInput } from './chunk.js';
import { InvalidInputError } from './errors.js';

function fail(index: number | undefined, message: string): never {
  const where = index === undefined ? 'chunk' : `chunk #${index}`;
  throw new InvalidInputError(`${where}: ${message}`, { component: 'chunk-store', context: { index } });
}

function requireText(value: unknown, field: string, index: number | undefined): void {
  if (typeof value !== 'string' || value.trim() === '') fail(index, `${field} must be a non-empty string, got ${JSON.stringify(value)}`);
}

/**
 * Checks a chunk before anything is written. Throws an {@link InvalidInputError} naming the
 * chunk (by position in its batch) and the field.
 */
export function validateChunk(chunk: ChunkInput, index?: number): void {
  if (chunk === null || typeof chunk !== 'object') fail(index, 'expected an object');
  requireText(chunk.id, 'id', index);
  requireText(chunk.repoId, 'repoId', index);
  requireText(chunk.snapshotId, 'snapshotId', index);
  if (typeof chunk.filePath !== 'string') fail(index, 'filePath must be a string');
  if (chunk.kind !== 'project' && chunk.filePath === '') fail(index, `filePath is empty for a ${String(chunk.kind)} chunk`);
  if (!isChunkKind(chunk.kind)) fail(index, `unknown kind ${JSON.stringify(chunk.kind)}`);
  if (typeof chunk.name !== 'string') fail(index, 'name must be a string');
  if (typeof chunk.fqn !== 'string') fail(index, 'fqn must be a string');
  requireText(chunk.contentHash, 'contentHash', index);
  if (!Number.isInteger(chunk.startLine) || chunk.startLine < 1) fail(index, `startLine must be an integer >= 1, got ${chunk.startLine}`);
  if (!Number.isInteger(chunk.endLine)) fail(index, `endLine must be an integer, got ${chunk.endLine}`);
  if (chunk.endLine < chunk.startLine) fail(index, `endLine ${chunk.endLine} is before startLine ${chunk.startLine} (${chunk.id})`);
  if (chunk.importance !== undefined && !(chunk.importance >= 0 && chunk.importance <= 1)) fail(index, `importance must be within 0..1, got ${chunk.importance}`);
  if (chunk.parentId === chunk.id) fail(index, `chunk ${chunk.id} is its own parent`);
}

/** Validates a whole batch and rejects duplicate (repo, snapshot, id) keys inside it. */
export function validateChunks(chunks: readonly ChunkInput[]): void {
  const seen = new Set<string>();
  chunks.forEach((chunk, i) => {
    validateChunk(chunk, i);
    const key = `${chunk.repoId}\u0000${chunk.snapshotId}\u0000${chunk.id}`;
    if (seen.has(key)) fail(i, `duplicate id ${chunk.id} in the same batch`);
    seen.add(key);
  });
}
