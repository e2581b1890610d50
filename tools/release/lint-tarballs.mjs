#!/usr/bin/env node
// Lints packed packages the way `publint --strict` and `attw --profile node16` do, in one process
// (one Node start instead of two per package): publint errors and warnings fail; attw problems in
// node16 (CJS and ESM) and bundler resolution fail (node10 is ignored, as the node16 profile does);
// a package must ship types, README.md and LICENSE.
// Usage: node tools/release/lint-tarballs.mjs <tarball.tgz>...
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemKindInfo } from '@arethetypeswrong/core/problems';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const IGNORED_RESOLUTIONS = new Set(['node10']); // attw's "node16" profile

let failed = 0;
for (const tarball of process.argv.slice(2)) {
  const data = new Uint8Array(await readFile(tarball));
  const errors = [];

  const { messages, pkg } = await publint({ pack: { tarball: data.slice().buffer }, strict: true, level: 'warning' });
  for (const message of messages) {
    if (message.type === 'error' || message.type === 'warning') errors.push(`publint: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
  }
  const name = `${pkg.name}@${pkg.version}`;

  const attwPackage = createPackageFromTarballData(data);
  const shipped = new Set(attwPackage.listFiles());
  for (const required of ['README.md', 'LICENSE']) {
    if (!shipped.has(`/node_modules/${pkg.name}/${required}`)) errors.push(`ships no ${required} (add it to the package folder; "files" lists it)`);
  }

  const analysis = await checkPackage(attwPackage);
  if (!analysis.types) errors.push('attw: the package ships no types');
  else {
    for (const problem of analysis.problems) {
      if ('resolutionKind' in problem && IGNORED_RESOLUTIONS.has(problem.resolutionKind)) continue;
      const info = problemKindInfo[problem.kind];
      const where = [problem.entrypoint && `entrypoint "${problem.entrypoint}"`, problem.resolutionKind && `resolution ${problem.resolutionKind}`, problem.fileName && `file ${problem.fileName}`]
        .filter(Boolean)
        .join(', ');
      errors.push(`attw: ${info?.title ?? problem.kind}${where ? ` (${where})` : ''}: ${info?.description ?? ''}`);
    }
  }

  if (errors.length) {
    failed++;
    for (const e of errors) console.error(`publish-lint: ${name} (${basename(tarball)}): ${e}`);
  } else console.log(`publish-lint: ${name} ok`);
}
if (failed) {
  console.error(`publish-lint: ${failed} package(s) failed`);
  process.exit(1);
}
