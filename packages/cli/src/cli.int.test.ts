import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '@trawl/postgres';
import { createTestDatabase, FIXTURE_EXPECTATIONS, writeFixtureRepo, type TestDatabase } from '@trawl/testing';
import { COMMANDS, main } from './cli.js';
import { runCli } from './test-support/run-cli.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

function zoektEnv(): NodeJS.ProcessEnv {
  const { ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND } = process.env;
  if (!ZOEKT_URL || !ZOEKT_INDEX_DIR) throw new Error('ZOEKT_URL / ZOEKT_INDEX_DIR are not set: run the tests with `npm test`, which starts Zoekt');
  return { ZOEKT_URL, ZOEKT_INDEX_DIR, ZOEKT_BIN_DIR, CTAGS_COMMAND, PATH: process.env.PATH };
}

describe('trawl command line: usage', () => {
  it('prints help for the program and every command', async () => {
    const main = await runCli(['--help'], {});
    expect(main.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) {
      expect(main.stdout).toContain(name);
      const r = await runCli([name, '--help'], {});
      expect(r.code, name).toBe(0);
      expect(r.stdout).toMatch(/^Usage: trawl /);
    }
  });

  it('exits 2 with a reason on usage mistakes', async () => {
    const none = await runCli([], {});
    expect([none.code, none.stdout, none.stderr]).toEqual([2, '', expect.stringMatching(/^Usage: trawl /)]);
    for (const name of ['status', 'migrate', 'doctor']) {
      const extra = await runCli([name, 'extra'], {});
      expect([extra.code, extra.stderr], name).toEqual([2, expect.stringContaining('unexpected argument "extra"')]);
    }
    const unknown = await runCli(['serch', 'x'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "serch"');
    const badFlag = await runCli(['search', 'x', '--limt', '3'], {});
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--limt/);
    const badLimit = await runCli(['search', 'x', '--limit', '0'], {});
    expect(badLimit.stderr).toMatch(/--limit must be an integer between 1 and 200/);
    const badIndex = await runCli(['search', 'x', '--index', 'lexical,magic'], {});
    expect(badIndex.stderr).toMatch(/unknown index "magic"/);
    const noIndex = await runCli(['search', 'x', '--index', ','], {});
    expect([noIndex.code, noIndex.stderr]).toEqual([2, expect.stringMatching(/--index names no index/)]);
    expect((await runCli(['index'], {})).code).toBe(2);
    expect((await runCli(['index', '/definitely/not/here'], {})).stderr).toMatch(/is not a directory/);
  });

  it('says in one line what to do when a port is taken or TRAWL_HOME is a file, not a stack', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
    try {
      const port = String((busy.address() as { port: number }).port);
      const served = await runCli(['serve', '--port', port], { TRAWL_HOME: home, TRAWL_LOG_LEVEL: 'silent' });
      expect(served.code).toBe(4);
      expect(served.stderr).toMatch(/^trawl serve: listen EADDRINUSE.*: another process listens there: pick another port with --port\n$/);
      await writeFile(join(home, 'a-file'), 'x');
      const status = await runCli(['status'], { TRAWL_HOME: join(home, 'a-file') });
      expect(status.code).toBe(4);
      expect(status.stderr).toMatch(/check TRAWL_HOME/);
      expect(status.stderr).not.toMatch(/\n\s+at /);
    } finally {
      busy.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('doctor gives the fix of the failing backend: DATABASE_URL for PostgreSQL-backed indexes', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
    try {
      const r = await runCli(['doctor'], { TRAWL_HOME: home, DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' });
      expect(r.code).toBe(5);
      expect(r.stdout).toMatch(/FAIL lexical:postgres[^\n]*\n\s+fix: check DATABASE_URL/);
      expect(r.stdout).not.toMatch(/ZOEKT_URL/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('exits 4 with the variable named on bad configuration', async () => {
    const r = await runCli(['status'], { DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/DATABASE_URL .* scheme "mysql"/);
    expect(r.stderr).not.toContain('hunter2');
  });
});

interface Flavour {
  name: string;
  env(): Promise<{ env: NodeJS.ProcessEnv; cleanup(): Promise<void> }>;
}

const FLAVOURS: Flavour[] = [
  {
    name: 'embedded default (PGlite, trigram lexical)',
    async env() {
      const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
      return { env: { TRAWL_HOME: home }, cleanup: () => rm(home, { recursive: true, force: true }) };
    },
  },
  {
    name: 'real services (PostgreSQL server + Zoekt)',
    async env() {
      const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
      const db: TestDatabase = await createTestDatabase();
      return {
        env: { TRAWL_HOME: home, DATABASE_URL: db.url, ...zoektEnv() },
        async cleanup() {
          await db.drop();
          await rm(home, { recursive: true, force: true });
        },
      };
    },
  },
];

describe.each(FLAVOURS)('trawl end to end on the $name', (flavour) => {
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  let repo: string;
  const repoId = `fixture-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    ({ env, cleanup } = await flavour.env());
    repo = await mkdtemp(join(tmpdir(), 'trawl-cli-repo-'));
    await writeFixtureRepo(repo);
  });
  afterAll(async () => {
    await cleanup();
    await rm(repo, { recursive: true, force: true });
  });

  it('dry-runs without writing, then indexes', async () => {
    const dry = await runCli(['index', repo, '--repo', repoId, '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.totalFiles).toBe(7);
    expect(plan.skipped.map((s: { path: string }) => s.path)).toContain('generated/');
    expect((await runCli(['status', '--json'], env)).stdout).toContain('"repos":[]');

    const indexed = await runCli(['index', repo, '--repo', repoId, '--json'], env);
    expect(indexed.code, indexed.stderr).toBe(0);
    const result = JSON.parse(indexed.stdout);
    expect(result).toMatchObject({ repoId, mode: 'full', files: 7 });
    expect(result.indexes.map((i: { index: string }) => i.index)).toEqual(expect.arrayContaining(['lexical', 'fuzzy', 'domain']));
    if (env.ZOEKT_URL) {
      // Searched through Zoekt: the database has no trigram index over file text to keep up.
      const store = new PostgresStore({ connectionString: env.DATABASE_URL!, min: 0, max: 1 });
      try {
        expect(await store.fetchValue(`SELECT to_regclass('lexical_segments_text_trgm_idx')::text`)).toBeNull();
        expect(await store.fetchValue<number>('SELECT count(*)::int FROM lexical_segments')).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    }
  });

  it.each(FIXTURE_EXPECTATIONS)('ranks the expected chunk first for a $type query ($query)', async ({ query, file, name }) => {
    const r = await runCli(['search', query, '--repo', repoId, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.degraded).toEqual([]);
    expect(out.hits[0], JSON.stringify(out.hits.slice(0, 3))).toMatchObject({ file, ...(name ? { name } : {}) });
    expect(out.hits[0]).toEqual(
      expect.objectContaining({ chunkId: expect.any(String), startLine: expect.any(Number), endLine: expect.any(Number), kind: expect.any(String), score: expect.any(Number), sources: expect.any(Array) }),
    );
    expect(typeof out.tookMs).toBe('number');
  });

  it('serves the HTTP API with the search tables loaded, and stops on the signal', async () => {
    const controller = new AbortController();
    let stderr = '';
    const served = main(['serve', '--port', '0'], {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: (t: string) => ((stderr += t), true), isTTY: false },
      env: { ...env, TRAWL_OPTIMIZED_WASM: '0', TRAWL_LOG_LEVEL: 'silent' },
      cwd: repo,
      signal: controller.signal,
    });
    try {
      for (let i = 0; i < 600 && !/trawl: warmed|warm-up failed/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toMatch(new RegExp(`trawl: warmed .*${repoId} \\(\\d+ ms\\)`));
      const url = /serving (http:\/\/\S+) /.exec(stderr)![1]!;
      const res = await fetch(`${url}/v1/search?q=hashPassword&repo=${repoId}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { hits: { file: string }[]; degraded: unknown[] };
      expect(body.degraded).toEqual([]);
      expect(body.hits[0]?.file).toBe('src/crypto/hash.ts');
    } finally {
      controller.abort();
      expect(await served).toBe(0);
    }
  });

  it('prints a readable list by default and finds the repository from the current folder', async () => {
    const r = await runCli(['search', 'hashPassword'], env, join(repo, 'src'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ 1\. src\/crypto\/hash\.ts:1-4 +function hashPassword +\[/m);
  });

  it('re-indexes incrementally after a change and reports an unchanged tree', async () => {
    await writeFile(join(repo, 'src/crypto/hash.ts'), 'export function hashPassword(password: string): string {\n  return "pepper:" + password;\n}\n');
    const r = await runCli(['index', repo, '--repo', repoId, '--json'], env);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ mode: 'incremental', changedPaths: ['src/crypto/hash.ts'], deletedPaths: [] });
    const found = JSON.parse((await runCli(['search', '"pepper:"', '--repo', repoId, '--json'], env)).stdout);
    expect(found.hits[0]).toMatchObject({ file: 'src/crypto/hash.ts', name: 'hashPassword' });
    const again = JSON.parse((await runCli(['index', repo, '--repo', repoId, '--json'], env)).stdout);
    expect(again.mode).toBe('unchanged');
  });

  it('answers symbol queries from the graph', async () => {
    const defs = JSON.parse((await runCli(['symbols', 'def', 'UserService', '--repo', repoId, '--json'], env)).stdout);
    expect(defs.results[0]).toMatchObject({ name: 'UserService', kind: 'class', filePath: 'src/accounts/user-service.ts' });
    const callers = JSON.parse((await runCli(['symbols', 'callers', 'hashPassword', '--repo', repoId, '--json'], env)).stdout);
    expect(callers.results.map((r: { symbol: { name: string } }) => r.symbol.name)).toContain('createUser');
    const impls = await runCli(['symbols', 'impls', 'BaseService', '--repo', repoId], env);
    expect(impls.stdout).toMatch(/class .*UserService/);
  });

  it('reports status, migrations and health', async () => {
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout);
    expect(status.repos[0].snapshots.filter((s: { status: string }) => s.status === 'ready').length).toBeGreaterThanOrEqual(1);
    const migrate = await runCli(['migrate'], env);
    expect(migrate.stdout).toMatch(/up to date/);
    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(JSON.parse(doctor.stdout).components.postgres.ok).toBe(true);
    expect(JSON.parse(doctor.stdout).notifications).toMatchObject({ delivered: true });
    expect((await runCli(['doctor'], env)).stdout).toMatch(/ok +notifications +delivered/);
    expect(JSON.parse(doctor.stdout).unusedIndexes).toEqual([]);
    if (env.ZOEKT_URL) {
      // A trigram index nothing reads (say, from before migration 0020) is named, with how to drop it.
      const store = new PostgresStore({ connectionString: env.DATABASE_URL!, min: 0, max: 1 });
      try {
        await store.execute('CREATE INDEX lexical_segments_text_trgm_idx ON lexical_segments USING gin (text gin_trgm_ops)');
        const noted = await runCli(['doctor'], env);
        expect(noted.code).toBe(0);
        expect(noted.stdout).toMatch(/note +unused index +lexical_segments_text_trgm_idx: .*drop it: DROP INDEX lexical_segments_text_trgm_idx;/);
        expect(JSON.parse((await runCli(['doctor', '--json'], env)).stdout).unusedIndexes).toEqual([expect.objectContaining({ name: 'lexical_segments_text_trgm_idx' })]);
      } finally {
        await store.execute('DROP INDEX IF EXISTS lexical_segments_text_trgm_idx');
        await store.close();
      }
    }
  });

  it('exits 3 for an unknown repository and 2 for a bad regex', async () => {
    const missing = await runCli(['search', 'x', '--repo', 'nope'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^trawl search: unknown repository "nope"/); // (no component tag)
    // status too; with --json the error is JSON on stdout as well
    const status = await runCli(['status', '--repo', 'nope', '--json'], env);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringMatching(/^no repository "nope"/) } });
    const badRegex = await runCli(['search', '/foo(/', '--repo', repoId], env);
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toMatch(/invalid regex/);
  });
});

describe('a down Zoekt', () => {
  it('shows up under degraded while the other indexes answer', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
    const db = await createTestDatabase();
    const repo = await mkdtemp(join(tmpdir(), 'trawl-cli-repo-'));
    await writeFixtureRepo(repo);
    try {
      const env = { TRAWL_HOME: home, DATABASE_URL: db.url, ...zoektEnv() };
      expect((await runCli(['index', repo, '--repo', 'downz'], env)).code).toBe(0);
      // A port nobody listens on.
      const port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const r = await runCli(['search', 'createUser', '--repo', 'downz', '--json'], { ...env, ZOEKT_URL: `http://127.0.0.1:${port}` });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.degraded).toEqual([expect.objectContaining({ index: 'lexical', code: 'BACKEND_UNAVAILABLE' })]);
      expect(out.hits[0]).toMatchObject({ name: 'createUser' });
      expect(out.hits[0].sources).not.toContain('lexical');
    } finally {
      await db.drop();
      await rm(home, { recursive: true, force: true });
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('an index run killed midway', () => {
  it('leaves the previous snapshot answering, and a re-run completes', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
    const repo = await mkdtemp(join(tmpdir(), 'trawl-cli-repo-'));
    const env = { TRAWL_HOME: home };
    try {
      await writeFixtureRepo(repo);
      expect((await runCli(['index', repo, '--repo', 'killed'], env)).code).toBe(0);
      // Enough new files that the second run is still busy when it is killed.
      const extra: Record<string, string> = {};
      for (let i = 0; i < 400; i++) extra[`src/gen/module${i}.ts`] = `export function generatedFunction${i}(x: number) {\n  return x + ${i};\n}\n`;
      await writeFixtureRepo(repo, extra);
      const child = spawn('npx', ['tsx', '--tsconfig', 'tools/tsconfig.check.json', 'packages/cli/src/bin.ts', 'index', repo, '--repo', 'killed'], {
        cwd: ROOT,
        env: { ...process.env, ...env, ZOEKT_URL: '', DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // its own process group: npx -> tsx -> node all die together
      });
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          output += d.toString();
          // Kill it once it is writing the new snapshot.
          if (/^(parse|store)/m.test(output)) {
            process.kill(-child.pid!, 'SIGKILL');
            resolve();
          }
        };
        child.stderr.on('data', onData);
        child.on('exit', () => resolve());
        child.on('error', reject);
      });
      await new Promise((r) => child.once('exit', r).once('close', r));
      // SIGKILL is asynchronous for the grandchildren: wait until the lock's owner is gone.
      const lockOwner = Number(await readFile(join(home, 'trawl.lock'), 'utf8').catch(() => '0'));
      for (let i = 0; lockOwner && i < 100; i++) {
        try {
          process.kill(lockOwner, 0);
          await new Promise((r) => setTimeout(r, 50));
        } catch {
          break;
        }
      }
      expect(output, 'the run was killed before it finished').not.toMatch(/snapshot .* is ready/);

      const search = await runCli(['search', 'createUser', '--repo', 'killed', '--json'], env);
      expect(search.code, search.stderr).toBe(0);
      const before = JSON.parse(search.stdout);
      expect(before.hits[0]).toMatchObject({ name: 'createUser' });
      expect(JSON.parse((await runCli(['search', 'generatedFunction7', '--repo', 'killed', '--json', '--index', 'lexical'], env)).stdout).hits).toEqual([]);
      // The killed run's snapshot is left `indexing`; status says so.
      expect((await runCli(['status', '--repo', 'killed'], env)).stdout).toMatch(/indexing .*left by a run that died/);

      // One more file: the re-run builds another snapshot, and removes the one the killed run left.
      await writeFixtureRepo(repo, { ...extra, 'src/gen/late.ts': 'export const late = 1;\n' });
      const rerun = await runCli(['index', repo, '--repo', 'killed', '--json'], env);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(JSON.parse(rerun.stdout).files).toBe(408);
      const states = JSON.parse((await runCli(['status', '--json', '--repo', 'killed'], env)).stdout).repos[0].snapshots.map((s: { status: string }) => s.status);
      expect(states).toEqual(['ready', 'ready']);
      const after = JSON.parse((await runCli(['search', 'generatedFunction7', '--repo', 'killed', '--json'], env)).stdout);
      expect(after.hits[0]).toMatchObject({ name: 'generatedFunction7', file: 'src/gen/module7.ts' });
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(repo, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('Ctrl-C during an index run', () => {
  it('exits 130, leaves no snapshot half-built and keeps the previous one answering', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trawl-cli-home-'));
    const repo = await mkdtemp(join(tmpdir(), 'trawl-cli-repo-'));
    const env = { TRAWL_HOME: home };
    try {
      await writeFixtureRepo(repo);
      expect((await runCli(['index', repo, '--repo', 'sigint'], env)).code).toBe(0);
      const extra: Record<string, string> = {};
      for (let i = 0; i < 300; i++) extra[`src/more/file${i}.ts`] = `export function interrupted${i}() {\n  return ${i};\n}\n`;
      await writeFixtureRepo(repo, extra);
      // node directly (not npx), so SIGINT reaches the trawl process itself.
      const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', 'index', repo, '--repo', 'sigint'], {
        cwd: ROOT,
        env: { ...process.env, ...env, ZOEKT_URL: '', DATABASE_URL: '', TSX_TSCONFIG_PATH: join(ROOT, 'tools/tsconfig.check.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
        if (/^plan/m.test(output) && !child.killed) {
          // Twice, a moment apart, as Ctrl-C arrives under `npm run` or tsx (the terminal's and
          // the wrapper's copy): still one graceful stop.
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), 5);
        }
      });
      expect(await exited, output).toBe(130);
      expect(output).toMatch(/stopping \(SIGINT\)/);
      const status = JSON.parse((await runCli(['status', '--json', '--repo', 'sigint'], env)).stdout);
      const states = status.repos[0].snapshots.map((s: { status: string }) => s.status).sort();
      expect(states).toContain('ready');
      expect(states).not.toContain('indexing');
      const search = JSON.parse((await runCli(['search', 'createUser', '--repo', 'sigint', '--json'], env)).stdout);
      expect(search.hits[0]).toMatchObject({ name: 'createUser' });
      const rerun = await runCli(['index', repo, '--repo', 'sigint', '--json'], env);
      expect(JSON.parse(rerun.stdout).files).toBe(307);
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(repo, { recursive: true, force: true });
    }
  }, 180_000);
});
