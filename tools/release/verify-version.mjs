#!/usr/bin/env node
// After `changeset version` ran in a copy of the workspace: every public package moved to one new
// version (fixed group), got a CHANGELOG.md entry for it, and every internal dependency now names
// that version. Prints the new version on success.
// Usage: node tools/release/verify-version.mjs <originalRoot> <versionedCopyRoot>
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [originalRoot, copyRoot] = process.argv.slice(2);
const read = (root, dir) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
const errors = [];
const versions = new Set();
const dirs = readdirSync(join(copyRoot, 'packages')).filter((d) => existsSync(join(copyRoot, 'packages', d, 'package.json')));
const publicDirs = dirs.filter((d) => !read(copyRoot, d).private);
for (const dir of publicDirs) {
  const before = read(originalRoot, dir);
  const after = read(copyRoot, dir);
  versions.add(after.version);
  if (after.version === before.version) errors.push(`${after.name}: version stayed ${before.version}; changeset version did not bump it`);
  const changelog = join(copyRoot, 'packages', dir, 'CHANGELOG.md');
  if (!existsSync(changelog)) errors.push(`${after.name}: no CHANGELOG.md written`);
  else if (!readFileSync(changelog, 'utf8').includes(`## ${after.version}\n`)) errors.push(`${after.name}: CHANGELOG.md has no "## ${after.version}" section`);
}
if (versions.size !== 1) errors.push(`public packages ended on different versions (${[...versions].join(', ')}); the fixed group should keep them equal`);
const [version] = versions;
for (const dir of dirs) {
  const pkg = read(copyRoot, dir);
  for (const section of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(pkg[section] ?? {})) {
      if (dep.startsWith('@trawl/') && dep !== '@trawl/testing' && range !== version) errors.push(`${pkg.name}: ${section}["${dep}"] is "${range}" after versioning, expected "${version}"`);
    }
  }
}
if (errors.length) {
  for (const e of errors) console.error(`changeset version: ${e}`);
  process.exit(1);
}
console.log(version);
