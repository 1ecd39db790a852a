import { broadcastShapes, type Tensor } from '@vssm/core';
import * as P from '../../assembly/params.js';
import { axisTaps } from '../cpu/interpolate.js';
import type { Activation, KernelFn, OpName, Pair } from '../signatures.js';
import { type Staging, type WasmOps, wasmOps } from './context.js';
import { wasmGemm } from './gemm.js';

/**
 * Size thresholds of the wasm kernels (mutable for tests and benchmarks, which set them to 0 / 1 to run the kernels
 * at every size and on every thread).
 */
export const wasmTuning = {
  /** Multiply-adds below which a product stays on the cpu kernels (the call overhead would dominate). */
  minProduct: 2048,
  /** Elements below which elementwise work stays on the cpu kernels. */
  minElements: 64,
  /** Elements (times taps) per participant that make a second thread worth its dispatch. */
  minElementwisePerThread: 32_768,
};

/** Activation codes of the fused ops, as the kernels know them. */
const ACTIVATION_CODES: Record<Activation, number> = {
  none: P.ACT_NONE,
  silu: P.ACT_SILU,
  gelu: P.ACT_GELU,
  relu: P.ACT_RELU,
  sigmoid: P.ACT_SIGMOID,
};

/** Runs `body` with the ops context and a staging area released afterwards; undefined when wasm is not ready. */
function withStage<T>(body: (ops: WasmOps, stage: Staging) => T): T | undefined {
  const ops = wasmOps();
  if (!ops) return undefined;
  const stage = ops.stage();
  try {
    return body(ops, stage);
  } finally {
    stage.release();
  }
}

const product = (shape: readonly number[]) => shape.reduce((s, d) => s * d, 1);

/** Pointers (0 = absent) of out (M, N) = act(x (M, K) · weight (N, K)ᵀ + bias (N) + residual (M, N)) in wasm memory. */
interface LinearCall {
  M: number;
  N: number;
  K: number;
  x: number;
  weight: number;
  bias: number;
  out: number;
  act: number;
  residual: number;
}

/** F.linear's GEMM on operands already in wasm memory (the weight read transposed, the bias per column). */
function linearGemm(ops: WasmOps, s: Staging, l: LinearCall): void {
  wasmGemm(ops, s, {
    M: l.M,
    N: l.N,
    K: l.K,
    a: { ptr: l.x, rs: l.K, cs: 1 },
    b: { ptr: l.weight, rs: 1, cs: l.K },
    c: l.out,
    ldc: l.N,
    bias: l.bias,
    biasMode: P.BIAS_PER_COLUMN,
    act: l.act,
    residual: l.residual,
  });
}

/** act(x (..., K) · weightᵀ + bias + residual (..., N)). */
export function linearWasm(x: Tensor, weight: Tensor, bias: Tensor | null, act: number, residual: Tensor | null): Tensor | undefined {
  const K = x.shape[x.rank - 1];
  const N = weight.shape[0];
  const M = K === 0 ? 0 : x.size / K;
  if (K === 0 || M * N * K < wasmTuning.minProduct) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const wp = s.input(weight);
    const bp = bias ? s.input(bias, 8) : 0;
    const rp = residual ? s.input(residual) : 0;
    const out = s.output(M * N);
    linearGemm(ops, s, { M, N, K, x: xp, weight: wp, bias: bp, out, act, residual: rp });
    return s.result(out, [...x.shape.slice(0, -1), N]);
  });
}

/** Element strides of a contiguous `shape`'s leading axes broadcast to `batchShape` (0 on broadcast axes). */
function batchOffsets(shape: readonly number[], batchShape: readonly number[]): number[] {
  const own = shape.length - 2;
  const lead = batchShape.length - own;
  const strides: number[] = new Array(batchShape.length).fill(0);
  let step = shape[shape.length - 2] * shape[shape.length - 1];
  for (let i = batchShape.length - 1; i >= lead; i--) {
    const d = shape[i - lead];
    strides[i] = d === batchShape[i] && d !== 1 ? step : 0;
    step *= d;
  }
  return strides;
}

