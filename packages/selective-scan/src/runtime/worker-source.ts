import { CTRL, OP, SCHEDULE } from './control.js';

/**
 * Source of the pool's worker, a self-contained script (no imports) started with `eval` in Node and from a Blob
 * URL in browsers, so that it works the same from `src/` under tsx, from the ESM and CJS builds and from bundles.
 * It instantiates the modules it is sent on the shared memory, then runs jobs described in the control block:
 * woken through Atomics (sync 'atomics') or by a message (sync 'message').
 */
export const WORKER_SOURCE = `'use strict';
const C = ${JSON.stringify(CTRL)};
const OP_RUN = ${OP.RUN}, OP_YIELD = ${OP.YIELD}, OP_STOP = ${OP.STOP}, STATIC = ${SCHEDULE.STATIC};
let memory, ctrl, participant, wakeSlot, seen = 0, sync, errorText, errorChars, spinMs = 0;
const kernels = [];
let post;
function load(m) {
  const instance = new WebAssembly.Instance(m.module, { env: { memory } });
  kernels[m.id] = m.exports.map((name) => instance.exports[name]);
}
function runJob() {
  Atomics.load(ctrl, C.OP);
  const count = ctrl[C.COUNT];
  const parts = ctrl[C.PARTICIPANTS];
  const args = ctrl[C.ARGS] >>> 0;
  try {
    const fn = kernels[ctrl[C.MODULE]][ctrl[C.FUNC]];
    if (ctrl[C.SCHEDULE] === STATIC) {
      const begin = Math.floor((count * participant) / parts);
      const end = Math.floor((count * (participant + 1)) / parts);
      if (begin < end) fn(args, begin, end, participant);
    } else {
      const grain = ctrl[C.GRAIN];
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
function loop() {
  for (;;) {
    // poll for a while before sleeping: waking a sleeping thread costs tens of µs, back-to-back jobs need not pay it
    if (spinMs > 0 && Atomics.load(ctrl, wakeSlot) === seen) {
      const until = performance.now() + spinMs;
      for (let i = 1; Atomics.load(ctrl, wakeSlot) === seen; i++) if ((i & 255) === 0 && performance.now() > until) break;
    }
    while (Atomics.load(ctrl, wakeSlot) === seen) Atomics.wait(ctrl, wakeSlot, seen);
    seen = Atomics.load(ctrl, wakeSlot);
    const op = ctrl[C.OP];
    // wake-up tree: the main thread wakes worker 0, worker w wakes workers 2w+1 and 2w+2 (if they take part)
    const workers = ctrl[C.PARTICIPANTS] - 1;
    const w = participant - 1;
    for (let child = 2 * w + 1; child <= 2 * w + 2 && child < workers; child++) {
      Atomics.add(ctrl, C.WAKE + child, 1);
      Atomics.notify(ctrl, C.WAKE + child, 1);
    }
    if (op === OP_RUN) runJob();
    if (Atomics.add(ctrl, C.DONE, 1) + 1 === workers) Atomics.notify(ctrl, C.DONE);
    if (op === OP_YIELD) return;
    if (op === OP_STOP) { close(); return; }
  }
}
let close = () => {};
function handle(msg) {
  if (msg.type === 'init') {
    memory = msg.memory;
    ctrl = new Int32Array(memory.buffer, msg.ctrl, ${CTRL.WAKE} + msg.workers);
    participant = msg.participant;
    wakeSlot = C.WAKE + participant - 1;
    seen = Atomics.load(ctrl, wakeSlot);
    sync = msg.sync;
    errorText = msg.errorText;
    errorChars = msg.errorChars;
    spinMs = msg.spinMicroseconds / 1000;
    for (const m of msg.modules) load(m);
    post({ type: 'ready' });
    if (sync === 'atomics') loop();
  } else if (msg.type === 'load') {
    load(msg.module);
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
