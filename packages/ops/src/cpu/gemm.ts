/**
 * Cache-blocked single-precision GEMM, C = A·B, over strided Float32Array matrices (GotoBLAS loop order):
 * K is cut into KC-deep slices and N into NC-wide blocks of B packed into NR-column panels (L2-resident);
 * M into MC-row blocks of A packed into MR-row panels (L1-resident); a 4×4 register-blocked micro-kernel walks one
 * A panel and one B panel with the k loop innermost over contiguous packed memory. Panels are packed as float64:
 * JavaScript arithmetic is double anyway, and converting once at packing time instead of on every load measured
 * ~15% faster here. Accumulation inside a KC slice is in double precision; C holds float32 between slices.
 * Both operands are packed on every call (O(K·(M·⌈N/NC⌉ + N)) copies against O(M·N·K) multiply-adds), so there is
 * no packed-weight cache that could go stale when a weight tensor is updated in place.
 */

/** A strided 2-D matrix view: element (i, j) is `data[offset + i·rowStride + j·colStride]`. */
export interface MatrixView {
  readonly data: Float32Array;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

// Packing scratch, reused across calls (gemm never re-enters itself).
const packedA = new Float64Array(MC * KC);
const packedB = new Float64Array(NC * KC);

/**
 * Packs the `rows`×`depth` block of a strided matrix starting at `start` into `width`-row panels:
 * panel p, depth k, lane r at (p·depth + k)·width + r; lanes past `rows` are zero. `rowStep` moves one row (lane),
 * `depthStep` one step along the shared dimension. The loop order follows the smaller stride so reads stay sequential.
 */
function packPanels(
  data: Float32Array,
  start: number,
  rows: number,
  depth: number,
  rowStep: number,
  depthStep: number,
  width: number,
  out: Float64Array,
): void {
  const panels = Math.ceil(rows / width);
  const alongDepth = Math.abs(depthStep) <= Math.abs(rowStep);
  for (let p = 0; p < panels; p++) {
    const base = p * depth * width;
    const lanes = Math.min(width, rows - p * width);
    const first = start + p * width * rowStep;
    if (alongDepth) {
      for (let r = 0; r < lanes; r++) {
        let src = first + r * rowStep;
        let dst = base + r;
        for (let k = 0; k < depth; k++, dst += width, src += depthStep) out[dst] = data[src];
      }
    } else {
      for (let k = 0; k < depth; k++) {
        const src = first + k * depthStep;
        const dst = base + k * width;
        for (let r = 0; r < lanes; r++) out[dst + r] = data[src + r * rowStep];
      }
    }
    for (let r = lanes; r < width; r++) {
      for (let k = 0, dst = base + r; k < depth; k++, dst += width) out[dst] = 0;
    }
  }
}

/**
 * One MR×NR tile: C[tile] (=|+=) Σ_k A_panel[k]·B_panel[k]ᵀ over kc steps; only the top-left mr×nr entries are stored.
 */
function microKernel4x4(
  pa: Float64Array,
  aBase: number,
  pb: Float64Array,
  bBase: number,
  kc: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  mr: number,
  nr: number,
  accumulate: boolean,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  let ia = aBase;
  let ib = bBase;
  const end = aBase + kc * MR;
  for (; ia < end; ia += MR, ib += NR) {
    const a0 = pa[ia];
    const a1 = pa[ia + 1];
    const a2 = pa[ia + 2];
    const a3 = pa[ia + 3];
    const b0 = pb[ib];
    const b1 = pb[ib + 1];
    const b2 = pb[ib + 2];
    const b3 = pb[ib + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    let o = cOff;
    if (accumulate) {
      c[o] += c00;
      c[o + 1] += c01;
      c[o + 2] += c02;
      c[o + 3] += c03;
      o += ldc;
      c[o] += c10;
      c[o + 1] += c11;
      c[o + 2] += c12;
      c[o + 3] += c13;
      o += ldc;
      c[o] += c20;
      c[o + 1] += c21;
      c[o + 2] += c22;
      c[o + 3] += c23;
      o += ldc;
      c[o] += c30;
      c[o + 1] += c31;
      c[o + 2] += c32;
      c[o + 3] += c33;
    } else {
      c[o] = c00;
      c[o + 1] = c01;
      c[o + 2] = c02;
      c[o + 3] = c03;
      o += ldc;
      c[o] = c10;
      c[o + 1] = c11;
      c[o + 2] = c12;
      c[o + 3] = c13;
      o += ldc;
      c[o] = c20;
      c[o + 1] = c21;
      c[o + 2] = c22;
      c[o + 3] = c23;
      o += ldc;
      c[o] = c30;
      c[o + 1] = c31;
      c[o + 2] = c32;
      c[o + 3] = c33;
    }
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) {
    const row = cOff + r * ldc;
    for (let q = 0; q < nr; q++) {
      if (accumulate) c[row + q] += tile[r * NR + q];
      else c[row + q] = tile[r * NR + q];
    }
  }
}

/**
 * C (M×N, row-major with leading dimension `ldc`, starting at `cOffset`) = A (M×K) · B (K×N).
 * A and B may be any strided views (a transposed operand is just swapped strides); C is overwritten.
 */
export function gemm(M: number, N: number, K: number, a: MatrixView, b: MatrixView, c: Float32Array, cOffset: number, ldc: number): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    for (let i = 0; i < M; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + N);
    return;
  }
  const pa = packedA;
  const pb = packedB;
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kc = Math.min(KC, K - p0);
    const accumulate = p0 > 0;
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      packPanels(b.data, b.offset + p0 * b.rowStride + j0 * b.colStride, nc, kc, b.colStride, b.rowStride, NR, pb);
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packPanels(a.data, a.offset + i0 * a.rowStride + p0 * a.colStride, mc, kc, a.rowStride, a.colStride, MR, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bBase = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            microKernel4x4(pa, (ir / MR) * kc * MR, pb, bBase, kc, c, cOffset + (i0 + ir) * ldc + j0 + jr, ldc, mr, nr, accumulate);
          }
        }
      }
    }
  }
}

/** Reference triple loop (double accumulation) — the baseline for benchmarks and tests. */
export function naiveGemm(
  M: number,
  N: number,
  K: number,
  a: MatrixView,
  b: MatrixView,
  c: Float32Array,
  cOffset: number,
  ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++)
        s += a.data[a.offset + i * a.rowStride + k * a.colStride] * b.data[b.offset + k * b.rowStride + j * b.colStride];
      c[cOffset + i * ldc + j] = s;
    }
  }
}

/** A row-major M×N view of `data` starting at `offset`. */
export function rowMajor(data: Float32Array, offset: number, cols: number): MatrixView {
  return { data, offset, rowStride: cols, colStride: 1 };
}

/** The transpose of a row-major R×C matrix (so a C×R view) without copying. */
export function transposedRowMajor(data: Float32Array, offset: number, cols: number): MatrixView {
  return { data, offset, rowStride: 1, colStride: cols };
}
