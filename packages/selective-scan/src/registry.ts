import { ArgumentError, BackendUnavailableError, UnknownNameError } from '@vssm/core';
import { createCpuF64Backend } from './backends/cpu-f64.js';
import { createCpuBackend } from './cpu/backend.js';
import { shutdownSharedRuntime } from '@vssm/wasm';
import { createGpujsBackend, GPUJS_MODES } from './gpujs/index.js';
import type { BackendStatus, SelectiveScanBackend } from './types.js';
import { createWebgpuBackend } from './webgpu/index.js';

/** One row of backends(): whether the backend can run here, and why not (or what it runs on). */
export interface BackendInfo {
  name: string;
  available: boolean;
  reason: string;
  priority: number;
}

const registry = new Map<string, SelectiveScanBackend>();
const probes = new WeakMap<SelectiveScanBackend, Promise<BackendStatus>>();

/**
 * Adds a backend. Names are unique: registering an existing name throws unless `replace` is set.
 * When no backend is named, the available one with the highest priority runs (see README: webgpu 100,
 * gpujs:webgpu 90, cpu 50, other gpujs modes below 50, cpu-f64 0).
 */
export function registerBackend(backend: SelectiveScanBackend, options: { replace?: boolean } = {}): void {
  if (typeof backend !== 'object' || backend === null || typeof backend.name !== 'string' || backend.name === '') {
    throw new ArgumentError('registerBackend: a backend needs a non-empty string name');
  }
  for (const method of ['probe', 'forward', 'backward'] as const) {
    if (typeof backend[method] !== 'function')
      throw new ArgumentError(`registerBackend: backend '${backend.name}' has no ${method}() method`);
  }
  if (typeof backend.priority !== 'number' || !Number.isFinite(backend.priority)) {
    throw new ArgumentError(`registerBackend: backend '${backend.name}' needs a finite numeric priority`);
  }
  if (registry.has(backend.name) && !options.replace) {
    throw new ArgumentError(
      `registerBackend: a backend named '${backend.name}' is already registered (pass { replace: true } to replace it)`,
    );
  }
  registry.set(backend.name, backend);
}

/** Removes a backend by name; returns whether one was registered. */
export function unregisterBackend(name: string): boolean {
  return registry.delete(name);
}

/** The registered backend called `name`; UnknownNameError if there is none. */
export function getBackend(name: string): SelectiveScanBackend {
  const backend = registry.get(name);
  if (!backend) throw new UnknownNameError('selective-scan backend', String(name), [...registry.keys()]);
  return backend;
}

/** Probes a backend once and caches the answer; a probe that throws counts as unavailable. */
export function probeBackend(backend: SelectiveScanBackend): Promise<BackendStatus> {
  let status = probes.get(backend);
  if (!status) {
    status = backend.probe().then(
      (s) => ({ available: Boolean(s?.available), reason: s?.reason }),
      (e: unknown) => ({ available: false, reason: `probe failed: ${(e as Error)?.message ?? String(e)}` }),
    );
    probes.set(backend, status);
  }
  return status;
}

function byPriority(): SelectiveScanBackend[] {
  return [...registry.values()].sort((a, b) => b.priority - a.priority);
}

/** Every registered backend, highest priority first, with its (cached) availability. */
export async function backends(): Promise<BackendInfo[]> {
  const list = byPriority();
  const statuses = await Promise.all(list.map(probeBackend));
  return list.map((b, i) => ({ name: b.name, available: statuses[i].available, reason: statuses[i].reason ?? '', priority: b.priority }));
}

/**
 * The backend to run: the named one (UnknownNameError if not registered, BackendUnavailableError with the probe's
 * reason if it cannot run here), or the available one with the highest priority.
 */
export async function resolveBackend(name?: string): Promise<SelectiveScanBackend> {
  if (name !== undefined) {
    if (typeof name !== 'string') throw new ArgumentError(`selectiveScan: option 'backend' must be a string, got ${typeof name}`);
    const backend = getBackend(name);
    const status = await probeBackend(backend);
    if (!status.available) throw new BackendUnavailableError(name, status.reason ?? 'its probe reported it unavailable');
    return backend;
  }
  for (const backend of byPriority()) {
    if ((await probeBackend(backend)).available) return backend;
  }
  throw new BackendUnavailableError('(any)', 'no registered selective-scan backend is available');
}

/** Releases every backend's resources (worker threads, GPU devices); they start again on next use. */
export async function disposeBackends(): Promise<void> {
  await Promise.all([...registry.values()].map((b) => b.dispose?.()));
  await shutdownSharedRuntime();
}

function registerBuiltins(): void {
  registerBackend(createWebgpuBackend());
  for (const mode of GPUJS_MODES) registerBackend(createGpujsBackend(mode));
  registerBackend(createCpuBackend());
  registerBackend(createCpuF64Backend());
}

registerBuiltins();
