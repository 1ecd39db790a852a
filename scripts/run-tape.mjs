#!/usr/bin/env node
// Runs a package's tape tests from TypeScript sources: `node ../../scripts/run-tape.mjs [files or dirs...]`.
// Workspace packages resolve to their `src/` through the "source" export condition, so no build is needed for
// TypeScript code; generated artefacts (WebAssembly) come from the package's build step.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

function collect(path, out) {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (/\.test\.(ts|mts|js|mjs)$/.test(path)) {
    out.push(resolve(path));
  }
  return out;
}

const args = process.argv.slice(2);
const files = [];
for (const a of args.length ? args : ['test']) collect(a, files);
if (files.length === 0) {
  console.error(`run-tape: no test files found in ${args.join(' ') || 'test/'}`);
  process.exit(1);
}
const entry = join(dirname(fileURLToPath(import.meta.url)), 'tape-entry.mjs');
const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--enable-source-maps', entry, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_TAPE_NO_ONLY_TEST: 'true' } },
);
process.exit(result.status ?? 1);
