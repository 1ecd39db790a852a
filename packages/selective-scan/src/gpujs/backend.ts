import { ArgumentError, BackendUnavailableError } from '@vssm/core';
import type { IKernelFunctionThis } from 'gpu.js';
import { GPU, type GpuInstance, input } from './lib.js';
import type { BackendForward, BackendGrads, BackendStatus, ScanProblem, SelectiveScanBackend } from '../types.js';
import { probeAdapter, sharedDevice } from '../webgpu/context.js';
import { batchSlices, concatSlices, problemSlice, sumInto, zeroGrads } from '../webgpu/slicing.js';
import { type ExecutorReport, flatten, GpujsPlan, planKey, type PlanShape } from './plan.js';

export const GPUJS_MODES = ['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'] as const;
export type GpujsMode = (typeof GPUJS_MODES)[number];

/** Registry priorities: below the WGSL backend (100), gpujs:webgpu above the CPU backend (50), the rest below it. */
const MODE_PRIORITY: Record<GpujsMode, number> = { webgpu: 90, webgl2: 45, webgl: 40, headlessgl: 35, webasm: 20, cpu: 10 };

export interface GpujsBackendOptions {
  /** Steps per chunk of the chunked scan (default 16). */
  chunk?: number;
  /** Most floats in one (L, N, batch·D) intermediate; the batch is split to stay under it (default 2^25). */
  maxStateElements?: number;
  /** Compiled shapes kept before the oldest is destroyed (default 8). */
  maxPlans?: number;
}

/** The gpu.js backend object, with what its last call ran on. */
export interface GpujsBackend extends SelectiveScanBackend {
  readonly mode: GpujsMode;
  /** Executor of the last forward/backward pipeline (gpu.js's own report), for tests that assert the backend that ran. */
  lastExecutor: ExecutorReport | null;
  /** Destroys the compiled plans and the gpu.js instance. */
  dispose(): Promise<void>;
}

function unavailable(mode: GpujsMode, reason: string): BackendStatus {
  return { available: false, reason: `gpujs:${mode}: ${reason}` };
}

/** Why a mode cannot exist in this runtime, before any kernel is tried; null when it may. */
async function staticReason(mode: GpujsMode): Promise<string | null> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof document === 'undefined';
  switch (mode) {
    case 'cpu':
      return null;
    case 'webasm':
      return GPU.isWebAssemblySupported ? null : 'WebAssembly is not available in this runtime';
    case 'headlessgl':
      return GPU.isHeadlessGLSupported
        ? null
        : "the optional native 'gl' package (headless-gl) is not installed or not built for this Node";
    case 'webgl2':
      if (isNode) return 'WebGL2 needs a browser (no document/canvas in Node)';
      return GPU.isWebGL2Supported ? null : 'this browser gives no WebGL2 context';
    case 'webgl':
      if (isNode) return 'WebGL needs a browser (no document/canvas in Node)';
      return GPU.isWebGLSupported ? null : 'this browser gives no WebGL context';
    case 'webgpu': {
      const { adapter, reason } = await probeAdapter();
      if (!adapter) return reason ?? 'no WebGPU adapter';
      // acquire gpu.js's device through the WGSL backend first, so the shared device also gets subgroups
      await sharedDevice().catch(() => undefined);
      return null;
    }
  }
}

const GL_KERNEL_MODES: Record<string, string> = { WebGL2Kernel: 'webgl2', WebGLKernel: 'webgl', HeadlessGLKernel: 'headlessgl' };

/** The probe's kernel: 2·a + 1. */
export function probeKernel(this: IKernelFunctionThis, a: number[]): number {
  return a[this.thread.x] * 2 + 1;
}

/** Runs a 4-element kernel and checks it ran in this mode (gpu.js silently falls back to cpu on some failures). */
async function smokeTest(gpu: GpuInstance, mode: GpujsMode): Promise<string | null> {
  const kernel = gpu.createKernel(probeKernel, { output: [4], tactic: 'precision', precision: 'single' });
  try {
    const r = flatten(await kernel(new Float32Array([1, 2, 3, 4])));
    const raw = kernel.kernel.constructor.mode;
    // GL kernels all report 'gpu'; the class tells which GL backend it is
    const ran = raw === 'gpu' ? (GL_KERNEL_MODES[kernel.kernel.constructor.name] ?? raw) : raw;
    if (ran !== mode) return `a test kernel ran on '${ran}' instead`;
    if (r[0] !== 3 || r[3] !== 9) return `a test kernel returned [${Array.from(r).join(', ')}]`;
    return null;
  } finally {
    kernel.destroy();
  }
}

/**
 * The selective scan as gpu.js kernels in one gpu.js mode (`gpujs:<mode>`): a chunked multi-pass scan (local chunk
 * scans, a Hillis–Steele carry over chunks, a replay per output) run as createPipeline plans, forward and backward.
 */
