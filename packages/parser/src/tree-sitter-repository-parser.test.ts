import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateChunks } from '@trawl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTempRepo } from './test-support/temp-repo.js';
import { TreeSitterRepositoryParser } from './tree-sitter-repository-parser.js';
import { readGitHead } from './git-head.js';

const SHA = 'a'.repeat(40);

describe('TreeSitterRepositoryParser', () => {
  let repo: { root: string; cleanup: () => Promise<void> };
  const parser = new TreeSitterRepositoryParser();

  beforeAll(async () => {
    repo = await writeTempRepo({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/packed-refs': `# pack-refs with: peeled\n${SHA} refs/heads/main\n`,
      'src/a.ts': `import { b } from './lib/b';\nexport function a() { return b(); }\n`,
      'src/lib/b.ts': `export function b() { return 1; }\n`,
      'docs/intro.md': '# Intro\n',
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
  });
  afterAll(() => repo.cleanup());

  it('scans with hashes, skipped files and the HEAD commit', async () => {
    const scan = await parser.scan(repo.root);
    expect(scan.commit).toBe(SHA);
    expect(scan.files.map((f) => f.path)).toEqual(['docs/intro.md', 'src/a.ts', 'src/lib/b.ts']);
    expect(scan.files[1]).toMatchObject({ language: 'typescript', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(scan.skipped).toEqual([{ path: 'logo.png', reason: 'binary', detail: 'binary extension .png' }]);
  });

  it('keeps the known hash of a file whose size and change time are unchanged, without reading it', async () => {
    const cached = new TreeSitterRepositoryParser({ statCacheMarginMs: 0 });
    const work = await writeTempRepo({ 'a.ts': 'export const a = 1;\n', 'b.ts': 'export const b = 2;\n' });
    try {
      await new Promise((r) => setTimeout(r, 20));
      const first = await cached.scan(work.root);
      expect(first.files.every((f) => typeof f.modifiedMs === 'number')).toBe(true);
      // The stored hash of a.ts is made up: a scan that reused it did not read the file.
      const known = new Map(first.files.map((f) => [f.path, { ...f, lineCount: 1, contentHash: f.path === 'a.ts' ? 'f'.repeat(64) : f.contentHash }]));
      const second = await cached.scan(work.root, { known });
      expect(second.files.find((f) => f.path === 'a.ts')!.contentHash).toBe('f'.repeat(64));
      // Rewritten (same size): its change time moved, so it is read and hashed again.
      await writeFile(join(work.root, 'a.ts'), 'export const a = 3;\n');
      const third = await cached.scan(work.root, { known });
      expect(third.files.find((f) => f.path === 'a.ts')!.contentHash).not.toBe('f'.repeat(64));
      expect(third.files.find((f) => f.path === 'a.ts')!.contentHash).not.toBe(first.files.find((f) => f.path === 'a.ts')!.contentHash);
      // A known entry without a trusted time is never reused.
      const b = first.files.find((f) => f.path === 'b.ts')!;
      const untrusted = new Map([['b.ts', { ...b, lineCount: 1, contentHash: 'e'.repeat(64), modifiedMs: null }]]);
      expect((await cached.scan(work.root, { known: untrusted })).files.find((f) => f.path === 'b.ts')!.contentHash).toBe(b.contentHash);
      // With the default margin a file changed just now gets no time: it is too recent to trust.
      expect((await parser.scan(work.root)).files.find((f) => f.path === 'a.ts')!.modifiedMs).toBeNull();
    } finally {
      await work.cleanup();
    }
  });

  it('parses everything, then only changed paths with the project and module levels rebuilt', async () => {
    const full = await parser.parse(repo.root, { repoId: 'r', snapshotId: 's1' });
    validateChunks(full.chunks);
    const call = full.relations.find((r) => r.kind === 'calls' && r.toName === 'b')!;
    expect(call.resolved).toBe(true);

    const unchanged = {
      files: full.files.filter((f) => f.path !== 'src/a.ts').map(({ content: _c, ...info }) => info),
      chunks: full.chunks.filter((c) => c.filePath !== 'src/a.ts' && c.kind !== 'project' && c.kind !== 'module'),
    };
    const delta = await parser.parse(repo.root, { repoId: 'r', snapshotId: 's2', paths: ['src/a.ts'], unchanged });
    expect(delta.files.map((f) => f.path)).toEqual(['src/a.ts']);
    expect(delta.relations.find((r) => r.kind === 'calls' && r.toName === 'b')!.toId).toBe(call.toId);
    const upper = delta.chunks.filter((c) => c.kind === 'project' || c.kind === 'module');
    expect(upper.map((c) => c.fqn).sort()).toEqual(['docs/', 'r', 'src/', 'src/lib/']);
    expect(upper.map((c) => c.id).sort()).toEqual(full.chunks.filter((c) => c.kind === 'project' || c.kind === 'module').map((c) => c.id).sort());
    expect(delta.chunks.every((c) => c.snapshotId === 's2')).toBe(true);
  });

  it('skips a file with a NUL byte past the 8,000 bytes the walk sniffs, in the scan and the parse alike', async () => {
    const late = `${'x = 1\n'.repeat(1600)}y = "\u0000"\n`;
    const nul = await writeTempRepo({ 'ok.py': 'def ok():\n    return 1\n', 'late_nul.py': late });
    try {
      const skipped = { path: 'late_nul.py', reason: 'binary', detail: `NUL byte at character ${late.indexOf('\u0000')}` };
      const scan = await parser.scan(nul.root);
      expect(scan.files.map((f) => f.path)).toEqual(['ok.py']);
      expect(scan.skipped).toEqual([skipped]);
      const parsed = await parser.parse(nul.root, { repoId: 'nul', snapshotId: 's1' });
      expect(parsed.files.map((f) => f.path)).toEqual(['ok.py']);
    } finally {
      await nul.cleanup();
    }
  });

  it('reads no commit outside a git work tree', async () => {
    const plain = await writeTempRepo({ 'a.txt': 'x' });
    try {
      expect(await readGitHead(plain.root)).toBeNull();
    } finally {
      await plain.cleanup();
    }
  });
});
