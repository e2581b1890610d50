#!/usr/bin/env node
// Scaffolds packages/<name> with the workspace's package.json shape, tsconfig and tsup config.
// Usage: node tools/new-package.mjs <name> "<description>" [dep@version ...]
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';

const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: node tools/new-package.mjs <name> "<description>" [dep@version ...]');
  process.exit(2);
}
const dir = `packages/${name}`;
if (existsSync(`${dir}/package.json`)) {
  console.error(`${dir}/package.json exists`);
  process.exit(1);
}
const dependencies = {};
for (const dep of deps) {
  const at = dep.lastIndexOf('@');
  dependencies[dep.slice(0, at)] = dep.slice(at + 1);
}
const pkg = {
  name: `@trawl/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://github.com/trawl-dev/trawl.git', directory: dir },
  keywords: ['code-search', 'retrieval', 'trawl'],
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.11' },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'LICENSE', 'CHANGELOG.md'],
  scripts: { build: 'tsup' },
  dependencies,
  publishConfig: { access: 'public' },
};
mkdirSync(`${dir}/src`, { recursive: true });
writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
copyFileSync('LICENSE', `${dir}/LICENSE`);
writeFileSync(
  `${dir}/tsconfig.json`,
  JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'], exclude: ['src/**/*.test.ts'] }, null, 2) + '\n',
);
writeFileSync(
  `${dir}/tsup.config.mjs`,
  "import { defineConfig } from 'tsup';\nimport { packageConfig } from '../../tools/tsup.base.mjs';\n\nexport default defineConfig(packageConfig());\n",
);
console.log(`created ${dir}`);
