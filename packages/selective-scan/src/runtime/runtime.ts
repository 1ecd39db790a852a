import { Allocator } from './allocator.js';
import { CTRL, CTRL_BYTES, MAX_WORKERS, OP, SCHEDULE } from './control.js';
import { canBlock, decodeBase64, hardwareThreads, sharedMemoryStatus } from './features.js';
import { canStartThreads, startThread, type Thread } from './threads.js';
import { WORKER_SOURCE } from './worker-source.js';

/** How workers are woken and report completion: Atomics.wait/notify on the control block, or postMessage. */
export type SyncMode = 'atomics' | 'message';

/** A WebAssembly kernel module in the two variants that scripts/build-wasm.mjs emits (base64 or bytes). */
export interface WasmModuleSource {
  readonly name: string;
  readonly shared: string | Uint8Array;
  readonly plain: string | Uint8Array;
}

export interface RuntimeOptions {
  /** Participating threads including the main thread (default: hardware threads, at most 16). */
  threads?: number;
  /** Default 'atomics' (the cheaper one, see bench/dispatch.ts). */
  sync?: SyncMode;
  /** Largest memory in bytes (default and maximum 4 GiB − 64 KiB; browsers may grant less). */
  maxBytes?: number;
  /**
   * How long an idle worker keeps polling for the next job before it sleeps (atomics sync). Waking sleeping
   * threads costs tens of µs (16 threads: ~125 µs per run back to back without polling, ~8 µs with), but polling
   * threads steal time from other processes on a busy machine. Default: 50 µs with 4 or more hardware threads, else 0.
   */
  spinMicroseconds?: number;
}

export interface RunOptions {
  /** Items claimed at a time under the dynamic schedule (default 1). */
  grain?: number;
  /** 'dynamic' (claim grains from a shared counter) or 'static' (one contiguous range per participant, deterministic). */
  schedule?: 'dynamic' | 'static';
  /** Use at most this many participants for this run. */
  participants?: number;
}

/** An exported kernel `(args, begin, end, participant) => void` of a loaded module. */
export interface Kernel {
  readonly module: string;
  readonly name: string;
  readonly moduleId: number;
  readonly funcId: number;
  readonly fn: (args: number, begin: number, end: number, participant: number) => void;
}

/** A module instantiated on the main thread and every worker. */
export interface LoadedModule {
  readonly name: string;
  kernel(exportName: string): Kernel;
  /** Any export of the main-thread instance (helpers that run on the main thread only). */
  readonly exports: WebAssembly.Exports;
}

