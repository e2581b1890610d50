import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWalkSummary, summarizeWalk, walkRepository, type WalkResult } from './repository-walker.js';
import { writeTempRepo } from './test-support/temp-repo.js';

describe('walkRepository', () => {
  let repo: { root: string; cleanup: () => Promise<void> };
  let walk: WalkResult;
  const kept = () => walk.files.map((f) => f.path);
  const skip = (path: string) => walk.skipped.find((s) => s.path === path);

  beforeAll(async () => {
    repo = await writeTempRepo({
      '.gitignore': ['*.log', '!keep.log', 'logs/', '!logs/important.txt', '/secret.txt', 'tmp/', '!dist/', 'dist/private/'].join('\n'),
      '.git/info/exclude': 'local-only.ts\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.trawlignore': 'fixtures/\n',
      'keep.log': 'kept by negation',
      'app.log': 'ignored',
      'logs/important.txt': 'parent dir excluded: cannot be re-included',
      'secret.txt': 'anchored pattern',
      'src/secret.txt': 'not anchored here',
      'src/.gitignore': ['generated.ts', '!debug.log'].join('\n'),
      'src/generated.ts': 'export const x = 1;',
      'src/debug.log': 're-included by the nested negation',
      'src/app.ts': 'export function main() {}',
      'src/tmp/file.ts': 'dir pattern matches at any depth',
      'local-only.ts': 'excluded by .git/info/exclude',
      'fixtures/a.json': '{}',
      'node_modules/pkg/index.js': 'module.exports = 1',
      'dist/bundle.js': 'dist re-included by !dist/',
      'dist/private/x.js': 'excluded again below',
      'vendor/lib.go': 'package lib',
      'web/app.min.js': 'var a=1',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]),
      'data.bin2': Buffer.from([0x41, 0x00, 0x42]),
      'big.txt': 'x'.repeat(5000),
      'README.md': '# Title\n',
      'notes': 'text without an extension',
    }, { symlinks: { 'link.ts': 'src/app.ts' } });
    walk = await walkRepository(repo.root, { maxFileBytes: 4096, extraIgnore: ['notes'] });
  });
  afterAll(() => repo.cleanup());

  it('keeps what gitignore semantics keep', () => {
    expect(kept()).toEqual(['.gitignore', '.trawlignore', 'README.md', 'dist/bundle.js', 'keep.log', 'src/.gitignore', 'src/app.ts', 'src/debug.log', 'src/secret.txt']);
  });

  it('says which rule ignored each file or directory', () => {
    expect(skip('app.log')).toMatchObject({ reason: 'ignored', detail: '.gitignore: *.log' });
    expect(skip('logs/')).toMatchObject({ reason: 'ignored', detail: '.gitignore: logs/' });
    expect(skip('secret.txt')).toMatchObject({ reason: 'ignored', detail: '.gitignore: /secret.txt' });
    expect(skip('src/generated.ts')).toMatchObject({ reason: 'ignored', detail: 'src/.gitignore: generated.ts' });
    expect(skip('src/tmp/')).toMatchObject({ reason: 'ignored', detail: '.gitignore: tmp/' });
    expect(skip('local-only.ts')).toMatchObject({ reason: 'ignored', detail: '.git/info/exclude: local-only.ts' });
    expect(skip('fixtures/')).toMatchObject({ reason: 'ignored', detail: '.trawlignore: fixtures/' });
    expect(skip('node_modules/')).toMatchObject({ reason: 'ignored', detail: 'default: node_modules/' });
    expect(skip('vendor/')).toMatchObject({ reason: 'ignored', detail: 'default: vendor/' });
    expect(skip('dist/private/')).toMatchObject({ reason: 'ignored', detail: '.gitignore: dist/private/' });
    expect(skip('web/app.min.js')).toMatchObject({ reason: 'ignored', detail: 'default: *.min.js' });
    expect(skip('notes')).toMatchObject({ reason: 'ignored', detail: 'extraIgnore: notes' });
  });

  it('never lists .git and does not descend into ignored directories', () => {
    expect(walk.skipped.some((s) => s.path.startsWith('.git/'))).toBe(false);
    expect(walk.skipped.some((s) => s.path.startsWith('node_modules/pkg'))).toBe(false);
  });

  it('skips binary, oversized and symlinked files with a reason', () => {
    expect(skip('image.png')).toMatchObject({ reason: 'binary', detail: 'binary extension .png' });
    expect(skip('data.bin2')).toMatchObject({ reason: 'binary', detail: 'NUL byte in the first 8000 bytes' });
    expect(skip('big.txt')).toMatchObject({ reason: 'too-large' });
    expect(skip('big.txt')!.detail).toContain('4.0 KiB');
    expect(skip('link.ts')).toMatchObject({ reason: 'symlink' });
  });

  it('detects languages and sizes', () => {
    const app = walk.files.find((f) => f.path === 'src/app.ts')!;
    expect(app).toEqual({ path: 'src/app.ts', language: 'typescript', sizeBytes: 'export function main() {}'.length, modifiedMs: expect.any(Number) });
    expect(app.modifiedMs).toBeGreaterThan(Date.now() - 600_000);
    expect(walk.files.find((f) => f.path === 'README.md')!.language).toBe('markdown');
    expect(walk.files.find((f) => f.path === 'keep.log')!.language).toBeNull();
  });

  it('summarises a dry run by language and skip reason', () => {
    const summary = summarizeWalk(walk);
    expect(summary.totalFiles).toBe(9);
    expect(summary.byLanguage.find((l) => l.language === 'typescript')).toMatchObject({ files: 1 });
    expect(summary.skippedByReason.find((r) => r.reason === 'binary')).toEqual({ reason: 'binary', count: 2 });
    const text = formatWalkSummary(summary);
    expect(text).toContain('9 files');
    expect(text).toContain('node_modules/  (ignored: default: node_modules/)');
  });

  it('can turn the defaults and gitignore off', async () => {
    const all = await walkRepository(repo.root, { noDefaultIgnores: true, useGitignore: false, maxFileBytes: 1 << 20 });
    const paths = all.files.map((f) => f.path);
    expect(paths).toContain('node_modules/pkg/index.js');
    expect(paths).toContain('app.log');
    expect(paths).not.toContain('fixtures/a.json'.replace('a.json', 'missing')); // .trawlignore still applies
    expect(paths).not.toContain('fixtures/a.json');
  });

  it('decides the same on a second scan, and follows an ignore file that changed since', async () => {
    // Matchers are shared between scans by pattern list: the second scan answers from them.
    const again = await walkRepository(repo.root, { maxFileBytes: 4096, extraIgnore: ['notes'] });
    expect(again.files.map((f) => f.path)).toEqual(kept());
    expect(again.skipped).toEqual(walk.skipped);
    const { writeFile } = await import('node:fs/promises');
    const original = ['generated.ts', '!debug.log'].join('\n');
    await writeFile(`${repo.root}/src/.gitignore`, ['generated.ts', 'app.ts'].join('\n'));
    try {
      const changed = await walkRepository(repo.root, { maxFileBytes: 4096, extraIgnore: ['notes'] });
      const paths = changed.files.map((f) => f.path);
      expect(paths).not.toContain('src/app.ts');
      expect(paths).not.toContain('src/debug.log');
      expect(changed.skipped.find((x) => x.path === 'src/app.ts')?.detail).toBe('src/.gitignore: app.ts');
    } finally {
      await writeFile(`${repo.root}/src/.gitignore`, original);
    }
  });

  it('rejects a missing root', async () => {
    await expect(walkRepository(`${repo.root}/nope`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('honours an aborted signal', async () => {
    await expect(walkRepository(repo.root, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
