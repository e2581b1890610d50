import { resolve } from 'node:path';
import type { TrawlContainer } from '@trawl/container';
import { NotFoundError } from '@trawl/core';

/**
 * Which repository a command means when `--repo` is not given: the one whose root contains the
 * current folder, else the only one indexed.
 */
export async function resolveRepo(trawl: TrawlContainer, repo: string | undefined, cwd: string): Promise<string> {
  if (repo) return repo;
  const repos = await (await trawl.catalog()).listRepos();
  if (repos.length === 0) throw new NotFoundError('nothing is indexed yet: run `trawl index <path>` first', { component: 'cli' });
  const here = resolve(cwd);
  const containing = repos.filter((r) => r.rootPath && (here === r.rootPath || here.startsWith(`${r.rootPath}/`)));
  containing.sort((a, b) => b.rootPath!.length - a.rootPath!.length);
  if (containing[0]) return containing[0].repoId;
  if (repos.length === 1) return repos[0]!.repoId;
  throw new NotFoundError(`several repositories are indexed (${repos.map((r) => r.repoId).join(', ')}): pick one with --repo`, { component: 'cli' });
}
