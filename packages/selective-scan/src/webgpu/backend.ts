/// <reference types="@webgpu/types" />
import { BackendUnavailableError } from '@vssm/core';
import type { BackendForward, BackendGrads, BackendStatus, ScanProblem, SelectiveScanBackend } from '../types.js';
import { probeAdapter, sharedDevice } from './context.js';
import { groupShape } from './wgsl-backward.js';
import { type DeviceForward, type LaunchConfig, type LaunchOptions, WebgpuScanner } from './scanner.js';
import { alignUp, packedLayout, type ScanDims } from './layout.js';
import { batchSlices, concatSlices, problemSlice, sumInto, zeroGrads } from './slicing.js';

/** What the forward keeps for the backward: the chunk-end states, read back (no device memory is held between calls). */
interface WebgpuSaved {
  kind: 'webgpu';
  config: LaunchConfig;
  chunkStates: Float32Array;
}

export interface WebgpuBackendOptions extends LaunchOptions {
  /** Largest bytes of one device buffer the host-array API plans for; the batch is split to stay under it. */
  maxBufferBytes?: number;
}

function dimsOf(p: ScanProblem): ScanDims {
  return {
    batch: p.batch,
    dim: p.dim,
    length: p.length,
    dstate: p.dstate,
    groups: p.groups,
    deltaSoftplus: p.deltaSoftplus,
    hasD: p.D !== undefined,
    hasZ: p.z !== undefined,
    hasBias: p.deltaBias !== undefined,
  };
}

/** Largest per-batch-element buffer of a call, in bytes (the backward's packed gradient buffers dominate). */
function bytesPerBatch(p: ScanProblem, chunkLen: number): number {
  const N = p.dstate;
  const L = p.length;
  const nT = Math.ceil(L / groupShape(N, p.dim / p.groups).tile);
  const seq = p.dim * L;
  return 4 * Math.max(3 * seq, 2 * p.dim * nT * N + p.dim * N, 2 * p.groups * N * L, p.dim * Math.ceil(L / chunkLen) * N) + 1024;
}

/** The `webgpu` backend object; `scanner()` gives its device-level scanner (shared device, pooled buffers). */
export interface WebgpuBackend extends SelectiveScanBackend {
  scanner(): Promise<WebgpuScanner>;
  /** Frees the pooled device buffers (the shared device stays: gpu.js owns it). */
  dispose(): Promise<void>;
}

/**
 * The `webgpu` backend: the fused WGSL kernels of scanner.ts on gpu.js's shared device, behind the host-array
 * contract (uploads, one readback per call). Models that keep activations on the GPU use WebgpuScanner directly.
 */
