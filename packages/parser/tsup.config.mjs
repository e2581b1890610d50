import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup.base.mjs';

// parse-worker is the entry of the parse worker threads: built next to index.{js,cjs}, where
// ParseWorkerPool looks for it (parse-worker.js for the ESM build, parse-worker.cjs for CJS).
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/parse-worker.ts'] }));
