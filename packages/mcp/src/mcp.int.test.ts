import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ConfigError } from '@trawl/core';
import { createContainer, type TrawlContainer } from '@trawl/container';
import { startMcpHttpServer, type McpHttpServer } from './mcp-http-server.js';
import { runStdioServer } from './run-stdio.js';

// A real MCP client against `trawl mcp` (stdio, child process) and the Streamable HTTP endpoint,
// on the embedded default (PGlite in a temp TRAWL_HOME) with a fixture repository.
const workspace = fileURLToPath(new URL('../../..', import.meta.url));
const TOOLS = ['search_code', 'find_symbol', 'find_callers', 'find_callees', 'find_references', 'get_chunk', 'list_repositories', 'index_status'];

let home: string;
let emptyHome: string;
let repoRoot: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'trawl-mcp-home-'));
  emptyHome = await mkdtemp(join(tmpdir(), 'trawl-mcp-empty-'));
  repoRoot = await mkdtemp(join(tmpdir(), 'trawl-mcp-repo-'));
  await mkdir(join(repoRoot, 'src'), { recursive: true });
  await writeFile(join(repoRoot, 'src/crypto.ts'), 'export function hashPassword(p: string): string {\n  return reverse(p);\n}\n\nfunction reverse(s: string): string {\n  return s.split("").reverse().join("");\n}\n');
  await writeFile(join(repoRoot, 'src/users.ts'), 'import { hashPassword } from "./crypto";\n\nexport function createUser(name: string, password: string) {\n  return { name, hash: hashPassword(password) };\n}\n');
  const trawl = createContainer({ home }, {});
  await (await trawl.indexer()).indexRepository({ repoId: 'app', root: repoRoot });
  await trawl.close();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  for (const dir of [home, emptyHome, repoRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

type ToolText = { text: string; isError: boolean };
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolText> {
  const result = (await client.callTool({ name, arguments: args })) as { content: { type: string; text: string }[]; isError?: boolean };
  return { text: result.content.map((c) => c.text).join('\n'), isError: !!result.isError };
}

/** Calls every tool and checks what a user would see. */
async function exerciseTools(client: Client, symbolsAvailable: boolean | null): Promise<void> {
  const names = (await client.listTools()).tools.map((t) => t.name);
  expect(names.sort()).toEqual([...TOOLS].sort());
  const search = (await client.listTools()).tools.find((t) => t.name === 'search_code')!;
  expect(search.inputSchema.required).toEqual(['query']);

  const found = await call(client, 'search_code', { query: 'hashPassword', limit: 5 });
  expect(found.isError).toBe(false);
  expect(found.text).toMatch(/src\/crypto\.ts:1-3 {2}function hashPassword/);
  const chunkId = /src\/crypto\.ts:1-3.*chunkId=(\w+)/.exec(found.text)![1]!;

  const chunk = await call(client, 'get_chunk', { chunkId, context: 1 });
  expect(chunk.isError).toBe(false);
  expect(chunk.text).toContain('src/crypto.ts:1-3  function hashPassword');
  expect(chunk.text).toMatch(/1 \| export function hashPassword/);
  expect(chunk.text).toMatch(/4 : $/m);

  const repos = await call(client, 'list_repositories');
  expect(repos.text).toMatch(/- app .*ready snapshot/);
  const status = await call(client, 'index_status', { repo: 'app' });
  expect(status.text).toMatch(/ready/);

  for (const tool of ['find_symbol', 'find_callers', 'find_callees', 'find_references']) {
    const res = await call(client, tool, { name: tool === 'find_callees' ? 'hashPassword' : 'hashPassword' });
    expect(res.isError).toBe(false);
    expect(symbolsAvailable, 'the container wires the Kuzu symbol index').toBe(true);
    if (tool === 'find_symbol') {
      expect(res.text).toMatch(/function .*hashPassword .*src\/crypto\.ts:1-3/);
      expect(res.text).toMatch(/^1 definition of hashPassword in app@/);
    } else if (tool === 'find_callers') {
      expect(res.text).toMatch(/createUser/);
    } else if (tool === 'find_callees') {
      expect(res.text).toMatch(/reverse/);
    }
  }

  const unknown = await call(client, 'search_code', { query: 'x', repo: 'nope' });
  expect(unknown.isError).toBe(true);
  expect(unknown.text).toMatch(/NOT_FOUND.*unknown repository "nope"[\s\S]*Build an index with `trawl index <path>`/);
  const badRegex = await call(client, 'search_code', { query: '/foo(/' });
  expect(badRegex.isError).toBe(true);
  expect(badRegex.text).toMatch(/INVALID_QUERY.*invalid regex/);
  const missingChunk = await call(client, 'get_chunk', { chunkId: 'deadbeef' });
  expect(missingChunk).toMatchObject({ isError: true });
  // (the hint on building an index goes with a missing index only, not a missing chunk)
  expect(missingChunk.text).toMatch(/NOT_FOUND.*chunk "deadbeef" is not in/);
  expect(missingChunk.text).not.toMatch(/Build an index/);
  // zod rejects the arguments before the tool runs.
  const invalid = await client.callTool({ name: 'search_code', arguments: { query: '' } }).then(
    (r) => ({ isError: !!r.isError, text: JSON.stringify(r.content) }),
    (e: Error) => ({ isError: true, text: e.message }),
  );
  expect(invalid.isError).toBe(true);
  expect(invalid.text).toMatch(/query|too_small|Too small/i);
}

describe('trawl mcp over stdio', () => {
  it('serves every tool to a real MCP client spawning the server', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', join(workspace, 'packages/cli/src/bin.ts'), 'mcp'],
      cwd: workspace,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRAWL_HOME: home, TSX_TSCONFIG_PATH: join(workspace, 'tools/tsconfig.check.json') },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: 'trawl-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('trawl');
      await exerciseTools(client, true);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- server stderr ---\n${stderr}`, { cause: error });
    } finally {
      await client.close();
    }
  });
});

describe('Streamable HTTP', () => {
  let trawl: TrawlContainer;
  let server: McpHttpServer;

  beforeAll(async () => {
    // Opened after the stdio child exited: the embedded database admits one process.
    trawl = createContainer({ home, readOnly: true }, {});
    cleanups.push(() => trawl.close());
    server = await startMcpHttpServer({ container: trawl, port: 0, log: () => undefined });
    cleanups.push(() => server.close());
  });

  it('answers a stdio line that is not JSON, or not JSON-RPC, with JSON-RPC\'s error, and goes on serving', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const controller = new AbortController();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const served = runStdioServer({ container: trawl, stdin, stdout, signal: controller.signal });
    const replies = async (n: number) => {
      await vi.waitFor(() => expect(out.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(n));
      return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: unknown; error?: { code: number; message: string }; result?: unknown });
    };
    stdin.write('{"jsonrpc": "2.0", "method": \n');
    stdin.write('{"hello": "world"}\n');
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' })}\n`);
    const [parse, invalid, ping] = await replies(3);
    expect(parse).toMatchObject({ id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: the line is not JSON/) } });
    expect(invalid).toMatchObject({ id: null, error: { code: -32600 } });
    expect(ping).toMatchObject({ id: 7, result: {} });
    controller.abort();
    await served;
  });

  it('serves every tool to StreamableHTTPClientTransport', async () => {
    const client = new Client({ name: 'trawl-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      await exerciseTools(client, (await trawl.symbols()) !== null);
    } finally {
      await client.close();
    }
  });

  it('needs the token when one is set, and refuses non-loopback without one', async () => {
    await expect(startMcpHttpServer({ container: trawl, host: '0.0.0.0', port: 0 })).rejects.toThrow(ConfigError);
    const guarded = await startMcpHttpServer({ container: trawl, port: 0, token: 'mcp-token-0123456789', log: () => undefined });
    cleanups.push(() => guarded.close());
    const anonymous = new Client({ name: 'anon', version: '1.0.0' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(guarded.url)))).rejects.toThrow();
    const client = new Client({ name: 'trawl-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(guarded.url), { requestInit: { headers: { authorization: 'Bearer mcp-token-0123456789' } } }));
    expect((await call(client, 'list_repositories')).text).toContain('app');
    await client.close();
  });

  it('rejects a wrong Host header (DNS rebinding), non-POST methods and bad JSON', async () => {
    const u = new URL(server.url);
    const { request } = await import('node:http');
    const status = (method: string, headers: Record<string, string>, body?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, path: u.pathname, method, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    expect(await status('POST', { host: 'evil.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, init)).toBe(403);
    expect(await status('GET', { host: u.host })).toBe(405);
    expect(await status('POST', { host: u.host, 'content-type': 'application/json' }, '{nope')).toBe(400);
  });

  it('offers index_repository only behind allowIndexing, and bounds tool time', async () => {
    const writableHome = await mkdtemp(join(tmpdir(), 'trawl-mcp-writable-'));
    cleanups.push(() => rm(writableHome, { recursive: true, force: true }));
    const writable = createContainer({ home: writableHome }, {});
    cleanups.push(() => writable.close());
    const endpoint = await startMcpHttpServer({ container: writable, allowIndexing: true, port: 0, log: () => undefined });
    cleanups.push(() => endpoint.close());
    const client = new Client({ name: 'trawl-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('index_repository');
    const relative = await call(client, 'index_repository', { path: 'src' });
    expect(relative).toMatchObject({ isError: true });
    const indexed = await call(client, 'index_repository', { path: repoRoot, repo: 'fresh' });
    expect(indexed.text).toMatch(/^Indexed fresh@\w+: 2 files/);
    expect((await call(client, 'search_code', { query: 'createUser', repo: 'fresh' })).text).toContain('src/users.ts');
    await client.close();

    const hurried = await startMcpHttpServer({ container: writable, toolTimeoutMs: 1, port: 0, log: () => undefined });
    cleanups.push(() => hurried.close());
    const impatient = new Client({ name: 'trawl-test', version: '1.0.0' });
    await impatient.connect(new StreamableHTTPClientTransport(new URL(hurried.url)));
    const slow = await call(impatient, 'search_code', { query: 'createUser', repo: 'fresh' });
    expect(slow.isError).toBe(true);
    expect(slow.text).toMatch(/TIMEOUT.*longer than 1 ms/);
    await impatient.close();
  });

  it('says how to build an index when nothing is indexed', async () => {
    const empty = createContainer({ home: emptyHome, readOnly: true }, {});
    cleanups.push(() => empty.close());
    const endpoint = await startMcpHttpServer({ container: empty, port: 0, log: () => undefined });
    cleanups.push(() => endpoint.close());
    const client = new Client({ name: 'trawl-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
    expect((await call(client, 'list_repositories')).text).toMatch(/Nothing is indexed yet\. Build an index with `trawl index <path>`/);
    const search = await call(client, 'search_code', { query: 'x' });
    expect(search.isError).toBe(true);
    expect(search.text).toMatch(/nothing is indexed yet[\s\S]*trawl index <path>/);
    await client.close();
  });
});
