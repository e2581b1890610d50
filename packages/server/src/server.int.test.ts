import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@trawl/core';
import { createContainer, type TrawlContainer } from '@trawl/container';
import { createServer, type TrawlServer } from './create-server.js';

// HTTP tests against a real listening server on the embedded default (PGlite in a temp TRAWL_HOME).
const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

async function writeFixture(root: string): Promise<void> {
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(
    join(root, 'src/users.ts'),
    [
      'import { hashPassword } from "./crypto";',
      '',
      '/** Creates a user account with a hashed password. */',
      'export class UserService {',
      '  createUser(name: string, password: string) {',
      '    return { name, hash: hashPassword(password) };',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(join(root, 'src/crypto.ts'), 'export function hashPassword(p: string): string {\n  return p.split("").reverse().join("");\n}\n');
}

let home: string;
let repoRoot: string;
let extraRoot: string;
let trawl: TrawlContainer;
let server: TrawlServer;
let base: string;
const servers: TrawlServer[] = [];

async function startExtra(options: Partial<Parameters<typeof createServer>[0]>): Promise<string> {
  const s = createServer({ container: trawl, port: 0, logger: false, closeContainer: false, ...options });
  servers.push(s);
  return s.listen();
}

async function get(path: string, headers: Record<string, string> = auth, url = base) {
  const res = await fetch(url + path, { headers });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers, text };
}

async function post(path: string, payload: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'trawl-server-home-'));
  repoRoot = await mkdtemp(join(tmpdir(), 'trawl-server-repo-'));
  extraRoot = await mkdtemp(join(tmpdir(), 'trawl-server-extra-'));
  await writeFixture(repoRoot);
  await writeFixture(join(extraRoot, 'lib'));
  // The embedded default: no DATABASE_URL, everything under a temp TRAWL_HOME.
  trawl = createContainer({ home }, {});
  await (await trawl.indexer()).indexRepository({ repoId: 'app', root: repoRoot });
  server = createServer({ container: trawl, port: 0, token: TOKEN, logger: false, closeContainer: false, allowIndexRoots: [extraRoot], rateLimit: { max: 10_000, timeWindowMs: 60_000 } });
  base = await server.listen();
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await server?.close();
  await trawl?.close();
  for (const dir of [home, repoRoot, extraRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('health', () => {
  it('GET /healthz answers without a token', async () => {
    expect(await get('/healthz', {})).toMatchObject({ status: 200, body: { status: 'ok' } });
  });
  it('GET /readyz reports every component; error details only with the token', async () => {
    const open = await get('/readyz', {});
    expect(open.status).toBe(200);
    expect(open.body.ok).toBe(true);
    expect(open.body.components.postgres).toEqual({ ok: true, configured: true, latencyMs: expect.any(Number) });
    const detailed = await get('/readyz');
    expect(detailed.body.components.postgres.details).toBeDefined();
  });
});

describe('auth', () => {
  it('refuses /v1 requests without or with a wrong bearer token', async () => {
    const none = await get('/v1/repos', {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await get('/v1/repos', { authorization: 'Bearer nope-nope-nope-nope-nope' });
    expect(wrong.status).toBe(401);
    const basic = await get('/v1/repos', { authorization: `Basic ${TOKEN}` });
    expect(basic.status).toBe(401);
  });
  it('refuses to start on a non-loopback address without a token, and with a short token', () => {
    expect(() => createServer({ container: trawl, host: '0.0.0.0', logger: false })).toThrow(ConfigError);
    expect(() => createServer({ container: trawl, host: '0.0.0.0', logger: false })).toThrow(/TRAWL_API_TOKEN/);
    expect(() => createServer({ container: trawl, host: '::', token: '', logger: false })).toThrow(ConfigError);
    expect(() => createServer({ container: trawl, token: 'short', logger: false })).toThrow(/at least 16/);
    expect(() => createServer({ container: trawl, host: '0.0.0.0', token: TOKEN, logger: false })).not.toThrow();
  });
});

describe('search', () => {
  it('GET /v1/search returns the CLI JSON shape', async () => {
    const { status, body } = await get('/v1/search?q=hashPassword&repo=app');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['degraded', 'hits', 'intent', 'repo', 'snapshot', 'tookMs']);
    expect(body.repo).toBe('app');
    const hit = body.hits.find((h: any) => h.file === 'src/crypto.ts');
    expect(hit).toMatchObject({ kind: 'function', name: 'hashPassword', startLine: 1, endLine: 3 });
    expect(hit.sources.length).toBeGreaterThan(0);
    expect(Object.keys(hit)).toEqual(expect.arrayContaining(['chunkId', 'file', 'startLine', 'endLine', 'kind', 'name', 'score', 'sources', 'preview']));
  });
  it('POST /v1/search takes a JSON body; the repo defaults to the only one indexed', async () => {
    const { status, body } = await post('/v1/search', { query: 'createUser', limit: 3, indexes: ['lexical', 'fuzzy'] });
    expect(status).toBe(200);
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.hits.length).toBeLessThanOrEqual(3);
    expect(body.hits[0].file).toBe('src/users.ts');
  });
  it.each([
    ['/v1/search?repo=app', 400, 'INVALID_INPUT'],
    ['/v1/search?q=&repo=app', 400, 'INVALID_INPUT'],
    ['/v1/search?q=%20%20&repo=app', 400, 'INVALID_QUERY'],
    [`/v1/search?q=${encodeURIComponent('/foo(/')}&repo=app`, 400, 'INVALID_QUERY'],
    ['/v1/search?q=foo(&regex=true&repo=app', 400, 'INVALID_QUERY'],
    ['/v1/search?q=x&repo=nope', 404, 'NOT_FOUND'],
    ['/v1/search?q=x&repo=..%2F..%2Fetc', 400, 'INVALID_INPUT'],
    ['/v1/search?q=x&limit=0', 400, 'INVALID_INPUT'],
    ['/v1/search?q=x&limit=abc', 400, 'INVALID_INPUT'],
    ['/v1/search?q=x&indexes=lexical,bogus', 400, 'INVALID_QUERY'],
    ['/v1/search?q=x&indexes=,&repo=app', 400, 'INVALID_QUERY'],
    ['/v1/search?q=x&unknown=1', 400, 'INVALID_INPUT'],
    ['/v1/search?q=x&snapshot=deadbeef', 404, 'NOT_FOUND'],
    [`/v1/search?q=${'a'.repeat(2001)}`, 400, 'INVALID_INPUT'],
    ['/v1/nothing-here', 404, 'NOT_FOUND'],
  ])('GET %s -> %i %s', async (path, status, code) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(5);
  });
  it.each([
    [{}, 400],
    [{ query: 'x', extra: true }, 400],
    [{ query: 'x', indexes: ['nope'] }, 400],
    [{ query: 'x', repo: 'app', indexes: [] }, 400],
    [{ query: { text: 'x' } }, 400],
    ['{"query": ', 400],
  ])('POST /v1/search %j -> %i', async (payload, status) => {
    const res = await post('/v1/search', payload);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe('INVALID_INPUT');
  });
});

describe('limits', () => {
  it('an oversized body gets 413, never 500', async () => {
    const res = await post('/v1/search', { query: 'x', pad: 'y'.repeat(100 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('an overlong URL gets 414', async () => {
    const res = await get(`/v1/search?q=x&snapshot=${'s'.repeat(9000)}`);
    expect(res.status).toBe(414);
    expect(res.body.error.code).toBe('INVALID_INPUT');
  });
  it('a body in another media type gets 415', async () => {
    for (const [type, body] of [['application/xml', '<query/>'], ['text/plain', '{"query":"x"}']]) {
      const res = await fetch(`${base}/v1/search`, { method: 'POST', headers: { ...auth, 'content-type': type! }, body });
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as any).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });
  it('rate limiting answers 429 RATE_LIMITED; health probes are exempt', async () => {
    const url = await startExtra({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('/v1/repos', {}, url)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await get('/v1/repos', {}, url);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    // The window as configured, then the time left in it.
    expect(limited.body.error.message).toMatch(/^too many requests: at most 3 per 1 minute; retry after \d+ (second|minute)s?$/);
    expect((await get('/healthz', {}, url)).status).toBe(200);
  });
  it('work over the per-request budget answers 504 TIMEOUT', async () => {
    const url = await startExtra({ requestTimeoutMs: 1 });
    const res = await get('/v1/search?q=createUser&repo=app', {}, url);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('TIMEOUT');
  });
  it('CORS is off unless configured', async () => {
    const off = await fetch(`${base}/v1/repos`, { headers: { ...auth, origin: 'https://evil.example' } });
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${base}/v1/repos`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const url = await startExtra({ corsOrigins: ['https://app.example'] });
    const on = await fetch(`${url}/v1/repos`, { headers: { origin: 'https://app.example' } });
    expect(on.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${url}/v1/repos`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('repositories', () => {
  it('lists repositories with their latest ready snapshot', async () => {
    const { status, body } = await get('/v1/repos');
    expect(status).toBe(200);
    const app = body.repos.find((r: any) => r.repoId === 'app');
    expect(app.latestReadySnapshot).toEqual(expect.any(String));
  });
  it('shows one repository with its snapshots; unknown is 404', async () => {
    const { status, body } = await get('/v1/repos/app');
    expect(status).toBe(200);
    expect(body.snapshots[0]).toMatchObject({ status: 'ready', snapshotId: body.repo.latestReadySnapshot });
    expect((await get('/v1/repos/unknown')).status).toBe(404);
  });
});

describe('chunks and files', () => {
  it('returns a chunk with surrounding lines from the stored snapshot', async () => {
    const search = await get('/v1/search?q=createUser&repo=app');
    const hit = search.body.hits.find((h: any) => h.name === 'createUser') ?? search.body.hits[0];
    const { status, body } = await get(`/v1/repos/app/chunks/${hit.chunkId}?context=1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ repo: 'app', chunkId: hit.chunkId, file: hit.file });
    expect(body.fromLine).toBe(Math.max(1, body.startLine - 1));
    expect(body.lines.some((l: any) => l.text.includes('createUser') && l.inChunk)).toBe(true);
    expect(body.lines.filter((l: any) => !l.inChunk).length).toBeGreaterThan(0);
  });
  it('unknown chunk ids are 404, including ones shaped like paths', async () => {
    for (const id of ['0000', '..%2F..%2Fetc%2Fpasswd', '%2Fetc%2Fpasswd', '..%252F..%252Fetc%252Fpasswd']) {
      const res = await get(`/v1/repos/app/chunks/${id}`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('root:');
    }
  });
  it('reads a line range of a stored file', async () => {
    const { status, body } = await get('/v1/repos/app/file?path=src/users.ts&start=4&end=5');
    expect(status).toBe(200);
    expect(body.lines).toEqual([
      { line: 4, text: 'export class UserService {' },
      { line: 5, text: '  createUser(name: string, password: string) {' },
    ]);
    // a range that is backwards, or starts past the file's end, is a mistake: 400, saying why
    for (const [range, why] of [['start=3&end=2', /end \(2\) is before start \(3\)/], ['start=9999', /start \(9999\) is past the end of src\/users\.ts, which has \d+ lines/]] as const) {
      const res = await get(`/v1/repos/app/file?path=src/users.ts&${range}`);
      expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_INPUT']);
      expect(res.body.error.message).toMatch(why);
    }
  });
  it.each([
    ['../../../../etc/passwd', 400],
    ['/etc/passwd', 400],
    ['src/../../../etc/passwd', 400],
    ['./src/users.ts', 400],
    ['..%2F..%2Fetc%2Fpasswd', 400],
    ['%2e%2e%2f%2e%2e%2fetc%2fpasswd', 400],
    ['%252e%252e%252fetc%252fpasswd', 400],
    ['..%5C..%5Cetc%5Cpasswd', 400],
    ['C:%5CWindows%5Cwin.ini', 400],
    ['src%00/users.ts', 400],
    ['~/.ssh/id_rsa', 400],
    ['etc/passwd', 404],
    [encodeURIComponent(join(repoRootForTest(), 'src/users.ts')), 400],
  ])('path=%s -> %i and nothing from disk', async (path, status) => {
    const res = await get(`/v1/repos/app/file?path=${path}`);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 400 ? 'INVALID_INPUT' : 'NOT_FOUND');
    expect(res.text).not.toContain('root:');
  });
  it('traversal in the URL path itself never reaches a file', async () => {
    for (const path of ['/v1/repos/app/../../../../etc/passwd', '/v1/repos/%2e%2e/%2e%2e/etc/passwd', '/v1/repos/app/file/..%2f..%2fetc%2fpasswd']) {
      const res = await get(path);
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toContain('root:');
    }
  });
});

function repoRootForTest(): string {
  return '/tmp/some-repo';
}

describe('symbols', () => {
  it('answers definitions, callers and callees from the symbol graph', async () => {
    const defs = await get('/v1/repos/app/symbols/definitions?name=hashPassword');
    expect(defs.status).toBe(200);
    expect(defs.body.results.some((r: any) => r.name === 'hashPassword')).toBe(true);
    const callers = await get('/v1/repos/app/symbols/callers?name=hashPassword');
    expect(callers.status).toBe(200);
    expect(JSON.stringify(callers.body.results)).toMatch(/createUser/);
  });
  it('rejects an unknown action and a missing name', async () => {
    expect((await get('/v1/repos/app/symbols/everything?name=x')).status).toBe(400);
    expect((await get('/v1/repos/app/symbols/callers')).status).toBe(400);
    expect((await get('/v1/repos/app/symbols/callers?name=x&depth=99')).status).toBe(400);
  });
});

describe('index runs', () => {
  async function waitForRun(id: string) {
    for (;;) {
      const { body } = await get(`/v1/index-runs/${id}`);
      if (body.status !== 'running') return body;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('re-indexes a known repository as a job with progress events', async () => {
    await writeFile(join(repoRoot, 'src/extra.ts'), 'export const answer = 42;\n');
    const start = await post('/v1/index-runs', { repo: 'app' });
    expect(start.status).toBe(202);
    expect(start.headers.get('location')).toBe(`/v1/index-runs/${start.body.id}`);
    expect(start.body).toMatchObject({ repo: 'app', status: 'running' });
    const done = await waitForRun(start.body.id);
    expect(done.status).toBe('succeeded');
    expect(done.result.mode).toBe('incremental');
    expect(done.events.map((e: any) => e.stage)).toEqual(expect.arrayContaining(['scan', 'plan', 'done']));
    const later = await get(`/v1/index-runs/${start.body.id}?since=${done.lastSeq}`);
    expect(later.body.events).toEqual([]);
    const list = await get('/v1/index-runs');
    expect(list.body.runs.some((r: any) => r.id === start.body.id)).toBe(true);
  });

  it('indexes a new repository only under an allowed root', async () => {
    const outside = await post('/v1/index-runs', { repo: 'etc', path: '/etc' });
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe('FORBIDDEN');
    const relative = await post('/v1/index-runs', { repo: 'rel', path: '../etc' });
    expect(relative.status).toBe(400);
    const missing = await post('/v1/index-runs', { repo: 'ghost' });
    expect(missing.status).toBe(404);
    const ok = await post('/v1/index-runs', { repo: 'lib', path: join(extraRoot, 'lib') });
    expect(ok.status).toBe(202);
    expect((await waitForRun(ok.body.id)).status).toBe('succeeded');
    const search = await get('/v1/search?q=hashPassword&repo=lib');
    expect(search.body.hits.length).toBeGreaterThan(0);
  });

  it('answers 405 with Allow for a path served under other methods, and 404 for an unknown path', async () => {
    const put = await fetch(`${base}/v1/search`, { method: 'PUT', headers: auth });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(((await put.json()) as { error: unknown }).error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', message: 'PUT is not served at /v1/search: use GET, HEAD or POST' });
    const del = await fetch(`${base}/v1/repos/app/file?path=a`, { method: 'DELETE', headers: auth });
    expect([del.status, del.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    // No route has the path with a trailing slash, or the path at all: 404, whatever the method.
    for (const path of ['/v1/search/', '/v1/nothing-here']) expect((await get(path)).status, path).toBe(404);
    expect((await fetch(`${base}/v1/search/`, { method: 'PUT', headers: auth })).status).toBe(404);
    // With CORS on, its OPTIONS route for every path does not make an unknown path a 405.
    const cors = await startExtra({ corsOrigins: ['https://app.example'] });
    expect((await get('/v1/nothing-here', auth, cors)).status).toBe(404);
    const putCors = await fetch(`${cors}/v1/search`, { method: 'PUT', headers: auth });
    expect([putCors.status, putCors.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST']);
  });

  it('unknown run ids are 404', async () => {
    expect((await get('/v1/index-runs/nope')).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('serves the document generated from the validating schemas, and a docs page', async () => {
    const doc = await get('/openapi.json', {});
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/repos', '/v1/repos/{repo}', '/v1/repos/{repo}/chunks/{chunkId}', '/v1/repos/{repo}/file', '/v1/repos/{repo}/symbols/{action}', '/v1/index-runs', '/v1/index-runs/{id}', '/healthz', '/readyz']),
    );
    const q = doc.body.paths['/v1/search'].get.parameters.find((p: any) => p.name === 'q');
    expect(q).toMatchObject({ in: 'query', required: true, schema: { maxLength: 2000 } });
    const page = await fetch(`${base}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});
