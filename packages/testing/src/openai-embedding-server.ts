import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted answer for the next request instead of embeddings. */
export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer with vectors of this length instead of the server's dimension. */
  dimensions?: number;
  /** Wait this long before answering (ms). */
  delayMs?: number;
}

export interface EmbeddingRequestLog {
  model: string;
  inputs: string[];
  authorization: string | undefined;
  dimensions: number | undefined;
  at: number;
}

export interface FakeEmbeddingServer {
  /** Base URL to pass as `baseUrl` (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  requests: EmbeddingRequestLog[];
  /** Replies used, in order, before normal answers resume. */
  script: ScriptedReply[];
  close(): Promise<void>;
}

/** The deterministic vector the fake returns for a text: unit length, derived from sha256. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const out: number[] = [];
  let block = 0;
  while (out.length < dimensions) {
    const h = createHash('sha256').update(`${block++}:${text}`).digest();
    for (let i = 0; i + 2 <= h.length && out.length < dimensions; i += 2) out.push(h.readInt16BE(i) / 32768);
  }
  const n = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / n);
}

/**
 * A small OpenAI-compatible embeddings server on loopback (`POST /v1/embeddings`) for testing
 * providers: deterministic vectors, a request log, and a script of failures (429 with
 * Retry-After, 5xx, 4xx, wrong dimensions, slow answers) served before normal replies.
 */
export async function startFakeEmbeddingServer(options: { dimensions: number; model?: string; maxBatch?: number }): Promise<FakeEmbeddingServer> {
  const requests: EmbeddingRequestLog[] = [];
  const script: ScriptedReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return reply(404, { error: { message: `Unknown request URL: ${req.method} ${req.url}` } });
      let body: { model?: string; input?: unknown; dimensions?: number };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: { message: 'invalid JSON body' } });
      }
      const inputs = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
      requests.push({ model: String(body.model), inputs, authorization: req.headers.authorization, dimensions: body.dimensions, at: Date.now() });
      const scripted = script.shift();
      if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      if (scripted && scripted.status !== 200) return reply(scripted.status, scripted.body ?? { error: { message: `scripted ${scripted.status}` } }, scripted.headers);
      if (!Array.isArray(inputs) || inputs.some((i) => typeof i !== 'string' || i.length === 0)) return reply(400, { error: { message: "'input' must be non-empty strings" } });
      if (options.model && body.model !== options.model) return reply(404, { error: { message: `model "${body.model}" not found` } });
      if (options.maxBatch && inputs.length > options.maxBatch) return reply(413, { error: { message: `batch of ${inputs.length} exceeds ${options.maxBatch}` } });
      const dims = scripted?.dimensions ?? options.dimensions;
      // Answer out of order on purpose: clients must sort by `index`.
      const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dims) })).reverse();
      reply(200, { object: 'list', data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
