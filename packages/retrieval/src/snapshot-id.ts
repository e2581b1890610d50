import { createHash } from 'node:crypto';

/**
 * A content-derived snapshot id: the same set of (path, content hash) pairs always gives the
 * same id, so re-indexing an unchanged tree is recognised as a no-op.
 */
export function contentSnapshotId(files: readonly { path: string; contentHash: string }[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(f.path).update('\u0000').update(f.contentHash).update('\n');
  }
  return h.digest('hex').slice(0, 16);
}
