/// <reference types="@webgpu/types" />
import { WebGPUContext } from './gpujs-interop.js';

/** What the fused kernels run on: gpu.js's shared device, with what it can do. */
export interface SharedDevice {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  /** Subgroup operations are enabled on the device and laid out as the scans assume (checked by a test kernel). */
  subgroups: boolean;
  /** Subgroup size seen by the layout check (0 without subgroups). */
  subgroupSize: number;
  /** Why subgroups are off, when they are. */
  subgroupNote: string;
}

const WANTED_FEATURES: GPUFeatureName[] = ['subgroups' as GPUFeatureName];

let nodeSetup: Promise<string | null> | null = null;

/**
 * Makes `navigator.gpu` exist: in a browser it already does; in Node it installs Dawn from the optional `webgpu`
 * package (`create([])` plus its globals). Resolves to null when WebGPU is reachable, else to the reason it is not.
 */
export function ensureNavigatorGpu(): Promise<string | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return Promise.resolve(null);
  if (typeof process === 'undefined' || !process.versions?.node) {
    return Promise.resolve('this JavaScript runtime has no navigator.gpu (WebGPU is not exposed here)');
  }
  nodeSetup ??= (async () => {
    const noDevice = await linuxWithoutGpuDevice();
    if (noDevice) return noDevice;
    const name = 'webgpu';
    let mod: { create: (options: string[]) => GPU; globals: object };
    try {
      mod = (await import(/* @vite-ignore */ name)) as typeof mod;
    } catch (e) {
      return `the optional 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`;
    }
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu };
    return null;
  })();
  return nodeSetup;
}

/**
 * On Linux, Dawn is only worth loading when a GPU device node exists; without one it finds no adapter anyway and
 * prints Vulkan loader warnings on stderr. Returns the reason to skip, or null. `VSSM_FORCE_WEBGPU=1` skips the check.
 */
async function linuxWithoutGpuDevice(): Promise<string | null> {
  if (process.platform !== 'linux' || process.env.VSSM_FORCE_WEBGPU === '1') return null;
  if (process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES) return null;
  try {
    const { readdirSync } = await import('node:fs');
    const dev = readdirSync('/dev');
    if (dev.some((n) => /^nvidia\d+$/.test(n))) return null;
    const dri = dev.includes('dri') ? readdirSync('/dev/dri') : [];
    if (dri.some((n) => n.startsWith('renderD'))) return null;
  } catch {
    return null;
  }
  return 'no GPU device node found (/dev/nvidia*, /dev/dri/renderD*), so Dawn was not loaded; set VSSM_FORCE_WEBGPU=1 to try anyway';
}

/** Asks for an adapter without creating a device; null with a reason when none answers. */
export async function probeAdapter(): Promise<{ adapter: GPUAdapter | null; reason?: string }> {
  const missing = await ensureNavigatorGpu();
  if (missing) return { adapter: null, reason: missing };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter)
      return { adapter: null, reason: 'navigator.gpu is present but requestAdapter() returned no adapter (no usable GPU driver)' };
    return { adapter };
  } catch (e) {
    return { adapter: null, reason: `requestAdapter() failed: ${(e as Error).message}` };
  }
}

/**
 * gpu.js requests its device with raised buffer limits only. When this module is first to ask, it patches the
 * adapter for the duration of `WebGPUContext.acquire()` so the shared device also has the subgroups feature; when
 * gpu.js got there first, the device is taken as it is (and the scans use their workgroup-memory fallback).
 */
async function acquireGpujsDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  const gpu = navigator.gpu as GPU & { requestAdapter: GPU['requestAdapter'] };
  const original = gpu.requestAdapter;
  let patched = false;
  try {
    gpu.requestAdapter = async function patchedRequestAdapter(options?: GPURequestAdapterOptions) {
      const adapter = await original.call(gpu, options);
      if (adapter) {
        const requestDevice = adapter.requestDevice.bind(adapter);
        const extra = WANTED_FEATURES.filter((f) => adapter.features.has(f));
        try {
          (adapter as { requestDevice: GPUAdapter['requestDevice'] }).requestDevice = (desc?: GPUDeviceDescriptor) =>
            requestDevice({ ...desc, requiredFeatures: [...(desc?.requiredFeatures ?? []), ...extra] });
        } catch {
          // a sealed adapter object: the device comes without subgroups and the scans use workgroup memory
        }
      }
      return adapter;
    };
    patched = gpu.requestAdapter !== original;
  } catch {
    patched = false;
  }
  try {
    return await WebGPUContext.acquire();
  } finally {
    if (patched) {
      delete (gpu as { requestAdapter?: unknown }).requestAdapter;
      if (gpu.requestAdapter !== original) gpu.requestAdapter = original;
    }
  }
}

const LAYOUT_CHECK = `enable subgroups;
@group(0) @binding(0) var<storage, read_write> o: array<u32>;
@compute @workgroup_size(128)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgs: u32) {
  let first = subgroupBroadcastFirst(lid);
  var ok = 1u;
  if (lane != lid % sgs || first != lid - lane || 128u % sgs != 0u) { ok = 0u; }
  o[lid] = ok | (sgs << 8u);
}`;

/** Runs a one-workgroup kernel that checks subgroup k holds invocations [k·size, (k+1)·size); returns the size or a reason. */
async function checkSubgroupLayout(device: GPUDevice): Promise<{ size: number; note: string }> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code: LAYOUT_CHECK });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const err = await device.popErrorScope();
  if (err) return { size: 0, note: `subgroup layout check did not compile: ${err.message}` };
  const out = device.createBuffer({ size: 512, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 512, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }),
    );
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, 512);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const v = new Uint32Array(read.getMappedRange().slice(0));
    read.unmap();
    const sizes = new Set(Array.from(v, (x) => x >> 8));
    if (!v.every((x) => (x & 1) === 1)) return { size: 0, note: 'subgroups are not laid out as contiguous runs of invocations' };
    if (sizes.size !== 1) return { size: 0, note: `mixed subgroup sizes ${[...sizes].join(', ')} in one workgroup` };
    return { size: [...sizes][0], note: '' };
  } finally {
    out.destroy();
    read.destroy();
  }
}

let shared: Promise<SharedDevice> | null = null;

/** The device gpu.js holds (acquired once), with subgroup support established. Rejects when no adapter exists. */
export function sharedDevice(): Promise<SharedDevice> {
  shared ??= (async () => {
    const missing = await ensureNavigatorGpu();
    if (missing) throw new Error(missing);
    const { adapter, device } = await acquireGpujsDevice();
    const info = (adapter as { info?: GPUAdapterInfo }).info;
    const adapterInfo = {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
    };
    let subgroups = false;
    let subgroupSize = 0;
    let subgroupNote = '';
    if (!device.features.has('subgroups' as GPUFeatureName)) {
      subgroupNote = adapter.features.has('subgroups' as GPUFeatureName)
        ? 'the shared gpu.js device was created before this backend could ask for the subgroups feature'
        : 'the adapter has no subgroups feature';
    } else {
      const check = await checkSubgroupLayout(device);
      subgroups = check.size > 0;
      subgroupSize = check.size;
      subgroupNote = check.note;
    }
    device.lost.then(() => {
      shared = null;
    });
    return { device, adapterInfo, subgroups, subgroupSize, subgroupNote };
  })();
  shared.catch(() => {
    shared = null;
  });
  return shared;
}
