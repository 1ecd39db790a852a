// One-off scaffolding helper kept for adding packages later: node scripts/make-package.mjs <name> "<description>" dep1,dep2
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
const [name, description = '', deps = ''] = process.argv.slice(2);
if (!name) throw new Error('usage: make-package.mjs <name> <description> [deps]');
const dir = `packages/${name}`;
mkdirSync(`${dir}/src`, { recursive: true });
mkdirSync(`${dir}/test`, { recursive: true });
const dependencies = Object.fromEntries(
  deps.split(',').filter(Boolean).map((d) => [d.startsWith('@') || !d.includes('@vssm') ? (d.startsWith('vssm:') ? `@vssm/${d.slice(5)}` : d) : d, d.startsWith('vssm:') ? '*' : 'latest']),
);
const pkg = {
  name: `@vssm/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      source: './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'src', 'README.md'],
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    test: 'node ../../scripts/run-tape.mjs',
  },
  dependencies,
};
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(`${dir}/tsconfig.json`, `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2)}\n`);
writeFileSync(
  `${dir}/tsup.config.ts`,
  `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ['src/index.ts'],\n  format: ['esm', 'cjs'],\n  dts: true,\n  sourcemap: true,\n  clean: true,\n  target: 'node20',\n});\n`,
);
if (!existsSync(`${dir}/src/index.ts`)) writeFileSync(`${dir}/src/index.ts`, `export {};\n`);
console.log(`created ${dir}`);
