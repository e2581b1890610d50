/**
 * Parser throughput on a real corpus (sources copied from node_modules, see corpus.ts), side by
 * side with universal-ctags (the tag generator Zoekt uses) on the same files.
 *
 *   npx tsx --tsconfig tools/tsconfig.check.json packages/parser/bench/parse.bench.ts [--mb 12]
 *
 * Default 12 MB (about a minute); `--mb 50` (or TRAWL_BENCH_MB=50) for the full size.
 * Prints: walk, full parseRepository (walk + read + hash + parse + link), per-language parse
 * throughput, ctags-universal on the same tree, and the process peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isGrammarLanguage, parseFile, parseRepository, walkRepository } from '../src/index.js';
import { arg, buildCorpus, peakRssMb, table } from './corpus.js';

const MB = arg('mb', 12);
const corpus = await buildCorpus(MB);
const mb = (b: number) => b / (1024 * 1024);
console.log(`corpus: ${corpus.files} files, ${mb(corpus.bytes).toFixed(1)} MB under ${corpus.root}`);
try {
  const rows: Record<string, string | number>[] = [];

  let t = performance.now();
  const walk = await walkRepository(corpus.root, { maxFileBytes: 1 << 20 });
  const walkS = (performance.now() - t) / 1000;
  rows.push({ step: 'trawl walkRepository', files: walk.files.length, MB: mb(corpus.bytes).toFixed(1), seconds: walkS.toFixed(2), 'MB/s': (mb(corpus.bytes) / walkS).toFixed(1), output: `${walk.skipped.length} skipped`, 'peak RSS MB': peakRssMb().toFixed(0) });

  t = performance.now();
  const parsed = await parseRepository(corpus.root, { repoId: 'bench', snapshotId: 'b1', maxFileBytes: 1 << 20 });
  const parseS = (performance.now() - t) / 1000;
  const s = parsed.stats;
  rows.push({
    step: 'trawl parseRepository',
    files: s.files,
    MB: mb(s.bytes).toFixed(1),
    seconds: parseS.toFixed(2),
    'MB/s': (mb(s.bytes) / parseS).toFixed(2),
    output: `${s.chunks} chunks, ${s.symbols} symbols, ${s.relations.resolved}/${s.relations.resolved + s.relations.unresolved} edges resolved`,
    'peak RSS MB': peakRssMb().toFixed(0),
  });
  rows.push({ step: '  of which walk / read+hash / parse / link', files: '', MB: '', seconds: `${(s.walkMs / 1000).toFixed(2)} / ${(s.readMs / 1000).toFixed(2)} / ${(s.parseMs / 1000).toFixed(2)} / ${(s.linkMs / 1000).toFixed(2)}`, 'MB/s': (mb(s.bytes) / (s.parseMs / 1000)).toFixed(2), output: `parse only; ${s.filesWithSyntaxErrors} files with syntax errors`, 'peak RSS MB': '' });

  const ctagsOut = join(corpus.root, '..', `ctags-${process.pid}.tags`);
  t = performance.now();
  const ctags = spawnSync('/usr/bin/time', ['-f', '%M', 'ctags-universal', '-R', '--fields=+nKS', '--extras=+q', '-f', ctagsOut, corpus.root], { encoding: 'utf8' });
  const ctagsS = (performance.now() - t) / 1000;
  if (ctags.status === 0) {
    const tags = (await readFile(ctagsOut, 'utf8')).split('\n').filter((l) => l && !l.startsWith('!')).length;
    const rss = Number(ctags.stderr.trim().split('\n').pop()) / 1024;
    rows.push({ step: 'ctags-universal -R (peer)', files: corpus.files, MB: mb(corpus.bytes).toFixed(1), seconds: ctagsS.toFixed(2), 'MB/s': (mb(corpus.bytes) / ctagsS).toFixed(2), output: `${tags} tags (no chunk tree, no edges)`, 'peak RSS MB': rss.toFixed(0) });
    spawnSync('rm', ['-f', ctagsOut]);
  } else rows.push({ step: 'ctags-universal -R (peer)', files: '', MB: '', seconds: 'n/a', 'MB/s': '', output: `failed: ${ctags.stderr.slice(0, 80)}`, 'peak RSS MB': '' });
  console.log(`\n${table(rows)}\n`);

  // Per-language parse throughput (parseFile alone, contents already in memory).
  const perLang = new Map<string, { bytes: number; ms: number; files: number; chunks: number }>();
  for (const f of parsed.files) {
    if (!isGrammarLanguage(f.language)) continue;
    const t0 = performance.now();
    const r = await parseFile({ repoId: 'bench', snapshotId: 'b1', path: f.path, content: f.content, language: f.language, contentHash: f.contentHash });
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
  console.log(`\npeak RSS of this process: ${peakRssMb().toFixed(0)} MB`);
} finally {
  await corpus.cleanup();
}
