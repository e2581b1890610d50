import { INDEX_NAMES, InvalidQueryError, type IndexName } from '@trawl/core';
import { toSearchResponse } from '@trawl/retrieval';
import type { FastifyInstance } from 'fastify';
import { runRequestWork } from '../request-work.js';
import { resolveRepo, type RouteContext } from '../route-context.js';
import { errorResponses, searchBodySchema, searchQuerySchema, searchResponseSchema } from '../schemas.js';

interface SearchInput {
  query: string;
  repo?: string;
  limit?: number;
  indexes?: IndexName[];
  snapshot?: string;
  regex?: boolean;
}

function parseIndexList(list: string | undefined): IndexName[] | undefined {
  if (!list) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(INDEX_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new InvalidQueryError(`unknown index ${unknown.map((u) => JSON.stringify(u)).join(', ')}: use ${INDEX_NAMES.join(', ')}`, { component: 'server' });
  return names as IndexName[];
}

/** GET /v1/search?q=... and POST /v1/search: the fused search, in the CLI's `--json` shape. */
export function registerSearchRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const run = async (input: SearchInput, signal: AbortSignal) => {
    const repo = await resolveRepo(ctx, input.repo, { signal });
    const retriever = await ctx.container.retriever();
    const result = await retriever.search(input.query, { repo, limit: input.limit, indexes: input.indexes, snapshot: input.snapshot, regex: input.regex || undefined, signal });
    return toSearchResponse(result);
  };

  app.get<{ Querystring: { q: string; repo?: string; limit?: number; indexes?: string; snapshot?: string; regex?: boolean } }>(
    '/v1/search',
    { schema: { tags: ['search'], summary: 'Search a repository', querystring: searchQuerySchema, response: { 200: searchResponseSchema, ...errorResponses } } },
    async (request, reply) => {
      const q = request.query;
      return runRequestWork(reply, ctx.requestTimeoutMs, (signal) =>
        run({ query: q.q, repo: q.repo, limit: q.limit, indexes: parseIndexList(q.indexes), snapshot: q.snapshot, regex: q.regex }, signal),
      );
    },
  );

  app.post<{ Body: SearchInput }>(
    '/v1/search',
    { schema: { tags: ['search'], summary: 'Search a repository (JSON body)', body: searchBodySchema, response: { 200: searchResponseSchema, ...errorResponses } } },
    async (request, reply) => runRequestWork(reply, ctx.requestTimeoutMs, (signal) => run(request.body, signal)),
  );
}
