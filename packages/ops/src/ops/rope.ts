import { formatShape, ShapeError, shapesEqual, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import { assertRank, assertTensor } from '../validate.js';

/**
 * Applies LocalVim's rotary embedding (`VisionRotaryEmbeddingFast.forward`): `x·cos + rotate_half(x)·sin` with the
 * interleaved rotate_half, i.e. out[2m] = x[2m]·cos − x[2m+1]·sin, out[2m+1] = x[2m+1]·cos + x[2m]·sin.
 * x (..., L, D); cos and sin (L, D) hold per-channel angles (see `ropeTables`).
 */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const op = 'applyRope';
  assertTensor(op, 'x', x);
  assertTensor(op, 'cos', cos);
  assertTensor(op, 'sin', sin);
  assertRank(op, 'cos', cos, 2, '2-D (L, D)');
  if (!shapesEqual(cos.shape, sin.shape))
    throw new ShapeError(`${op}: cos ${formatShape(cos.shape)} and sin ${formatShape(sin.shape)} differ`);
  if (x.rank < 2 || x.shape[x.rank - 2] !== cos.shape[0] || x.shape[x.rank - 1] !== cos.shape[1]) {
    throw new ShapeError(`${op}: x ${formatShape(x.shape)} must end in the table shape ${formatShape(cos.shape)}`);
  }
  if (cos.shape[1] % 2 !== 0) throw new ShapeError(`${op}: the channel count ${cos.shape[1]} must be even (channels rotate in pairs)`);
  return runKernel('rope', { x, cos, sin }, {});
}