const PAGE = 65536;
/** Addresses below this are reserved: [0, 1024) unused, the control block at 1024, the rest for future use. */
export const HEAP_BASE = PAGE;
const CTRL_PTR = 1024;
/** A failing worker writes its error message (UTF-16, zero-terminated) here. */
const ERROR_TEXT_PTR = 4096;
const ERROR_TEXT_CHARS = 1024;
const MAX_PAGES = 65536;

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A WebAssembly memory shared by a pool of worker threads, with an allocator, a set of kernel modules
 * instantiated in every thread, and `run`, which executes a kernel over an index range split between the main
 * thread (participant 0) and the workers. Kernel-agnostic: scan, matmul and conv kernels can share one runtime.
 */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  /** Participants of a run: the main thread plus the workers. */
  readonly threads: number;
  readonly sync: SyncMode;
  /** Why the runtime runs with fewer threads than asked, if it does. */
  readonly note: string;
  private readonly allocator: Allocator;
  private readonly workers: Thread[] = [];
  private readonly pending: Array<Pending | undefined> = [];
  private readonly modules = new Map<WasmModuleSource, Promise<LoadedModule>>();
  private readonly moduleList: Array<{ id: number; module: WebAssembly.Module; exports: string[] }> = [];
  private readonly mainBlocks: boolean;
  private workerError = '';
  private readonly spinMicroseconds: number;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    memory: WebAssembly.Memory,
    shared: boolean,
    threads: number,
    sync: SyncMode,
    note: string,
    maxBytes: number,
    spin: number,
  ) {
    this.memory = memory;
    this.spinMicroseconds = spin;
    this.shared = shared;
    this.threads = threads;
    this.sync = sync;
    this.note = note;
    this.allocator = new Allocator(memory, HEAP_BASE, maxBytes);
    this.mainBlocks = shared && canBlock();
  }

  /** Creates a runtime; falls back to one thread (and unshared memory) when workers or shared memory are missing. */
  static async create(options: RuntimeOptions = {}): Promise<WasmRuntime> {
    const sync = options.sync ?? 'atomics';
    const wanted = Math.max(1, Math.min(options.threads ?? Math.min(16, await hardwareThreads()), MAX_WORKERS + 1));
    let note = '';
    let threads = wanted;
    const sharedStatus = sharedMemoryStatus();
    if (threads > 1 && !sharedStatus.ok) {
      threads = 1;
      note = `single-threaded: ${sharedStatus.reason}`;
    }
    if (threads > 1) {
      const t = await canStartThreads();
      if (!t.ok) {
        threads = 1;
        note = `single-threaded: ${t.reason}`;
      }
    }
    const shared = threads > 1;
    const maxBytes = Math.min(options.maxBytes ?? MAX_PAGES * PAGE - PAGE, MAX_PAGES * PAGE - PAGE);
    const { memory, maxPages } = createMemory(shared, Math.floor(maxBytes / PAGE));
    const spin = Math.max(0, options.spinMicroseconds ?? ((await hardwareThreads()) >= 4 ? 50 : 0));
    const runtime = new WasmRuntime(memory, shared, threads, sync, note, maxPages * PAGE, spin);
    if (threads > 1) {
      try {
        await runtime.startWorkers(threads - 1);
      } catch (e) {
        await runtime.shutdown();
        throw e;
      }
    }
    return runtime;
  }

  /** e.g. "2 threads (main + 1 worker, atomics)" or "1 thread (single-threaded: ...)". */
  describe(): string {
    if (this.threads === 1) return `1 thread${this.note ? ` (${this.note})` : ''}`;
    return `${this.threads} threads (main + ${this.threads - 1} worker${this.threads > 2 ? 's' : ''}, ${this.sync})`;
  }

  /** Compiles and instantiates a module on every thread (once per source object). */
  load(source: WasmModuleSource): Promise<LoadedModule> {
    let loaded = this.modules.get(source);
    if (!loaded) {
      loaded = this.exclusive(() => this.instantiate(source));
      this.modules.set(source, loaded);
    }
    return loaded;
  }

  /** Allocates `bytes` (16-byte aligned, not zeroed) in the shared memory. */
  alloc(bytes: number): number {
    return this.allocator.alloc(bytes);
  }

  release(ptr: number): void {
    this.allocator.release(ptr);
  }

  get allocatedBytes(): number {
    return this.allocator.allocatedBytes;
  }

  /** A Float32Array view of memory (valid until the memory next grows: take views after allocating). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  /** Runs `kernel` over items [0, count) on up to `threads` participants; resolves when every item is done. */
  run(kernel: Kernel, args: number, count: number, options: RunOptions = {}): Promise<void> {
    return this.exclusive(() => this.dispatch(kernel, args, count, options));
  }

  /** Stops the workers (the runtime cannot run afterwards). Idle workers never keep a Node process alive anyway. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => {});
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new Error('WasmRuntime: used after shutdown()');
      return task();
    });
    this.queue = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private async startWorkers(count: number): Promise<void> {
    const ctrl = this.ctrl();
    ctrl.fill(0);
    for (let w = 0; w < count; w++) {
      const thread = await startThread(WORKER_SOURCE);
      const index = w;
      thread.listen((m) => this.onWorkerMessage(index, m));
      this.workers.push(thread);
    }
    await Promise.all(
      this.workers.map((thread, w) =>
        this.expect(w, () =>
          thread.post({
            type: 'init',
            memory: this.memory,
            ctrl: CTRL_PTR,
            errorText: ERROR_TEXT_PTR,
            errorChars: ERROR_TEXT_CHARS,
            workers: count,
            participant: w + 1,
            sync: this.sync,
            spinMicroseconds: this.spinMicroseconds,
            modules: [],
          }),
        ),
      ),
    );
    for (const thread of this.workers) thread.unref();
  }

  private onWorkerMessage(w: number, m: { type: string; message?: string }): void {
    if (m.type === 'error' || m.type === 'exit') {
      this.workerError = m.message ?? m.type;
      const p = this.pending[w];
      this.pending[w] = undefined;
      p?.reject(new Error(`WasmRuntime worker ${w + 1}: ${this.workerError}`));
      return;
    }
    const p = this.pending[w];
    this.pending[w] = undefined;
    p?.resolve();
  }

  /** Sends something to worker w and waits for its acknowledgement, keeping the process alive meanwhile. */
  private expect(w: number, send: () => void): Promise<void> {
    const thread = this.workers[w];
    return new Promise<void>((resolve, reject) => {
      thread.ref();
      this.pending[w] = {
        resolve: () => {
          thread.unref();
          resolve();
        },
        reject: (e) => {
          thread.unref();
          reject(e);
        },
      };
      send();
    });
  }

  private async instantiate(source: WasmModuleSource): Promise<LoadedModule> {
    const raw = this.shared ? source.shared : source.plain;
    const bytes = typeof raw === 'string' ? decodeBase64(raw) : raw;
    const module = await WebAssembly.compile(bytes as BufferSource);
    const instance = await WebAssembly.instantiate(module, { env: { memory: this.memory } });
    const exports = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const id = this.moduleList.length;
    this.moduleList.push({ id, module, exports });
    if (this.workers.length > 0) {
      const message = { type: 'load', module: { id, module, exports } };
      const acks = this.workers.map((thread, w) => this.expect(w, () => thread.post(message)));
      // in atomics mode the workers sit in their wait loop: make them return to their event loop
      if (this.sync === 'atomics') this.signal(OP.YIELD, this.workers.length);
      await Promise.all(acks);
    }
    return {
      name: source.name,
      exports: instance.exports,
      kernel: (exportName: string): Kernel => {
        const funcId = exports.indexOf(exportName);
        const fn = instance.exports[exportName];
        if (funcId < 0 || typeof fn !== 'function') {
          throw new Error(`WasmRuntime: module '${source.name}' has no exported function '${exportName}'`);
        }
        return { module: source.name, name: exportName, moduleId: id, funcId, fn: fn as Kernel['fn'] };
      },
    };
  }

  private ctrl(): Int32Array {
    return new Int32Array(this.memory.buffer, CTRL_PTR, CTRL_BYTES / 4);
  }

  /** Atomics mode: wakes every worker with `op` (a non-run op) and waits until each has answered it. */
  private signal(op: number, count: number): void {
    const ctrl = this.ctrl();
    ctrl[CTRL.PARTICIPANTS] = count + 1;
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.store(ctrl, CTRL.OP, op);
    this.wakeWorkers(ctrl);
    this.awaitDone(ctrl, count);
  }

  /**
   * Wakes worker 0, which wakes workers 1 and 2, and so on down a binary tree: one futex wake per thread on the
   * critical path instead of one per worker (16 threads: 118 µs → see bench/dispatch.ts).
   */
  private wakeWorkers(ctrl: Int32Array): void {
    Atomics.add(ctrl, CTRL.WAKE, 1);
    Atomics.notify(ctrl, CTRL.WAKE, 1);
  }

  private awaitDone(ctrl: Int32Array, count: number): void {
    // a short spin first: workers given equal shares finish about when the main thread does
    for (let spin = 0; spin < 2000; spin++) if (Atomics.load(ctrl, CTRL.DONE) >= count) return;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done >= count) return;
      if (this.mainBlocks) Atomics.wait(ctrl, CTRL.DONE, done, 1000);
    }
  }

  private async dispatch(kernel: Kernel, args: number, count: number, options: RunOptions): Promise<void> {
    if (count <= 0) return;
    const grain = Math.max(1, Math.floor(options.grain ?? 1));
    const schedule = options.schedule === 'static' ? SCHEDULE.STATIC : SCHEDULE.DYNAMIC;
    const parts = Math.max(
      1,
      Math.min(this.threads, options.participants ?? this.threads, schedule === SCHEDULE.STATIC ? count : Math.ceil(count / grain)),
    );
    if (parts === 1) {
      kernel.fn(args, 0, count, 0);
      return;
    }
    const ctrl = this.ctrl();
    ctrl[CTRL.MODULE] = kernel.moduleId;
    ctrl[CTRL.FUNC] = kernel.funcId;
    ctrl[CTRL.ARGS] = args;
    ctrl[CTRL.COUNT] = count;
    ctrl[CTRL.GRAIN] = grain;
    ctrl[CTRL.SCHEDULE] = schedule;
    ctrl[CTRL.PARTICIPANTS] = parts;
    Atomics.store(ctrl, CTRL.NEXT, 0);
    Atomics.store(ctrl, CTRL.ERROR, 0);
    new Uint16Array(this.memory.buffer, ERROR_TEXT_PTR, 1)[0] = 0;
    let acks: Promise<unknown> | undefined;
    if (this.sync === 'atomics') {
      Atomics.store(ctrl, CTRL.DONE, 0);
      Atomics.store(ctrl, CTRL.OP, OP.RUN);
      this.wakeWorkers(ctrl);
    } else {
      acks = Promise.all(this.workers.slice(0, parts - 1).map((thread, w) => this.expect(w, () => thread.post({ type: 'run' }))));
    }
    let mainError: unknown;
    try {
      if (schedule === SCHEDULE.STATIC) {
        const end = Math.floor(count / parts);
        if (end > 0) kernel.fn(args, 0, end, 0);
      } else {
        for (;;) {
          const i = Atomics.add(ctrl, CTRL.NEXT, grain);
          if (i >= count) break;
          kernel.fn(args, i, Math.min(count, i + grain), 0);
        }
      }
    } catch (e) {
      mainError = e;
      Atomics.store(ctrl, CTRL.NEXT, count);
    }
    if (acks) await acks;
    else this.awaitDone(ctrl, parts - 1);
    if (mainError) throw mainError;
    const failed = Atomics.load(ctrl, CTRL.ERROR);
    if (failed)
      throw new Error(
        `WasmRuntime: kernel '${kernel.name}' of '${kernel.module}' failed in worker ${failed}: ${readErrorText(this.memory)}`,
      );
  }
}

function createMemory(shared: boolean, maxPages: number): { memory: WebAssembly.Memory; maxPages: number } {
  const initial = HEAP_BASE / PAGE + 16;
  if (!shared) return { memory: new WebAssembly.Memory({ initial, maximum: maxPages }), maxPages };
  // browsers may refuse to reserve 4 GiB of address space for a shared memory: ask for less until one is granted
  let lastError: unknown;
  for (let pages = maxPages; pages >= 1024; pages = Math.floor(pages / 4)) {
    try {
      return { memory: new WebAssembly.Memory({ initial, maximum: pages, shared: true }), maxPages: pages };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** Reads the message a failing worker left in the error area. */
function readErrorText(memory: WebAssembly.Memory): string {
  const codes = new Uint16Array(memory.buffer, ERROR_TEXT_PTR, ERROR_TEXT_CHARS);
  let text = '';
  for (let i = 0; i < codes.length && codes[i] !== 0; i++) text += String.fromCharCode(codes[i]);
  return text;
}
