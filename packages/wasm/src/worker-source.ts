import { CTRL, JOIN_CLOSED, OP, SCHEDULE } from './control.js';

/**
 * Source of the pool's worker, a self-contained script (no imports) started with `eval` in Node and from a Blob
 * URL in browsers, so that it works the same from `src/` under tsx, from the ESM and CJS builds and from bundles.
 * It instantiates the modules it is sent on the shared memory, then runs jobs described in the control block:
 * woken through Atomics (sync 'atomics') or by a message (sync 'message').
 */
export const WORKER_SOURCE = `'use strict';
const C = ${JSON.stringify(CTRL)};
const OP_RUN = ${OP.RUN}, OP_YIELD = ${OP.YIELD}, OP_STOP = ${OP.STOP}, STATIC = ${SCHEDULE.STATIC}, CLOSED = ${JOIN_CLOSED};
let memory, ctrl, participant, wakeSlot, seen = 0, lastJob = 0, sync, errorText, errorChars, spinMs = 0;
const kernels = [];
let post;
function load(m) {
  const instance = new WebAssembly.Instance(m.module, { env: { memory } });
  kernels[m.id] = m.exports.map((name) => instance.exports[name]);
}
function runJob() {
  Atomics.load(ctrl, C.OP);
  const count = Atomics.load(ctrl, C.COUNT);
  const parts = Atomics.load(ctrl, C.PARTICIPANTS);
  const args = Atomics.load(ctrl, C.ARGS) >>> 0;
  try {
    const fn = kernels[Atomics.load(ctrl, C.MODULE)][Atomics.load(ctrl, C.FUNC)];
    if (Atomics.load(ctrl, C.SCHEDULE) === STATIC) {
      const begin = Math.floor((count * participant) / parts);
      const end = Math.floor((count * (participant + 1)) / parts);
      if (begin < end) fn(args, begin, end, participant);
    } else {
      const grain = Atomics.load(ctrl, C.GRAIN);
      for (;;) {
        const i = Atomics.add(ctrl, C.NEXT, grain);
        if (i >= count) break;
        fn(args, i, Math.min(count, i + grain), participant);
      }
    }
  } catch (e) {
    const text = String((e && e.message) || e);
    const out = new Uint16Array(memory.buffer, errorText, errorChars);
    const n = Math.min(text.length, errorChars - 1);
    for (let i = 0; i < n; i++) out[i] = text.charCodeAt(i);
    out[n] = 0;
    Atomics.store(ctrl, C.ERROR, participant);
  }
}
/** Joins the open dynamic job tagged 'job' (returns false once it is closed or replaced). */
function join(job) {
  const tag = (job >>> 1) & 0xffffff;
  for (;;) {
    const v = Atomics.load(ctrl, C.JOIN);
    if ((v >>> 8) !== tag || (v & 255) === CLOSED) return false;
    if (Atomics.compareExchange(ctrl, C.JOIN, v, v + 1) === v) return true;
  }
}
function done() {
  Atomics.add(ctrl, C.DONE, 1);
  Atomics.notify(ctrl, C.DONE);
}
function loop() {
  for (;;) {
    // poll for a while before sleeping: waking a sleeping thread costs tens of µs, back-to-back jobs need not pay it
    if (spinMs > 0 && Atomics.load(ctrl, wakeSlot) === seen) {
      const until = performance.now() + spinMs;
      for (let i = 1; Atomics.load(ctrl, wakeSlot) === seen; i++) if ((i & 255) === 0 && performance.now() > until) break;
    }
    while (Atomics.load(ctrl, wakeSlot) === seen) Atomics.wait(ctrl, wakeSlot, seen);
    seen = Atomics.load(ctrl, wakeSlot);
    // a consistent snapshot of the current job (the sequence lock is odd while the main thread writes it)
    let job, op, parts, schedule;
    for (;;) {
      job = Atomics.load(ctrl, C.JOB);
      if (job & 1) continue;
      op = Atomics.load(ctrl, C.OP);
      parts = Atomics.load(ctrl, C.PARTICIPANTS);
      schedule = Atomics.load(ctrl, C.SCHEDULE);
      if (Atomics.load(ctrl, C.JOB) === job) break;
    }
    // a late wake-up for a job already handled (or closed and replaced by nothing yet)
    if (job === lastJob) continue;
    lastJob = job;
    // wake-up tree: the main thread wakes worker 0, worker w wakes workers 2w+1 and 2w+2 (if they take part)
    const workers = parts - 1;
    const w = participant - 1;
    for (let child = 2 * w + 1; child <= 2 * w + 2 && child < workers; child++) {
      Atomics.add(ctrl, C.WAKE + child, 1);
      Atomics.notify(ctrl, C.WAKE + child, 1);
    }
    if (op === OP_RUN) {
      if (participant >= parts) continue;
      if (schedule === STATIC) {
        runJob();
        done();
      } else if (join(job)) {
        runJob();
        done();
      }
      continue;
    }
    done();
    if (op === OP_YIELD) return;
    if (op === OP_STOP) { close(); return; }
  }
}
let close = () => {};
// acknowledgements through the control block as well, so that a main thread blocked in Atomics.wait sees them
function ack() {
  Atomics.add(ctrl, C.ACK, 1);
  Atomics.notify(ctrl, C.ACK);
}
function handle(msg) {
  if (msg.type === 'init') {
    memory = msg.memory;
    ctrl = new Int32Array(memory.buffer, msg.ctrl, ${CTRL.WAKE} + msg.workers);
    participant = msg.participant;
    wakeSlot = C.WAKE + participant - 1;
    seen = Atomics.load(ctrl, wakeSlot);
    lastJob = Atomics.load(ctrl, C.JOB);
    sync = msg.sync;
    errorText = msg.errorText;
    errorChars = msg.errorChars;
    spinMs = msg.spinMicroseconds / 1000;
    for (const m of msg.modules) load(m);
    ack();
    post({ type: 'ready' });
    if (sync === 'atomics') loop();
  } else if (msg.type === 'load') {
    load(msg.module);
    ack();
    post({ type: 'loaded' });
    if (sync === 'atomics') loop();
  } else if (msg.type === 'run') {
    runJob();
    post({ type: 'done' });
  }
}
if (typeof self === 'undefined' && typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  post = (m) => parentPort.postMessage(m);
  close = () => parentPort.close();
  parentPort.on('message', handle);
} else {
  post = (m) => self.postMessage(m);
  close = () => self.close();
  self.onmessage = (e) => handle(e.data);
}
`;
