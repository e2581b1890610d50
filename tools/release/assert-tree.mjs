#!/usr/bin/env node
// Fails when a consumer project's installed tree (its package-lock.json) contains a forbidden
// package, and says which installed package pulled it in.
// Usage: node tools/release/assert-tree.mjs <projectDir> <label> <forbidden...>   ("@qdrant/*" globs a scope)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, label, ...forbidden] = process.argv.slice(2);
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
const installed = new Map(); // lock path -> { name, version }
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  if (!path) continue;
  installed.set(path, { name: entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 13), version: entry.version, entry });
}
const matches = (name, pattern) => (pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
const pulledBy = (name) =>
  [...installed.values()]
    .filter(({ entry }) => [entry.dependencies, entry.optionalDependencies, entry.peerDependencies].some((deps) => deps && name in deps))
    .map(({ name: n, version }) => `${n}@${version}`);

const bad = [...installed.values()].filter(({ name }) => forbidden.some((p) => matches(name, p)));
if (bad.length) {
  for (const { name, version } of bad) console.error(`${label}: installed tree contains ${name}@${version} (pulled in by ${pulledBy(name).join(', ') || 'the project'}); it must not`);
  process.exit(1);
}
console.log(`${label}: ${installed.size} installed packages, none of ${forbidden.join(', ')}`);
