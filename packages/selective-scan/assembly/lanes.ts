// Four SIMD lanes hold four channels d0..d0+3 of one batch element and group; a block with fewer valid channels
// repeats the first channel's address in its spare lanes (so every load stays in bounds) and never stores them.

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class Lanes {
  /** Loads one f32 per lane from four row addresses at the same byte offset. */
  @inline static gather(p0: usize, p1: usize, p2: usize, p3: usize, off: usize): v128 {
    let v = v128.load32_splat(p0 + off);
    v = v128.load32_lane(p1 + off, v, 1);
    v = v128.load32_lane(p2 + off, v, 2);
    return v128.load32_lane(p3 + off, v, 3);
  }

  /** Stores the valid lanes of v to four row addresses at the same byte offset. */
  @inline static scatter(p0: usize, p1: usize, p2: usize, p3: usize, off: usize, v: v128, lanes: i32): void {
    v128.store32_lane(p0 + off, v, 0);
    if (lanes > 1) v128.store32_lane(p1 + off, v, 1);
    if (lanes > 2) v128.store32_lane(p2 + off, v, 2);
    if (lanes > 3) v128.store32_lane(p3 + off, v, 3);
  }

  /**
   * Copies steps [l, l + n) of four rows (byte addresses of element 0) into `dst` as n vectors, one per step with
   * the rows in lanes (4x4 transposes, four steps at a time), AND-ed with `mask`.
   */
  @inline static loadTile(p0: usize, p1: usize, p2: usize, p3: usize, l: i32, n: i32, dst: usize, mask: v128): void {
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const off = (<usize>(l + k)) << 2;
      const v0 = v128.load(p0 + off);
      const v1 = v128.load(p1 + off);
      const v2 = v128.load(p2 + off);
      const v3 = v128.load(p3 + off);
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      const o = dst + ((<usize>k) << 4);
      v128.store(o, v128.and(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), mask));
      v128.store(o, v128.and(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), mask), 16);
      v128.store(o, v128.and(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), mask), 32);
      v128.store(o, v128.and(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), mask), 48);
    }
    for (; k < n; k++) {
      v128.store(dst + ((<usize>k) << 4), v128.and(Lanes.gather(p0, p1, p2, p3, (<usize>(l + k)) << 2), mask));
    }
  }

  /** Writes n step vectors from `src` to steps [l, l + n) of the valid ones of four rows (the inverse of loadTile). */
  @inline static storeTile(src: usize, p0: usize, p1: usize, p2: usize, p3: usize, l: i32, n: i32, lanes: i32): void {
    let k = 0;
    if (lanes === 4) {
      for (; k + 4 <= n; k += 4) {
        const i = src + ((<usize>k) << 4);
        const v0 = v128.load(i);
        const v1 = v128.load(i, 16);
        const v2 = v128.load(i, 32);
        const v3 = v128.load(i, 48);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        const off = (<usize>(l + k)) << 2;
        v128.store(p0 + off, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(p1 + off, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(p2 + off, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(p3 + off, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
      }
    }
    for (; k < n; k++) {
      Lanes.scatter(p0, p1, p2, p3, (<usize>(l + k)) << 2, v128.load(src + ((<usize>k) << 4)), lanes);
    }
  }

  /** All-ones in the valid lanes, zero in the spare ones. */
  @inline static mask(lanes: i32): v128 {
    return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(lanes));
  }

  /** Elements c0..c3 of a per-channel (dim) vector as one vector. */
  @inline static channels(p: usize, c0: i32, c1: i32, c2: i32, c3: i32): v128 {
    return Lanes.gather(p + ((<usize>c0) << 2), p + ((<usize>c1) << 2), p + ((<usize>c2) << 2), p + ((<usize>c3) << 2), 0);
  }

  /** Channel index of lane j (the first channel for spare lanes). */
  @inline static channel(d0: i32, lanes: i32, j: i32): i32 {
    return j < lanes ? d0 + j : d0;
  }
}
