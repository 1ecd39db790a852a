/**
 * Layout of the control block (Int32 slots) that the main thread and the workers share in wasm memory.
 * Slots 0..15 describe the current job; slot WAKE + w is worker w's wake counter.
 */
export const CTRL = {
  OP: 0,
  MODULE: 1,
  FUNC: 2,
  ARGS: 3,
  COUNT: 4,
  GRAIN: 5,
  SCHEDULE: 6,
  PARTICIPANTS: 7,
  NEXT: 8,
  DONE: 9,
  ERROR: 10,
  WAKE: 16,
} as const;

export const OP = { RUN: 1, YIELD: 2, STOP: 3 } as const;
export const SCHEDULE = { DYNAMIC: 0, STATIC: 1 } as const;

/** Most workers a control block serves. */
export const MAX_WORKERS = 64;
/** Bytes of the control block. */
export const CTRL_BYTES = (CTRL.WAKE + MAX_WORKERS) * 4;
