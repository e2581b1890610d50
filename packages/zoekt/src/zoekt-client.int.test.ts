import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoektTestEnv } from '@trawl/testing';
import { ZoektClient } from './zoekt-client.js';
import { ZoektIndexer } from './zoekt-indexer.js';

const env = zoektTestEnv();
const suffix = Math.random().toString(36).slice(2, 8);
const NAME = `zc-${suffix}`;
const LONG_LINE = `const data = [${Array.from({ length: 4000 }, (_, i) => i).join(', ')}, "needle_in_long_line"];`;

const FILES: Record<string, string> = {
  'src/greeting.ts': ['// 인사말을 돌려준다 😀', 'export function greet(name: string): string {', '  return `안녕 ${name} 👋 needle`;', '}', ''].join('\n'),
  'lib/util.py': ['# helpers', 'def parse_config(path):', '    """Read (a|b) config: file:x or -y."""', '    return open(path).read()', ''].join('\n'),
  'cmd/main.go': ['package main', '', 'func main() {', '\tprintln("Needle in Go")', '}', ''].join('\n'),
  'data/long.js': `${LONG_LINE}\n`,
};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('ZoektClient and ZoektIndexer against a real zoekt-webserver', () => {
  const client = new ZoektClient({ url: env.url });
  const indexer = new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trawl-zoekt-client-'));
    for (const [path, content] of Object.entries(FILES)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const run = await indexer.indexDirectory(dir, { name: NAME });
    expect(run.shards.length).toBeGreaterThan(0);
    expect(run.filesIndexed).toBe(4);
    expect(run.indexBytes).toBeGreaterThan(0);
    await waitFor('the shard to load', async () => ((await client.listRepositories({ query: `repo:^${NAME}$` })).length ? true : undefined));
  });

  afterAll(async () => {
    await indexer.removeRepository(NAME);
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is ready and healthy', async () => {
    expect(await client.ready()).toBe(true);
    expect((await client.healthCheck()).ok).toBe(true);
    await using slash = new ZoektClient({ url: `${env.url}/` });
    expect(await slash.ready()).toBe(true);
  });

  it('rejects a malformed URL or timeout at construction', () => {
    expect(() => new ZoektClient({ url: 'not a url' })).toThrow(/invalid Zoekt URL/);
    expect(() => new ZoektClient({ url: 'ftp://host' })).toThrow(/http or https/);
    expect(() => new ZoektClient({ url: env.url, timeoutMs: 0 })).toThrow(/timeoutMs must be positive/);
  });

  it('lists the indexed repository', async () => {
    const [repo] = await client.listRepositories({ query: `repo:^${NAME}$` });
    expect(repo).toMatchObject({ name: NAME, documents: 4 });
    expect(repo!.indexTime).toBeInstanceOf(Date);
  });

  it('finds literal text case-insensitively with line numbers, text and exact ranges in non-ASCII lines', async () => {
    const result = await client.search('NEEDLE', { repositories: [NAME] });
    expect(result.partial).toBe(false);
    const byFile = new Map(result.files.map((f) => [f.fileName, f]));
    expect([...byFile.keys()].sort()).toEqual(['cmd/main.go', 'data/long.js', 'src/greeting.ts']);
    const ts = byFile.get('src/greeting.ts')!;
    expect(ts.language).toBe('TypeScript');
    const m = ts.matches[0]!;
    expect(m.line).toBe(3);
    expect(m.text).toBe('  return `안녕 ${name} 👋 needle`;');
    expect(m.ranges).toHaveLength(1);
    expect(m.text.slice(m.ranges[0]!.start, m.ranges[0]!.end)).toBe('needle');
    const long = byFile.get('data/long.js')!.matches[0]!;
    expect(long.text).toBe(LONG_LINE);
    expect(long.text.slice(long.ranges[0]!.start, long.ranges[0]!.end)).toBe('needle');
  });

  it('searches Korean text and emoji', async () => {
    const result = await client.search('인사말', { repositories: [NAME] });
    expect(result.files.map((f) => [f.fileName, f.matches[0]!.line])).toEqual([['src/greeting.ts', 1]]);
    const emoji = await client.search('👋', { repositories: [NAME] });
    const m = emoji.files[0]!.matches[0]!;
    expect(m.text.slice(m.ranges[0]!.start, m.ranges[0]!.end)).toBe('👋');
  });

  it('honours case sensitivity', async () => {
    const result = await client.search('Needle', { repositories: [NAME], caseSensitive: true });
    expect(result.files.map((f) => f.fileName)).toEqual(['cmd/main.go']);
  });

  it('searches query syntax as literal text', async () => {
    const result = await client.search('(a|b) config: file:x or -y', { repositories: [NAME] });
    expect(result.files.map((f) => [f.fileName, f.matches[0]!.line])).toEqual([['lib/util.py', 3]]);
    expect(await client.search('"""Read', { repositories: [NAME] })).toMatchObject({ files: [{ fileName: 'lib/util.py' }] });
  });

  it('runs regexes and filters by language and file pattern', async () => {
    const regex = await client.search('def \\w+_config\\(', { regex: true, repositories: [NAME] });
    expect(regex.files.map((f) => [f.fileName, f.matches[0]!.line])).toEqual([['lib/util.py', 2]]);
    const go = await client.search('needle', { repositories: [NAME], languages: ['go'] });
    expect(go.files.map((f) => f.fileName)).toEqual(['cmd/main.go']);
    const files = await client.search('needle', { repositories: [NAME], filePatterns: ['^src/'] });
    expect(files.files.map((f) => f.fileName)).toEqual(['src/greeting.ts']);
  });

  it('returns context lines', async () => {
    const result = await client.search('return `', { repositories: [NAME], contextLines: 1 });
    const m = result.files[0]!.matches[0]!;
    expect(m.before).toEqual(['export function greet(name: string): string {']);
    expect(m.after).toEqual(['}']);
  });

  it('limits documents and reports truncation', async () => {
    const result = await client.search('needle', { repositories: [NAME], maxDocuments: 1 });
    expect(result.files).toHaveLength(1);
    expect(result.truncated).toBe(true);
  });

  it('returns at most maxLines matched lines while still collecting maxMatches', async () => {
    const all = await client.search('needle', { repositories: [NAME], maxMatches: 50 });
    const lines = (r: typeof all) => r.files.reduce((n, f) => n + f.matches.length, 0);
    expect(lines(all)).toBeGreaterThan(2);
    const few = await client.search('needle', { repositories: [NAME], maxMatches: 50, maxLines: 2 });
    expect(lines(few)).toBe(2);
    // the lines kept are those of the best-ranked files
    expect(few.files[0]!.fileName).toBe(all.files[0]!.fileName);
    await expect(client.search('needle', { maxLines: 0 })).rejects.toThrow(/maxLines/);
  });

  it('returns whole files on request', async () => {
    const result = await client.search('parse_config', { repositories: [NAME], wholeFiles: true });
    expect(result.files[0]!.content).toBe(FILES['lib/util.py']);
  });

  it('turns a bad regex into InvalidQueryError with Zoekt’s message', async () => {
    await expect(client.search('foo(', { regex: true })).rejects.toMatchObject({ code: 'INVALID_QUERY', message: expect.stringMatching(/missing closing \)/) });
    await expect(client.search('x', { raw: true, repositories: [] })).resolves.toBeDefined();
    await expect(client.search('  ', { raw: true })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
  });

  it('maps a refused connection to BackendUnavailableError and an abort to AbortedError', async () => {
    const dead = new ZoektClient({ url: 'http://127.0.0.1:1' });
    await expect(dead.search('x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await dead.ready()).toBe(false);
    await dead.close();
    await dead.close();
    await expect(client.search('needle', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('turns a server that never answers into TimeoutError', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const slow = new ZoektClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    try {
      await expect(slow.search('x')).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await slow.close();
      silent.close();
      silent.closeAllConnections?.();
    }
  });

  it('indexes a git repository under a chosen name and removes its shards', async () => {
    const gitDir = await mkdtemp(join(tmpdir(), 'trawl-zoekt-git-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', gitDir, ...args], { stdio: 'pipe' });
    try {
      git('init', '-q', '-b', 'main');
      await writeFile(join(gitDir, 'readme.md'), '# gitneedle\n');
      git('add', '.');
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
      const name = `org/git-${suffix}`;
      const run = await indexer.indexGitRepository(gitDir, { name, branches: ['main'] });
      expect(run.shards.length).toBeGreaterThan(0);
      const repo = await waitFor('the git shard', async () => (await client.listRepositories({ query: `repo:^org/git-${suffix}$` }))[0]);
      expect(repo.branches[0]).toMatchObject({ name: 'main' });
      expect(repo.branches[0]!.version).toMatch(/^[0-9a-f]{40}$/);
      const hit = await client.search('gitneedle', { repositories: [name] });
      expect(hit.files[0]).toMatchObject({ fileName: 'readme.md', branches: ['main'], version: repo.branches[0]!.version });
      expect(await indexer.removeRepository(name)).toHaveLength(run.shards.length);
      await waitFor('the git shard to unload', async () => ((await client.listRepositories({ query: `repo:^org/git-${suffix}$` })).length === 0 ? true : undefined));
    } finally {
      await rm(gitDir, { recursive: true, force: true });
    }
  });

  it('skips files with too many trigrams when asked to', async () => {
    const name = `zc-trigram-${suffix}`;
    const run = await indexer.indexFiles([{ path: 'many.txt', content: 'abcdefghijklmnopqrstuvwxyz trigramskip' }, { path: 'few.txt', content: 'aaaa trig' }], { name, maxTrigramCount: 10 });
    expect(run.filesIndexed).toBe(2);
    try {
      await waitFor('the shard', async () => ((await client.listRepositories({ query: `repo:^${name}$` })).length ? true : undefined));
      expect((await client.search('trigramskip', { repositories: [name] })).files).toEqual([]);
      // Zoekt keeps a skipped file findable by name, its content replaced by a marker line
      const trig = await client.search('trig', { repositories: [name] });
      expect(trig.files.map((f) => f.fileName).sort()).toEqual(['few.txt', 'many.txt']);
      expect(trig.files.find((f) => f.fileName === 'many.txt')!.matches[0]!.text).toMatch(/^NOT-INDEXED: /);
    } finally {
      await indexer.removeRepository(name);
    }
  });

  it('indexes files given in memory: every one, nested folders, a path given twice as its last text', async () => {
    const name = `zc-files-${suffix}`;
    // (more files than writes in flight, in folders made side by side)
    const files = Array.from({ length: 150 }, (_, i) => ({ path: `d${i % 7}/e${i % 3}/f${i}.txt`, content: `stagedfile${i} marker\n` }));
    files.push({ path: 'd0/e0/f0.txt', content: 'stagedfile0 replaced\n' });
    const run = await indexer.indexFiles(files, { name });
    try {
      expect(run.filesIndexed).toBe(150);
      await waitFor('the shard', async () => ((await client.listRepositories({ query: `repo:^${name}$` })).length ? true : undefined));
      const found = await client.search('marker', { repositories: [name], maxDocuments: 500, maxMatches: 500 });
      expect(found.files.map((f) => f.fileName).sort()).toEqual(files.slice(1, 150).map((f) => f.path).sort());
      expect((await client.search('stagedfile0 ', { repositories: [name] })).files[0]!.matches[0]!.text).toBe('stagedfile0 replaced');
    } finally {
      await indexer.removeRepository(name);
    }
  });

  it('stages nothing for a bad path or a cancelled run, and leaves no staging folder behind', async () => {
    // (a temporary folder of its own: other test files stage files at the same time)
    const tmp = await mkdtemp(join(tmpdir(), 'trawl-zoekt-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const name = `zc-bad-${suffix}`;
      await expect(indexer.indexFiles([{ path: 'ok.txt', content: 'x' }, { path: 'a/../../escape.txt', content: 'x' }], { name })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('a/../../escape.txt') });
      const controller = new AbortController();
      controller.abort();
      await expect(indexer.indexFiles([{ path: 'ok.txt', content: 'x' }], { name, signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
      expect(await readdir(tmp)).toEqual([]);
      expect(await client.listRepositories({ query: `repo:^${name}$` })).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('turns a failing indexer run into an error carrying its output', async () => {
    const bad = new ZoektIndexer({ indexDir: env.indexDir, binDir: env.binDir });
    const notGit = await mkdtemp(join(tmpdir(), 'trawl-zoekt-notgit-'));
    try {
      await expect(bad.indexGitRepository(notGit, {})).rejects.toMatchObject({ code: 'BACKEND_ERROR', message: expect.stringMatching(/zoekt-git-index failed/) });
      await expect(new ZoektIndexer({ indexDir: env.indexDir, binDir: '/nonexistent' }).indexDirectory(notGit)).rejects.toMatchObject({ code: 'CONFIG' });
      await expect(bad.indexDirectory(notGit, { name: 'a/b' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      await rm(notGit, { recursive: true, force: true });
    }
  });
});
