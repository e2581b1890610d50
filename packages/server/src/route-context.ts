import type { TrawlContainer } from '@trawl/container';
import { InvalidInputError, NotFoundError, type CallOptions, type SnapshotRecord } from '@trawl/core';
import type { IndexJobs } from './index-jobs.js';

/** What every route needs: the container, index runs and the limits in force. */
export interface RouteContext {
  container: TrawlContainer;
  jobs: IndexJobs;
  requestTimeoutMs: number;
  allowIndexRoots: string[];
  allowIndexing: boolean;
}

/** The repository a request means: the one named, else the only one indexed. */
export async function resolveRepo(ctx: RouteContext, repo: string | undefined, options: CallOptions = {}): Promise<string> {
  const catalog = await ctx.container.catalog();
  if (repo) {
    if (!(await catalog.getRepo(repo, options))) throw new NotFoundError(`unknown repository "${repo}": list indexed ones with GET /v1/repos, or index it first`, { component: 'server' });
    return repo;
  }
  const repos = await catalog.listRepos(options);
  if (repos.length === 1) return repos[0]!.repoId;
  if (repos.length === 0) throw new NotFoundError('nothing is indexed yet: run `trawl index <path>` (or POST /v1/index-runs) first', { component: 'server' });
  throw new InvalidInputError(`several repositories are indexed (${repos.map((r) => r.repoId).join(', ')}): name one with "repo"`, { component: 'server' });
}

/** The named snapshot of a repository (it must be ready), else its latest ready one. */
export async function resolveSnapshot(ctx: RouteContext, repo: string, snapshot: string | undefined, options: CallOptions = {}): Promise<SnapshotRecord> {
  const catalog = await ctx.container.catalog();
  if (snapshot) {
    const record = await catalog.getSnapshot({ repoId: repo, snapshotId: snapshot }, options);
    if (!record) throw new NotFoundError(`repository "${repo}" has no snapshot "${snapshot}": list them with GET /v1/repos/${repo}`, { component: 'server' });
    if (record.status !== 'ready') throw new NotFoundError(`snapshot "${snapshot}" of "${repo}" is ${record.status}, not ready`, { component: 'server' });
    return record;
  }
  const latest = await catalog.latestReadySnapshot(repo, options);
  if (!latest) {
    const known = await catalog.getRepo(repo, options);
    throw new NotFoundError(known ? `repository "${repo}" has no ready snapshot yet: wait for its index run to finish` : `unknown repository "${repo}": list indexed ones with GET /v1/repos`, {
      component: 'server',
    });
  }
  return latest;
}

/**
 * Checks that `path` names a file inside a repository: relative, `/`-separated, no `.` or `..`
 * segments, no backslashes or NUL. Files are read only from stored snapshot contents anyway;
 * this turns traversal attempts into a clear 400 instead of a 404.
 */
export function assertRepoRelativePath(path: string): string {
  const bad = (why: string) => new InvalidInputError(`invalid path ${JSON.stringify(path)}: ${why}; give a path relative to the repository root such as src/app.ts`, { component: 'server' });
  if (path.includes('\0')) throw bad('it contains a NUL byte');
  if (path.includes('\\')) throw bad('use / as the separator');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) throw bad('it is absolute');
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw bad('"." and ".." segments are not allowed');
  if (segments.some((s) => s === '')) throw bad('it has an empty segment');
  // A path still holding an encoded dot or slash after URL decoding was encoded twice: refuse it.
  if (/%2e|%2f|%5c|%00/i.test(path)) throw bad('it is still percent-encoded after decoding');
  return path;
}