/** The element offset of every flat batch index, from per-axis strides over `batchShape`. */
function flatOffsets(strides: readonly number[], batchShape: readonly number[]): number[] {
  const out: number[] = [];
  const index = new Array<number>(batchShape.length).fill(0);
  const total = product(batchShape);
  for (let t = 0; t < total; t++) {
    let off = 0;
    for (let i = 0; i < index.length; i++) off += index[i] * strides[i];
    out.push(off);
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i] < batchShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** The step s with offsets[t] = t·s for every t (0 for one batch or a shared operand), or undefined. */
function linearStep(offsets: readonly number[]): number | undefined {
  const step = offsets.length > 1 ? offsets[1] - offsets[0] : 0;
  return offsets.every((o, t) => o === t * step) ? step : undefined;
}

const matmulWasm: KernelFn<'matmul'> = ({ a, b }) => {
  const M = a.shape[a.rank - 2];
  const K = a.shape[a.rank - 1];
  const N = b.shape[b.rank - 1];
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const batch = product(batchShape);
  if (K === 0 || batch * M * N * K < wasmTuning.minProduct) return undefined;
  return withStage((ops, s) => {
    const ap = s.input(a);
    const bp = s.input(b);
    const out = s.output(batch * M * N);
    const aStrides = batchOffsets(a.shape, batchShape);
    const bStrides = batchOffsets(b.shape, batchShape);
    const aOff = flatOffsets(aStrides, batchShape);
    const bOff = flatOffsets(bStrides, batchShape);
    const aBs = linearStep(aOff);
    const bBs = linearStep(bOff);
    if (batch > 1 && bBs === 0 && aBs === M * K) {
      // one weight for every batch and a's batches stacked: one tall product
      wasmGemm(ops, s, { M: batch * M, N, K, a: { ptr: ap, rs: K, cs: 1 }, b: { ptr: bp, rs: N, cs: 1 }, c: out, ldc: N });
    } else if (aBs !== undefined && bBs !== undefined) {
      // one batched product: batch strides that are multiples of the batch index (0 for a shared operand)
      wasmGemm(ops, s, {
        M,
        N,
        K,
        a: { ptr: ap, rs: K, cs: 1 },
        b: { ptr: bp, rs: N, cs: 1 },
        c: out,
        ldc: N,
        batch: { count: batch, aBs, bBs, cBs: M * N },
      });
    } else {
      for (let t = 0; t < batch; t++) {
        wasmGemm(ops, s, {
          M,
          N,
          K,
          a: { ptr: ap + 4 * aOff[t], rs: K, cs: 1 },
          b: { ptr: bp + 4 * bOff[t], rs: N, cs: 1 },
          c: out + 4 * t * M * N,
          ldc: N,
        });
      }
    }
    return s.result(out, [...batchShape, M, N]);
  });
};

interface ConvAttrs {
  stride: Pair;
  padding: Pair;
  groups: number;
}

/** conv2d then + residual (before the activation, as ConvFFN's h + dwc(h)) and the activation. */
export function conv2dWasm(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  { stride, padding, groups }: ConvAttrs,
  act: number,
  residual: Tensor | null,
): Tensor | undefined {
  const [B, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = weight.shape;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const work = B * O * Ho * Wo * Cg * kh * kw;
  if (work < wasmTuning.minProduct || B * O * Ho * Wo === 0) return undefined;
  if (groups === C && groups > 1) {
    return withStage((ops, s) => {
      const xp = s.input(x);
      const wp = s.input(weight);
      const bp = s.optional(bias);
      const rp = s.optional(residual);
      const out = s.output(B * O * Ho * Wo);
      const parts = ops.participants(work, wasmTuning.minElementwisePerThread * 4);
      const scratch = s.scratch(ops.helpers.depthwise_scratch(Ho, Wo, kh, kw, sh, sw), parts);
      const args = s.params(scratch, (a) => {
        a[P.D_X] = xp;
        a[P.D_W] = wp;
        a[P.D_BIAS] = bp;
        a[P.D_OUT] = out;
        a[P.D_C] = C;
        a[P.D_O] = O;
        a[P.D_H] = H;
        a[P.D_W_IN] = W;
        a[P.D_HO] = Ho;
        a[P.D_WO] = Wo;
        a[P.D_KH] = kh;
        a[P.D_KW] = kw;
        a[P.D_SH] = sh;
        a[P.D_SW] = sw;
        a[P.D_PH] = ph;
        a[P.D_PW] = pw;
        a[P.D_MULT] = O / C;
        a[P.D_ACT] = act;
        a[P.D_RESIDUAL] = rp;
      });
      ops.run('depthwise_conv2d', args, B * O, { participants: parts });
      return s.result(out, [B, O, Ho, Wo]);
    });
  }
  if (groups !== 1) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const wp = s.input(weight);
    const bp = bias ? s.input(bias, 4) : 0;
    const rp = s.optional(residual);
    const out = s.output(B * O * Ho * Wo);
    const plane = Ho * Wo;
    const depth = C * kh * kw;
    const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
    const cols = pointwise ? 0 : s.alloc(B * depth * plane);
    if (!pointwise) {
      const im2colArgs = s.params([0, 0], (a) => {
        a[P.I_X] = xp;
        a[P.I_COLS] = cols;
        a[P.I_H] = H;
        a[P.I_W] = W;
        a[P.I_HO] = Ho;
        a[P.I_WO] = Wo;
        a[P.I_KH] = kh;
        a[P.I_KW] = kw;
        a[P.I_SH] = sh;
        a[P.I_SW] = sw;
        a[P.I_PH] = ph;
        a[P.I_PW] = pw;
        a[P.I_ROWS] = depth;
        a[P.I_X_IMAGE] = C * H * W;
        a[P.I_COLS_IMAGE] = depth * plane;
      });
      ops.run('im2col', im2colArgs, B * depth, { participants: ops.participants(B * depth * plane, wasmTuning.minElementwisePerThread) });
    }
    // every image at once: out[b] (O × Ho·Wo) = W (O × depth) · cols[b] (depth × Ho·Wo), the weight shared
    wasmGemm(ops, s, {
      M: O,
      N: plane,
      K: depth,
      a: { ptr: wp, rs: depth, cs: 1 },
      b: { ptr: pointwise ? xp : cols, rs: plane, cs: 1 },
      c: out,
      ldc: plane,
      bias: bp,
      biasMode: P.BIAS_PER_ROW,
      act,
      residual: rp,
      batch: { count: B, aBs: 0, bBs: pointwise ? C * H * W : depth * plane, cBs: O * plane },
    });
    return s.result(out, [B, O, Ho, Wo]);
  });
}

