import { ArgumentError, Tensor } from '@vssm/core';
import type { WasmRuntime } from './runtime.js';
import { peekSharedRuntime, sharedRuntimeSync } from './shared.js';

/**
 * Scratch scopes: inside one, kernels leave their outputs in wasm memory (see withScratch and README.md, "Output
 * residency"). A scope owns every block its outputs live in and releases them all when it ends; results that leave
 * it are moved to the enclosing scope or copied to the JavaScript heap.
 */
export interface ScratchScope {
  readonly parent: ScratchScope | undefined;
  readonly rt: WasmRuntime;
  /** The view each output block is exposed through, with its address and size. */
  readonly blocks: Map<Float32Array, { ptr: number; bytes: number }>;
  bytes: number;
  ended: boolean;
}

/** Most bytes all open scopes together keep in wasm memory; outputs past it are copied to the JavaScript heap. */
export const scratchLimits = { maxBytes: 1536 * 1024 * 1024 };

interface AsyncStorage<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

type AsyncHooks = { AsyncLocalStorage: new <T>() => AsyncStorage<T> };

function loadAsyncStorage(): AsyncStorage<ScratchScope> | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule !== 'function') return undefined;
  try {
    const hooks = p.getBuiltinModule('node:async_hooks') as AsyncHooks | undefined;
    return hooks ? new hooks.AsyncLocalStorage<ScratchScope>() : undefined;
  } catch {
    return undefined;
  }
}

// The current scope follows the async call chain (AsyncLocalStorage), so that concurrent forward passes never see
// each other's scope. Where there is none (browsers), withScratch runs its function without residency.
let storage: AsyncStorage<ScratchScope> | undefined | null = null;
function asyncStorage(): AsyncStorage<ScratchScope> | undefined {
  if (storage === null) storage = loadAsyncStorage();
  return storage;
}

/** Views of scopes that have ended: an op handed one throws instead of reading memory that is no longer its. */
const expired = new WeakSet<Float32Array>();
/** The SharedArrayBuffers of the runtimes' memories (a shared memory's `buffer` object changes when it grows). */
const wasmBuffers = new WeakMap<ArrayBufferLike, WasmRuntime>();
let residentBytes = 0;

/** Records `rt`'s current buffer as wasm memory (call after every allocation that may have grown it). */
export function noteBuffer(rt: WasmRuntime): void {
  wasmBuffers.set(rt.memory.buffer, rt);
}

/** Whether `t`'s values live in wasm memory (an output of a wasm kernel inside withScratch); with `rt`, in its memory. */
export function isResident(t: Tensor, rt?: WasmRuntime): boolean {
  const owner = wasmBuffers.get(t.data.buffer);
  return owner !== undefined && (rt === undefined || owner === rt);
}

/**
 * The address of `values` in `rt`'s memory when the array is a view of it (a resident tensor's data or a subarray
 * of it), else undefined: a kernel reads such an input where it is instead of copying it in.
 */
export function residentAddress(values: Float32Array, rt: WasmRuntime): number | undefined {
  return wasmBuffers.get(values.buffer) === rt ? values.byteOffset : undefined;
}

/** The scope wasm kernel outputs go to now, if any. */
export function currentScope(rt: WasmRuntime): ScratchScope | undefined {
  const scope = asyncStorage()?.getStore();
  return scope && !scope.ended && scope.rt === rt ? scope : undefined;
}

/** Throws when `t` is a resident tensor whose scope has ended (its memory may hold other data by now). */
export function assertAlive(op: string, t: Tensor): void {
  if (expired.has(t.data)) {
    throw new ArgumentError(
      `${op}: a tensor of shape [${t.shape.join(', ')}] was used after the withScratch scope that produced it ended; ` +
        'return it from the scope or keep a persist() copy',
    );
  }
}

/**
 * A block of `floats` for an output in `scope`, or undefined past the residency limit. The caller exposes it with
 * `residentTensor`.
 */
export function scopeAlloc(scope: ScratchScope, floats: number): number | undefined {
  const bytes = blockBytes(floats);
  if (residentBytes + bytes > scratchLimits.maxBytes) return undefined;
  const ptr = scope.rt.alloc(bytes);
  noteBuffer(scope.rt);
  scope.bytes += bytes;
  residentBytes += bytes;
  return ptr;
}

const blockBytes = (floats: number) => Math.max(16, Math.ceil(floats / 4) * 16);

/** The tensor over a scope block (registered so that it can be moved or expired with its scope). */
export function residentTensor(scope: ScratchScope, ptr: number, floats: number, shape: readonly number[]): Tensor {
  noteBuffer(scope.rt);
  const view = new Float32Array(scope.rt.memory.buffer, ptr, floats);
  scope.blocks.set(view, { ptr, bytes: blockBytes(floats) });
  return new Tensor(view, shape.slice());
}

