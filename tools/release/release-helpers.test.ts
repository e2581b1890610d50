// The publish check's verdicts come from two small scripts; these tests prove each one fails on
// the situation it guards against (and passes on a good one), without a registry.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'trawl-release-'));
  dirs.push(dir);
  return dir;
};
const run = (script: string, args: string[]) => spawnSync(process.execPath, [join(here, script), ...args], { encoding: 'utf8' });

describe('assert-tree', () => {
  const project = (packages: Record<string, { version: string; dependencies?: Record<string, string> }>) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'consumer' }, ...packages } }));
    return dir;
  };

  it('names a forbidden package and who pulled it in', () => {
    const dir = project({
      'node_modules/@trawl/chunk-store': { version: '0.2.0', dependencies: { '@trawl/index-symbol': '0.2.0' } },
      'node_modules/@trawl/index-symbol': { version: '0.2.0', dependencies: { kuzu: '0.11.3' } },
      'node_modules/kuzu': { version: '0.11.3' },
      'node_modules/@trawl/chunk-store/node_modules/@qdrant/js-client-rest': { version: '1.19.0' },
    });
    const result = run('assert-tree.mjs', [dir, 'chunk-store', 'kuzu', '@qdrant/*', 'undici']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('contains kuzu@0.11.3 (pulled in by @trawl/index-symbol@0.2.0)');
    expect(result.stderr).toContain('contains @qdrant/js-client-rest@1.19.0');
  });

  it('passes a clean tree', () => {
    const dir = project({ 'node_modules/@trawl/chunk-store': { version: '0.2.0' }, 'node_modules/pg': { version: '8.23.1' } });
    const result = run('assert-tree.mjs', [dir, 'chunk-store', 'kuzu', '@qdrant/*']);
    expect(result.status).toBe(0);
  });
});

describe('verify-version', () => {
  const workspace = (packages: Record<string, { version: string; deps?: Record<string, string>; changelog?: string; private?: boolean }>) => {
    const root = tempDir();
    for (const [dir, pkg] of Object.entries(packages)) {
      mkdirSync(join(root, 'packages', dir), { recursive: true });
      const manifest = { name: `@trawl/${dir}`, version: pkg.version, ...(pkg.private ? { private: true } : {}), dependencies: pkg.deps ?? {} };
      writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify(manifest));
      if (pkg.changelog) writeFileSync(join(root, 'packages', dir, 'CHANGELOG.md'), pkg.changelog);
    }
    return root;
  };
  const before = () => workspace({ core: { version: '0.1.0' }, 'chunk-store': { version: '0.1.0', deps: { '@trawl/core': '0.1.0' } } });

  it('accepts one new version, changelogs and updated internal ranges', () => {
    const after = workspace({
      core: { version: '0.2.0', changelog: '# @trawl/core\n\n## 0.2.0\n' },
      'chunk-store': { version: '0.2.0', deps: { '@trawl/core': '0.2.0' }, changelog: '# @trawl/chunk-store\n\n## 0.2.0\n' },
    });
    const result = run('verify-version.mjs', [before(), after]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('0.2.0');
  });

  it('fails on a stale internal range, a missing changelog and split versions', () => {
    const after = workspace({
      core: { version: '0.2.0' },
      'chunk-store': { version: '0.1.1', deps: { '@trawl/core': '0.1.0' }, changelog: '## 0.1.1\n' },
    });
    const result = run('verify-version.mjs', [before(), after]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@trawl/core: no CHANGELOG.md written');
    expect(result.stderr).toContain('ended on different versions');
    expect(result.stderr).toContain('dependencies["@trawl/core"] is "0.1.0" after versioning');
  });
});
