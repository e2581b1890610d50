import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ConfigError } from '@trawl/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerMatches, isLoopbackHost } from './auth.js';
import { HttpError, errorBody, handleError } from './http-errors.js';
import { IndexJobs } from './index-jobs.js';
import type { RouteContext } from './route-context.js';
import { registerChunkRoutes } from './routes/chunk-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerIndexRunRoutes } from './routes/index-run-routes.js';
import { registerRepoRoutes } from './routes/repo-routes.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { registerSymbolRoutes } from './routes/symbol-routes.js';
import { errorSchema } from './schemas.js';
import { DEFAULTS, type TrawlServerOptions } from './server-options.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route needs no token (health probes, docs). */
    public?: boolean;
  }
}

/** A created (not yet listening) Trawl HTTP server. */
export interface TrawlServer {
  /** The Fastify instance, for `inject()` in tests or extra routes. */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base URL (`http://127.0.0.1:8377`). */
  listen(): Promise<string>;
  /**
   * Graceful shutdown: stop accepting connections, let in-flight requests finish (up to
   * `drainTimeoutMs`), cancel running index runs, then close the container. Idempotent.
   */
  close(): Promise<void>;
  /** Requests being handled right now. */
  readonly inFlight: number;
}

const MIN_TOKEN_LENGTH = 16;

/**
 * Builds the HTTP API over a container: versioned `/v1` routes validated by JSON Schemas that
 * also produce the OpenAPI document (`/openapi.json`, docs page at `/docs`), bearer-token auth,
 * body/URL limits, per-request timeouts, rate limiting, CORS only when configured.
 *
 * ```ts
 * const server = createServer({ container: createContainer({ readOnly: true }), token: process.env.TRAWL_API_TOKEN })
 * console.log(await server.listen())   // http://127.0.0.1:8377
 * process.once('SIGTERM', () => server.close())
 * ```
 */
