import { ArgumentError, UnknownNameError } from '@vssm/core';
import { CPU_KERNELS } from './cpu/kernels.js';
import type { KernelFn, OpName, OpSignatures } from './signatures.js';
import { WASM_KERNELS } from './wasm/kernels.js';

/** The reference backend: every op has a CPU kernel, and other backends fall back to it. */
export const CPU_BACKEND = 'cpu';

/**
 * The WebAssembly SIMD backend (multithreaded on the shared runtime of `@vssm/wasm`), active by default: its kernels
 * start the runtime on first use (synchronously in Node) and decline, so `cpu` serves, while it is not ready.
 */
export const WASM_BACKEND = 'wasm';

/**
 * A kernel as stored in the registry. A kernel may return `undefined` to decline a call (for example a GPU kernel
 * that leaves tiny inputs to the CPU); dispatch then runs the `cpu` kernel instead.
 */
// biome-ignore lint/suspicious/noExplicitAny: the registry stores kernels of every signature side by side
export type AnyKernelFn = (inputs: any, attrs: any) => unknown;

/** A named backend: a table of kernels keyed by op name. */
export interface Backend {
  readonly name: string;
  readonly kernels: ReadonlyMap<string, AnyKernelFn>;
}

interface RegistryState {
  backends: Map<string, { name: string; kernels: Map<string, AnyKernelFn> }>;
  active: string;
  lastServed: Map<string, string>;
  observer?: (event: KernelEvent) => void;
}

// Kept on globalThis (as tfjs does) so that an ESM and a CJS copy of this package loaded together share one registry.
const REGISTRY_KEY = Symbol.for('@vssm/ops.registry');

function state(): RegistryState {
  const g = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  let s = g[REGISTRY_KEY];
  if (!s) {
    const cpu = new Map<string, AnyKernelFn>(Object.entries(CPU_KERNELS));
    const wasm = new Map<string, AnyKernelFn>(Object.entries(WASM_KERNELS) as Array<[string, AnyKernelFn]>);
    s = {
      backends: new Map([
        [CPU_BACKEND, { name: CPU_BACKEND, kernels: cpu }],
        [WASM_BACKEND, { name: WASM_BACKEND, kernels: wasm }],
      ]),
      active: WASM_BACKEND,
      lastServed: new Map(),
    };
    g[REGISTRY_KEY] = s;
  }
  return s;
}

function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0)
    throw new ArgumentError(`${what}: name must be a non-empty string, got ${String(name)}`);
}

/** Creates a backend with no kernels (idempotent) and returns it. */
export function registerBackend(name: string): Backend {
  checkName('registerBackend', name);
  const s = state();
  let b = s.backends.get(name);
  if (!b) {
    b = { name, kernels: new Map() };
    s.backends.set(name, b);
  }
  return b;
}

/** Removes a backend and its kernels; the `cpu` backend cannot be removed. An active backend being removed resets to `cpu`. */
export function removeBackend(name: string): void {
  const s = state();
  if (name === CPU_BACKEND) throw new ArgumentError(`removeBackend: the '${CPU_BACKEND}' reference backend cannot be removed`);
  if (!s.backends.has(name)) throw new UnknownNameError('backend', name, listBackends());
  s.backends.delete(name);
  if (s.active === name) s.active = CPU_BACKEND;
}

/**
 * Registers `impl` as the kernel of `opName` on `backendName` (creating the backend if needed; a later registration
 * replaces an earlier one). Only the `cpu` backend may introduce a new op name: every other backend registers a
 * subset of the ops that `cpu` has, so that dispatch can always fall back to the reference.
 */
export function registerKernel<K extends OpName>(opName: K, backendName: string, impl: KernelFn<K>): void;
export function registerKernel(opName: string, backendName: string, impl: AnyKernelFn): void;
export function registerKernel(opName: string, backendName: string, impl: AnyKernelFn): void {
  checkName('registerKernel (op)', opName);
  checkName('registerKernel (backend)', backendName);
  if (typeof impl !== 'function') throw new ArgumentError(`registerKernel: kernel for '${opName}' on '${backendName}' must be a function`);
  const s = state();
  if (backendName !== CPU_BACKEND && !s.backends.get(CPU_BACKEND)!.kernels.has(opName)) {
    throw new UnknownNameError('op', opName, listOps());
  }
  registerBackend(backendName);
  s.backends.get(backendName)!.kernels.set(opName, impl);
}

/**
 * Removes the kernel of `opName` from `backendName` (a no-op when it has none). The `cpu` kernels of the built-in
 * ops cannot be removed; a custom op's `cpu` kernel can once no other backend implements that op.
 */
