// The GPU benchmark itself (platform-neutral, so it can be smoke-run in a browser page as well as under Node/Dawn):
// the fused WGSL `webgpu` backend on device-resident buffers and gpu.js's webgpu mode, forward and backward, with
// correctness checks on the same adapter. Entry points: gpu-bench.ts (Node CLI).
//
// Bytes counted per selective-scan.md §7.1 (fp32): forward 4·[(3 + 2·z)·B·D·L + 2·B·G·N·L];
// backward 4·[(5 + 3·z)·B·D·L + 4·B·G·N·L] (read u, delta, dout[, z]; write du, ddelta[, dz]; read B, C; write dB, dC).
/// <reference types="@webgpu/types" />
import { goldenClose, Tensor } from '@vssm/core';
import { compareForward, compareGrads, randomProblem, type ScanCase } from '../test/gpu-cases.js';
import { createGpujsBackend, type GpujsBackend } from '../src/gpujs/index.js';
import { referenceBackward, referenceForward } from '../src/reference.js';
import type { ScanProblem, SelectiveScanBackend } from '../src/types.js';
import { createWebgpuBackend, type LaunchOptions, type ScanDims, sharedDevice, WebgpuScanner } from '../src/webgpu/index.js';

export interface BenchShape {
  B: number;
  D: number;
  N: number;
  L: number;
  /** The official CUDA kernel on the H100 (fp32, µs): forward, backward. */
  cuda: [number, number];
  /** PyTorch reference scan forward (ms). */
  torchMs: number;
}

export interface BenchOptions {
  shapes: BenchShape[];
  quick: boolean;
  /** Golden cases to check on this adapter (empty to skip). */
  cases: ScanCase[];
  /** Reference-checked random problems (small). */
  refSpecs: Array<{ name: string; spec: Parameters<typeof randomProblem>[0] }>;
  gpujsBudgetMs: number;
  /** Skip the correctness section and gpu.js (a second timing run under other device settings). */
  webgpuOnly?: boolean;
  /** Skip gpu.js timings. */
  noGpujs?: boolean;
  log: (line: string) => void;
  save: (report: Record<string, unknown>) => void;
}

/** (B, D, N, L) and the official CUDA kernel on the same H100 (fp32, µs, forward/backward), PyTorch ref forward ms. */
export const SHAPES: BenchShape[] = [
  { B: 64, D: 768, N: 16, L: 197, cuda: [377, 925], torchMs: 29 },
  { B: 64, D: 768, N: 16, L: 3136, cuda: [6520, 19551], torchMs: 651 },
  { B: 64, D: 384, N: 1, L: 3136, cuda: [571, 1331], torchMs: 453 },
  { B: 1, D: 1024, N: 16, L: 8192, cuda: [357, 851], torchMs: 1095 },
];

function fwdBytes(B: number, D: number, N: number, L: number, G: number, z: boolean): number {
  return 4 * ((3 + (z ? 2 : 0)) * B * D * L + 2 * B * G * N * L);
}
function bwdBytes(B: number, D: number, N: number, L: number, G: number, z: boolean): number {
  return 4 * ((5 + (z ? 3 : 0)) * B * D * L + 4 * B * G * N * L);
}

/** Fast deterministic fill (an LCG), uniform in [lo, hi). */
function fill(n: number, lo: number, hi: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const span = (hi - lo) / 4294967296;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + s * span;
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Times `submit` (which enqueues GPU work) as µs per call, the median of `rounds` rounds of back-to-back calls, each
 * round at least `minRoundMs` long (the first calls size the rounds). The GPU must already be at its working clocks.
 */
async function timeGpu(device: GPUDevice, submit: () => Promise<void>, rounds: number, minRoundMs = 100): Promise<number> {
  const t0 = performance.now();
  await submit();
  await submit();
  await device.queue.onSubmittedWorkDone();
  const est = Math.max(1e-3, (performance.now() - t0) / 2);
  const perRound = Math.max(2, Math.min(200, Math.ceil(minRoundMs / est)));
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t1 = performance.now();
    for (let i = 0; i < perRound; i++) await submit();
    await device.queue.onSubmittedWorkDone();
    per.push(((performance.now() - t1) / perRound) * 1000);
  }
  return median(per);
}

/** Keeps the GPU busy for `ms` so its clocks leave idle before a measurement (uploads leave it idle for seconds). */
async function warmGpu(device: GPUDevice, submit: () => Promise<void>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await submit();
    await device.queue.onSubmittedWorkDone();
  }
}

