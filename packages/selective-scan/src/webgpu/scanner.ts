/// <reference types="@webgpu/types" />
import { ArgumentError, ShapeError } from '@vssm/core';
import { sharedDevice, type SharedDevice } from './context.js';
import { type ChunkPlan, packedLayout, type PackedLayout, paramsBlock, type ScanDims } from './layout.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool } from './pool.js';
import {
  chunkBackwardShader,
  FLAT_WG,
  gateShader,
  groupBackwardShader,
  type GroupShape,
  groupShape,
  reduceShader,
} from './wgsl-backward.js';
import type { ParamField } from './wgsl-common.js';
import { forwardShader, type ScanVariant, variantKey } from './wgsl-forward.js';

/** A float32 array on the device: a buffer and a byte offset (a multiple of the device's storage offset alignment). */
export interface GpuArray {
  buffer: GPUBuffer;
  offset?: number;
}

/** A device array together with its length in floats, as the scanner hands results back. */
export interface GpuView extends Required<GpuArray> {
  length: number;
}

/** Launch shape overrides (benchmarks, tests of the chunk logic); the defaults are the fastest measured on an H100. */
export interface LaunchOptions {
  /** Use subgroup operations when the device supports them (default true). */
  subgroups?: boolean;
  /** Forward invocations per workgroup (power of two, 4..256). */
  wg?: number;
  /** Forward time steps per invocation (1..32). */
  items?: number;
  /** Coalesce the forward's per-(b, d, l) loads and stores through workgroup memory (default false). */
  stage?: boolean;
  /** The same for the backward's chunk kernel (default false). */
  stageBackward?: boolean;
  /** Profiling only: encode just one of the backward's two main kernels (the other's outputs are stale). */
  backwardPart?: 'chunk' | 'group';
}

export interface LaunchConfig {
  fwd: { wg: number; items: number };
  bwd: { wg: number; items: number };
  group: GroupShape;
  plan: ChunkPlan;
  subgroups: boolean;
  stage: boolean;
  stageBackward: boolean;
  backwardPart?: 'chunk' | 'group';
}

export interface DeviceScanInputs {
  u: GpuArray;
  delta: GpuArray;
  B: GpuArray;
  C: GpuArray;
  z?: GpuArray;
}

/** Per-channel parameters, from the host (small) or already on the device. */
export interface DeviceScanParams {
  A: Float32Array | GpuArray;
  D?: Float32Array | GpuArray;
  deltaBias?: Float32Array | GpuArray;
}

/** Forward results on the device, with what the backward needs (`aux`, `layout`, `config`). Call `release()` when done. */
export interface DeviceForward {
  dims: ScanDims;
  config: LaunchConfig;
  out: GpuView;
  lastState: GpuView;
  /** Chunk-end states (batch, dim, nChunks, dstate). */
  chunkStates: GpuView;
  /** [A | D | bias | chunk states | last state]; read by the backward. */
  aux: GPUBuffer;
  layout: PackedLayout;
  release(): void;
}

/** Gradients on the device (views into packed buffers). Call `release()` when done. */
export interface DeviceGrads {
  du: GpuView;
  ddelta: GpuView;
  dA: GpuView;
  dB: GpuView;
  dC: GpuView;
  dD?: GpuView;
  dz?: GpuView;
  ddeltaBias?: GpuView;
  release(): void;
}

const STORAGE = 0x0080;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
const MAP_READ = 0x0001;

/**
 * Invocations × steps by sequence length. The CUDA kernel uses up to 128 × 16 (selective-scan.md §3.1); on an H100
 * through Dawn, 4 steps per invocation and up to 256 invocations measured fastest (docs/benchmarks.md).
 */
