import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ConfigError } from '@trawl/core';
import { createMcpServer } from './create-mcp-server.js';
import type { TrawlToolsOptions } from './trawl-tools.js';

/** Options of {@link startMcpHttpServer}. */
export interface McpHttpServerOptions extends TrawlToolsOptions {
  /** Default 127.0.0.1. Anything but loopback requires `token`. */
  host?: string;
  /** Default 8378; 0 picks a free port. */
  port?: number;
  /** Endpoint path (default `/mcp`). */
  path?: string;
  /** Bearer token clients must send (`TRAWL_API_TOKEN`). */
  token?: string | null;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Where to log one line per problem (default stderr). */
  log?: (line: string) => void;
}

/** A running Streamable HTTP MCP endpoint. */
export interface McpHttpServer {
  /** `http://127.0.0.1:8378/mcp` */
  readonly url: string;
  /** Stops accepting connections and waits for in-flight requests (does not close the container). */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function rpcError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves MCP over Streamable HTTP (stateless: every POST gets a fresh server and transport over
 * the shared container, answered as JSON). Host-header checks guard against DNS rebinding on
 * loopback; off loopback a bearer token is required.
 *
 * ```ts
 * const mcp = await startMcpHttpServer({ container, port: 8378 })
 * // client: new StreamableHTTPClientTransport(new URL(mcp.url))
 * ```
 */
export async function startMcpHttpServer(options: McpHttpServerOptions): Promise<McpHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const token = options.token?.trim() || null;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!isLoopback(host) && !token) throw new ConfigError(`refusing to serve MCP on ${host} without a token: set TRAWL_API_TOKEN (or --token), or listen on 127.0.0.1`, { component: 'mcp' });
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const authorized = (header: string | undefined) => {
    if (!token) return true;
    const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
    return !!m && timingSafeEqual(digest(m[1]!), digest(token));
  };
  let allowedHosts: string[] | undefined;

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `the MCP endpoint is ${path}` } });
      if (!authorized(req.headers.authorization)) return rpcError(res, 401, 'this MCP server needs "Authorization: Bearer <TRAWL_API_TOKEN>"');
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return rpcError(res, 405, 'this MCP server is stateless: send JSON-RPC messages with POST');
      }
      const raw = await readBody(req, bodyLimit);
      if (raw === null) return rpcError(res, 413, `the request body is larger than ${bodyLimit} bytes`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'parse error: the body is not JSON' }, id: null });
      }
      const mcp = createMcpServer(options);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, ...(allowedHosts ? { allowedHosts, enableDnsRebindingProtection: true } : {}) });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body);
    } catch (error) {
      log(`trawl mcp: request failed: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) rpcError(res, 500, 'internal error');
    }
  });
  server.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8378, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8378);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  if (isLoopback(host)) allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${shownHost}:${port}`];

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}${path}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
