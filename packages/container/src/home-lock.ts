import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '@trawl/core';
import { processRunning } from '@trawl/retrieval';

/**
 * PGlite is a single-process database: two processes writing one data folder corrupt it. This
 * lock file (with the owner's pid) turns that into a clear error; a stale lock from a crashed
 * process is taken over.
 */
const heldHere = new Set<string>();

export function acquireDirectoryLock(dir: string, purpose: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'trawl.lock');
  if (heldHere.has(file)) {
    throw new ConflictError(`${purpose} at ${dir} is already open in this process: share one container instead of creating two`, {
      component: 'container',
      context: { lock: file },
    });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldHere.add(file);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(file);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && processRunning(owner) && owner !== process.pid) {
        throw new ConflictError(
          `${purpose} at ${dir} is in use by another trawl process (pid ${owner}); stop it, or point DATABASE_URL at a PostgreSQL server to share data between processes`,
          { component: 'container', context: { pid: owner, lock: file } },
        );
      }
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new ConflictError(`could not take the lock ${file}`, { component: 'container' });
}
