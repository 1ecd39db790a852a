// Runs the built package (dist/, ESM and CJS) in fresh Node processes without the `source` condition or tsx:
// the embedded wasm, the worker threads and the registry must work from the build, and the process must exit by
// itself. Builds the package first (through turbo, cached) when dist/ is older than the sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'tape';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(pkg, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

function distIsFresh(): boolean {
  const outputs = ['dist/index.js', 'dist/index.cjs'].map((f) => join(pkg, f));
  if (!outputs.every(existsSync)) return false;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  return (
    built >= Math.max(newest(join(pkg, 'src')), newest(join(pkg, 'assembly'))) && existsSync(join(repo, 'packages/core/dist/index.cjs'))
  );
}

const SCRIPT = (load: string, dispose: boolean) => `
const { createCpuBackend, referenceForward, selectiveScan, backends, disposeBackends } = ${load};
const { Tensor } = ${load.replace('selective-scan/dist/index', 'core/dist/index')};
(async () => {
  const B = 2, D = 8, L = 40, N = 4;
  const f = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
  const p = { batch: B, dim: D, length: L, dstate: N, groups: 2, u: f(B * D * L, 0.3), delta: f(B * D * L, 0.7), A: f(D * N, 0.9).map((x) => -1 - Math.abs(x)),
    B: f(B * 2 * N * L, 0.5), C: f(B * 2 * N * L, 0.2), D: f(D, 1.1), z: f(B * D * L, 0.4), deltaBias: f(D, 0.6), deltaSoftplus: true };
  const be = createCpuBackend({ threads: 2, minWorkPerThread: 1 });
  const status = await be.probe();
  const fwd = await be.forward(p);
  const ref = referenceForward(p);
  let maxDiff = 0;
  for (let i = 0; i < ref.out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fwd.out[i] - ref.out[i]));
  const grads = await be.backward(p, fwd, f(B * D * L, 0.1));
  const api = await selectiveScan({ u: new Tensor(p.u, [B, D, L]), delta: new Tensor(p.delta, [B, D, L]), A: new Tensor(p.A, [D, N]),
    B: new Tensor(p.B, [B, 2, N, L]), C: new Tensor(p.C, [B, 2, N, L]), deltaSoftplus: true }, { backend: 'cpu' });
  const names = (await backends()).map((b) => b.name);
  if (${dispose}) {
    await be.dispose();
    await disposeBackends();
  }
  console.log(JSON.stringify({ reason: status.reason, maxDiff, dA: grads.dA.length, api: api.backend, names }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

test('the built package runs the cpu backend (wasm + 2 threads) from dist, ESM and CJS', (t) => {
  if (!distIsFresh()) {
    t.comment('dist/ is missing or older than the sources: building through turbo');
    const build = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@vssm/selective-scan', '--output-logs=errors-only'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      timeout: 300_000,
    });
    t.equal(build.status, 0, `build succeeded${build.status ? `: ${build.stdout}${build.stderr}` : ''}`);
  }
  const esm = `(await import(${JSON.stringify(join(pkg, 'dist/index.js'))}))`;
  const cjs = `require(${JSON.stringify(join(pkg, 'dist/index.cjs'))})`;
  for (const [format, load, flags] of [
    ['ESM', esm, ['--input-type=module']],
    ['CJS', cjs, ['--input-type=commonjs']],
  ] as const) {
    // ESM disposes its backends; CJS leaves its idle workers running, which must not keep the process alive
    const script = format === 'ESM' ? SCRIPT(load, true).replace('(async () => {', 'await (async () => {') : SCRIPT(load, false);
    const run = spawnSync(process.execPath, [...flags, '-e', script], {
      cwd: pkg,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    t.equal(
      run.status,
      0,
      `${format}: exits by itself with status 0${run.status ? `: ${run.stderr}` : ''}${run.signal ? ` (killed by ${run.signal}: hung?)` : ''}`,
    );
    let result: { reason: string; maxDiff: number; dA: number; api: string; names: string[] } | undefined;
    try {
      result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
    } catch {
      t.fail(`${format}: no result line in ${JSON.stringify(run.stdout)}`);
    }
    if (!result) continue;
    t.match(result.reason, /^wasm-simd, 2 threads/, `${format}: ${result.reason}`);
    t.ok(result.maxDiff < 1e-4, `${format}: out matches the oracle (max |diff| ${result.maxDiff})`);
    t.equal(result.dA, 8 * 4, `${format}: backward ran`);
    t.equal(result.api, 'cpu', `${format}: selectiveScan ran on cpu`);
    t.ok(result.names.includes('cpu-f64') && result.names.includes('webgpu'), `${format}: registry complete (${result.names.join(', ')})`);
  }
  t.end();
});
