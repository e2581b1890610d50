import { defineConfig } from 'tsup';
import { packageConfig } from '../../tools/tsup.base.mjs';

export default defineConfig(packageConfig());
