import { broadcastShapes, Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';
import { gemm, type MatrixView } from './gemm.js';

/** Rows below which linear skips packing and takes dot products of contiguous rows directly. */
const SMALL_M = 4;

/** Strides of `t`'s leading (batch) axes broadcast to `batchShape` (0 on broadcast axes). */
function batchStrides(t: Tensor, batchShape: readonly number[]): number[] {
  const own = t.rank - 2;
  const lead = batchShape.length - own;
  return batchShape.map((d, i) => (i < lead || t.shape[i - lead] !== d ? 0 : t.strides[i - lead]));
}

/** Batched, broadcasting matmul: a (..., M, K) · b (..., K, N) over strided inputs, no copies of the operands. */
export const matmulCpu: CpuKernelFn<'matmul'> = ({ a, b }) => {
  const M = a.shape[a.rank - 2];
  const K = a.shape[a.rank - 1];
  const N = b.shape[b.rank - 1];
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = batchShape.reduce((s, d) => s * d, 1);
  const out = new Float32Array(batch * M * N);
  const aBatch = batchStrides(a, batchShape);
  const bBatch = batchStrides(b, batchShape);
  const aRow = a.strides[a.rank - 2];
  const aCol = a.strides[a.rank - 1];
  const bRow = b.strides[b.rank - 2];
  const bCol = b.strides[b.rank - 1];

  // b shared by every batch and a's batches stacked row-wise with one row stride: one tall gemm.
  const aFoldable = aBatch.every((s, i) => batchShape[i] === 1 || s === aRow * M * batchShape.slice(i + 1).reduce((p, d) => p * d, 1));
  if (batch > 1 && bBatch.every((s) => s === 0) && aFoldable) {
    gemm(
      batch * M,
      N,
      K,
      { data: a.data, offset: a.offset, rowStride: aRow, colStride: aCol },
      { data: b.data, offset: b.offset, rowStride: bRow, colStride: bCol },
      out,
      0,
      N,
    );
    return new Tensor(out, [...batchShape, M, N]);
  }

  const index = new Array<number>(batchShape.length).fill(0);
  for (let t = 0; t < batch; t++) {
    let aOff = a.offset;
    let bOff = b.offset;
    for (let i = 0; i < index.length; i++) {
      aOff += index[i] * aBatch[i];
      bOff += index[i] * bBatch[i];
    }
    const av: MatrixView = { data: a.data, offset: aOff, rowStride: aRow, colStride: aCol };
    const bv: MatrixView = { data: b.data, offset: bOff, rowStride: bRow, colStride: bCol };
    gemm(M, N, K, av, bv, out, t * M * N, N);
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i] < batchShape[i]) break;
      index[i] = 0;
    }
  }
  return new Tensor(out, [...batchShape, M, N]);
};

/** out (M, N) = x (M, K) · Wᵀ for tiny M: dot products of contiguous rows, no packing. */
function smallLinear(
  M: number,
  N: number,
  K: number,
  x: Float32Array,
  w: Float32Array,
  wOff: number,
  wRow: number,
  wCol: number,
  out: Float32Array,
): void {
  for (let n = 0; n < N; n++) {
    const wBase = wOff + n * wRow;
    for (let m = 0; m < M; m++) {
      const xBase = m * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[xBase + k] * w[wBase + k * wCol];
      out[m * N + n] = s;
    }
  }
}

/** Adds bias[n] to every row of a row-major (rows, N) buffer. */
export function addRowBias(out: Float32Array, rows: number, N: number, bias: Tensor): void {
  const bv = bias.contiguousData();
  for (let r = 0; r < rows; r++) {
    const base = r * N;
    for (let n = 0; n < N; n++) out[base + n] += bv[n];
  }
}

/** x (..., K) · weightᵀ (+ bias), weight (N, K): a gemm whose B operand is the weight read with swapped strides. */
export const linearCpu: CpuKernelFn<'linear'> = ({ x, weight, bias }) => {
  const K = x.shape[x.rank - 1];
  const N = weight.shape[0];
  const M = x.shape.slice(0, -1).reduce((s, d) => s * d, 1);
  const xd = x.contiguousData();
  const out = new Float32Array(M * N);
  const [wRow, wCol] = weight.strides;
  if (M < SMALL_M) smallLinear(M, N, K, xd, weight.data, weight.offset, wRow, wCol, out);
  else
    gemm(
      M,
      N,
      K,
      { data: xd, offset: 0, rowStride: K, colStride: 1 },
      { data: weight.data, offset: weight.offset, rowStride: wCol, colStride: wRow },
      out,
      0,
      N,
    );
  if (bias) addRowBias(out, M, N, bias);
  return new Tensor(out, [...x.shape.slice(0, -1), N]);
};
