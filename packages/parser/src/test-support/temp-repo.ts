import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway directory tree for a test; `files` maps relative paths to text or bytes. */
export async function writeTempRepo(files: Record<string, string | Buffer>, options: { symlinks?: Record<string, string> } = {}): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'trawl-parser-'));
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  for (const [link, target] of Object.entries(options.symlinks ?? {})) {
    await mkdir(dirname(join(root, link)), { recursive: true });
    await symlink(target, join(root, link));
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Runs `fn` over a throwaway tree of `files` (see {@link writeTempRepo}), removed after whatever happens. */
export async function withTempRepo<T>(files: Record<string, string | Buffer>, fn: (root: string) => Promise<T>): Promise<T> {
  const repo = await writeTempRepo(files);
  try {
    return await fn(repo.root);
  } finally {
    await repo.cleanup();
  }
}
