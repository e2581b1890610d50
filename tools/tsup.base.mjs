// Shared tsup settings: every package ships ESM + CJS with .d.ts/.d.cts from src/index.ts.
export function packageConfig(overrides = {}) {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: 'node20',
    splitting: false,
    tsconfig: 'tsconfig.json',
    ...overrides,
  };
}
