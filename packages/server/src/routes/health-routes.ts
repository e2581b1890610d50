import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.js';
import { healthResponseSchema, readyResponseSchema } from '../schemas.js';

/**
 * GET /healthz: the process is alive (no I/O). GET /readyz: every component of the container
 * answers (200) or not (503). Both skip auth so probes need no token; /readyz shows error messages
 * only to callers that present the token (when one is configured).
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: RouteContext, isAuthorized: (header: string | undefined) => boolean): void {
  app.get('/healthz', { config: { public: true, rateLimit: false }, schema: { tags: ['health'], summary: 'Liveness', response: { 200: healthResponseSchema } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { config: { public: true, rateLimit: false }, schema: { tags: ['health'], summary: 'Readiness: health of every component', response: { 200: readyResponseSchema, 503: readyResponseSchema } } },
    async (request, reply) => {
      const health = await ctx.container.healthCheck({ timeoutMs: Math.min(5000, ctx.requestTimeoutMs) });
      const detailed = isAuthorized(request.headers.authorization);
      const components = Object.fromEntries(
        Object.entries(health.components).map(([name, c]) => [name, detailed ? c : { ok: c.ok, configured: c.configured, latencyMs: c.latencyMs }]),
      );
      reply.status(health.ok ? 200 : 503);
      return { ok: health.ok, components };
    },
  );
}
