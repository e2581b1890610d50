import type { TrawlContainer } from '@trawl/container';
import type { FastifyServerOptions } from 'fastify';

/** Options of {@link createServer}. Every limit has a safe default. */
export interface TrawlServerOptions {
  /** The container whose retriever, indexer and stores the routes use. The server closes it on shutdown unless `closeContainer` is false. */
  container: TrawlContainer;
  /** Address to listen on (default 127.0.0.1). Anything but loopback requires `token`. */
  host?: string;
  /** Port (default 8377; 0 picks a free one). */
  port?: number;
  /** Bearer token every /v1 request must carry (`TRAWL_API_TOKEN`). Required off loopback. */
  token?: string | null;
  /** Origins allowed by CORS. Default: none (CORS off, browsers block cross-origin calls). */
  corsOrigins?: string[];
  /** Largest request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Longest request URL (path + query) in bytes (default 8 KiB); longer ones get 414. */
  maxUrlLength?: number;
  /** Time budget of one request's work in ms (default 30 s); over it the answer is 504 TIMEOUT. */
  requestTimeoutMs?: number;
  /** Requests per client per window (default 300 per minute); `false` turns rate limiting off. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** Accept POST /v1/index-runs (default true). A read-only server answers it with 403. */
  allowIndexing?: boolean;
  /** Folders under which POST /v1/index-runs may index a new repository. Default: none (only re-index known repositories). */
  allowIndexRoots?: string[];
  /** Longest wait for in-flight requests on close before connections are cut (default 30 s). */
  drainTimeoutMs?: number;
  /** Close the container when the server closes (default true). */
  closeContainer?: boolean;
  /** A Fastify logger config or instance; default JSON logs at `TRAWL_LOG_LEVEL` (info). `false` for none. */
  logger?: FastifyServerOptions['logger'] | false;
  /** Serve the OpenAPI document at /openapi.json and the docs page at /docs (default true). */
  docs?: boolean;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8377,
  bodyLimit: 64 * 1024,
  maxUrlLength: 8 * 1024,
  requestTimeoutMs: 30_000,
  rateLimit: { max: 300, timeWindowMs: 60_000 },
  drainTimeoutMs: 30_000,
} as const;