export function unregisterKernel(opName: string, backendName: string): void {
  const b = state().backends.get(backendName);
  if (!b) throw new UnknownNameError('backend', backendName, listBackends());
  if (backendName === CPU_BACKEND && Object.hasOwn(CPU_KERNELS, opName)) {
    throw new ArgumentError(`unregisterKernel: '${opName}' is a built-in op; its '${CPU_BACKEND}' reference kernel cannot be removed`);
  }
  if (backendName === CPU_BACKEND && b.kernels.has(opName)) {
    for (const other of state().backends.values()) {
      if (other.name !== CPU_BACKEND && other.kernels.has(opName)) {
        throw new ArgumentError(
          `unregisterKernel: backend '${other.name}' still has a '${opName}' kernel that falls back to '${CPU_BACKEND}'`,
        );
      }
    }
  }
  b.kernels.delete(opName);
}

/** Makes `name` the active backend; ops it lacks keep running on `cpu`. */
export function setBackend(name: string): void {
  const s = state();
  if (!s.backends.has(name)) throw new UnknownNameError('backend', name, listBackends());
  s.active = name;
}

/** The name of the active backend. */
export function getBackend(): string {
  return state().active;
}

/** A registered backend by name (the active one when omitted). */
export function findBackend(name = getBackend()): Backend {
  const b = state().backends.get(name);
  if (!b) throw new UnknownNameError('backend', name, listBackends());
  return b;
}

/** Names of all registered backends. */
export function listBackends(): string[] {
  return [...state().backends.keys()];
}

/** Names of all ops (those with a `cpu` reference kernel), sorted. */
export function listOps(): string[] {
  return [...state().backends.get(CPU_BACKEND)!.kernels.keys()].sort();
}

/** Runs `fn` with `name` as the active backend, restoring the previous one afterwards (also on a throw). */
export function withBackend<T>(name: string, fn: () => T): T {
  const previous = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    if (state().backends.has(previous)) setBackend(previous);
  }
}

/** The backend that would serve `opName` now: the active one when it has the kernel, otherwise `cpu`. */
export function servingBackend(opName: string): string {
  const s = state();
  if (s.backends.get(s.active)?.kernels.has(opName)) return s.active;
  if (s.backends.get(CPU_BACKEND)!.kernels.has(opName)) return CPU_BACKEND;
  throw new UnknownNameError('op', opName, listOps());
}

/** The backend that served the most recent call of `opName` (undefined before the first call). */
export function lastServedBy(opName: string): string | undefined {
  return state().lastServed.get(opName);
}

/**
 * Dispatches an op: the active backend's kernel when it has one and does not decline, otherwise the `cpu` kernel.
 * Inputs and attributes must already be validated and normalised by the public op.
 */
export function runKernel<K extends OpName>(
  opName: K,
  inputs: OpSignatures[K]['inputs'],
  attrs: OpSignatures[K]['attrs'],
): OpSignatures[K]['output'];
export function runKernel(opName: string, inputs: unknown, attrs: unknown): unknown;
export function runKernel(opName: string, inputs: unknown, attrs: unknown): unknown {
  const s = state();
  const cpu = s.backends.get(CPU_BACKEND)!.kernels.get(opName);
  if (!cpu) throw new UnknownNameError('op', opName, listOps());
  const observer = s.observer;
  const start = observer ? performance.now() : 0;
  let served = CPU_BACKEND;
  let out: unknown;
  if (s.active !== CPU_BACKEND) {
    const impl = s.backends.get(s.active)?.kernels.get(opName);
    if (impl) {
      out = impl(inputs, attrs);
      if (out !== undefined) served = s.active;
    }
  }
  if (out === undefined) out = cpu(inputs, attrs);
  s.lastServed.set(opName, served);
  if (observer) observer({ op: opName, backend: served, ms: performance.now() - start, inputs, attrs });
  return out;
}

/** What a kernel observer sees after every op: its name, the backend that served it, and its wall time. */
export interface KernelEvent {
  op: string;
  backend: string;
  ms: number;
  inputs: unknown;
  attrs: unknown;
}

/**
 * Installs (or with `undefined` removes) a function called after every op dispatch — for profilers and
 * per-op time breakdowns. Returns the previous observer. Costs nothing when none is installed.
 */
export function setKernelObserver(observer: ((event: KernelEvent) => void) | undefined): ((event: KernelEvent) => void) | undefined {
  const s = state();
  const previous = s.observer;
  s.observer = observer;
  return previous;
}
