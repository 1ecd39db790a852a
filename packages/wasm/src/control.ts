/**
 * Layout of the control block (Int32 slots) that the main thread and the workers share in wasm memory.
 * Slots 0..15 describe the current job; slot WAKE + w is worker w's wake counter.
 *
 * JOB is a sequence lock over the job description: odd while the main thread writes it, even once published (a
 * worker re-reads a snapshot until JOB is even and unchanged around it, and never handles one job twice).
 * JOIN is a dynamic job's admission word, (job tag << 8) | workers joined: a worker joins with a compare-exchange
 * while the job is open, and the main thread closes it (low byte 255) once it has claimed every item itself, then
 * waits only for the workers that joined. So a worker that wakes late never delays a dynamic run.
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
  /** Counts worker acknowledgements of 'init' and 'load' messages (for the synchronous start-up in Node). */
  ACK: 11,
  JOB: 12,
  JOIN: 13,
  WAKE: 16,
} as const;

export const OP = { RUN: 1, YIELD: 2, STOP: 3 } as const;
export const SCHEDULE = { DYNAMIC: 0, STATIC: 1 } as const;

/** JOIN's low byte once the main thread has closed a dynamic job to late joiners. */
export const JOIN_CLOSED = 255;

/** Most workers a control block serves. */
export const MAX_WORKERS = 64;
/** Bytes of the control block. */
export const CTRL_BYTES = (CTRL.WAKE + MAX_WORKERS) * 4;
