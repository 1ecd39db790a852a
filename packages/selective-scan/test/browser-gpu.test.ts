// GPU backends in headless Chromium with the SwiftShader WebGPU adapter: the fused WGSL `webgpu` backend (subgroup
// and workgroup-memory scans, several chunkings), gpujs:webgpu and gpujs:webgl2, on every golden case and the edge
// set; plus determinism, buffer leaks and the device-resident hand-off between gpu.js and the WGSL kernels.
// Chromium missing is a failure (CI installs it), never a silent pass.
import test, { type Test } from 'tape';
import type { BackendForward, BackendGrads } from '../src/types.js';
import { type BrowserSession, openBrowser } from './browser/harness.js';
import { decodeF32, encodeF32, encodeProblem } from './browser/payload.js';
import { assertReports, compareForward, compareGrads, edgeCases, goldenCases, referenceCase, type ScanCase } from './gpu-cases.js';
import { goldenClose, Tensor } from '@vssm/core';

interface RunResult {
  out: string;
  lastState: string;
  grads?: Record<string, string>;
  forwardExecutor: { executorKind: string; backend: string | null } | null;
  backwardExecutor?: { executorKind: string; backend: string | null } | null;
}

let session: Promise<BrowserSession> | null = null;
const browser = (): Promise<BrowserSession> => {
  session ??= openBrowser();
  return session;
};

/** The shared browser session, or undefined after failing `t` (Chromium missing is a failure, never a skip). */
async function browserOrFail(t: Test): Promise<BrowserSession | undefined> {
  try {
    return await browser();
  } catch (e) {
    t.fail(`no browser: ${(e as Error).message}`);
    return undefined;
  }
}

test.onFinish(() => {
  session?.then((s) => s.close()).catch(() => undefined);
});

async function run(
  s: BrowserSession,
  spec: object,
  c: ScanCase,
  backward = true,
): Promise<{ fwd: BackendForward; grads?: BackendGrads; raw: RunResult }> {
  const raw = await s.call<RunResult>('run', [spec, encodeProblem(c.problem), backward ? encodeF32(c.dout) : null]);
  const fwd = { out: decodeF32(raw.out), lastState: decodeF32(raw.lastState) };
  let grads: BackendGrads | undefined;
  if (raw.grads) {
    const g: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(raw.grads)) g[k] = decodeF32(v);
    grads = g as unknown as BackendGrads;
  }
  return { fwd, grads, raw };
}

test('browser: headless Chromium starts with a WebGPU adapter (SwiftShader)', async (t) => {
  try {
    const s = await browser();
    t.ok(/Chrome/.test(s.userAgent), `page runs in ${s.userAgent}`);
    const st = await s.call<{ subgroups: boolean; subgroupSize: number; adapter: { architecture: string } }>('stats', [
      { backend: 'webgpu' },
    ]);
    t.equal(
      st.adapter.architecture,
      'swiftshader',
      `adapter ${JSON.stringify(st.adapter)}, subgroups ${st.subgroups} (size ${st.subgroupSize})`,
    );
  } catch (e) {
    t.fail(`browser GPU tests cannot run: ${(e as Error).message}`);
  }
});

/** The backends under test, and what each must report as the thing that actually ran. */
const SPECS: Array<{ label: string; spec: { backend: string; options?: object }; ranOn?: string }> = [
  { label: 'webgpu (defaults: subgroup scans)', spec: { backend: 'webgpu' } },
  {
    label: 'webgpu (workgroup-memory scans, chunks of 8, staged)',
    spec: { backend: 'webgpu', options: { subgroups: false, wg: 4, items: 2, stage: true, stageBackward: true } },
  },
  { label: 'webgpu (subgroup scans, chunks of 24)', spec: { backend: 'webgpu', options: { wg: 8, items: 3 } } },
  { label: 'gpujs:webgpu', spec: { backend: 'gpujs:webgpu' }, ranOn: 'webgpu' },
  { label: 'gpujs:webgl2', spec: { backend: 'gpujs:webgl2' }, ranOn: 'webgl2' },
];

