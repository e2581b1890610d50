import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The commit HEAD points at when `root` is a git work tree, read from `.git` without running
 * git (loose refs, packed refs, detached HEAD, `.git` files of worktrees and submodules).
 * Null when it is not a repository or HEAD has no commit yet.
 */
export async function readGitHead(root: string): Promise<string | null> {
  try {
    let gitDir = join(root, '.git');
    const info = await stat(gitDir);
    if (info.isFile()) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(gitDir, 'utf8'));
      if (!pointer) return null;
      gitDir = resolve(root, pointer[1]!.trim());
    }
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (/^[0-9a-f]{40,64}$/.test(head)) return head;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1]?.trim();
    if (!ref) return null;
    const commonDir = await readFile(join(gitDir, 'commondir'), 'utf8').then((d) => resolve(gitDir, d.trim())).catch(() => gitDir);
    for (const dir of [gitDir, commonDir]) {
      const loose = await readFile(join(dir, ref), 'utf8').catch(() => null);
      if (loose && /^[0-9a-f]{40,64}/.test(loose.trim())) return loose.trim();
      const packed = await readFile(join(dir, 'packed-refs'), 'utf8').catch(() => null);
      const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
      if (line) return line.split(' ')[0]!;
    }
    return null;
  } catch {
    return null;
  }
}
