// The 4×4 float32 transpose shared by the transposing kernels (stack.ts, tail.ts).

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator needs class methods
export class T4 {
  /** Row j of the transpose of the 4×4 matrix with rows v0…v3. */
  @inline static t0(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), 0, 1, 4, 5);
  }
  @inline static t1(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), v128.shuffle<f32>(v2, v3, 0, 4, 1, 5), 2, 3, 6, 7);
  }
  @inline static t2(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7), 0, 1, 4, 5);
  }
  @inline static t3(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
    return v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), v128.shuffle<f32>(v2, v3, 2, 6, 3, 7), 2, 3, 6, 7);
  }
}
