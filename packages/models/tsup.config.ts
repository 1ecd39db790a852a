import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // pngjs has no exports map, so 'pngjs/browser' (its self-contained build, no Node built-ins) does not resolve
  // from ESM at run time; bundle that one file instead.
  noExternal: [/^pngjs\/browser/],
});
