import { nodeBuiltin } from './features.js';

/** A started worker thread, Node worker_threads or a browser Worker, behind one small interface. */
export interface Thread {
  post(message: unknown): void;
  /** Calls back for each message; 'error' and 'exit' of the thread arrive as { type: 'error' | 'exit' }. */
  listen(callback: (message: { type: string; message?: string }) => void): void;
  /** Lets the process exit while the thread idles (Node); no-op in browsers. */
  unref(): void;
  ref(): void;
  terminate(): Promise<void>;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Whether this environment can start worker threads from a script string. */
export async function canStartThreads(): Promise<{ ok: boolean; reason: string }> {
  if (isNode()) {
    try {
      await import('node:worker_threads');
      return { ok: true, reason: 'node worker_threads' };
    } catch {
      return { ok: false, reason: 'node:worker_threads cannot be loaded' };
    }
  }
  const g = globalThis as { Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
    return { ok: false, reason: 'Web Workers are not available' };
  }
  return { ok: true, reason: 'web workers' };
}

type NodeWorkerThreads = typeof import('node:worker_threads');

/** Whether threads can be started synchronously here (Node with `process.getBuiltinModule`). */
export function canStartThreadsSync(): boolean {
  return isNode() && nodeBuiltin<NodeWorkerThreads>('node:worker_threads') !== undefined;
}

/** Starts a Node worker thread synchronously (see canStartThreadsSync). */
export function startThreadSync(source: string): Thread {
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
  if (!wt) throw new Error('startThreadSync: node:worker_threads cannot be loaded synchronously here');
  return nodeThread(wt, source);
}

function nodeThread(wt: NodeWorkerThreads, source: string): Thread {
  // execArgv [] so that loaders of the parent (tsx) are not started in a worker that needs none
  const worker = new wt.Worker(source, { eval: true, execArgv: [] });
  return {
    post: (m) => worker.postMessage(m),
    listen: (cb) => {
      worker.on('message', cb);
      worker.on('error', (e) => cb({ type: 'error', message: String(e?.stack ?? e) }));
      worker.on('exit', (code) => cb({ type: 'exit', message: `worker exited with code ${code}` }));
    },
    unref: () => worker.unref(),
    ref: () => worker.ref(),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Starts a thread running `source` (a classic script). */
export async function startThread(source: string): Promise<Thread> {
  if (isNode()) return nodeThread(await import('node:worker_threads'), source);
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  return {
    post: (m) => worker.postMessage(m),
    listen: (cb) => {
      worker.onmessage = (e: MessageEvent) => cb(e.data);
      worker.onerror = (e: ErrorEvent) => cb({ type: 'error', message: e.message });
    },
    unref: () => {},
    ref: () => {},
    terminate: async () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
