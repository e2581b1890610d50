import { NotFoundError } from '@trawl/core';
import type { FastifyInstance } from 'fastify';
import { runRequestWork } from '../request-work.js';
import type { RouteContext } from '../route-context.js';
import { errorResponses, repoParamsSchema, repoResponseSchema, reposResponseSchema } from '../schemas.js';

/** GET /v1/repos and GET /v1/repos/:repo (with its snapshots, newest first). */
export function registerRepoRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/repos', { schema: { tags: ['repositories'], summary: 'List indexed repositories', response: { 200: reposResponseSchema, ...errorResponses } } }, async (_request, reply) =>
    runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
      const catalog = await ctx.container.catalog();
      const repos = await catalog.listRepos({ signal });
      const withLatest = await Promise.all(
        repos.map(async (r) => ({ ...r, latestReadySnapshot: (await catalog.latestReadySnapshot(r.repoId, { signal }))?.snapshotId ?? null })),
      );
      return { repos: withLatest };
    }),
  );

  app.get<{ Params: { repo: string } }>(
    '/v1/repos/:repo',
    { schema: { tags: ['repositories'], summary: 'A repository and its snapshots', params: repoParamsSchema, response: { 200: repoResponseSchema, ...errorResponses } } },
    async (request, reply) =>
      runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
        const catalog = await ctx.container.catalog();
        const repo = await catalog.getRepo(request.params.repo, { signal });
        if (!repo) throw new NotFoundError(`unknown repository "${request.params.repo}": list indexed ones with GET /v1/repos`, { component: 'server' });
        const snapshots = await catalog.listSnapshots(repo.repoId, { signal });
        const latest = snapshots.find((s) => s.status === 'ready')?.snapshotId ?? null;
        return { repo: { ...repo, latestReadySnapshot: latest }, snapshots };
      }),
  );
}
