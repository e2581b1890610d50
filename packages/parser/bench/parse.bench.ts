/**
 * Parser throughput on a real corpus (sources copied from node_modules, see corpus.ts), side by
 * side with universal-ctags (the tag generator Zoekt uses) on the same files.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/parser/bench/parse.bench.ts [--mb 12] [--threads 2]
 *
 * Default 12 MB (about a minute); `--mb 50` (or TRAWL_BENCH_MB=50) for the issue's full size.
 * Prints: walk, full parseRepository (walk + read + hash + parse + link) on the calling thread and
 * with worker threads (`--threads`, default os.availableParallelism()), each in its own child
 * process so its peak RSS is its own, with wall and CPU seconds (CPU of every thread) and the
 * load average; per-language parse throughput; ctags-universal on the same tree.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGrammarLanguage, parseFile, parseRepository, walkRepository, type ParsedRepository } from '../src/index.js';
import { arg, buildCorpus, peakRssMb, table } from './corpus.js';

const mb = (b: number) => b / (1024 * 1024);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

interface ChildResult {
  stats: ParsedRepository['stats'];
  wallS: number;
  cpuS: number;
  rssMb: number;
  loadBefore: string;
  loadAfter: string;
}

// Child mode: one parseRepository run, its numbers as JSON on stdout.
const childAt = process.argv.indexOf('--child');
if (childAt > 0) {
  const root = process.argv[childAt + 1]!;
  const threads = Number(process.argv[childAt + 2]);
  const loadBefore = load();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const parsed = await parseRepository(root, { repoId: 'bench', snapshotId: 'b1', maxFileBytes: 1 << 20, threads });
  const wallS = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const out: ChildResult = { stats: parsed.stats, wallS, cpuS: (cpu.user + cpu.system) / 1e6, rssMb: peakRssMb(), loadBefore, loadAfter: load() };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

function runChild(root: string, threads: number): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, self, '--child', root, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`bench child (threads ${threads}) failed: ${child.stderr.slice(-2000)}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as ChildResult;
}

const MB = arg('mb', 12);
const THREADS = arg('threads', availableParallelism());
const corpus = await buildCorpus(MB);
console.log(`corpus: ${corpus.files} files, ${mb(corpus.bytes).toFixed(1)} MB under ${corpus.root}; ${availableParallelism()} CPUs; load average ${load()}`);
try {
  const rows: Record<string, string | number>[] = [];

  let t = performance.now();
  const walk = await walkRepository(corpus.root, { maxFileBytes: 1 << 20 });
  const walkS = (performance.now() - t) / 1000;
  rows.push({ step: 'trawl walkRepository', files: walk.files.length, MB: mb(corpus.bytes).toFixed(1), seconds: walkS.toFixed(2), 'CPU s': '', 'MB/s': (mb(corpus.bytes) / walkS).toFixed(1), output: `${walk.skipped.length} skipped`, 'peak RSS MB': peakRssMb().toFixed(0), load: load() });

  for (const threads of [0, THREADS]) {
    const r = runChild(corpus.root, threads);
    const s = r.stats;
    rows.push({
      step: `trawl parseRepository, ${s.threads ? `${s.threads} worker threads` : 'calling thread'}`,
      files: s.files,
      MB: mb(s.bytes).toFixed(1),
      seconds: r.wallS.toFixed(2),
      'CPU s': r.cpuS.toFixed(1),
      'MB/s': (mb(s.bytes) / r.wallS).toFixed(2),
      output: `${s.chunks} chunks, ${s.symbols} symbols, ${s.relations.resolved}/${s.relations.resolved + s.relations.unresolved} edges resolved${s.threadsFallback ? `; fell back: ${s.threadsFallback}` : ''}`,
      'peak RSS MB': r.rssMb.toFixed(0),
      load: `${r.loadBefore} -> ${r.loadAfter}`,
    });
    rows.push({
      step: '  of which walk / read+hash / parse / link',
      files: '',
      MB: '',
      seconds: `${(s.walkMs / 1000).toFixed(2)} / ${(s.readMs / 1000).toFixed(2)} / ${(s.parseMs / 1000).toFixed(2)} / ${(s.linkMs / 1000).toFixed(2)}`,
      'CPU s': '',
      'MB/s': (mb(s.bytes) / (s.parseMs / 1000)).toFixed(2),
      output: `parse only; ${s.filesWithSyntaxErrors} files with syntax errors`,
      'peak RSS MB': '',
      load: '',
    });
  }

  const ctagsOut = join(corpus.root, '..', `ctags-${process.pid}.tags`);
  t = performance.now();
  const ctags = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'ctags-universal', '-R', '--fields=+nKS', '--extras=+q', '-f', ctagsOut, corpus.root], { encoding: 'utf8' });
  const ctagsS = (performance.now() - t) / 1000;
  if (ctags.status === 0) {
    const tags = (await readFile(ctagsOut, 'utf8')).split('\n').filter((l) => l && !l.startsWith('!')).length;
    const [rss, user, sys] = ctags.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    rows.push({ step: 'ctags-universal -R (peer)', files: corpus.files, MB: mb(corpus.bytes).toFixed(1), seconds: ctagsS.toFixed(2), 'CPU s': (user! + sys!).toFixed(1), 'MB/s': (mb(corpus.bytes) / ctagsS).toFixed(2), output: `${tags} tags (no chunk tree, no edges)`, 'peak RSS MB': (rss! / 1024).toFixed(0), load: load() });
    spawnSync('rm', ['-f', ctagsOut]);
  } else rows.push({ step: 'ctags-universal -R (peer)', files: '', MB: '', seconds: 'n/a', 'CPU s': '', 'MB/s': '', output: `failed: ${ctags.stderr.slice(0, 80)}`, 'peak RSS MB': '', load: '' });
  console.log(`\n${table(rows)}\n`);

  // Per-language parse throughput (parseFile alone on this thread, contents already in memory).
  const perLang = new Map<string, { bytes: number; ms: number; files: number; chunks: number }>();
  for (const f of walk.files) {
    if (!isGrammarLanguage(f.language)) continue;
    const content = await readFile(join(corpus.root, f.path), 'utf8');
    const t0 = performance.now();
    const r = await parseFile({ repoId: 'bench', snapshotId: 'b1', path: f.path, content, language: f.language });
    const e = perLang.get(f.language) ?? { bytes: 0, ms: 0, files: 0, chunks: 0 };
    e.ms += performance.now() - t0;
    e.bytes += f.sizeBytes;
    e.files++;
    e.chunks += r.chunks.length;
    perLang.set(f.language, e);
  }
  console.log(
    table(
      [...perLang.entries()]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([language, e]) => ({ language, files: e.files, MB: mb(e.bytes).toFixed(2), 'parse MB/s': (mb(e.bytes) / (e.ms / 1000)).toFixed(2), 'chunks/file': (e.chunks / e.files).toFixed(1) })),
    ),
  );
  console.log(`\npeak RSS of this process: ${peakRssMb().toFixed(0)} MB; load average ${load()}`);
} finally {
  await corpus.cleanup();
}