function defaultLaunch(L: number): { wg: number; items: number } {
  if (L <= 128) return { wg: 32, items: 4 };
  if (L <= 256) return { wg: 64, items: 4 };
  if (L <= 512) return { wg: 128, items: 4 };
  return { wg: 256, items: 4 };
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** WebGPU's default maxComputeWorkgroupStorageSize, which gpu.js's device keeps. */
export const WORKGROUP_BYTES = 16384;

/** Workgroup memory of the forward or the backward chunk kernel (the sums of their var<workgroup> arrays). */
export function chunkKernelBytes(kind: 'forward' | 'backward', wg: number, items: number, dstate: number, stage: boolean): number {
  const scan = 8 * wg;
  const staged = stage ? 4 * wg * (items + 1) : 0;
  return kind === 'forward' ? scan + 8 * dstate + staged : scan + 16 * dstate + 4 * wg + 4 * dstate + staged;
}

/**
 * The launch shape of a call: forward (wg × items), the backward's (same chunk, at most 8 items per invocation),
 * the dB/dC kernel's, and whether subgroup scans apply (`subgroupSize` 0 when the device has none).
 */
export function resolveLaunch(dims: ScanDims, opts: LaunchOptions, subgroupSize: number): LaunchConfig {
  const base = defaultLaunch(dims.length);
  const wg = opts.wg ?? base.wg;
  const items = opts.items ?? base.items;
  if (!isPow2(wg) || wg < 4 || wg > 256) throw new ArgumentError(`webgpu selective scan: wg must be a power of two in [4, 256], got ${wg}`);
  if (!Number.isInteger(items) || items < 1 || items > 32)
    throw new ArgumentError(`webgpu selective scan: items must be an integer in [1, 32], got ${items}`);
  let bw = wg;
  let bi = items;
  while (bi > 8 && bi % 2 === 0 && bw < 256) {
    bi /= 2;
    bw *= 2;
  }
  const subgroups = opts.subgroups !== false && subgroupSize > 0 && wg % subgroupSize === 0 && bw % subgroupSize === 0;
  // staging costs wg·(items + 1) floats of workgroup memory; it is dropped where it would pass the 16 KiB default
  const N = dims.dstate;
  const stage = opts.stage === true && chunkKernelBytes('forward', wg, items, N, true) <= WORKGROUP_BYTES;
  const stageBackward = opts.stageBackward === true && chunkKernelBytes('backward', bw, bi, N, true) <= WORKGROUP_BYTES;
  const chunkLen = wg * items;
  const group = groupShape(dims.dstate, dims.dim / dims.groups);
  const L = dims.length;
  return {
    fwd: { wg, items },
    bwd: { wg: bw, items: bi },
    group,
    subgroups,
    stage,
    stageBackward,
    backwardPart: opts.backwardPart,
    plan: { chunkLen, nChunks: Math.max(1, Math.ceil(L / chunkLen)), tileLen: group.tile, nTiles: Math.max(1, Math.ceil(L / group.tile)) },
  };
}

/**
 * The fused WGSL selective scan on gpu.js's device: forward, backward and their device-resident inputs and outputs.
 * Pipelines are compiled once per (kernel, launch shape, dstate, flags) and buffers come from a pool.
 */
export class WebgpuScanner {
  private readonly pipelines: PipelineCache;
  private readonly pool: BufferPool;
  private readonly dummy: GPUBuffer;
  private disposed = false;

  private constructor(readonly ctx: SharedDevice) {
    this.pipelines = new PipelineCache(ctx.device);
    this.pool = new BufferPool(ctx.device);
    this.dummy = ctx.device.createBuffer({ size: 256, usage: STORAGE, label: 'vssm-scan-dummy' });
  }

  /** Acquires gpu.js's shared device (rejects when no WebGPU adapter exists). */
  static async create(): Promise<WebgpuScanner> {
    return new WebgpuScanner(await sharedDevice());
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  /** Buffers the pool holds, and how many of them are handed out (the leak check of the tests). */
  get bufferStats(): { live: number; inUse: number } {
    return { live: this.pool.live, inUse: this.pool.inUse };
  }

  launchConfig(dims: ScanDims, opts: LaunchOptions = {}): LaunchConfig {
    return resolveLaunch(dims, opts, this.ctx.subgroups ? this.ctx.subgroupSize : 0);
  }

  /** Runs the forward on device arrays; the results stay on the device. */
  async forward(dims: ScanDims, inputs: DeviceScanInputs, params: DeviceScanParams, opts: LaunchOptions = {}): Promise<DeviceForward> {
    this.assertLive();
    this.checkDims(dims, inputs, params);
    const config = this.launchConfig(dims, opts);
    const layout = packedLayout(dims, config.plan);
    const variant = { ...this.variant(dims, config.fwd, config.subgroups), stage: config.stage };
    const kernel = await this.pipelines.get(variantKey('fwd', variant), () => forwardShader(variant), [
      'read',
      'read',
      'read',
      'read',
      'read',
      'rw',
      'rw',
    ]);
    const { batch: Bt, dim: D, length: L, dstate: N } = dims;
    const seq = Bt * D * L;
    const device = this.device;
    const aux = this.pool.acquire(layout.aux.length * 4, STORAGE | COPY_SRC | COPY_DST);
    const out = this.pool.acquire(seq * 4, STORAGE | COPY_SRC | COPY_DST);
    const encoder = device.createCommandEncoder({ label: 'vssm-scan-forward' });
    this.placeParam(encoder, aux, layout.aux.offA, params.A, D * N);
    if (dims.hasD && params.D) this.placeParam(encoder, aux, layout.aux.offD, params.D, D);
    if (dims.hasBias && params.deltaBias) this.placeParam(encoder, aux, layout.aux.offBias, params.deltaBias, D);
    const uniform = this.uniform(dims, config, layout, {});
    const pass = encoder.beginComputePass({ label: 'vssm-scan-forward' });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(
      0,
      this.bind(kernel.layout, uniform, [
        this.entry(inputs.u, seq),
        this.entry(inputs.delta, seq),
        dims.hasZ && inputs.z ? this.entry(inputs.z, seq) : { buffer: this.dummy },
        this.entry(inputs.B, Bt * dims.groups * N * L),
        this.entry(inputs.C, Bt * dims.groups * N * L),
        { buffer: out, offset: 0, size: seq * 4 },
        { buffer: aux, offset: 0, size: layout.aux.length * 4 },
      ]),
    );
    pass.dispatchWorkgroups(D, Bt);
    pass.end();
    device.queue.submit([encoder.finish()]);
    this.pool.release(uniform);
    let released = false;
    return {
      dims,
      config,
      layout,
      aux,
      out: { buffer: out, offset: 0, length: seq },
      lastState: { buffer: aux, offset: layout.aux.offLast * 4, length: Bt * D * N },
      chunkStates: { buffer: aux, offset: layout.aux.offX * 4, length: Bt * D * config.plan.nChunks * N },
      release: () => {
        if (released) return;
        released = true;
        this.pool.release(out);
        this.pool.release(aux);
      },
    };
  }

  /**
   * Runs the backward of sum(out · dout) on device arrays, given the forward's device state. `opts` may change the
   * backward's own settings (staging, profiling) but not its chunk, which is the forward's.
   */
  async backward(dims: ScanDims, inputs: DeviceScanInputs, fwd: DeviceForward, dout: GpuArray, opts?: LaunchOptions): Promise<DeviceGrads> {
    this.assertLive();
    this.checkDims(dims, inputs, undefined);
    const { layout } = fwd;
    const config = opts ? { ...this.launchConfig(dims, opts), fwd: fwd.config.fwd, plan: fwd.config.plan } : fwd.config;
    if (config.bwd.wg * config.bwd.items !== fwd.config.plan.chunkLen) {
      throw new ArgumentError(
        `webgpu selective scan: backward chunk ${config.bwd.wg * config.bwd.items} differs from the forward's ${fwd.config.plan.chunkLen}`,
      );
    }
    const { batch: Bt, dim: D, length: L, dstate: N, groups: G } = dims;
    const seq = Bt * D * L;
    this.checkArray('dout', dout, seq);
    const bwdVariant = { ...this.variant(dims, config.bwd, config.subgroups), stage: config.stageBackward };
    const flat = { wg: FLAT_WG, items: 1, dstate: N, subgroups: false, softplus: false, hasD: false, hasZ: false, hasBias: false };
    const [bw1, bw2, red, gate] = await Promise.all([
      this.pipelines.get(variantKey('bwd-chunk', bwdVariant), () => chunkBackwardShader(bwdVariant), [
        'read',
        'read',
        'read',
        'read',
        'read',
        'read',
        'rw',
        'rw',
      ]),
      this.pipelines.get(
        `${variantKey('bwd-group', { ...bwdVariant, wg: config.group.wg, items: config.group.tile, subgroups: false, hasZ: false, hasD: false })}:cs${config.group.slots}`,
        () => groupBackwardShader(bwdVariant, config.group),
        ['read', 'read', 'read', 'read', 'read', 'read', 'read', 'rw'],
      ),
      this.pipelines.get(variantKey('bwd-reduce', flat), () => reduceShader(N), ['read', 'rw']),
      dims.hasZ ? this.pipelines.get('bwd-gate', () => gateShader(), ['read', 'read', 'rw']) : Promise.resolve(null),
    ]);
    const device = this.device;
    const gseq = this.pool.acquire(layout.gseq.length * 4, STORAGE | COPY_SRC | COPY_DST);
    const gtile = this.pool.acquire(layout.gtile.length * 4, STORAGE | COPY_SRC | COPY_DST);
    const dbc = this.pool.acquire(layout.dbc.length * 4, STORAGE | COPY_SRC | COPY_DST);
    const gkBuf = dims.hasZ ? this.pool.acquire(layout.gk.length * 4, STORAGE | COPY_SRC | COPY_DST) : null;
    const encoder = device.createCommandEncoder({ label: 'vssm-scan-backward' });
    const uniforms: GPUBuffer[] = [];
    const pass = encoder.beginComputePass({ label: 'vssm-scan-backward' });
    let gkEntry: GPUBufferBinding;
    const gkOffsets = { offGy: 0, offK: 0 };
    if (gate && gkBuf && inputs.z) {
      const grid = this.flatGrid(seq);
      const uni = this.uniform(dims, config, layout, { total: seq, gridWidth: grid.width, offGy: layout.gk.offGy, offK: layout.gk.offK });
      uniforms.push(uni);
      pass.setPipeline(gate.pipeline);
      pass.setBindGroup(
        0,
        this.bind(gate.layout, uni, [
          this.entry(dout, seq),
          this.entry(inputs.z, seq),
          { buffer: gkBuf, offset: 0, size: layout.gk.length * 4 },
        ]),
      );
      pass.dispatchWorkgroups(grid.x, grid.y);
      gkEntry = { buffer: gkBuf, offset: 0, size: layout.gk.length * 4 };
      gkOffsets.offGy = layout.gk.offGy;
      gkOffsets.offK = layout.gk.offK;
    } else {
      gkEntry = this.entry(dout, seq);
    }
    const common = [
      this.entry(inputs.u, seq),
      this.entry(inputs.delta, seq),
      gkEntry,
      this.entry(inputs.B, Bt * G * N * L),
      this.entry(inputs.C, Bt * G * N * L),
      { buffer: fwd.aux, offset: 0, size: layout.aux.length * 4 },
    ];
    const u1 = this.uniform(dims, config, layout, gkOffsets);
    uniforms.push(u1);
    if (config.backwardPart !== 'group') {
      pass.setPipeline(bw1.pipeline);
      pass.setBindGroup(
        0,
        this.bind(bw1.layout, u1, [
          ...common,
          { buffer: gseq, offset: 0, size: layout.gseq.length * 4 },
          { buffer: gtile, offset: 0, size: layout.gtile.length * 4 },
        ]),
      );
      pass.dispatchWorkgroups(D, Bt);
    }
    if (config.backwardPart !== 'chunk') {
      pass.setPipeline(bw2.pipeline);
      pass.setBindGroup(
        0,
        this.bind(bw2.layout, u1, [
          ...common,
          { buffer: gtile, offset: 0, size: layout.gtile.length * 4 },
          { buffer: dbc, offset: 0, size: layout.dbc.length * 4 },
        ]),
      );
      pass.dispatchWorkgroups(config.plan.nTiles, G, Bt);
    }
    const rgrid = this.flatGrid(D * N + 2 * D);
    const u3 = this.uniform(dims, config, layout, { gridWidth: rgrid.width });
    uniforms.push(u3);
    pass.setPipeline(red.pipeline);
    pass.setBindGroup(
      0,
      this.bind(red.layout, u3, [
        { buffer: gtile, offset: 0, size: layout.gtile.length * 4 },
        { buffer: dbc, offset: 0, size: layout.dbc.length * 4 },
      ]),
    );
    pass.dispatchWorkgroups(rgrid.x, rgrid.y);
    pass.end();
    device.queue.submit([encoder.finish()]);
    for (const u of uniforms) this.pool.release(u);
    const view = (buffer: GPUBuffer, off: number, length: number): GpuView => ({ buffer, offset: off * 4, length });
    let released = false;
    return {
      du: view(gseq, layout.gseq.offDu, seq),
      ddelta: view(gseq, layout.gseq.offDdelta, seq),
      dz: dims.hasZ ? view(gseq, layout.gseq.offDz, seq) : undefined,
      dB: view(dbc, layout.dbc.offDB, Bt * G * N * L),
      dC: view(dbc, layout.dbc.offDC, Bt * G * N * L),
      dA: view(dbc, layout.dbc.offDA, D * N),
      dD: dims.hasD ? view(dbc, layout.dbc.offDD, D) : undefined,
      ddeltaBias: dims.hasBias ? view(dbc, layout.dbc.offDBias, D) : undefined,
      release: () => {
        if (released) return;
        released = true;
        for (const b of [gseq, gtile, dbc]) this.pool.release(b);
        if (gkBuf) this.pool.release(gkBuf);
      },
    };
  }

  /** Uploads a host array into a pooled storage buffer (release it with `releaseBuffer`). */
  upload(data: Float32Array): GPUBuffer {
    this.assertLive();
    const buf = this.pool.acquire(Math.max(4, data.byteLength), STORAGE | COPY_SRC | COPY_DST, 'vssm-scan-input');
    if (data.length > 0) this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return buf;
  }

  releaseBuffer(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /** Reads device views back with one staging buffer and one map. */
  async read(views: readonly GpuView[]): Promise<Float32Array[]> {
    this.assertLive();
    const offsets: number[] = [];
    let total = 0;
    for (const v of views) {
      offsets.push(total);
      total += Math.ceil((v.length * 4) / 256) * 256;
    }
    const staging = this.pool.acquire(Math.max(total, 256), MAP_READ | COPY_DST, 'vssm-scan-readback');
    const encoder = this.device.createCommandEncoder({ label: 'vssm-scan-readback' });
    views.forEach((v, i) => {
      if (v.length > 0) encoder.copyBufferToBuffer(v.buffer, v.offset, staging, offsets[i], v.length * 4);
    });
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, Math.max(total, 256));
    const mapped = staging.getMappedRange(0, Math.max(total, 256));
    const result = views.map((v, i) => new Float32Array(mapped.slice(offsets[i], offsets[i] + v.length * 4)));
    staging.unmap();
    this.pool.release(staging);
    return result;
  }

  /** Frees every buffer and forgets the device (pipelines die with their device objects). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.destroyAll();
    this.dummy.destroy();
  }

  private assertLive(): void {
    if (this.disposed) throw new ArgumentError('webgpu selective scan: this scanner has been disposed');
  }

  private variant(dims: ScanDims, shape: { wg: number; items: number }, subgroups: boolean): ScanVariant {
    return {
      wg: shape.wg,
      items: shape.items,
      dstate: dims.dstate,
      subgroups,
      softplus: dims.deltaSoftplus,
      hasD: dims.hasD,
      hasZ: dims.hasZ,
      hasBias: dims.hasBias,
    };
  }

  private flatGrid(count: number): { x: number; y: number; width: number } {
    const groups = Math.max(1, Math.ceil(count / FLAT_WG));
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    const y = Math.ceil(groups / max);
    const x = Math.ceil(groups / y);
    return { x, y, width: x * FLAT_WG };
  }

  private uniform(dims: ScanDims, config: LaunchConfig, layout: PackedLayout, extra: Partial<Record<ParamField, number>>): GPUBuffer {
    const block = paramsBlock({
      batch: dims.batch,
      dim: dims.dim,
      len: dims.length,
      dstate: dims.dstate,
      groups: dims.groups,
      dimPerGroup: dims.dim / dims.groups,
      nChunks: config.plan.nChunks,
      chunkLen: config.plan.chunkLen,
      tileLen: config.plan.tileLen,
      nTiles: config.plan.nTiles,
      offA: layout.aux.offA,
      offD: layout.aux.offD,
      offBias: layout.aux.offBias,
      offX: layout.aux.offX,
      offLast: layout.aux.offLast,
      offDu: layout.gseq.offDu,
      offDdelta: layout.gseq.offDdelta,
      offDz: layout.gseq.offDz,
      offHB: layout.gtile.offHB,
      offDHB: layout.gtile.offDHB,
      offPA: layout.gtile.offPA,
      offPD: layout.gtile.offPD,
      offPB: layout.gtile.offPB,
      offDB: layout.dbc.offDB,
      offDC: layout.dbc.offDC,
      offDA: layout.dbc.offDA,
      offDD: layout.dbc.offDD,
      offDBias: layout.dbc.offDBias,
      ...extra,
    });
    const buf = this.pool.acquire(block.byteLength, UNIFORM | COPY_DST, 'vssm-scan-params');
    this.device.queue.writeBuffer(buf, 0, block.buffer, block.byteOffset, block.byteLength);
    return buf;
  }

  private bind(layout: GPUBindGroupLayout, uniform: GPUBuffer, entries: GPUBufferBinding[]): GPUBindGroup {
    return this.device.createBindGroup({
      layout,
      entries: [{ binding: 0, resource: { buffer: uniform } }, ...entries.map((resource, i) => ({ binding: i + 1, resource }))],
    });
  }

  private entry(a: GpuArray, length: number): GPUBufferBinding {
    return { buffer: a.buffer, offset: a.offset ?? 0, size: Math.max(4, length * 4) };
  }

  private placeParam(encoder: GPUCommandEncoder, aux: GPUBuffer, offset: number, value: Float32Array | GpuArray, length: number): void {
    if (value instanceof Float32Array) {
      if (value.length !== length) throw new ShapeError(`webgpu selective scan: parameter of length ${value.length}, expected ${length}`);
      this.device.queue.writeBuffer(aux, offset * 4, value.buffer, value.byteOffset, value.byteLength);
    } else {
      this.checkArray('parameter', value, length);
      encoder.copyBufferToBuffer(value.buffer, value.offset ?? 0, aux, offset * 4, length * 4);
    }
  }

  private checkArray(name: string, a: GpuArray, length: number): void {
    const offset = a.offset ?? 0;
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    if (offset % align !== 0) throw new ArgumentError(`webgpu selective scan: ${name} byte offset ${offset} is not a multiple of ${align}`);
    if (offset + length * 4 > a.buffer.size) {
      throw new ShapeError(
        `webgpu selective scan: ${name} needs ${length} floats at byte offset ${offset}, its buffer has ${a.buffer.size} bytes`,
      );
    }
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (length * 4 > max)
      throw new ArgumentError(`webgpu selective scan: ${name} is ${length * 4} bytes, over this device's binding limit of ${max}`);
  }

  private checkDims(dims: ScanDims, inputs: DeviceScanInputs, params: DeviceScanParams | undefined): void {
    const { batch: Bt, dim: D, length: L, dstate: N, groups: G } = dims;
    for (const [k, v] of Object.entries({ batch: Bt, dim: D, length: L, dstate: N, groups: G })) {
      if (!Number.isInteger(v) || v < 1) throw new ShapeError(`webgpu selective scan: ${k} must be a positive integer, got ${v}`);
    }
    if (D % G !== 0) throw new ShapeError(`webgpu selective scan: dim ${D} is not a multiple of groups ${G}`);
    if (N > 256) throw new ShapeError(`webgpu selective scan: dstate ${N} exceeds 256 (the CUDA kernel's limit too)`);
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (D > max || Bt > max) throw new ShapeError(`webgpu selective scan: dim ${D} and batch ${Bt} must each be at most ${max}`);
    if (dims.hasZ && !inputs.z) throw new ArgumentError('webgpu selective scan: hasZ is set but no z was given');
    const seq = Bt * D * L;
    this.checkArray('u', inputs.u, seq);
    this.checkArray('delta', inputs.delta, seq);
    this.checkArray('B', inputs.B, Bt * G * N * L);
    this.checkArray('C', inputs.C, Bt * G * N * L);
    if (inputs.z && dims.hasZ) this.checkArray('z', inputs.z, seq);
    if (params) {
      if (dims.hasD && !params.D) throw new ArgumentError('webgpu selective scan: hasD is set but no D was given');
      if (dims.hasBias && !params.deltaBias) throw new ArgumentError('webgpu selective scan: hasBias is set but no deltaBias was given');
    }
  }
}
