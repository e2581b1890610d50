import { BackendUnavailableError, isTrawlError } from '@trawl/core';
import type { FastifyInstance } from 'fastify';
import { runRequestWork } from '../request-work.js';
import { resolveSnapshot, type RouteContext } from '../route-context.js';
import { errorResponses, symbolParamsSchema, symbolQuerySchema, symbolResponseSchema, type SymbolAction } from '../schemas.js';

/** GET /v1/repos/:repo/symbols/:action?name=X: definitions, callers, callees, references, implementations. */
export function registerSymbolRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Params: { repo: string; action: SymbolAction }; Querystring: { name: string; depth?: number; limit?: number; snapshot?: string } }>(
    '/v1/repos/:repo/symbols/:action',
    {
      schema: {
        tags: ['symbols'],
        summary: 'Query the symbol graph',
        description: 'Answers 503 BACKEND_UNAVAILABLE while the symbol index is unavailable (not configured or not built).',
        params: symbolParamsSchema,
        querystring: symbolQuerySchema,
        response: { 200: symbolResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      runRequestWork(reply, ctx.requestTimeoutMs, async (signal) => {
        const { repo, action } = request.params;
        const { name, depth, limit } = request.query;
        const snapshot = await resolveSnapshot(ctx, repo, request.query.snapshot, { signal });
        const symbols = await ctx.container.symbols();
        if (!symbols) {
          const reason = (await ctx.container.disabledIndexes()).find((d) => d.index === 'symbol')?.reason ?? 'not configured';
          throw new BackendUnavailableError(`the symbol index is unavailable (${reason}): symbol queries answer once it is built with \`trawl index\``, { component: 'server' });
        }
        const options = { depth, limit, signal, timeoutMs: ctx.requestTimeoutMs };
        let results;
        try {
          results = await symbols[action](snapshot, name, options);
        } catch (error) {
          // The graph missing (never built) or locked by a writer is the index being unavailable, not the caller's mistake.
          if (isTrawlError(error) && error.component?.includes('symbol') && ['NOT_FOUND', 'CONFLICT', 'BACKEND_UNAVAILABLE'].includes(error.code)) {
            throw new BackendUnavailableError(`the symbol index is unavailable: ${error.detail}`, { component: 'server', cause: error });
          }
          throw error;
        }
        return { repo, snapshot: snapshot.snapshotId, action, name, results };
      }),
  );
}
