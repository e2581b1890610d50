/**
 * A real source corpus for benchmarks, copied from this workspace's node_modules (JavaScript and
 * TypeScript packages, Kuzu's vendored C/C++ sources, and whatever Python, Go, Rust, Java, Ruby,
 * PHP and C# files are there), then Python's standard library and the Go module cache when the
 * machine has them (node_modules alone gives about 53 MB). Files are picked round-robin by
 * language (sorted paths, so the corpus is the same every run on one machine) up to a byte
 * budget, and written under a temp directory with `node_modules` removed from their paths (the
 * walker would skip it otherwise).
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { DEFAULT_IGNORE_PATTERNS, detectLanguage, isGrammarLanguage } from '../src/index.js';

export const WORKSPACE = resolve(new URL('../../..', import.meta.url).pathname);

export interface Corpus {
  root: string;
  files: number;
  bytes: number;
  byLanguage: Map<string, { files: number; bytes: number }>;
  cleanup(): Promise<void>;
}

// Directories the walker ignores by default are left out, so every corpus byte is indexable.
const SKIP_DIRS = new Set(['.bin', '.cache', ...DEFAULT_IGNORE_PATTERNS.filter((p) => p.endsWith('/') && !p.includes('*')).map((p) => p.slice(0, -1))]);

export async function buildCorpus(megabytes: number, maxFileBytes = 1024 * 1024 - 1): Promise<Corpus> {
  const byLang = new Map<string, { path: string; size: number; dest: string }[]>();
  let root = '';
  let prefix = '';
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(p);
      } else if (e.isFile()) {
        const language = detectLanguage(e.name);
        if (!isGrammarLanguage(language) || /\.(min|bundle)\.js$|\.generated\./.test(e.name)) continue;
        const size = (await stat(p)).size;
        if (size === 0 || size > maxFileBytes) continue;
        const list = byLang.get(language) ?? [];
        const rel = relative(root, p).split('/').filter((s) => s !== 'node_modules').join('/');
        list.push({ path: p, size, dest: join(prefix, rel) });
        byLang.set(language, list);
      }
    }
  };
  const budget = megabytes * 1024 * 1024;
  const out = await mkdtemp(join(tmpdir(), 'trawl-corpus-'));
  const byLanguage = new Map<string, { files: number; bytes: number }>();
  let bytes = 0;
  let files = 0;
  // node_modules first (alone, so corpora up to its ~53 MB stay the same as ever); then, while
  // the budget lasts, Python's standard library and the Go module cache (Zoekt's dependencies,
  // present once tools/services/zoekt.sh has built it), each in turn.
  for (const [dir, label] of sourceRoots()) {
    if (bytes >= budget) break;
    byLang.clear();
    root = dir;
    prefix = label;
    await walk(dir);
    const queues = [...byLang.entries()].map(([language, list]) => ({ language, list, i: 0 }));
    while (bytes < budget && queues.some((q) => q.i < q.list.length)) {
      for (const q of queues) {
        if (q.i >= q.list.length || bytes >= budget) continue;
        const f = q.list[q.i++]!;
        const dest = join(out, f.dest);
        await mkdir(dirname(dest), { recursive: true });
        await copyFile(f.path, dest);
        bytes += f.size;
        files++;
        const entry = byLanguage.get(q.language) ?? { files: 0, bytes: 0 };
        entry.files++;
        entry.bytes += f.size;
        byLanguage.set(q.language, entry);
      }
    }
  }
  return { root: out, files, bytes, byLanguage, cleanup: () => rm(out, { recursive: true, force: true }) };
}

function sourceRoots(): [string, string][] {
  const roots: [string, string][] = [[join(WORKSPACE, 'node_modules'), '']];
  const python = readdirSync('/usr/lib', { withFileTypes: true }).filter((e) => e.isDirectory() && /^python3\.\d+$/.test(e.name)).map((e) => join('/usr/lib', e.name));
  for (const dir of python.sort().slice(-1)) roots.push([dir, 'python']);
  const goModCache = process.env.GOMODCACHE || join(process.env.GOPATH || join(homedir(), 'go'), 'pkg', 'mod');
  if (existsSync(goModCache)) roots.push([goModCache, 'go']);
  return roots;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i > 0) return Number(process.argv[i + 1]);
  const env = process.env[`TRAWL_BENCH_${name.toUpperCase()}`];
  return env ? Number(env) : fallback;
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function table(rows: Record<string, string | number>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(cols), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

export { extname };