export function createServer(options: TrawlServerOptions): TrawlServer {
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? DEFAULTS.port;
  const token = options.token?.trim() || null;
  if (!isLoopbackHost(host) && !token) {
    throw new ConfigError(`refusing to listen on ${host} without a token: set TRAWL_API_TOKEN (or pass --token), or listen on 127.0.0.1`, { component: 'server' });
  }
  if (token && token.length < MIN_TOKEN_LENGTH) throw new ConfigError(`the API token is ${token.length} characters long: use at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -hex 32\`)`, { component: 'server' });
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const maxUrlLength = options.maxUrlLength ?? DEFAULTS.maxUrlLength;
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs;
  const rate = options.rateLimit === undefined ? DEFAULTS.rateLimit : options.rateLimit;

  const app = Fastify({
    logger:
      options.logger === undefined
        ? { level: process.env.TRAWL_LOG_LEVEL || 'info', redact: ['req.headers.authorization'] }
        : (options.logger as Exclude<TrawlServerOptions['logger'], undefined>),
    bodyLimit: options.bodyLimit ?? DEFAULTS.bodyLimit,
    routerOptions: { maxParamLength: 600 },
    // Time to receive a whole request (slow-loris guard); the handler budget is requestTimeoutMs.
    requestTimeout: Math.max(requestTimeoutMs, 10_000),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });

  // Bodies are JSON: a text/plain body is refused as any other media type (415), rather than
  // parsed to a string and refused by the schema.
  app.removeContentTypeParser('text/plain');

  const jobs = new IndexJobs(() => options.container.indexer());
  const ctx: RouteContext = { container: options.container, jobs, requestTimeoutMs, allowIndexRoots: options.allowIndexRoots ?? [], allowIndexing: options.allowIndexing ?? true };
  const isAuthorized = (header: string | undefined) => !token || bearerMatches(header, token);
  let inFlight = 0;

  app.setErrorHandler(handleError);
  // Every route's path as a pattern, so a path served under other methods answers 405 with them.
  // (CORS's `OPTIONS *` serves every path: it says nothing about which methods a path has.)
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().filter((m) => m !== 'OPTIONS');
    if (route.url === '*' || methods.length === 0) return;
    const source = route.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*');
    routes.push({ pattern: new RegExp(`^${source}$`), methods });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort();
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      void reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(errorBody('METHOD_NOT_ALLOWED', `${request.method} is not served at ${path}: use ${allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0]}`));
      return;
    }
    void reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${path}: the API is described at /openapi.json and /docs`));
  });
  app.addSchema(errorSchema);

  app.addHook('onRequest', async (request, reply) => {
    inFlight++;
    reply.raw.once('close', () => inFlight--);
    if (request.url.length > maxUrlLength) throw new HttpError(414, 'INVALID_INPUT', `the URL is ${request.url.length} bytes long; the limit is ${maxUrlLength}: send long queries as POST /v1/search`);
    if (request.routeOptions.config?.public || !request.url.startsWith('/v1/')) return;
    if (!isAuthorized(request.headers.authorization)) {
      throw new HttpError(401, 'UNAUTHORIZED', request.headers.authorization ? 'the bearer token is wrong' : 'this server needs a bearer token: send "Authorization: Bearer <TRAWL_API_TOKEN>"');
    }
  });

  void app.register(async (api) => {
    if (rate) {
      await api.register(rateLimit, {
        global: true,
        max: rate.max,
        timeWindow: rate.timeWindowMs,
        // Per client address (the socket's: set up trust in a proxy in front if there is one).
        keyGenerator: (request) => request.ip,
        // (`context.after` is the time left until the window resets, not the window)
        errorResponseBuilder: (_request, context) => new HttpError(429, 'RATE_LIMITED', `too many requests: at most ${context.max} per ${windowText(rate.timeWindowMs)}; retry after ${context.after}`),
      });
    }
    if (options.corsOrigins?.length) {
      await api.register(cors, { origin: options.corsOrigins, methods: ['GET', 'POST', 'DELETE'], allowedHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
    }
    if (options.docs !== false) {
      await api.register(swagger, {
        openapi: {
          openapi: '3.0.3',
          info: { title: 'Trawl HTTP API', version: '1', description: 'Search indexed repositories, read chunks, query symbols and run indexing.' },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
          security: [{ bearer: [] }],
          tags: [
            { name: 'search' },
            { name: 'repositories' },
            { name: 'chunks' },
            { name: 'symbols' },
            { name: 'indexing' },
            { name: 'health' },
          ],
        },
        refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      });
      await api.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: false }, staticCSP: true, uiHooks: {} });
      api.get('/openapi.json', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => api.swagger());
    }
    registerHealthRoutes(api, ctx, isAuthorized);
    registerSearchRoutes(api, ctx);
    registerRepoRoutes(api, ctx);
    registerChunkRoutes(api, ctx);
    registerSymbolRoutes(api, ctx);
    registerIndexRunRoutes(api, ctx);
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    get inFlight() {
      return inFlight;
    },
    async listen() {
      await app.listen({ host, port });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      app.log.info({ url: `http://${shownHost}:${actualPort}`, auth: token ? 'bearer' : 'none (loopback)', cors: options.corsOrigins ?? [] }, 'trawl server listening');
      return `http://${shownHost}:${actualPort}`;
    },
    close() {
      closing ??= (async () => {
        app.log.info({ inFlight }, 'shutting down: draining in-flight requests');
        let timer: NodeJS.Timeout | undefined;
        const drained = app.close();
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), drainTimeoutMs);
        });
        const [, late] = await Promise.all([jobs.stopAll(), Promise.race([drained.then(() => false), timedOut])]);
        clearTimeout(timer);
        if (late) {
          app.log.warn({ inFlight, drainTimeoutMs }, 'drain timed out: closing remaining connections');
          app.server.closeAllConnections();
          await drained.catch(() => undefined);
        }
        if (options.closeContainer !== false) await options.container.close();
        app.log.info('shut down');
      })();
      return closing;
    },
  };
}

/** A rate-limit window in words: `1 minute`, `30 seconds`, `1500 ms`. */
function windowText(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
  if (ms % 1000 === 0) return ms === 1000 ? '1 second' : `${ms / 1000} seconds`;
  return `${ms} ms`;
}