/** The views pin() made. */
const pinnedViews = new WeakSet<Float32Array>();
/** Releases the wasm block behind a pinned view once nothing references the view any more. */
const pinnedBlocks = new FinalizationRegistry<{ rt: WasmRuntime; ptr: number }>(({ rt, ptr }) => {
  if (!rt.isShutdown) rt.release(ptr);
});

/**
 * A copy of `t` (contiguous, same shape) whose values live in `rt`'s memory for as long as the copy is referenced:
 * wasm kernels read it in place, with no copy per call (weights, which every forward reads again). Unlike a scope's
 * outputs a pinned tensor never expires; writes into its `data` are what the kernels see. Returns `t` itself when it is
 * already pinned, and undefined where memory is not shared (an unshared memory that grows detaches its views).
 */
export function pin(t: Tensor, rt: WasmRuntime): Tensor | undefined {
  if (!rt.shared || rt.isShutdown) return undefined;
  if (pinnedViews.has(t.data) && isResident(t, rt) && t.isContiguous) return t;
  assertAlive('pin', t);
  const floats = t.size;
  const ptr = rt.alloc(blockBytes(floats));
  noteBuffer(rt);
  const view = new Float32Array(rt.memory.buffer, ptr, floats);
  view.set(t.contiguousData());
  pinnedBlocks.register(view, { rt, ptr });
  pinnedViews.add(view);
  return new Tensor(view, t.shape.slice());
}

/** A JavaScript-heap copy of a resident tensor (same shape, strides and offset); other tensors as they are. */
export function persist(t: Tensor): Tensor {
  if (!(t instanceof Tensor) || !isResident(t)) return t;
  assertAlive('persist', t);
  return new Tensor(new Float32Array(t.data), t.shape.slice(), t.strides.slice(), t.offset);
}

/** Moves or copies the resident tensors found in `value` (tensors, arrays, plain objects) out of `scope`. */
function rescue(value: unknown, scope: ScratchScope, depth = 0): unknown {
  if (value instanceof Tensor) {
    if (!isResident(value)) return value;
    const block = scope.blocks.get(value.data);
    if (block && scope.parent && !scope.parent.ended) {
      // hand the block to the enclosing scope: no copy
      scope.blocks.delete(value.data);
      scope.bytes -= block.bytes;
      scope.parent.blocks.set(value.data, block);
      scope.parent.bytes += block.bytes;
      return value;
    }
    return persist(value);
  }
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => rescue(v, scope, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rescue(v, scope, depth + 1);
    return out;
  }
  return value;
}

/** Ends a scope: releases its blocks and expires their views. */
function endScope(scope: ScratchScope): void {
  scope.ended = true;
  for (const [view, block] of scope.blocks) {
    expired.add(view);
    if (!scope.rt.isShutdown) scope.rt.release(block.ptr);
  }
  residentBytes -= scope.bytes;
  scope.blocks.clear();
}

/**
 * Runs `fn` in a scratch scope on `rt` (default: the shared runtime, started synchronously in Node if need be):
 * kernels that support it leave their outputs in wasm memory, and an op whose input is such a tensor reads it
 * where it is, so a chain of ops copies nothing. Every block is released when `fn` settles; tensors in its result
 * (a tensor, or arrays and plain objects holding tensors) are moved to the enclosing scope, or copied to the
 * JavaScript heap at the outermost one.
 *
 * The rule: a tensor made inside the scope is valid until the scope ends. Anything kept longer (a cache, a module
 * field, a closure, a capture map) must be returned, or copied with `persist()` before the end; an op handed an
 * expired tensor throws. Scopes follow the async call chain (AsyncLocalStorage), so concurrent forward passes each
 * have their own. Without AsyncLocalStorage (browsers) or shared memory, `fn` simply runs and outputs are copied.
 */
export function withScratch<T>(fn: () => T | Promise<T>, rt?: WasmRuntime): Promise<T> {
  let runtime = rt ?? peekSharedRuntime();
  if (!runtime) {
    try {
      runtime = sharedRuntimeSync();
    } catch {
      runtime = undefined;
    }
  }
  return runScope(runtime, fn);
}

/** Opens a scope on `rt` for the duration of `fn`, then rescues its result and ends it. */
async function runScope<T>(rt: WasmRuntime | undefined, fn: () => T | Promise<T>): Promise<T> {
  const als = asyncStorage();
  if (!als || !rt?.shared) return await fn();
  const parent = als.getStore();
  const scope: ScratchScope = { parent: parent && !parent.ended ? parent : undefined, rt, blocks: new Map(), bytes: 0, ended: false };
  let result: T;
  try {
    result = await als.run(scope, fn);
    result = rescue(result, scope) as T;
  } finally {
    endScope(scope);
  }
  return result;
}
