import { InvalidInputError, type SnapshotRef, type SourceFile } from '@trawl/core';

const ID = /^[\w.@:+-][\w.@:+/-]{0,199}$/;
const validId = (id: unknown): boolean => typeof id === 'string' && ID.test(id) && !id.split('/').some((part) => part === '..' || part === '.' || part === '');

/** Repository and snapshot ids: 1-200 chars of letters, digits and `._-@:+/`, with no empty, `.` or `..` path segment. */
export function validateRef(ref: SnapshotRef): void {
  if (!validId(ref.repoId)) {
    throw new InvalidInputError(`invalid repository id ${JSON.stringify(ref.repoId)}: use 1-200 letters, digits or ._-@:+/`, { component: 'catalog' });
  }
  if (!validId(ref.snapshotId)) {
    throw new InvalidInputError(`invalid snapshot id ${JSON.stringify(ref.snapshotId)}: use 1-200 letters, digits or ._-@:+/`, { component: 'catalog' });
  }
}

export function validateFile(file: SourceFile, index: number): void {
  const where = `file #${index}`;
  if (typeof file.path !== 'string' || file.path === '' || file.path.startsWith('/') || file.path.split('/').includes('..')) {
    throw new InvalidInputError(`${where}: path must be relative to the repository root without "..", got ${JSON.stringify(file.path)}`, { component: 'catalog' });
  }
  if (typeof file.content !== 'string') throw new InvalidInputError(`${where} (${file.path}): content must be a string`, { component: 'catalog' });
  if (typeof file.contentHash !== 'string' || file.contentHash === '') throw new InvalidInputError(`${where} (${file.path}): contentHash is empty`, { component: 'catalog' });
  validateModifiedMs(file.modifiedMs, `${where} (${file.path})`);
  if (file.content.includes('\u0000')) throw new InvalidInputError(`${where} (${file.path}): content has NUL bytes (binary files are not stored)`, { component: 'catalog' });
}

/** A file's `modifiedMs`: ms since the epoch, or null / absent. */
export function validateModifiedMs(modifiedMs: number | null | undefined, where: string): void {
  if (modifiedMs != null && !(Number.isFinite(modifiedMs) && modifiedMs >= 0)) {
    throw new InvalidInputError(`${where}: modifiedMs must be a time in ms since the epoch, or null; got ${modifiedMs}`, { component: 'catalog' });
  }
}

/** `getFileLines`' `maxLineChars`: a positive integer, or no limit (Infinity) when absent. */
export function lineCharLimit(maxLineChars: number | undefined): number {
  if (maxLineChars === undefined) return Infinity;
  if (!Number.isInteger(maxLineChars) || maxLineChars <= 0) throw new InvalidInputError(`maxLineChars must be a positive integer, got ${maxLineChars}`, { component: 'chunk-store' });
  return maxLineChars;
}