export function createGpujsBackend(mode: GpujsMode, options: GpujsBackendOptions = {}): GpujsBackend {
  if (!(GPUJS_MODES as readonly string[]).includes(mode)) {
    throw new ArgumentError(`createGpujsBackend: unknown mode '${mode}'; expected one of ${GPUJS_MODES.join(', ')}`);
  }
  const chunk = options.chunk ?? 16;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ArgumentError(`createGpujsBackend: chunk must be a positive integer, got ${chunk}`);
  const maxState = options.maxStateElements ?? 2 ** 25;
  const maxPlans = options.maxPlans ?? 8;
  let gpu: GpuInstance | null = null;
  let status: Promise<BackendStatus> | null = null;
  const plans = new Map<string, GpujsPlan>();

  const probe = (): Promise<BackendStatus> => {
    status ??= (async () => {
      const why = await staticReason(mode);
      if (why) return unavailable(mode, why);
      let g: GpuInstance;
      try {
        g = new GPU({ mode });
      } catch (e) {
        return unavailable(mode, (e as Error).message);
      }
      try {
        const bad = await smokeTest(g, mode);
        if (bad) {
          await g.destroy();
          return unavailable(mode, bad);
        }
      } catch (e) {
        await g.destroy().catch(() => undefined);
        return unavailable(mode, `a test kernel failed: ${(e as Error).message}`);
      }
      gpu = g;
      return { available: true, reason: `gpu.js ${mode} mode` };
    })();
    return status;
  };

  const ensure = async (): Promise<GpuInstance> => {
    const s = await probe();
    if (!s.available || !gpu) throw new BackendUnavailableError(`gpujs:${mode}`, s.reason ?? 'unavailable');
    return gpu;
  };

  const planFor = (g: GpuInstance, shape: PlanShape): GpujsPlan => {
    const key = planKey(shape);
    let plan = plans.get(key);
    if (plan) {
      plans.delete(key);
      plans.set(key, plan);
      return plan;
    }
    plan = new GpujsPlan(g, shape);
    plans.set(key, plan);
    while (plans.size > maxPlans) {
      const [oldKey, old] = plans.entries().next().value as [string, GpujsPlan];
      plans.delete(oldKey);
      old.destroy();
    }
    return plan;
  };

  const shapeOf = (p: ScanProblem): PlanShape => ({
    batch: p.batch,
    dim: p.dim,
    length: p.length,
    dstate: p.dstate,
    groups: p.groups,
    chunk: Math.min(chunk, Math.max(1, p.length)),
    softplus: p.deltaSoftplus,
    hasZ: p.z !== undefined,
  });

  const sliceSize = (p: ScanProblem): number =>
    Math.max(1, Math.min(p.batch, Math.floor(maxState / Math.max(1, p.length * p.dstate * p.dim))));

  const backend: GpujsBackend = {
    name: `gpujs:${mode}`,
    priority: MODE_PRIORITY[mode],
    mode,
    lastExecutor: null,
    probe,
    async forward(p: ScanProblem): Promise<BackendForward> {
      const g = await ensure();
      if (p.batch * p.dim * p.length === 0) {
        return { out: new Float32Array(p.batch * p.dim * p.length), lastState: new Float32Array(p.batch * p.dim * p.dstate) };
      }
      const outs: Float32Array[] = [];
      const lasts: Float32Array[] = [];
      for (const [b0, b1] of batchSlices(p.batch, sliceSize(p))) {
        const sub = b0 === 0 && b1 === p.batch ? p : problemSlice(p, b0, b1);
        const plan = planFor(g, shapeOf(sub));
        const r = (await plan.forward(...plan.inputs(sub))) as { out: unknown; lastState: unknown };
        backend.lastExecutor = plan.report('forward');
        outs.push(flatten(r.out));
        lasts.push(flatten(r.lastState));
      }
      return { out: concatSlices(outs), lastState: concatSlices(lasts) };
    },
    async backward(p: ScanProblem, _forward: BackendForward, dout: Float32Array): Promise<BackendGrads> {
      const g = await ensure();
      if (p.batch * p.dim * p.length === 0) return zeroGrads(p);
      const per = p.dim * p.length;
      const parts: Record<string, Float32Array>[] = [];
      for (const [b0, b1] of batchSlices(p.batch, sliceSize(p))) {
        const whole = b0 === 0 && b1 === p.batch;
        const sub = whole ? p : problemSlice(p, b0, b1);
        const plan = planFor(g, shapeOf(sub));
        const args = [...plan.inputs(sub), input(whole ? dout : dout.subarray(b0 * per, b1 * per), [p.length, sub.batch * p.dim])];
        const r = (await plan.backward(...args)) as Record<string, unknown>;
        backend.lastExecutor = plan.report('backward');
        const flat: Record<string, Float32Array> = {};
        for (const [key, v] of Object.entries(r)) flat[key] = flatten(v);
        parts.push(flat);
      }
      const cat = (key: string) => concatSlices(parts.map((x) => x[key]));
      const sum = (key: string) => sumInto(parts.map((x) => x[key]));
      return {
        du: cat('du'),
        ddelta: cat('ddelta'),
        dB: cat('dB'),
        dC: cat('dC'),
        dA: sum('dA'),
        dD: p.D ? sum('dD') : undefined,
        dz: p.z ? cat('dz') : undefined,
        ddeltaBias: p.deltaBias ? sum('ddeltaBias') : undefined,
      };
    },
    async dispose(): Promise<void> {
      for (const plan of plans.values()) plan.destroy();
      plans.clear();
      const g = gpu;
      gpu = null;
      status = null;
      if (g) await g.destroy();
    },
  };
  return backend;
}
