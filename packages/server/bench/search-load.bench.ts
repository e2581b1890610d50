/**
 * Load benchmark of the HTTP API's search endpoint on loopback.
 *
 * Builds a synthetic TypeScript repository, indexes it into a temporary embedded home (PGlite),
 * measures the retriever in-process as the baseline, then starts `trawl serve` as a child process
 * and drives it with autocannon: /healthz (the framework floor), GET /v1/search with identifier
 * and word queries, POST /v1/search, GET /v1/repos. Prints req/s, p50/p99 latency, errors and non-2xx,
 * and the server's resident memory before and after each run (from /proc, so the load generator
 * is not counted). Runs on the embedded default (PGlite) and, when DATABASE_URL names a
 * PostgreSQL server, again on a fresh database there, side by side.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/server/bench/search-load.bench.ts
 *   TRAWL_BENCH_FILES=2000 TRAWL_BENCH_SECONDS=30 TRAWL_BENCH_CONNECTIONS=20 npx tsx ...   (full size)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createContainer } from '@trawl/container';
import { createTestDatabase, type TestDatabase } from '@trawl/testing';

const FILES = Number(process.env.TRAWL_BENCH_FILES ?? 200);
const SECONDS = Number(process.env.TRAWL_BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.TRAWL_BENCH_CONNECTIONS ?? 10);
const workspace = fileURLToPath(new URL('../../..', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';

const VERBS = ['create', 'update', 'delete', 'find', 'load', 'save', 'parse', 'render', 'validate', 'sync'];
const NOUNS = ['User', 'Order', 'Invoice', 'Session', 'Product', 'Cart', 'Payment', 'Report', 'Token', 'Account'];

async function writeCorpus(root: string): Promise<void> {
  for (let f = 0; f < FILES; f++) {
    const noun = NOUNS[f % NOUNS.length]!;
    const dir = join(root, 'src', noun.toLowerCase());
    await mkdir(dir, { recursive: true });
    const body: string[] = [`/** ${noun} service number ${f}: handles ${noun.toLowerCase()} records. */`, `export class ${noun}Service${f} {`];
    for (const verb of VERBS) {
      body.push(
        `  /** ${verb} a ${noun.toLowerCase()} and record an audit entry. */`,
        `  ${verb}${noun}${f}(id: string, payload: Record<string, unknown>) {`,
        `    const audit = { at: Date.now(), id, action: '${verb}' };`,
        `    return { ...payload, id, audit, ok: id.length > ${f % 7} };`,
        '  }',
      );
    }
    body.push('}', '');
    await writeFile(join(dir, `${noun.toLowerCase()}-${f}.ts`), body.join('\n'));
  }
}

const rssKb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface Row {
  backend: string;
  target: string;
  reqPerSec: string;
  p50: string;
  p99: string;
  requests: number;
  errors: number;
  non2xx: number;
  rssBefore: string;
  rssAfter: string;
}

async function runBackend(backend: 'pglite' | 'postgres', root: string, rows: Row[]): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'trawl-bench-home-'));
  let db: TestDatabase | undefined;
  try {
    const dbEnv: Record<string, string> = {};
    if (backend === 'postgres') {
      db = await createTestDatabase('trawl_bench');
      dbEnv.DATABASE_URL = db.url;
    }
    const trawl = createContainer({ home }, dbEnv);
    const t0 = performance.now();
    const indexed = await (await trawl.indexer()).indexRepository({ repoId: 'bench', root });
    console.error(`${backend}: indexed ${indexed.files} files, ${indexed.chunks} chunks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Baseline: the retriever in-process, sequential, no HTTP.
    const retriever = await trawl.retriever();
    const queries = ['createUser3', 'validatePayment', 'audit entry for a session'];
    for (const q of queries) await retriever.search(q, { repo: 'bench', checkStale: false });
    const latencies: number[] = [];
    const deadline = performance.now() + SECONDS * 1000;
    let i = 0;
    while (performance.now() < deadline) {
      const s = performance.now();
      await retriever.search(queries[i++ % queries.length]!, { repo: 'bench' });
      latencies.push(performance.now() - s);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
    rows.push({ backend, target: 'retriever.search in-process (1 at a time)', reqPerSec: (latencies.length / SECONDS).toFixed(1), p50: `${pct(0.5)} ms`, p99: `${pct(0.99)} ms`, requests: latencies.length, errors: 0, non2xx: 0, rssBefore: '-', rssAfter: '-' });
    await trawl.close();

    // The server as its own process, as `trawl serve` runs it.
    const child = spawn(process.execPath, ['--import', 'tsx', join(workspace, 'packages/cli/src/bin.ts'), 'serve', '--port', '0', '--rate-limit', '0'], {
      cwd: workspace,
      env: { ...dbEnv, PATH: process.env.PATH, HOME: process.env.HOME, TRAWL_HOME: home, TRAWL_API_TOKEN: TOKEN, TRAWL_LOG_LEVEL: 'warn', TSX_TSCONFIG_PATH: join(workspace, 'tools/tsconfig.check.json') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /serving (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    });
    const headers = { authorization: `Bearer ${TOKEN}` };
    await fetch(`${url}/v1/search?q=warmup&repo=bench`, { headers });

    const targets: { target: string; opts: autocannon.Options }[] = [
      { target: 'GET /healthz (framework floor)', opts: { url: `${url}/healthz` } },
      { target: 'GET /v1/repos', opts: { url: `${url}/v1/repos`, headers } },
      { target: 'GET /v1/search identifier (createUser3)', opts: { url: `${url}/v1/search?q=createUser3&repo=bench`, headers } },
      { target: 'GET /v1/search words', opts: { url: `${url}/v1/search?q=${encodeURIComponent('audit entry for a session')}&repo=bench`, headers } },
      {
        target: 'POST /v1/search identifier (validatePayment)',
        opts: { url: `${url}/v1/search`, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: 'validatePayment', repo: 'bench', limit: 10 }) },
      },
    ];
    for (const { target, opts } of targets) {
      const before = await rssKb(child.pid!);
      const result = await autocannon({ ...opts, connections: CONNECTIONS, duration: SECONDS });
      const after = await rssKb(child.pid!);
      rows.push({
        backend,
        target,
        reqPerSec: result.requests.average.toFixed(1),
        p50: `${result.latency.p50} ms`,
        p99: `${result.latency.p99} ms`,
        requests: result.requests.total,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        rssBefore: mb(before),
        rssAfter: mb(after),
      });
    }
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    console.error(`${backend}: server exit code after SIGTERM: ${code}; corpus ${indexed.files} files / ${indexed.chunks} chunks`);
  } finally {
    await db?.drop().catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'trawl-bench-repo-'));
  const rows: Row[] = [];
  try {
    await writeCorpus(root);
    await runBackend('pglite', root, rows);
    if (process.env.DATABASE_URL) await runBackend('postgres', root, rows);
    else console.error('DATABASE_URL is not set: the PostgreSQL server rows are skipped');
    console.log(`\nsearch load: ${FILES} files, ${CONNECTIONS} connections x ${SECONDS} s per row, loopback, Node ${process.version}, lexical = PostgreSQL trigram`);
    console.table(rows);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
