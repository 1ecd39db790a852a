// Runs in headless Chromium: builds the GPU backends and runs scan problems sent from Node (see harness.ts).
/// <reference types="@webgpu/types" />
import type { IKernelFunctionThis } from 'gpu.js';
import { createGpujsBackend, type GpujsBackend, type GpujsMode } from '../../src/gpujs/index.js';
import { GPU } from '../../src/gpujs/lib.js';
import type { SelectiveScanBackend } from '../../src/types.js';
import { createWebgpuBackend, WebGPUBufferResult, WebGPUContext, WebgpuScanner } from '../../src/webgpu/index.js';
import { decodeF32, decodeProblem, encodeF32, type ProblemPayload } from './payload.js';

export interface BackendSpec {
  backend: string;
  options?: Record<string, unknown>;
}

const backends = new Map<string, SelectiveScanBackend>();

function backendFor(spec: BackendSpec): SelectiveScanBackend {
  const key = JSON.stringify(spec);
  let be = backends.get(key);
  if (!be) {
    if (spec.backend === 'webgpu') be = createWebgpuBackend(spec.options ?? {});
    else if (spec.backend.startsWith('gpujs:')) be = createGpujsBackend(spec.backend.slice(6) as GpujsMode, spec.options ?? {});
    else throw new Error(`unknown backend ${spec.backend}`);
    backends.set(key, be);
  }
  return be;
}

function scaleKernel(this: IKernelFunctionThis, a: number[]): number {
  return a[this.thread.x] * 0.5;
}

function plusOneKernel(this: IKernelFunctionThis, a: number[]): number {
  return a[this.thread.x] + 1;
}

const api = {
  async probe(spec: BackendSpec) {
    return backendFor(spec).probe();
  },

  async run(spec: BackendSpec, payload: ProblemPayload, dout: string | null) {
    const be = backendFor(spec);
    const p = decodeProblem(payload);
    const t0 = performance.now();
    const fwd = await be.forward(p);
    const t1 = performance.now();
    const result: Record<string, unknown> = { out: encodeF32(fwd.out), lastState: encodeF32(fwd.lastState), forwardMs: t1 - t0 };
    result.forwardExecutor = (be as GpujsBackend).lastExecutor ?? null;
    if (dout !== null) {
      const g = await be.backward(p, fwd, decodeF32(dout));
      result.backwardMs = performance.now() - t1;
      result.backwardExecutor = (be as GpujsBackend).lastExecutor ?? null;
      const grads: Record<string, string> = {};
      for (const [k, v] of Object.entries(g)) if (v) grads[k] = encodeF32(v as Float32Array);
      result.grads = grads;
    }
    return result;
  },

  /** Buffers held by a webgpu backend's pool: live (existing) and in use (not released). */
  async stats(spec: BackendSpec) {
    const be = backendFor(spec) as ReturnType<typeof createWebgpuBackend>;
    const sc = await be.scanner();
    return {
      ...sc.bufferStats,
      subgroups: sc.ctx.subgroups,
      subgroupSize: sc.ctx.subgroupSize,
      note: sc.ctx.subgroupNote,
      adapter: sc.ctx.adapterInfo,
    };
  },

  /**
   * Device-resident hand-off: a gpu.js webgpu kernel makes u (0.5·x) in a GPU buffer, the WGSL scan reads that buffer,
   * and a second gpu.js kernel reads the scan's output buffer (+1); nothing crosses to the CPU in between.
   */
  async interop(payload: ProblemPayload, x: string) {
    const p = decodeProblem(payload);
    const gpu = new GPU({ mode: 'webgpu' });
    const seq = p.batch * p.dim * p.length;
    const scale = gpu.createKernel(scaleKernel, { output: [seq], tactic: 'precision', precision: 'single' }) as unknown as {
      (a: Float32Array): Promise<{ buffer: GPUBuffer; delete(): void }>;
      setPipeline(v: boolean): unknown;
      destroy(): void;
    };
    scale.setPipeline(true);
    const plusOne = gpu.createKernel(plusOneKernel, { output: [seq], tactic: 'precision', precision: 'single' });
    const scanner = await WebgpuScanner.create();
    const uHandle = await scale(decodeF32(x));
    const up = (a: Float32Array) => scanner.upload(a);
    const [delta, B, C] = [up(p.delta), up(p.B), up(p.C)];
    const z = p.z ? up(p.z) : undefined;
    const dims = { ...p, deltaSoftplus: p.deltaSoftplus, hasD: !!p.D, hasZ: !!p.z, hasBias: !!p.deltaBias };
    const fwd = await scanner.forward(
      dims,
      { u: { buffer: uHandle.buffer }, delta: { buffer: delta }, B: { buffer: B }, C: { buffer: C }, z: z ? { buffer: z } : undefined },
      { A: p.A, D: p.D, deltaBias: p.deltaBias },
    );
    const wrapped = new WebGPUBufferResult({ buffer: fwd.out.buffer, output: [seq], context: await WebGPUContext.acquire(), kernel: null });
    const viaGpujs = (await plusOne(wrapped)) as Float32Array;
    const [direct] = await scanner.read([fwd.out]);
    fwd.release();
    for (const b of [delta, B, C, z]) if (b) scanner.releaseBuffer(b);
    uHandle.delete();
    scale.destroy();
    plusOne.destroy();
    const stats = scanner.bufferStats;
    scanner.dispose();
    await gpu.destroy();
    return { viaGpujs: encodeF32(Float32Array.from(viaGpujs)), direct: encodeF32(direct), stats };
  },

  async dispose() {
    for (const be of backends.values()) await be.dispose?.();
    backends.clear();
  },
};

(globalThis as unknown as { vssm: typeof api }).vssm = api;
(globalThis as unknown as { vssmReady: boolean }).vssmReady = true;