/** Causal depthwise conv1d over (B, C, L), weight (C, K), then the activation. */
export function conv1dCausalWasm(x: Tensor, weight: Tensor, bias: Tensor | null, act: number): Tensor | undefined {
  const [B, C, L] = x.shape;
  const K = weight.shape[1];
  if (B * C * L * K < wasmTuning.minProduct) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const wp = s.input(weight);
    const bp = s.optional(bias);
    const out = s.output(B * C * L);
    const parts = ops.participants(B * C * L * K, wasmTuning.minElementwisePerThread * 4);
    const scratch = s.scratch(ops.helpers.conv1d_scratch(L, K), parts);
    const args = s.params(scratch, (a) => {
      a[P.C1_X] = xp;
      a[P.C1_W] = wp;
      a[P.C1_BIAS] = bp;
      a[P.C1_OUT] = out;
      a[P.C1_C] = C;
      a[P.C1_L] = L;
      a[P.C1_K] = K;
      a[P.C1_ACT] = act;
    });
    ops.run('conv1d_causal', args, B * C, { participants: parts, grain: 4 });
    return s.result(out, [B, C, L]);
  });
}

/** One of the unary ops (P.U_*) elementwise. */
function unaryWasm(x: Tensor, op: number, f0 = 0, f1 = 0): Tensor | undefined {
  const n = x.size;
  if (n < wasmTuning.minElements) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const out = s.output(n);
    const parts = ops.participants(n, wasmTuning.minElementwisePerThread);
    const scratch = s.scratch(16, parts);
    const args = s.params(scratch, (a, f) => {
      a[P.E_X] = xp;
      a[P.E_OUT] = out;
      a[P.E_COUNT] = n;
      a[P.E_OP] = op;
      f[P.E_F0] = f0;
      f[P.E_F1] = f1;
    });
    ops.run('unary', args, Math.ceil(n / P.ELEMENTWISE_BLOCK), { participants: parts });
    return s.result(out, x.shape);
  });
}

