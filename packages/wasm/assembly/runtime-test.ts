// Kernels for testing and measuring the WASM runtime itself (test/runtime.test.ts, bench/dispatch.ts).
// Same ABI as every kernel: (args, begin, end, participant).

/** Writes participant + 1 into the i32 slot args[i] of every item i, and counts items per participant at args[count + p]. */
export function mark(args: usize, begin: i32, end: i32, participant: i32): void {
  const count = load<i32>(args, 0);
  for (let i = begin; i < end; i++) store<i32>(args + 8 + ((<usize>i) << 2), participant + 1);
  const slot = args + 8 + ((<usize>(count + participant)) << 2);
  store<i32>(slot, load<i32>(slot) + (end - begin));
}

/** Does nothing: measures the cost of a dispatch. */
export function noop(_args: usize, _begin: i32, _end: i32, _participant: i32): void {}

/** Traps on item args[0] (an out-of-range item never traps). */
export function trap(args: usize, begin: i32, end: i32, _participant: i32): void {
  const bad = load<i32>(args, 0);
  if (bad >= begin && bad < end) unreachable();
}

/** Adds 1 to the i32 slot args[2 + i] of every item i (a double-run item ends at 2), then spins args[1] iterations. */
export function count_items(args: usize, begin: i32, end: i32, _participant: i32): void {
  for (let i = begin; i < end; i++) {
    const slot = args + 8 + ((<usize>i) << 2);
    store<i32>(slot, load<i32>(slot) + 1);
  }
  const spins = load<i32>(args, 4);
  let x = 0;
  for (let i = 0; i < spins; i++) x = (x * 1103515245 + 12345) | 0;
  store<i32>(args, x | 0, 0);
}
