/**
 * The end of MS2D (tail-kernels.ts) as WebAssembly kernels (assembly/tail.ts, part of the stack module) on the shared
 * runtime, bit-identical to the TypeScript loops, which remain the fallback (mode 'ts' of `setStackKernels`, tiny
 * problems, no runtime). Inputs that live in wasm memory are read in place; inside a `withScratch` scope the outputs
 * stay in wasm memory, outside one they are copied into scratch-pool arrays.
 */
import { ShapeError, Tensor } from '@vssm/core';
import {
  TAIL_TILE,
  TN_B,
  TN_E,
  TN_E_BLOCK,
  TN_E_BLOCKS,
  TN_EPS,
  TN_L,
  TN_MEAN,
  TN_MODE,
  TN_MODE_ADD_NORM,
  TN_MODE_NORM_ADD,
  TN_OUT,
  TN_POOLED,
  TN_RSTD,
  TN_S_BLOCK,
  TN_S_BLOCKS,
  TN_UP,
  TN_W,
  TN_X,
  TS_BLOCK,
  TS_BLOCKS,
  TS_E,
  TS_GATE,
  TS_L,
  TS_OUT,
  TS_Y,
  TS_Z,
} from '../../assembly/tail-params.js';
import { acquire } from '../common/scratch.js';
import { StackCall, stackEngine } from '../common/stack-wasm.js';
import { addNormPool, normAddPool, scaleChannels, scaleMul, scaleTransposeMul } from './tail-kernels.js';

/** A normalised channel-first map (B, E, L) and SE's pooling of it, the mean over L per (b, e). */
export interface NormPooled {
  readonly out: Tensor;
  readonly pooled: Float64Array;
}

/** Positions per item of the statistics pass. */
const STATS_BLOCK = 128;
/** Floats per item of the channel-blocked passes. */
const ITEM_FLOATS = 16384;

/** (B, E, L) of a channel-first y (B, E, …), checking that `others` hold as many values. */
function channelFirst(op: string, y: Tensor, others: readonly [string, Tensor | null][]): [number, number, number] {
  if (y.rank < 3) throw new ShapeError(`${op}: expected a channel-first y (B, E, …), got [${y.shape.join(', ')}]`);
  const [B, E] = y.shape;
  const L = y.size / (B * E);
  for (const [name, t] of others) {
    if (t && t.size !== y.size) {
      throw new ShapeError(`${op}: ${name} [${t.shape.join(', ')}] must hold as many values as y [${y.shape.join(', ')}]`);
    }
  }
  return [B, E, L];
}

function checkLength(op: string, name: string, values: { length: number } | null, expected: number): void {
  if (values && values.length !== expected) throw new ShapeError(`${op}: expected ${expected} values in ${name}, got ${values.length}`);
}

function normPooled(
  op: string,
  mode: typeof TN_MODE_NORM_ADD | typeof TN_MODE_ADD_NORM,
  y: Tensor,
  up: Tensor,
  weight: Tensor,
  bias: Tensor,
  eps: number,
): NormPooled {
  const [B, E, L] = channelFirst(op, y, [['up', up]]);
  const w = weight.contiguousData();
  const b = bias.contiguousData();
  checkLength(op, 'the LayerNorm weight', w, E);
  checkLength(op, 'the LayerNorm bias', b, E);
  const shape = [B, E, L];
  const pooled = new Float64Array(B * E);
  const wasm = stackEngine(B * E * L);
  if (!wasm) {
    const out = acquire(B * E * L);
    const kernel = mode === TN_MODE_NORM_ADD ? normAddPool : addNormPool;
    kernel(y.contiguousData(), up.contiguousData(), B, E, L, w, b, eps, out, pooled);
    return { out: Tensor.fromData(out, shape), pooled };
  }
  const call = new StackCall(wasm.rt);
  try {
    const x = call.input(op, y);
    const u = call.input(op, up);
    const wp = call.floats(w);
    const bp = call.floats(b);
    const mean = call.alloc(8 * B * L);
    const rstd = call.alloc(8 * B * L);
    const sums = call.alloc(8 * B * E);
    const dst = call.output(B * E * L);
    const sBlocks = Math.ceil(L / STATS_BLOCK);
    const eBlock = Math.max(1, Math.min(E, Math.ceil(ITEM_FLOATS / L)));
    const eBlocks = Math.ceil(E / eBlock);
    const args = call.params((p) => {
      p[TN_X] = x;
      p[TN_UP] = u;
      p[TN_MODE] = mode;
      p[TN_E] = E;
      p[TN_L] = L;
      p[TN_W] = wp;
      p[TN_B] = bp;
      p[TN_MEAN] = mean;
      p[TN_RSTD] = rstd;
      p[TN_OUT] = dst;
      p[TN_POOLED] = sums;
      p[TN_S_BLOCKS] = sBlocks;
      p[TN_S_BLOCK] = STATS_BLOCK;
      p[TN_E_BLOCKS] = eBlocks;
      p[TN_E_BLOCK] = eBlock;
      new Float64Array(p.buffer, p.byteOffset + 4 * TN_EPS, 1)[0] = eps;
    });
    call.run(wasm.kernels.tailStats, args, B * sBlocks, B * E * L);
    call.run(wasm.kernels.tailNorm, args, B * eBlocks, B * E * L);
    pooled.set(new Float64Array(wasm.rt.memory.buffer, sums, B * E));
    return { out: call.result(dst, shape), pooled };
  } finally {
    call.release();
  }
}

