// Reads the slots of a kernel's parameter block (i32 slots written by the TypeScript glue), shared by the kernel
// modules of @vssm/ops, @vssm/selective-scan and @vssm/blocks (imported by relative path).

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class Param {
  /** Slot `slot` as an i32. */
  @inline static i(args: usize, slot: i32): i32 {
    return load<i32>(args + ((<usize>slot) << 2));
  }
  /** Slot `slot` as an address. */
  @inline static ptr(args: usize, slot: i32): usize {
    return <usize>load<u32>(args + ((<usize>slot) << 2));
  }
  /** Slot `slot` as an f32. */
  @inline static f(args: usize, slot: i32): f32 {
    return load<f32>(args + ((<usize>slot) << 2));
  }
  /** Slots `slot` and `slot + 1` as an f64. */
  @inline static f64(args: usize, slot: i32): f64 {
    return load<f64>(args + ((<usize>slot) << 2));
  }
}