async function checkBackend(log: (l: string) => void, name: string, be: SelectiveScanBackend, cases: ScanCase[]): Promise<boolean> {
  let all = true;
  for (const c of cases) {
    const f = await be.forward(c.problem);
    const g = await be.backward(c.problem, f, c.dout);
    const reps = [...compareForward(c, f), ...compareGrads(c, g)];
    const bad = reps.filter((r) => !r.ok);
    all &&= bad.length === 0;
    log(
      `  ${name} ${c.name}: ${bad.length === 0 ? `all ${reps.length} checks pass` : bad.map((r) => `${r.label}: ${r.message}`).join('; ')}`,
    );
  }
  return all;
}

/** Forward of selected (b, d) rows of a device run against the fp64 reference of those rows alone. */
function rowCheck(p: ScanProblem, out: Float32Array, rows: Array<[number, number]>): { ok: boolean; message: string } {
  let ok = true;
  const msgs: string[] = [];
  for (const [b, d] of rows) {
    const L = p.length;
    const N = p.dstate;
    const g = Math.floor(d / (p.dim / p.groups));
    const bc = (b * p.groups + g) * N * L;
    const sub: ScanProblem = {
      batch: 1,
      dim: 1,
      length: L,
      dstate: N,
      groups: 1,
      u: p.u.subarray((b * p.dim + d) * L, (b * p.dim + d + 1) * L),
      delta: p.delta.subarray((b * p.dim + d) * L, (b * p.dim + d + 1) * L),
      A: p.A.subarray(d * N, (d + 1) * N),
      B: p.B.subarray(bc, bc + N * L),
      C: p.C.subarray(bc, bc + N * L),
      D: p.D?.subarray(d, d + 1),
      z: p.z?.subarray((b * p.dim + d) * L, (b * p.dim + d + 1) * L),
      deltaBias: p.deltaBias?.subarray(d, d + 1),
      deltaSoftplus: p.deltaSoftplus,
    };
    const ref = referenceForward(sub).out;
    const got = out.subarray((b * p.dim + d) * L, (b * p.dim + d + 1) * L);
    const r = goldenClose(new Tensor(got, [L]), new Tensor(ref, [L]));
    ok &&= r.ok;
    msgs.push(`row (${b},${d}): ${r.ok ? 'ok' : r.message}`);
  }
  return { ok, message: msgs.join('; ') };
}

