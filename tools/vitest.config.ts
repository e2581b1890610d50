import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

// Tests import workspace packages by name; resolve them to source so no build is needed first.
export default defineConfig({
  root,
  resolve: {
    alias: [{ find: /^@trawl\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/release/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Hang guards, not speed checks (benchmarks measure speed): this VM's speed varies by 2-3x
    // from day to day, and a 30 s integration test must not fail on a slow one.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