for (const { label, spec, ranOn } of SPECS) {
  test(`browser ${label}: every golden case and the edge set, forward and all gradients (golden tolerance)`, async (t) => {
    const s = await browserOrFail(t);
    if (!s) return;
    const status = await s.call<{ available: boolean; reason?: string }>('probe', [spec]);
    t.ok(status.available, `${label} available: ${status.reason}`);
    if (!status.available) return;
    const cases = [...(await goldenCases()), ...edgeCases()];
    for (const c of cases) {
      const { fwd, grads, raw } = await run(s, spec, c);
      if (ranOn) {
        t.equal(
          raw.forwardExecutor?.backend,
          ranOn,
          `${c.name}: forward ran on ${raw.forwardExecutor?.backend} (${raw.forwardExecutor?.executorKind})`,
        );
        t.equal(
          raw.backwardExecutor?.backend,
          ranOn,
          `${c.name}: backward ran on ${raw.backwardExecutor?.backend} (${raw.backwardExecutor?.executorKind})`,
        );
      }
      assertReports(t, `${label} ${c.name}`, compareForward(c, fwd));
      assertReports(t, `${label} ${c.name}`, compareGrads(c, grads!));
    }
  });
}

test('browser webgpu: gradients are deterministic (two backward runs are bit-identical) and chunking does not change results', async (t) => {
  const s = await browserOrFail(t);
  if (!s) return;
  const c = referenceCase(
    'B=2 D=8 N=4 G=2 L=300',
    { batch: 2, dim: 8, length: 300, dstate: 4, groups: 2, z: true, D: true, bias: true, softplus: true },
    11,
  );
  const a = await run(s, { backend: 'webgpu' }, c);
  const b = await run(s, { backend: 'webgpu' }, c);
  for (const k of Object.keys(a.raw.grads ?? {})) t.equal(a.raw.grads?.[k], b.raw.grads?.[k], `${k}: identical bits in two runs`);
  const chunked = await run(s, { backend: 'webgpu', options: { wg: 4, items: 2 } }, c);
  const shape = [c.problem.batch, c.problem.dim, c.problem.length];
  const r = goldenClose(new Tensor(chunked.fwd.out, shape), new Tensor(a.fwd.out, shape));
  t.ok(r.ok, `38 chunks of 8 vs one chunk of 1024 steps: ${r.message}`);
  const st = await s.call<{ live: number; inUse: number }>('stats', [{ backend: 'webgpu' }]);
  t.equal(st.inUse, 0, `no device buffer left handed out after the calls (${st.live} pooled)`);
});

test('browser webgpu: buffers pass between gpu.js kernels and the WGSL scan without leaving the GPU', async (t) => {
  const s = await browserOrFail(t);
  if (!s) return;
  const c = referenceCase(
    'interop',
    { batch: 2, dim: 4, length: 300, dstate: 8, groups: 2, z: true, D: true, bias: true, softplus: true },
    7,
  );
  const x = c.problem.u.map((v) => v * 2);
  const r = await s.call<{ viaGpujs: string; direct: string; stats: { inUse: number } }>('interop', [
    encodeProblem(c.problem),
    encodeF32(x),
  ]);
  const via = decodeF32(r.viaGpujs);
  const direct = decodeF32(r.direct);
  const shape = [c.problem.batch, c.problem.dim, c.problem.length];
  const scan = goldenClose(new Tensor(direct, shape), new Tensor(c.expected.out, shape));
  t.ok(scan.ok, `scan of gpu.js's u buffer (0.5·x) matches the reference: ${scan.message}`);
  const plus = goldenClose(
    new Tensor(via, shape),
    new Tensor(
      direct.map((v) => v + 1),
      shape,
    ),
  );
  t.ok(plus.ok, `gpu.js kernel reading the scan's output buffer adds 1: ${plus.message}`);
  t.equal(r.stats.inUse, 0, 'the scanner handed back every buffer');
});

test('browser: no page errors', async (t) => {
  const s = await browserOrFail(t);
  if (!s) return;
  const errors = s.errors.filter((e) => !e.includes('favicon') && !e.includes('404'));
  t.deepEqual(errors, [], 'no console errors or uncaught exceptions in the page');
  await s.call('dispose', []);
});
