import { Allocator } from './allocator.js';
import { CTRL, CTRL_BYTES, JOIN_CLOSED, MAX_WORKERS, OP, SCHEDULE } from './control.js';
import { canBlock, decodeBase64, hardwareThreads, hardwareThreadsSync, sharedMemoryStatus } from './features.js';
import { canStartThreads, canStartThreadsSync, startThread, startThreadSync, type Thread } from './threads.js';
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
/** How long a synchronous start-up or module load waits for the workers' acknowledgements. */
const SYNC_ACK_TIMEOUT_MS = 20_000;

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
  private readonly loaded = new Map<WasmModuleSource, LoadedModule>();
  private readonly moduleList: Array<{ id: number; module: WebAssembly.Module; exports: string[] }> = [];
  private readonly mainBlocks: boolean;
  private workerError = '';
  private readonly spinMicroseconds: number;
  private queue: Promise<void> = Promise.resolve();
  /** Asynchronous tasks (loads, runs) in progress: runSync stays on the main thread meanwhile. */
  private busy = 0;
  private closed = false;
  /** The control block's job sequence lock as last published (even). */
  private jobSeq = 0;

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
    const hw = await hardwareThreads();
    const plan = WasmRuntime.plan(options, hw, options.threads !== 1 ? await canStartThreads() : { ok: true, reason: '' });
    const runtime = WasmRuntime.fromPlan(options, plan, hw);
    if (plan.threads > 1) {
      try {
        await runtime.startWorkers(plan.threads - 1);
      } catch (e) {
        await runtime.shutdown();
        throw e;
      }
    }
    return runtime;
  }

  /**
   * Creates a runtime without awaiting: in Node (≥ 20.16, `process.getBuiltinModule`) the workers are started and
   * their start-up awaited by blocking the main thread (tens of ms, once). Elsewhere, or where workers cannot start
   * synchronously, the runtime is single-threaded and `note` says why; `create()` is the way to get threads there.
   */
  static createSync(options: RuntimeOptions = {}): WasmRuntime {
    const hw = hardwareThreadsSync();
    const threadsOk = canStartThreadsSync()
      ? { ok: true, reason: '' }
      : { ok: false, reason: 'workers cannot be started synchronously here (WasmRuntime.create() can)' };
    const plan = WasmRuntime.plan(options, hw, threadsOk);
    const runtime = WasmRuntime.fromPlan(options, plan, hw);
    if (plan.threads > 1) {
      try {
        runtime.startWorkersSync(plan.threads - 1);
      } catch (e) {
        void runtime.shutdown();
        throw e;
      }
    }
    return runtime;
  }

  private static plan(
    options: RuntimeOptions,
    hardware: number,
    threadsOk: { ok: boolean; reason: string },
  ): { threads: number; note: string; sync: SyncMode } {
    const sync = options.sync ?? 'atomics';
    let threads = Math.max(1, Math.min(options.threads ?? Math.min(16, hardware), MAX_WORKERS + 1));
    let note = '';
    const sharedStatus = sharedMemoryStatus();
    if (threads > 1 && !sharedStatus.ok) {
      threads = 1;
      note = `single-threaded: ${sharedStatus.reason}`;
    }
    if (threads > 1 && !threadsOk.ok) {
      threads = 1;
      note = `single-threaded: ${threadsOk.reason}`;
    }
    return { threads, note, sync };
  }

  private static fromPlan(options: RuntimeOptions, plan: { threads: number; note: string; sync: SyncMode }, hardware: number): WasmRuntime {
    const shared = plan.threads > 1;
    const maxBytes = Math.min(options.maxBytes ?? MAX_PAGES * PAGE - PAGE, MAX_PAGES * PAGE - PAGE);
    const { memory, maxPages } = createMemory(shared, Math.floor(maxBytes / PAGE));
    const spin = Math.max(0, options.spinMicroseconds ?? (hardware >= 4 ? 50 : 0));
    return new WasmRuntime(memory, shared, plan.threads, plan.sync, plan.note, maxPages * PAGE, spin);
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
      loaded.then(
        (m) => this.loaded.set(source, m),
        () => this.modules.delete(source),
      );
    }
    return loaded;
  }

  /** The module if it has finished loading (by load or loadSync), else undefined. */
  loadedModule(source: WasmModuleSource): LoadedModule | undefined {
    return this.loaded.get(source);
  }

  /**
   * load() without awaiting, for Node (synchronous compilation; the main thread blocks until every worker has
   * instantiated the module). Throws while an asynchronous load of the same module or any other task is in flight,
   * and in browsers, whose main thread may not compile large modules synchronously.
   */
  loadSync(source: WasmModuleSource): LoadedModule {
    const done = this.loaded.get(source);
    if (done) return done;
    if (this.closed) throw new Error('WasmRuntime: used after shutdown()');
    if (this.modules.has(source) || this.busy > 0) {
      throw new Error(`WasmRuntime.loadSync('${source.name}'): an asynchronous load or run is in flight; await load() instead`);
    }
    const raw = this.shared ? source.shared : source.plain;
    const module = new WebAssembly.Module((typeof raw === 'string' ? decodeBase64(raw) : raw) as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const id = this.register(module);
    if (this.workers.length > 0) {
      const ctrl = this.ctrl();
      const target = Atomics.load(ctrl, CTRL.ACK) + this.workers.length;
      const message = { type: 'load', module: { id, module, exports: this.moduleList[id].exports } };
      for (const thread of this.workers) thread.post(message);
      if (this.sync === 'atomics') this.signal(OP.YIELD, this.workers.length);
      this.awaitAcks(target, `loading '${source.name}'`);
    }
    const loaded = this.wrap(source, id, instance);
    this.loaded.set(source, loaded);
    this.modules.set(source, Promise.resolve(loaded));
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

  /**
   * run() without awaiting: returns when every item is done (the main thread takes its share, then blocks in
   * Atomics.wait, or spins on a browser main thread). While an asynchronous task is in flight (a load, or a run with
   * sync 'message'), and always with sync 'message', the whole range runs on the main thread alone. Kernel traps
   * rethrow here, as in run().
   */
  runSync(kernel: Kernel, args: number, count: number, options: RunOptions = {}): void {
    if (this.closed) throw new Error('WasmRuntime: used after shutdown()');
    if (this.busy > 0 || this.sync === 'message') {
      if (count > 0) kernel.fn(args, 0, count, 0);
      return;
    }
    this.dispatchAtomics(kernel, args, count, options);
  }

  /** Whether runSync would use the workers now (false while an asynchronous task is in flight). */
  get canRunParallelSync(): boolean {
    return this.threads > 1 && this.busy === 0 && this.sync === 'atomics' && !this.closed;
  }

  /** No asynchronous task (load, run) is in flight: loadSync may be called. */
  get idle(): boolean {
    return this.busy === 0;
  }

  /** Whether shutdown() has been called. */
  get isShutdown(): boolean {
    return this.closed;
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
    const result = this.queue.then(async () => {
      if (this.closed) throw new Error('WasmRuntime: used after shutdown()');
      this.busy++;
      try {
        return await task();
      } finally {
        this.busy--;
      }
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

  private startWorkersSync(count: number): void {
    const ctrl = this.ctrl();
    ctrl.fill(0);
    for (let w = 0; w < count; w++) {
      const thread = startThreadSync(WORKER_SOURCE);
      const index = w;
      thread.listen((m) => this.onWorkerMessage(index, m));
      this.workers.push(thread);
    }
    for (const [w, thread] of this.workers.entries()) {
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
      });
    }
    this.awaitAcks(count, 'starting the workers');
    for (const thread of this.workers) thread.unref();
  }

  /** Blocks until the control block's acknowledgement counter reaches `target` (synchronous start-up and loads). */
  private awaitAcks(target: number, what: string): void {
    const ctrl = this.ctrl();
    const deadline = performance.now() + SYNC_ACK_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(ctrl, CTRL.ACK);
      if (seen >= target) return;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`WasmRuntime: the workers did not answer within ${SYNC_ACK_TIMEOUT_MS} ms (${what})`);
      Atomics.wait(ctrl, CTRL.ACK, seen, Math.min(left, 100));
    }
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
    const id = this.register(module);
    if (this.workers.length > 0) {
      const message = { type: 'load', module: { id, module, exports: this.moduleList[id].exports } };
      const acks = this.workers.map((thread, w) => this.expect(w, () => thread.post(message)));
      // in atomics mode the workers sit in their wait loop: make them return to their event loop
      if (this.sync === 'atomics') this.signal(OP.YIELD, this.workers.length);
      await Promise.all(acks);
    }
    return this.wrap(source, id, instance);
  }

  /** Gives a compiled module the next module id (the index workers know it by). */
  private register(module: WebAssembly.Module): number {
    const exports = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const id = this.moduleList.length;
    this.moduleList.push({ id, module, exports });
    return id;
  }

  private wrap(source: WasmModuleSource, id: number, instance: WebAssembly.Instance): LoadedModule {
    const exports = this.moduleList[id].exports;
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
    this.publish(ctrl, () => {
      Atomics.store(ctrl, CTRL.PARTICIPANTS, count + 1);
      Atomics.store(ctrl, CTRL.OP, op);
    });
    this.wakeWorkers(ctrl);
    this.awaitDone(ctrl, count);
  }

  /**
   * Writes a job description under the sequence lock (JOB odd while writing, even once published) and resets the
   * per-job counters; workers read a snapshot only when JOB is even and unchanged around it.
   */
  private publish(ctrl: Int32Array, write: () => void): void {
    Atomics.store(ctrl, CTRL.JOB, this.jobSeq + 1);
    write();
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.store(ctrl, CTRL.NEXT, 0);
    Atomics.store(ctrl, CTRL.ERROR, 0);
    new Uint16Array(this.memory.buffer, ERROR_TEXT_PTR, 1)[0] = 0;
    this.jobSeq = (this.jobSeq + 2) | 0;
    Atomics.store(ctrl, CTRL.JOIN, ((this.jobSeq >>> 1) & 0xffffff) << 8);
    Atomics.store(ctrl, CTRL.JOB, this.jobSeq);
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
    if (this.sync === 'atomics') {
      this.dispatchAtomics(kernel, args, count, options);
      return;
    }
    const job = this.prepareJob(kernel, args, count, options);
    if (!job) return;
    const acks = Promise.all(this.workers.slice(0, job.parts - 1).map((thread, w) => this.expect(w, () => thread.post({ type: 'run' }))));
    const mainError = this.runMainShare(kernel, args, count, job);
    await acks;
    this.finishJob(kernel, mainError);
  }

  /**
   * The whole of a run with atomics synchronisation: it never yields to the event loop. Dynamic runs are closed to
   * late workers once the main thread has claimed every item, and wait only for the workers that joined.
   */
  private dispatchAtomics(kernel: Kernel, args: number, count: number, options: RunOptions): void {
    const job = this.prepareJob(kernel, args, count, options);
    if (!job) return;
    const ctrl = this.ctrl();
    this.wakeWorkers(ctrl);
    const mainError = this.runMainShare(kernel, args, count, job);
    if (job.schedule === SCHEDULE.STATIC) {
      this.awaitDone(ctrl, job.parts - 1);
    } else {
      let joined = 0;
      for (;;) {
        const v = Atomics.load(ctrl, CTRL.JOIN);
        if (Atomics.compareExchange(ctrl, CTRL.JOIN, v, (v & ~255) | JOIN_CLOSED) === v) {
          joined = v & 255;
          break;
        }
      }
      if (joined > 0) this.awaitDone(ctrl, joined);
    }
    this.finishJob(kernel, mainError);
  }

  /**
   * Publishes the job in the control block; returns undefined when it is empty or was run on the main thread alone
   * (one participant: a direct call).
   */
  private prepareJob(
    kernel: Kernel,
    args: number,
    count: number,
    options: RunOptions,
  ): { parts: number; grain: number; schedule: number } | undefined {
    if (count <= 0) return undefined;
    const grain = Math.max(1, Math.floor(options.grain ?? 1));
    const schedule = options.schedule === 'static' ? SCHEDULE.STATIC : SCHEDULE.DYNAMIC;
    const parts = Math.max(
      1,
      Math.min(this.threads, options.participants ?? this.threads, schedule === SCHEDULE.STATIC ? count : Math.ceil(count / grain)),
    );
    if (parts === 1) {
      kernel.fn(args, 0, count, 0);
      return undefined;
    }
    const ctrl = this.ctrl();
    this.publish(ctrl, () => {
      Atomics.store(ctrl, CTRL.OP, OP.RUN);
      Atomics.store(ctrl, CTRL.MODULE, kernel.moduleId);
      Atomics.store(ctrl, CTRL.FUNC, kernel.funcId);
      Atomics.store(ctrl, CTRL.ARGS, args);
      Atomics.store(ctrl, CTRL.COUNT, count);
      Atomics.store(ctrl, CTRL.GRAIN, grain);
      Atomics.store(ctrl, CTRL.SCHEDULE, schedule);
      Atomics.store(ctrl, CTRL.PARTICIPANTS, parts);
    });
    return { parts, grain, schedule };
  }

  /** Participant 0's items; returns (rather than throws) its error so that the workers are still awaited. */
  private runMainShare(kernel: Kernel, args: number, count: number, job: { parts: number; grain: number; schedule: number }): unknown {
    const ctrl = this.ctrl();
    try {
      if (job.schedule === SCHEDULE.STATIC) {
        const end = Math.floor(count / job.parts);
        if (end > 0) kernel.fn(args, 0, end, 0);
      } else {
        for (;;) {
          const i = Atomics.add(ctrl, CTRL.NEXT, job.grain);
          if (i >= count) break;
          kernel.fn(args, i, Math.min(count, i + job.grain), 0);
        }
      }
      return undefined;
    } catch (e) {
      Atomics.store(ctrl, CTRL.NEXT, count);
      return e ?? new Error('kernel failed');
    }
  }

  private finishJob(kernel: Kernel, mainError: unknown): void {
    if (mainError) throw mainError;
    const failed = Atomics.load(this.ctrl(), CTRL.ERROR);
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