export function createWebgpuBackend(options: WebgpuBackendOptions = {}): WebgpuBackend {
  let scanner: Promise<WebgpuScanner> | null = null;
  const getScanner = (): Promise<WebgpuScanner> => {
    scanner ??= WebgpuScanner.create().catch((e: Error) => {
      scanner = null;
      throw new BackendUnavailableError('webgpu', e.message);
    });
    return scanner;
  };

  const sliceSize = (sc: WebgpuScanner, p: ScanProblem): number => {
    const limits = sc.device.limits;
    const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, options.maxBufferBytes ?? Number.POSITIVE_INFINITY);
    const per = bytesPerBatch(p, sc.launchConfig(dimsOf(p), options).plan.chunkLen);
    const n = Math.floor(cap / per);
    if (n < 1)
      throw new BackendUnavailableError('webgpu', `one batch element needs ${per} bytes in one buffer, over this device's limit of ${cap}`);
    return Math.min(p.batch, n);
  };

  const forwardSlice = async (sc: WebgpuScanner, p: ScanProblem): Promise<BackendForward> => {
    const dims = dimsOf(p);
    const ups = [p.u, p.delta, p.B, p.C, ...(p.z ? [p.z] : [])].map((a) => sc.upload(a));
    const [u, delta, B, C, z] = ups;
    try {
      const fwd = await sc.forward(
        dims,
        { u: { buffer: u }, delta: { buffer: delta }, B: { buffer: B }, C: { buffer: C }, z: z ? { buffer: z } : undefined },
        { A: p.A, D: p.D, deltaBias: p.deltaBias },
        options,
      );
      try {
        const [out, lastState, chunkStates] = await sc.read([fwd.out, fwd.lastState, fwd.chunkStates]);
        const saved: WebgpuSaved = { kind: 'webgpu', config: fwd.config, chunkStates };
        return { out, lastState, saved };
      } finally {
        fwd.release();
      }
    } finally {
      for (const b of ups) sc.releaseBuffer(b);
    }
  };

  /** Rebuilds the forward's device state (parameters and chunk states) from host data. */
  const restoreForward = async (
    sc: WebgpuScanner,
    p: ScanProblem,
    saved: WebgpuSaved | undefined,
    inputs: Parameters<WebgpuScanner['forward']>[1],
  ): Promise<DeviceForward> => {
    const dims = dimsOf(p);
    const config = sc.launchConfig(dims, options);
    const sameChunks =
      saved?.kind === 'webgpu' &&
      saved.config.plan.chunkLen === config.plan.chunkLen &&
      saved.chunkStates.length === p.batch * p.dim * config.plan.nChunks * p.dstate;
    if (!sameChunks) return sc.forward(dims, inputs, { A: p.A, D: p.D, deltaBias: p.deltaBias }, options);
    const layout = packedLayout(dims, config.plan);
    const aux = new Float32Array(alignUp(layout.aux.length));
    aux.set(p.A, layout.aux.offA);
    if (p.D) aux.set(p.D, layout.aux.offD);
    if (p.deltaBias) aux.set(p.deltaBias, layout.aux.offBias);
    aux.set(saved!.chunkStates, layout.aux.offX);
    const buf = sc.upload(aux);
    return {
      dims,
      config,
      layout,
      aux: buf,
      out: { buffer: buf, offset: 0, length: 0 },
      lastState: { buffer: buf, offset: layout.aux.offLast * 4, length: p.batch * p.dim * p.dstate },
      chunkStates: { buffer: buf, offset: layout.aux.offX * 4, length: saved!.chunkStates.length },
      release: () => sc.releaseBuffer(buf),
    };
  };

  const backwardSlice = async (
    sc: WebgpuScanner,
    p: ScanProblem,
    saved: WebgpuSaved | undefined,
    dout: Float32Array,
  ): Promise<BackendGrads> => {
    const dims = dimsOf(p);
    const ups = [p.u, p.delta, p.B, p.C, dout, ...(p.z ? [p.z] : [])].map((a) => sc.upload(a));
    const [u, delta, B, C, g, z] = ups;
    const inputs = { u: { buffer: u }, delta: { buffer: delta }, B: { buffer: B }, C: { buffer: C }, z: z ? { buffer: z } : undefined };
    try {
      const fwd = await restoreForward(sc, p, saved, inputs);
      try {
        const grads = await sc.backward(dims, inputs, fwd, { buffer: g });
        try {
          const names = ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dz', 'ddeltaBias'] as const;
          const present = names.filter((k) => grads[k] !== undefined);
          const arrays = await sc.read(present.map((k) => grads[k]!));
          const result: Partial<Record<(typeof names)[number], Float32Array>> = {};
          present.forEach((k, i) => {
            result[k] = arrays[i];
          });
          return result as BackendGrads;
        } finally {
          grads.release();
        }
      } finally {
        fwd.release();
      }
    } finally {
      for (const b of ups) sc.releaseBuffer(b);
    }
  };

  return {
    name: 'webgpu',
    priority: 100,
    scanner: getScanner,
    async probe(): Promise<BackendStatus> {
      const { adapter, reason } = await probeAdapter();
      if (!adapter) return { available: false, reason: `webgpu: ${reason}` };
      try {
        const ctx = await sharedDevice();
        const info = ctx.adapterInfo;
        const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
        const sg = ctx.subgroups ? `subgroups of ${ctx.subgroupSize}` : `workgroup-memory scans (${ctx.subgroupNote})`;
        return { available: true, reason: `WGSL on ${name || 'an unnamed adapter'}, ${sg}` };
      } catch (e) {
        return { available: false, reason: `webgpu: device request failed: ${(e as Error).message}` };
      }
    },
    async forward(p: ScanProblem): Promise<BackendForward> {
      const sc = await getScanner();
      if (p.batch * p.dim * p.length === 0) {
        return { out: new Float32Array(p.batch * p.dim * p.length), lastState: new Float32Array(p.batch * p.dim * p.dstate) };
      }
      const step = sliceSize(sc, p);
      if (step >= p.batch) return forwardSlice(sc, p);
      const parts: BackendForward[] = [];
      for (const [b0, b1] of batchSlices(p.batch, step)) parts.push(await forwardSlice(sc, problemSlice(p, b0, b1)));
      const saved: WebgpuSaved = {
        kind: 'webgpu',
        config: (parts[0].saved as WebgpuSaved).config,
        chunkStates: concatSlices(parts.map((f) => (f.saved as WebgpuSaved).chunkStates)),
      };
      return { out: concatSlices(parts.map((f) => f.out)), lastState: concatSlices(parts.map((f) => f.lastState)), saved };
    },
    async backward(p: ScanProblem, forward: BackendForward, dout: Float32Array): Promise<BackendGrads> {
      const sc = await getScanner();
      const saved = (forward.saved as WebgpuSaved | undefined)?.kind === 'webgpu' ? (forward.saved as WebgpuSaved) : undefined;
      if (p.batch * p.dim * p.length === 0) return zeroGrads(p);
      const step = sliceSize(sc, p);
      if (step >= p.batch) return backwardSlice(sc, p, saved, dout);
      const per = p.dim * p.length;
      const statesPer = saved ? saved.chunkStates.length / p.batch : 0;
      const parts: BackendGrads[] = [];
      for (const [b0, b1] of batchSlices(p.batch, step)) {
        const sub = problemSlice(p, b0, b1);
        const subSaved = saved ? { ...saved, chunkStates: saved.chunkStates.subarray(b0 * statesPer, b1 * statesPer) } : undefined;
        parts.push(await backwardSlice(sc, sub, subSaved, dout.subarray(b0 * per, b1 * per)));
      }
      const cat = (k: 'du' | 'ddelta' | 'dB' | 'dC' | 'dz') => (parts[0][k] ? concatSlices(parts.map((g) => g[k]!)) : undefined);
      const sum = (k: 'dA' | 'dD' | 'ddeltaBias') => (parts[0][k] ? sumInto(parts.map((g) => g[k]!)) : undefined);
      return {
        du: cat('du')!,
        ddelta: cat('ddelta')!,
        dB: cat('dB')!,
        dC: cat('dC')!,
        dz: cat('dz'),
        dA: sum('dA')!,
        dD: sum('dD'),
        ddeltaBias: sum('ddeltaBias'),
      };
    },
    async dispose(): Promise<void> {
      if (!scanner) return;
      const s = scanner;
      scanner = null;
      try {
        (await s).dispose();
      } catch {
        // never created: nothing to free
      }
    },
  };
}
