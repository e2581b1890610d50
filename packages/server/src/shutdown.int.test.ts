import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer } from '@trawl/container';

// `trawl serve` as a child process on the embedded default: SIGTERM while a request is in flight
// lets that request complete, refuses new connections, then exits 0.
const workspace = fileURLToPath(new URL('../../..', import.meta.url));

class Lines {
  text = '';
  #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  push(chunk: string) {
    this.text += chunk;
    this.#waiters = this.#waiters.filter((w) => {
      const m = this.text.match(w.pattern);
      if (m) w.resolve(m);
      return !m;
    });
  }
  wait(pattern: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(pattern);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }
}

let home: string;
let repoRoot: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'trawl-shutdown-home-'));
  repoRoot = await mkdtemp(join(tmpdir(), 'trawl-shutdown-repo-'));
  await mkdir(join(repoRoot, 'src'), { recursive: true });
  await writeFile(join(repoRoot, 'src/crypto.ts'), 'export function hashPassword(p: string): string {\n  return p.split("").reverse().join("");\n}\n');
  const trawl = createContainer({ home }, {});
  await (await trawl.indexer()).indexRepository({ repoId: 'app', root: repoRoot });
  // The embedded database admits one process: release it for the server.
  await trawl.close();
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const dir of [home, repoRoot]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('trawl serve shutdown', () => {
  it('drains an in-flight request on SIGTERM, closes, and exits 0', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TRAWL_HOME: home, TSX_TSCONFIG_PATH: join(workspace, 'tools/tsconfig.check.json'), TRAWL_LOG_LEVEL: 'info' };
    child = spawn(process.execPath, ['--import', 'tsx', join(workspace, 'packages/cli/src/bin.ts'), 'serve', '--port', '0'], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new Lines();
    const stderr = new Lines();
    child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const [, url] = (await Promise.race([stderr.wait(/serving (http:\/\/[^\s]+)/), exited.then(() => [])])) as string[];
    expect(url, stderr.text).toBeDefined();
    const { hostname, port } = new URL(url!);

    // A request whose body is only half sent: the server has it in flight.
    const body = JSON.stringify({ query: 'hashPassword', repo: 'app' });
    const socket = connect(Number(port), hostname);
    const response = new Lines();
    socket.setEncoding('utf8').on('data', (d: string) => response.push(d));
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /v1/search HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await stdout.wait(/"url":"\/v1\/search".*"msg":"incoming request"/);

    child.kill('SIGTERM');
    await stdout.wait(/shutting down: draining in-flight requests/);
    // New connections are refused once shutdown has begun.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();

    socket.write(body.slice(10));
    await response.wait(/\r\n\r\n[\s\S]*"intent"/);
    expect(response.text).toMatch(/^HTTP\/1\.1 200/);
    const json = JSON.parse(response.text.slice(response.text.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, ''));
    expect(json.hits[0]).toMatchObject({ file: 'src/crypto.ts', name: 'hashPassword' });
    socket.end();
    await socketClosed;

    expect(await exited).toBe(0);
    expect(stdout.text).toMatch(/"msg":"shut down"/);
  });
});