/** One of the binary ops (P.B_*) over two tensors of the same shape. */
export function binaryWasm(x: Tensor, y: Tensor, op: number): Tensor | undefined {
  const n = x.size;
  if (n < wasmTuning.minElements) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const yp = s.input(y);
    const out = s.output(n);
    const parts = ops.participants(n, wasmTuning.minElementwisePerThread);
    const args = s.params([0, 0], (a) => {
      a[P.E_X] = xp;
      a[P.E_Y] = yp;
      a[P.E_OUT] = out;
      a[P.E_COUNT] = n;
      a[P.E_OP] = op;
    });
    ops.run('binary', args, Math.ceil(n / P.ELEMENTWISE_BLOCK), { participants: parts });
    return s.result(out, x.shape);
  });
}

/** Pointers (0 = absent) of a row norm over rows (rows, D) in wasm memory; `sum` receives x + residual. */
interface RowNormCall {
  x: number;
  out: number;
  rows: number;
  D: number;
  weight: number;
  bias: number;
  eps: number;
  residual: number;
  sum: number;
}

/** Runs the `layer_norm` or `rms_norm` kernel over rows already in wasm memory. */
function runRowNorm(ops: WasmOps, s: Staging, kernel: 'layer_norm' | 'rms_norm', r: RowNormCall): void {
  const parts = ops.participants(r.rows * r.D, wasmTuning.minElementwisePerThread);
  const args = s.params([0, 0], (a, f) => {
    a[P.N_X] = r.x;
    a[P.N_OUT] = r.out;
    a[P.N_ROWS] = r.rows;
    a[P.N_D] = r.D;
    a[P.N_WEIGHT] = r.weight;
    a[P.N_BIAS] = r.bias;
    f[P.N_EPS] = r.eps;
    a[P.N_RESIDUAL] = r.residual;
    a[P.N_SUM_OUT] = r.sum;
  });
  ops.run(kernel, args, r.rows, { participants: parts, grain: Math.max(1, Math.floor(r.rows / (8 * parts))) });
}

/**
 * LayerNorm (or RMSNorm) over the last axis; with `residual`, of x + residual, whose sum is returned as well.
 */
export function rowNormWasm(
  kernel: 'layer_norm' | 'rms_norm',
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  residual: Tensor | null,
): { out: Tensor; sum: Tensor | null } | undefined {
  const D = x.shape[x.rank - 1];
  const n = x.size;
  if (n < wasmTuning.minElements || D === 0) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const wp = s.optional(weight);
    const bp = s.optional(bias);
    const rp = s.optional(residual);
    const sum = residual ? s.output(n) : 0;
    const out = s.output(n);
    runRowNorm(ops, s, kernel, { x: xp, out, rows: n / D, D, weight: wp, bias: bp, eps, residual: rp, sum });
    return { out: s.result(out, x.shape), sum: residual ? s.result(sum, x.shape) : null };
  });
}

