/** Environment checks the runtime needs: shared memory, blocking waits, hardware threads. */

/** Whether a shared WebAssembly.Memory can be created (SharedArrayBuffer, cross-origin isolation in browsers). */
export function sharedMemoryStatus(): { ok: boolean; reason: string } {
  if (typeof SharedArrayBuffer === 'undefined') {
    return { ok: false, reason: 'SharedArrayBuffer is unavailable (browsers need cross-origin isolation: COOP/COEP headers)' };
  }
  const g = globalThis as { crossOriginIsolated?: boolean; document?: unknown };
  if (g.document !== undefined && g.crossOriginIsolated === false) {
    return { ok: false, reason: 'the page is not cross-origin isolated (COOP/COEP headers), so memory cannot be shared with workers' };
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return { ok: true, reason: 'shared WebAssembly.Memory' };
  } catch (e) {
    return { ok: false, reason: `shared WebAssembly.Memory cannot be created (${(e as Error).message})` };
  }
}

/** Whether this thread may block in Atomics.wait (not allowed on a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Hardware threads: os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers, else 1. */
export async function hardwareThreads(): Promise<number> {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.process?.versions?.node === 'string') {
    try {
      const os = await import('node:os');
      return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    } catch {
      return 1;
    }
  }
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/**
 * A Node built-in module loaded synchronously (`process.getBuiltinModule`, Node ≥ 20.16), or undefined outside Node
 * or on older versions. Lets the runtime start synchronously without a static `node:` import (which would break
 * browser bundles).
 */
export function nodeBuiltin<T>(name: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule !== 'function') return undefined;
  try {
    return p.getBuiltinModule(name) as T | undefined;
  } catch {
    return undefined;
  }
}

/** hardwareThreads() without awaiting: Node through nodeBuiltin, browsers from navigator, else 1. */
export function hardwareThreadsSync(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/** Decodes base64 (atob in browsers and Node ≥ 16). */
export function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
