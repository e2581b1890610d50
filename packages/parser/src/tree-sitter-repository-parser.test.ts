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

  it('reads no commit outside a git work tree', async () => {
    const plain = await writeTempRepo({ 'a.txt': 'x' });
    try {
      expect(await readGitHead(plain.root)).toBeNull();
    } finally {
      await plain.cleanup();
    }
  });
});