const layerNorm2dWasm: KernelFn<'layerNorm2d'> = ({ x, weight, bias }, { eps }) => {
  const [B, C, H, W] = x.shape;
  const Pn = H * W;
  const n = x.size;
  if (n < wasmTuning.minElements) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const wp = s.optional(weight);
    const bp = s.optional(bias);
    const out = s.output(n);
    const blocks = Math.ceil(Pn / P.NORM2D_BLOCK);
    const parts = ops.participants(n, wasmTuning.minElementwisePerThread);
    const args = s.params([0, 0], (a, f) => {
      a[P.N_X] = xp;
      a[P.N_OUT] = out;
      a[P.N_C] = C;
      a[P.N_P] = Pn;
      a[P.N_BLOCKS_PER_IMAGE] = blocks;
      a[P.N_WEIGHT] = wp;
      a[P.N_BIAS] = bp;
      f[P.N_EPS] = eps;
    });
    ops.run('layer_norm2d', args, B * blocks, { participants: parts });
    return s.result(out, [B, C, H, W]);
  });
};

const interpolateWasm: KernelFn<'interpolate'> = ({ x }, { outSize, mode, alignCorners, scale }) => {
  const [B, C, H, W] = x.shape;
  const [Ho, Wo] = outSize;
  const planes = B * C;
  if (planes * Ho * Wo < wasmTuning.minElements) return undefined;
  const ty = axisTaps(mode, H, Ho, alignCorners, scale[0]);
  const tx = axisTaps(mode, W, Wo, alignCorners, scale[1]);
  return withStage((ops, s) => {
    const xp = s.input(x);
    const out = s.output(planes * Ho * Wo);
    const table = (values: ArrayLike<number>, asInt: boolean) => {
      const ptr = s.alloc(values.length);
      if (asInt) ops.rt.i32(ptr, values.length).set(values);
      else ops.rt.f32(ptr, values.length).set(values);
      return ptr;
    };
    const iy = table(ty.index, true);
    const wy = table(ty.weight, false);
    const ix = table(tx.index, true);
    const wx = table(tx.weight, false);
    const parts = ops.participants(planes * (H * Wo * tx.taps + Ho * Wo * ty.taps), wasmTuning.minElementwisePerThread);
    const scratch = s.scratch(ops.helpers.resample_scratch(H, Wo), parts);
    const args = s.params(scratch, (a) => {
      a[P.R_X] = xp;
      a[P.R_OUT] = out;
      a[P.R_H] = H;
      a[P.R_W] = W;
      a[P.R_HO] = Ho;
      a[P.R_WO] = Wo;
      a[P.R_TAPS_Y] = ty.taps;
      a[P.R_TAPS_X] = tx.taps;
      a[P.R_IDX_Y] = iy;
      a[P.R_WGT_Y] = wy;
      a[P.R_IDX_X] = ix;
      a[P.R_WGT_X] = wx;
    });
    ops.run('resample', args, planes, { participants: parts });
    return s.result(out, [B, C, Ho, Wo]);
  });
};

/** act(linear(layerNorm(x), weight, bias)): the normalised rows stay in wasm memory for the GEMM. */
function layerNormLinearWasm(
  x: Tensor,
  normWeight: Tensor | null,
  normBias: Tensor | null,
  weight: Tensor,
  bias: Tensor | null,
  eps: number,
  act: number,
): Tensor | undefined {
  const K = x.shape[x.rank - 1];
  const N = weight.shape[0];
  const M = K === 0 ? 0 : x.size / K;
  if (K === 0 || M * N * K < wasmTuning.minProduct) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const nwp = s.optional(normWeight);
    const nbp = s.optional(normBias);
    const wp = s.input(weight);
    const bp = bias ? s.input(bias, 8) : 0;
    const normed = s.alloc(M * K);
    const out = s.output(M * N);
    runRowNorm(ops, s, 'layer_norm', { x: xp, out: normed, rows: M, D: K, weight: nwp, bias: nbp, eps, residual: 0, sum: 0 });
    linearGemm(ops, s, { M, N, K, x: normed, weight: wp, bias: bp, out, act, residual: 0 });
    return s.result(out, [...x.shape.slice(0, -1), N]);
  });
}

