import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { OpenApiContract, type ContractOptions } from './openapi-contract.js';

/**
 * Where the Qdrant OpenAPI contract lives: `QDRANT_OPENAPI`, else `shared/qdrant/openapi.json`
 * in the nearest folder above the checkout that has one (the workplace keeps `shared/` beside
 * its checkouts, and CI may clone elsewhere), else the workplace's own `/work/shared`.
 */
export function qdrantOpenApiPath(): string {
  if (process.env.QDRANT_OPENAPI) return process.env.QDRANT_OPENAPI;
  const relative = join('shared', 'qdrant', 'openapi.json');
  for (let dir = fileURLToPath(new URL('../../..', import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  const workplace = join('/work', relative);
  if (existsSync(workplace)) return workplace;
  throw new Error(`Qdrant's OpenAPI contract (${relative}) was not found above this checkout: set QDRANT_OPENAPI to its path`);
}

type Payload = Record<string, unknown>;
interface StoredPoint {
  id: string | number;
  vector: number[];
  payload: Payload;
  version: number;
}
interface Collection {
  size: number;
  distance: string;
  points: Map<string, StoredPoint>;
  payloadIndexes: Map<string, unknown>;
}

export interface ContractCall {
  operationId: string;
  method: string;
  path: string;
  status: number;
}

export interface QdrantContractServer {
  url: string;
  contract: OpenApiContract;
  /** Every request that reached the server, in order. */
  calls: ContractCall[];
  /** Requests or replayed responses that broke the contract. A conforming client leaves this empty. */
  violations: string[];
  collections: Map<string, Collection>;
  close(): Promise<void>;
}

function condition(point: StoredPoint, c: Record<string, unknown>): boolean {
  if ('must' in c || 'should' in c || 'must_not' in c) return matchesFilter(point, c);
  if ('has_id' in c) return (c.has_id as unknown[]).some((id) => String(id) === String(point.id));
  const key = c.key as string;
  const value = point.payload[key];
  const values = Array.isArray(value) ? value : [value];
  const match = c.match as Record<string, unknown> | undefined;
  if (match) {
    if ('value' in match) return values.some((v) => v === match.value);
    if ('any' in match) return values.some((v) => (match.any as unknown[]).includes(v));
    if ('except' in match) return !values.some((v) => (match.except as unknown[]).includes(v));
    if ('text' in match) return values.some((v) => typeof v === 'string' && v.includes(String(match.text)));
  }
  const range = c.range as Record<string, number> | undefined;
  if (range) {
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (range.gt === undefined || v > range.gt) &&
        (range.gte === undefined || v >= range.gte) &&
        (range.lt === undefined || v < range.lt) &&
        (range.lte === undefined || v <= range.lte),
    );
  }
  throw new Error(`the fake Qdrant does not evaluate condition ${JSON.stringify(c)}`);
}

function asList(x: unknown): Record<string, unknown>[] {
  if (x == null) return [];
  return (Array.isArray(x) ? x : [x]) as Record<string, unknown>[];
}

function matchesFilter(point: StoredPoint, filter: Record<string, unknown> | null | undefined): boolean {
  if (!filter) return true;
  const must = asList(filter.must);
  const should = asList(filter.should);
  const mustNot = asList(filter.must_not);
  return must.every((c) => condition(point, c)) && (should.length === 0 || should.some((c) => condition(point, c))) && !mustNot.some((c) => condition(point, c));
}

function normalise(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / n);
}

function selectPayload(payload: Payload, withPayload: unknown): Payload | null {
  if (withPayload === false || withPayload == null) return null;
  if (Array.isArray(withPayload)) return Object.fromEntries(withPayload.filter((k) => k in payload).map((k) => [k, payload[k as string]]));
  return payload;
}

/**
 * A stand-in Qdrant on loopback (node:http) that holds points in memory and, above all, checks
 * the Qdrant OpenAPI contract: each request is routed by method + path template from the
 * document's `paths`, its parameters and body are validated against the operation's request
 * schema, and each response it replays is validated against the operation's response schema
 * before it is sent. Any mismatch is recorded in `violations` and answered with HTTP 400/500, so
 * a client that breaks the contract fails loudly. Operations it does not emulate answer 501 and
 * count as violations.
 *
 * ```ts
 * const qdrant = await startQdrantContractServer()
 * const client = new QdrantClient({ url: qdrant.url, checkCompatibility: false })
 * ...
 * expect(qdrant.violations).toEqual([])
 * ```
 */
export async function startQdrantContractServer(options: ContractOptions & { openapiPath?: string } = {}): Promise<QdrantContractServer> {
  const contract = OpenApiContract.fromFile(options.openapiPath ?? qdrantOpenApiPath(), options);
  const collections = new Map<string, Collection>();
  const calls: ContractCall[] = [];
  const violations: string[] = [];
  let version = 0;
  let opId = 0;
  const started = performance.now();
  const envelope = (result: unknown) => ({ status: 'ok', time: (performance.now() - started) / 1e6, result });
  const updated = () => envelope({ operation_id: opId++, status: 'completed' });
  const fail = (status: number, error: string) => ({ code: status, body: { status: { error }, time: 0 } });

  type Outcome = { code: number; body: unknown };
  const handlers: Record<string, (p: Record<string, string>, body: any) => Outcome> = {
    root: () => ({ code: 200, body: { title: 'qdrant - vector search engine (contract fake)', version: '1.19.0' } }),
    healthz: () => ({ code: 200, body: 'healthz check passed' }),
    get_collections: () => ({ code: 200, body: envelope({ collections: [...collections.keys()].map((name) => ({ name })) }) }),
    collection_exists: (p) => ({ code: 200, body: envelope({ exists: collections.has(p.collection_name!) }) }),
    create_collection: (p, body) => {
      if (collections.has(p.collection_name!)) return fail(409, `Collection \`${p.collection_name}\` already exists!`);
      const vectors = body?.vectors;
      if (!vectors || typeof vectors.size !== 'number') return fail(400, 'the fake supports one unnamed vector per collection');
      collections.set(p.collection_name!, { size: vectors.size, distance: vectors.distance, points: new Map(), payloadIndexes: new Map() });
      return { code: 200, body: envelope(true) };
    },
    delete_collection: (p) => ({ code: 200, body: envelope(collections.delete(p.collection_name!)) }),
    create_field_index: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      c.payloadIndexes.set(body.field_name, body.field_schema);
      return { code: 200, body: updated() };
    },
    upsert_points: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      if (!Array.isArray(body.points)) return fail(400, 'the fake supports the `points` form of upsert only');
      for (const point of body.points) {
        if (!Array.isArray(point.vector) || point.vector.length !== c.size) return fail(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${point.vector?.length}`);
      }
      for (const point of body.points) c.points.set(String(point.id), { id: point.id, vector: c.distance === 'Cosine' ? normalise(point.vector) : point.vector, payload: point.payload ?? {}, version: version++ });
      return { code: 200, body: updated() };
    },
    delete_points: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      if (Array.isArray(body.points)) for (const id of body.points) c.points.delete(String(id));
      else for (const [id, point] of c.points) if (matchesFilter(point, body.filter)) c.points.delete(id);
      return { code: 200, body: updated() };
    },
    scroll_points: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      const limit = body?.limit ?? 10;
      const all = [...c.points.values()].filter((pt) => matchesFilter(pt, body?.filter)).sort((a, b) => String(a.id).localeCompare(String(b.id)));
      const from = body?.offset != null ? all.findIndex((pt) => String(pt.id) >= String(body.offset)) : 0;
      const page = from < 0 ? [] : all.slice(from, from + limit);
      const next = from >= 0 ? all[from + limit] : undefined;
      return {
        code: 200,
        body: envelope({
          points: page.map((pt) => ({ id: pt.id, payload: selectPayload(pt.payload, body?.with_payload ?? true), vector: body?.with_vector ? pt.vector : null })),
          next_page_offset: next ? next.id : null,
        }),
      };
    },
    query_points: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      const q = body?.query;
      if (!Array.isArray(q)) return fail(400, 'the fake supports nearest-vector queries (`query: number[]`) only');
      if (q.length !== c.size) return fail(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${q.length}`);
      const nq = c.distance === 'Cosine' ? normalise(q) : q;
      const scored = [...c.points.values()]
        .filter((pt) => matchesFilter(pt, body.filter))
        .map((pt) => ({ pt, score: pt.vector.reduce((s, x, i) => s + x * nq[i]!, 0) }))
        .filter((s) => body.score_threshold == null || s.score >= body.score_threshold)
        .sort((a, b) => b.score - a.score)
        .slice(body.offset ?? 0, (body.offset ?? 0) + (body.limit ?? 10));
      return {
        code: 200,
        body: envelope({ points: scored.map(({ pt, score }) => ({ id: pt.id, version: pt.version, score, payload: selectPayload(pt.payload, body.with_payload ?? false), vector: null })) }),
      };
    },
    count_points: (p, body) => {
      const c = collections.get(p.collection_name!);
      if (!c) return fail(404, `Collection \`${p.collection_name}\` doesn't exist!`);
      return { code: 200, body: envelope({ count: [...c.points.values()].filter((pt) => matchesFilter(pt, body?.filter)).length }) };
    },
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const send = (code: number, body: unknown, operationId = '?') => {
        calls.push({ operationId, method, path: url.pathname, status: code });
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
        res.end(text);
      };
      const found = contract.match(method, url.pathname);
      if (!found) {
        violations.push(`${method} ${url.pathname}: no such operation in the Qdrant OpenAPI document`);
        return send(404, { status: { error: `no route ${method} ${url.pathname}` }, time: 0 });
      }
      const { operation, params } = found;
      let body: unknown;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.length) {
        try {
          body = JSON.parse(raw);
        } catch {
          violations.push(`${operation.operationId}: request body is not JSON`);
          return send(400, { status: { error: 'body is not JSON' }, time: 0 }, operation.operationId);
        }
      }
      const requestErrors = contract.validateRequest(operation, params, url.searchParams, body);
      if (requestErrors.length) {
        violations.push(...requestErrors.map((e) => `${method} ${url.pathname}: ${e}`));
        const outcome = fail(400, `contract violation: ${requestErrors.join('; ')}`);
        return send(outcome.code, outcome.body, operation.operationId);
      }
      const handler = handlers[operation.operationId];
      let outcome: Outcome;
      if (!handler) {
        violations.push(`${operation.operationId} is valid but the fake does not emulate it`);
        outcome = fail(501, `${operation.operationId} is not emulated`);
      } else {
        try {
          outcome = handler(params, body);
        } catch (error) {
          violations.push(`${operation.operationId}: ${(error as Error).message}`);
          outcome = fail(500, (error as Error).message);
        }
      }
      if (typeof outcome.body !== 'string') {
        const responseErrors = contract.validateResponse(operation, outcome.code, outcome.body);
        if (responseErrors.length) {
          violations.push(...responseErrors);
          outcome = fail(500, `the fake's response broke the contract: ${responseErrors.join('; ')}`);
        }
      }
      send(outcome.code, outcome.body, operation.operationId);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    contract,
    calls,
    violations,
    collections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