/**
 * Master's out_norm then the upsampled low-resolution add, with SE's pooling: out = LayerNorm_E(y) + up on a
 * channel-first y (B, E, …) → (B, E, L) and the means over L per (b, e) (`normAddPool`, same bits).
 */
export function normAddPoolTail(y: Tensor, up: Tensor, weight: Tensor, bias: Tensor, eps: number): NormPooled {
  return normPooled('normAddPoolTail', TN_MODE_NORM_ADD, y, up, weight, bias, eps);
}

/**
 * v2's merge then out_norm, with SE's pooling: out = LayerNorm_E(y + up) on a channel-first y (B, E, …) → (B, E, L)
 * and the means over L per (b, e) (`addNormPool`, same bits).
 */
export function addNormPoolTail(y: Tensor, up: Tensor, weight: Tensor, bias: Tensor, eps: number): NormPooled {
  return normPooled('addNormPoolTail', TN_MODE_ADD_NORM, y, up, weight, bias, eps);
}

/**
 * SE's scaling, the permute to channel-last and the z gate: a channel-first y (B, E, L) times gate[b, e] (null: no
 * SE) times a channel-last z (B, …, E) with L positions → the shape of z (`scaleTransposeMul`, same bits).
 */
export function scaleTransposeMulTail(y: Tensor, gate: Float32Array | null, z: Tensor): Tensor {
  const op = 'scaleTransposeMulTail';
  const [B, E, L] = channelFirst(op, y, [['z', z]]);
  if (z.shape[0] !== B || z.shape[z.rank - 1] !== E) {
    throw new ShapeError(`${op}: expected a channel-last z (${B}, …, ${E}), got [${z.shape.join(', ')}]`);
  }
  checkLength(op, 'gate', gate, B * E);
  const wasm = stackEngine(B * E * L);
  if (!wasm) {
    const out = acquire(B * E * L);
    scaleTransposeMul(y.contiguousData(), gate, z.contiguousData(), B, E, L, out);
    return Tensor.fromData(out, z.shape.slice());
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, y);
    const zp = call.input(op, z);
    const gp = gate ? call.floats(gate) : 0;
    const dst = call.output(B * E * L);
    const tiles = Math.ceil(E / TAIL_TILE);
    const args = call.params((p) => {
      p[TS_Y] = src;
      p[TS_GATE] = gp;
      p[TS_Z] = zp;
      p[TS_OUT] = dst;
      p[TS_E] = E;
      p[TS_L] = L;
      p[TS_BLOCKS] = tiles;
      p[TS_BLOCK] = TAIL_TILE;
    });
    call.run(wasm.kernels.tailScaleT, args, B * tiles, B * E * L, true);
    return call.result(dst, z.shape);
  } finally {
    call.release();
  }
}

function scaleChannelFirst(op: string, y: Tensor, gate: Float32Array | null, g: Tensor | null): Tensor {
  const [B, E, L] = channelFirst(op, y, [['g', g]]);
  checkLength(op, 'gate', gate, B * E);
  const wasm = stackEngine(B * E * L);
  if (!wasm) {
    const out = acquire(B * E * L);
    if (g) scaleMul(y.contiguousData(), gate, g.contiguousData(), B, E, L, out);
    else if (gate) scaleChannels(y.contiguousData(), gate, B, E, L, out);
    else out.set(y.contiguousData());
    return Tensor.fromData(out, y.shape.slice());
  }
  const call = new StackCall(wasm.rt);
  try {
    const src = call.input(op, y);
    const gp = g ? call.input(op, g) : 0;
    const sp = gate ? call.floats(gate) : 0;
    const dst = call.output(B * E * L);
    const block = Math.max(1, Math.min(E, Math.ceil(ITEM_FLOATS / L)));
    const blocks = Math.ceil(E / block);
    const args = call.params((p) => {
      p[TS_Y] = src;
      p[TS_GATE] = sp;
      p[TS_Z] = gp;
      p[TS_OUT] = dst;
      p[TS_E] = E;
      p[TS_L] = L;
      p[TS_BLOCKS] = blocks;
      p[TS_BLOCK] = block;
    });
    call.run(wasm.kernels.tailScale, args, B * blocks, B * E * L);
    return call.result(dst, y.shape);
  } finally {
    call.release();
  }
}

/**
 * SE's scaling and v2's z gate on channel-first maps: y (B, E, …) times gate[b, e] (null: no SE) times g (same
 * shape) → the shape of y (`scaleMul`, same bits).
 */
export function scaleMulTail(y: Tensor, gate: Float32Array | null, g: Tensor): Tensor {
  return scaleChannelFirst('scaleMulTail', y, gate, g);
}

/** SE's scaling alone on a channel-first y (B, E, …): y · gate[b, e] (`scaleChannels`, same bits). */
export function scaleChannelsTail(y: Tensor, gate: Float32Array): Tensor {
  return scaleChannelFirst('scaleChannelsTail', y, gate, null);
}