/** Rotary embedding of x (..., L, D) with tables (L, D). */
const ropeWasm: KernelFn<'rope'> = ({ x, cos, sin }) => {
  const n = x.size;
  const table = cos.size;
  if (n < wasmTuning.minElements || table === 0) return undefined;
  return withStage((ops, s) => {
    const xp = s.input(x);
    const cp = s.input(cos);
    const sp = s.input(sin);
    const out = s.output(n);
    const blocks = Math.ceil(table / P.ELEMENTWISE_BLOCK);
    const parts = ops.participants(n, wasmTuning.minElementwisePerThread);
    const args = s.params([0, 0], (a) => {
      a[P.RO_X] = xp;
      a[P.RO_COS] = cp;
      a[P.RO_SIN] = sp;
      a[P.RO_OUT] = out;
      a[P.RO_TABLE] = table;
      a[P.RO_BLOCKS] = blocks;
    });
    ops.run('rope', args, (n / table) * blocks, { participants: parts });
    return s.result(out, x.shape);
  });
};

/** The `wasm` backend's kernels; every other op falls back to `cpu`. */
export const WASM_KERNELS: { readonly [K in OpName]?: KernelFn<K> } = {
  linear: ({ x, weight, bias }) => linearWasm(x, weight, bias, P.ACT_NONE, null),
  matmul: matmulWasm,
  conv2d: ({ x, weight, bias }, attrs) => conv2dWasm(x, weight, bias, attrs, P.ACT_NONE, null),
  conv1dCausal: ({ x, weight, bias }) => conv1dCausalWasm(x, weight, bias, P.ACT_NONE),
  layerNorm: ({ x, weight, bias }, { eps }) => rowNormWasm('layer_norm', x, weight, bias, eps, null)?.out,
  rmsNorm: ({ x, weight }, { eps }) => rowNormWasm('rms_norm', x, weight, null, eps, null)?.out,
  layerNorm2d: layerNorm2dWasm,
  gelu: ({ x }) => unaryWasm(x, P.U_GELU),
  silu: ({ x }) => unaryWasm(x, P.U_SILU),
  sigmoid: ({ x }) => unaryWasm(x, P.U_SIGMOID),
  relu: ({ x }) => unaryWasm(x, P.U_RELU),
  softplus: ({ x }, { beta, threshold }) => unaryWasm(x, P.U_SOFTPLUS, beta, threshold),
  interpolate: interpolateWasm,
  rope: ropeWasm,
  fusedLinear: ({ x, weight, bias, residual }, { activation }) => linearWasm(x, weight, bias, ACTIVATION_CODES[activation], residual),
  fusedConv2d: ({ x, weight, bias, residual }, { activation, ...attrs }) =>
    conv2dWasm(x, weight, bias, attrs, ACTIVATION_CODES[activation], residual),
  fusedConv1dCausal: ({ x, weight, bias }, { activation }) => conv1dCausalWasm(x, weight, bias, ACTIVATION_CODES[activation]),
  mulSilu: ({ x, z }) => binaryWasm(x, z, P.B_MUL_SILU),
  addLayerNorm: ({ x, residual, weight, bias }, { eps }) => {
    const r = rowNormWasm('layer_norm', x, weight, bias, eps, residual);
    return r ? [r.out, r.sum!] : undefined;
  },
  addRmsNorm: ({ x, residual, weight }, { eps }) => {
    const r = rowNormWasm('rms_norm', x, weight, null, eps, residual);
    return r ? [r.out, r.sum!] : undefined;
  },
  layerNormLinear: ({ x, normWeight, normBias, weight, bias }, { eps, activation }) =>
    layerNormLinearWasm(x, normWeight, normBias, weight, bias, eps, ACTIVATION_CODES[activation]),
};
