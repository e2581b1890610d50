import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '@trawl/core';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors.js';
import type { IndexRun } from '../index-jobs.js';
import { runRequestWork } from '../request-work.js';
import type { RouteContext } from '../route-context.js';
import { errorResponses, indexRunBodySchema, indexRunParamsSchema, indexRunQuerySchema, indexRunSchema, indexRunsResponseSchema } from '../schemas.js';

const errorRef = { $ref: 'Error#' } as const;

function view(run: IndexRun, since = 0) {
  return { ...run, events: run.events.filter((e) => e.seq > since) };
}

async function within(root: string, allowed: readonly string[]): Promise<boolean> {
  for (const base of allowed) {
    const real = await realpath(base).catch(() => null);
    if (!real) continue;
    const rel = relative(real, root);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return true;
  }
  return false;
}

/**
 * POST /v1/index-runs starts an index run (202 with the run; 409 while one runs for the
 * repository), GET /v1/index-runs[/:id] polls it, DELETE /v1/index-runs/:id cancels it.
 * Only known repositories (re-indexed from the folder they were indexed from) or folders under
 * an allowed root (`allowIndexRoots`) can be indexed, so the API cannot be used to read arbitrary
 * folders of the server's disk.
 */
export function registerIndexRunRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: { repo: string; path?: string; full?: boolean } }>(
    '/v1/index-runs',
    {
      schema: {
        tags: ['indexing'],
        summary: 'Start an index run',
        body: indexRunBodySchema,
        response: { 202: indexRunSchema, 403: errorRef, 409: errorRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { repo, path, full } = request.body;
      if (!ctx.allowIndexing) throw new HttpError(403, 'FORBIDDEN', 'this server is read-only: run `trawl index <path>` beside it, or start it without --read-only');
      const run = await runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
        const known = await (await ctx.container.catalog()).getRepo(repo, { signal });
        let root: string;
        if (path) {
          if (!isAbsolute(path)) throw new InvalidInputError(`"path" must be an absolute folder on the server, got ${JSON.stringify(path)}`, { component: 'server' });
          const real = await realpath(resolve(path)).catch(() => null);
          if (!real || !(await stat(real)).isDirectory()) throw new InvalidInputError(`${path} is not a folder on the server`, { component: 'server' });
          const sameAsKnown = known?.rootPath && (await realpath(known.rootPath).catch(() => known.rootPath)) === real;
          if (!sameAsKnown && !(await within(real, ctx.allowIndexRoots))) {
            throw new HttpError(403, 'FORBIDDEN', `${path} is outside the folders this server may index: start it with --allow-index-root <dir>`);
          }
          root = real;
        } else {
          if (!known) throw new NotFoundError(`unknown repository "${repo}": give "path" (under an allowed root) to index a new one`, { component: 'server' });
          if (!known.rootPath) throw new InvalidInputError(`repository "${repo}" has no recorded folder: give "path"`, { component: 'server' });
          root = known.rootPath;
        }
        return ctx.jobs.start(repo, root, { full });
      });
      reply.status(202).header('location', `/v1/index-runs/${run.id}`);
      return view(run);
    },
  );

  app.get('/v1/index-runs', { schema: { tags: ['indexing'], summary: 'Index runs of this server process', response: { 200: indexRunsResponseSchema, ...errorResponses } } }, async () => ({
    runs: ctx.jobs.list().map((r) => view(r, r.lastSeq)),
  }));

  app.get<{ Params: { id: string }; Querystring: { since?: number } }>(
    '/v1/index-runs/:id',
    {
      schema: {
        tags: ['indexing'],
        summary: 'Status and progress of an index run',
        params: indexRunParamsSchema,
        querystring: indexRunQuerySchema,
        response: { 200: indexRunSchema, ...errorResponses },
      },
    },
    async (request) => view(ctx.jobs.get(request.params.id), request.query.since),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/index-runs/:id',
    { schema: { tags: ['indexing'], summary: 'Cancel an index run', params: indexRunParamsSchema, response: { 202: indexRunSchema, ...errorResponses } } },
    async (request, reply) => {
      const run = ctx.jobs.cancel(request.params.id);
      reply.status(202);
      return view(run, run.lastSeq);
    },
  );
}
