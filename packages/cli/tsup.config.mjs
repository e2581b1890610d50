import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup.base.mjs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

export default defineConfig([
  packageConfig({ define: { __TRAWL_VERSION__: JSON.stringify(version) } }),
  // The executable: ESM only, no types.
  packageConfig({ entry: ['src/bin.ts'], format: ['esm'], dts: false, clean: false, define: { __TRAWL_VERSION__: JSON.stringify(version) } }),
]);