export async function runBench(o: BenchOptions): Promise<Record<string, unknown>> {
  const { log, quick } = o;
  const report: Record<string, unknown> = { started: new Date().toISOString() };
  const save = () => o.save(report);
  const sc = await WebgpuScanner.create().catch((e: Error) => {
    log(`no WebGPU device: ${e.message}`);
    return null;
  });
  if (!sc) {
    report.error = 'no WebGPU adapter';
    save();
    return report;
  }
  const ctx = await sharedDevice();
  const device = sc.device;
  report.adapter = ctx.adapterInfo;
  report.subgroups = { enabled: ctx.subgroups, size: ctx.subgroupSize, note: ctx.subgroupNote };
  report.limits = {
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxBufferSize: device.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
  };
  log(`adapter ${JSON.stringify(ctx.adapterInfo)} subgroups ${JSON.stringify(report.subgroups)} limits ${JSON.stringify(report.limits)}`);

  // 1. correctness on this adapter: golden cases and fp64 reference shapes, through the host-array backends
  const cases = o.webgpuOnly ? [] : o.cases;
  const webgpu = createWebgpuBackend();
  const webgpuNoSg = createWebgpuBackend({ subgroups: false });
  const gpujs = createGpujsBackend('webgpu', { maxStateElements: 2 ** 27 });
  log(`probe webgpu: ${JSON.stringify(await webgpu.probe())} | gpujs:webgpu: ${JSON.stringify(await gpujs.probe())}`);
  const refCases = (o.webgpuOnly ? [] : o.refSpecs).map(({ name, spec }, i) => {
    const { problem, dout } = randomProblem(spec, 77 + i);
    const f = referenceForward(problem);
    return { name, problem, dout, expected: { out: f.out, lastState: f.lastState, grads: referenceBackward(problem, f, dout) } };
  });
  const correctness: Record<string, boolean> = {};
  correctness.webgpu = await checkBackend(log, 'webgpu', webgpu, [...cases, ...refCases]);
  correctness.webgpuNoSubgroups = await checkBackend(log, 'webgpu(no subgroups)', webgpuNoSg, [...cases, ...refCases]);
  correctness.gpujsWebgpu = await checkBackend(log, 'gpujs:webgpu', gpujs, [...cases, ...refCases]);
  report.correctness = correctness;
  save();

  // 2. fused WGSL on device-resident buffers
  const results: Record<string, unknown>[] = [];
  report.webgpu = results;
  const shapes = o.shapes;
  for (const s of shapes) {
    const { B, D, N, L } = s;
    const G = 1;
    const { problem, dout } = benchProblem(s);
    const dims: ScanDims = {
      batch: B,
      dim: D,
      length: L,
      dstate: N,
      groups: G,
      deltaSoftplus: true,
      hasD: true,
      hasZ: false,
      hasBias: true,
    };
    const bufs = {
      u: sc.upload(problem.u),
      delta: sc.upload(problem.delta),
      B: sc.upload(problem.B),
      C: sc.upload(problem.C),
      dout: sc.upload(dout),
    };
    const inputs = { u: { buffer: bufs.u }, delta: { buffer: bufs.delta }, B: { buffer: bufs.B }, C: { buffer: bufs.C } };
    const params = { A: problem.A, D: problem.D, deltaBias: problem.deltaBias };
    const variants: Array<[string, LaunchOptions]> = [
      ['default', {}],
      ['fwd-staged', { stage: true }],
      ['bwd-staged', { stageBackward: true }],
      ['no-subgroups', { subgroups: false }],
      ...((L <= 256
        ? [
            ['wg32x8', { wg: 32, items: 8 }],
            ['wg128x2', { wg: 128, items: 2 }],
          ]
        : [
            ['wg128x16', { wg: 128, items: 16 }],
            ['wg256x8', { wg: 256, items: 8 }],
          ]) as Array<[string, LaunchOptions]>),
    ];
    const fb = fwdBytes(B, D, N, L, G, false);
    const bb = bwdBytes(B, D, N, L, G, false);
    let checked = false;
    // the uploads above leave the GPU idle (and at idle clocks) for seconds
    await warmGpu(device, async () => (await sc.forward(dims, inputs, params)).release(), quick ? 200 : 1500);
    const rounds = quick ? 3 : 5;
    for (const [vname, opts] of variants) {
      const cfg = sc.launchConfig(dims, opts);
      const fwdUs = await timeGpu(
        device,
        async () => {
          (await sc.forward(dims, inputs, params, opts)).release();
        },
        rounds,
      );
      const fwd = await sc.forward(dims, inputs, params, opts);
      let check = '';
      if (!checked) {
        const [out] = await sc.read([fwd.out]);
        const rows: Array<[number, number]> = [
          [0, 0],
          [B - 1, D - 1],
          [Math.floor(B / 2), Math.floor(D / 3)],
        ];
        const rc = rowCheck(problem, out, rows);
        check = rc.ok ? 'rows vs fp64: ok' : `rows vs fp64 FAILED: ${rc.message}`;
        checked = true;
      }
      const bwdUs = await timeGpu(
        device,
        async () => {
          (await sc.backward(dims, inputs, fwd, { buffer: bufs.dout }, opts)).release();
        },
        rounds,
      );
      let parts = '';
      if (vname === 'default') {
        const part = async (backwardPart: 'chunk' | 'group') =>
          timeGpu(
            device,
            async () => (await sc.backward(dims, inputs, fwd, { buffer: bufs.dout }, { ...opts, backwardPart })).release(),
            rounds,
          );
        parts = `chunk kernel ${(await part('chunk')).toFixed(0)} µs, group kernel ${(await part('group')).toFixed(0)} µs`;
      }
      fwd.release();
      const row = {
        shape: `(${B},${D},${N},${L})`,
        variant: vname,
        config: `fwd ${cfg.fwd.wg}x${cfg.fwd.items}${cfg.stage ? ' staged' : ''} bwd ${cfg.bwd.wg}x${cfg.bwd.items}${cfg.stageBackward ? ' staged' : ''} group ${cfg.group.slots}x${cfg.group.tile} ${cfg.subgroups ? 'subgroups' : 'workgroup-mem'}`,
        fwdUs,
        bwdUs,
        fwdGBs: fb / fwdUs / 1e3,
        bwdGBs: bb / bwdUs / 1e3,
        cudaFwdUs: s.cuda[0],
        cudaBwdUs: s.cuda[1],
        fwdRatio: fwdUs / s.cuda[0],
        bwdRatio: bwdUs / s.cuda[1],
        check,
        parts,
      };
      results.push(row);
      log(
        `webgpu ${row.shape} ${vname.padEnd(12)} fwd ${fwdUs.toFixed(0)} µs (${row.fwdGBs.toFixed(0)} GB/s, ${row.fwdRatio.toFixed(2)}× CUDA) ` +
          `bwd ${bwdUs.toFixed(0)} µs (${row.bwdGBs.toFixed(0)} GB/s, ${row.bwdRatio.toFixed(2)}× CUDA) [${row.config}] ${check} ${parts}`,
      );
      save();
    }
    for (const b of Object.values(bufs)) sc.releaseBuffer(b);
    report.bufferStats = sc.bufferStats;
  }

  // 3. gpu.js webgpu mode through its host-array API (uploads and readback included: its pipelines always read back)
  const gres: Record<string, unknown>[] = [];
  report.gpujs = gres;
  let budgetMs = o.webgpuOnly || o.noGpujs ? 0 : o.gpujsBudgetMs;
  for (const s of shapes) {
    if (budgetMs <= 0) {
      if (!o.webgpuOnly && !o.noGpujs) log(`gpujs:webgpu (${s.B},${s.D},${s.N},${s.L}) skipped: time budget spent`);
      continue;
    }
    const { B, D, N, L } = s;
    const { problem, dout } = benchProblem(s);
    const t0 = performance.now();
    const f = await gpujs.forward(problem);
    const t1 = performance.now();
    const f2 = await gpujs.forward(problem);
    const t2 = performance.now();
    await gpujs.backward(problem, f2, dout);
    const t3 = performance.now();
    budgetMs -= t3 - t0;
    const row = {
      shape: `(${B},${D},${N},${L})`,
      firstFwdMs: t1 - t0,
      fwdUs: (t2 - t1) * 1000,
      bwdUs: (t3 - t2) * 1000,
      executor: (gpujs as GpujsBackend).lastExecutor,
      fwdRatio: ((t2 - t1) * 1000) / s.cuda[0],
      bwdRatio: ((t3 - t2) * 1000) / s.cuda[1],
      fwdGBs: fwdBytes(B, D, N, L, 1, false) / ((t2 - t1) * 1000) / 1e3,
    };
    void f;
    gres.push(row);
    log(
      `gpujs:webgpu ${row.shape} fwd ${(row.fwdUs / 1000).toFixed(1)} ms (${row.fwdRatio.toFixed(1)}× CUDA, ${row.fwdGBs.toFixed(1)} GB/s) bwd ${(row.bwdUs / 1000).toFixed(1)} ms (${row.bwdRatio.toFixed(1)}× CUDA) first call ${row.firstFwdMs.toFixed(0)} ms, ${JSON.stringify(row.executor)}`,
    );
    save();
  }

  log('summary (µs; ratio = ours / CUDA on the same GPU)');
  log('shape | variant | fwd µs | fwd GB/s | fwd ×CUDA | bwd µs | bwd GB/s | bwd ×CUDA');
  for (const r of results as Array<Record<string, number | string>>) {
    log(
      `${r.shape} | ${r.variant} | ${(r.fwdUs as number).toFixed(0)} | ${(r.fwdGBs as number).toFixed(0)} | ${(r.fwdRatio as number).toFixed(2)} | ${(r.bwdUs as number).toFixed(0)} | ${(r.bwdGBs as number).toFixed(0)} | ${(r.bwdRatio as number).toFixed(2)}`,
    );
  }
  for (const r of gres as Array<Record<string, number | string>>) {
    log(
      `${r.shape} | gpujs:webgpu | ${(r.fwdUs as number).toFixed(0)} | ${(r.fwdGBs as number).toFixed(1)} | ${(r.fwdRatio as number).toFixed(1)} | ${(r.bwdUs as number).toFixed(0)} | - | ${(r.bwdRatio as number).toFixed(1)}`,
    );
  }
  log(`correctness ${JSON.stringify(correctness)}`);
  report.finished = new Date().toISOString();
  save();
  await webgpu.dispose?.();
  await webgpuNoSg.dispose?.();
  await gpujs.dispose?.();
  sc.dispose();
  return report;
}

/** Mamba-like inputs of a benchmark shape (no z; D, delta_bias and softplus on), from a fast LCG. */
export function benchProblem(s: BenchShape): { problem: ScanProblem; dout: Float32Array } {
  const { B, D, N, L } = s;
  const G = 1;
  const seq = B * D * L;
  const problem: ScanProblem = {
    batch: B,
    dim: D,
    length: L,
    dstate: N,
    groups: G,
    u: fill(seq, -1, 1, 1),
    delta: fill(seq, -3, 0, 2),
    A: Float32Array.from({ length: D * N }, (_, i) => -(1 + (i % N))),
    B: fill(B * G * N * L, -1, 1, 3),
    C: fill(B * G * N * L, -1, 1, 4),
    D: fill(D, 0.5, 1.5, 5),
    deltaBias: fill(D, -4, -2, 6),
    deltaSoftplus: true,
  };
  return { problem, dout: fill(seq, -1, 1, 7) };
}
