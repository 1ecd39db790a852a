import { formatShape, ShapeError, type Tensor } from '@vssm/core';

/** Whether `t` owns its whole storage in row-major order (a fresh op result), so it can be overwritten. */
function ownsStorage(t: Tensor): boolean {
  return t.isContiguous && t.offset === 0 && t.data.length === t.size;
}

/**
 * `target + other` written into target's storage and returned (no new array): for residual adds whose one operand
 * is a fresh intermediate that nothing else reads. Float32 addition is commutative, so the result is bit-identical
 * to `other.add(target)`. `other` may be any view of the same shape. A target that does not own its storage falls
 * back to an ordinary (allocating) add.
 */
export function addInto(target: Tensor, other: Tensor): Tensor {
  return combineInto(target, other, 'addInto', false);
}

/** `target · other` written into target's storage, as `addInto` (bit-identical to `other.mul(target)`). */
export function mulInto(target: Tensor, other: Tensor): Tensor {
  return combineInto(target, other, 'mulInto', true);
}

function combineInto(target: Tensor, other: Tensor, op: string, multiply: boolean): Tensor {
  if (target.shape.length !== other.shape.length || target.shape.some((d, i) => d !== other.shape[i])) {
    throw new ShapeError(`${op}: shapes ${formatShape(target.shape)} and ${formatShape(other.shape)} differ`);
  }
  if (!ownsStorage(target) || other.data === target.data) return multiply ? target.mul(other) : target.add(other);
  const out = target.data;
  if (other.isContiguous) {
    const src = other.data;
    const o = other.offset;
    if (multiply) for (let i = 0; i < out.length; i++) out[i] *= src[o + i];
    else for (let i = 0; i < out.length; i++) out[i] += src[o + i];
    return target;
  }
  // strided operand: walk it row by row over its last axis
  const rank = other.rank;
  const n = other.shape[rank - 1];
  const s = other.strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let p = other.offset;
  const src = other.data;
  for (let o = 0; o < out.length; o += n) {
    if (multiply) for (let i = 0, q = p; i < n; i++, q += s) out[o + i] *= src[q];
    else for (let i = 0, q = p; i < n; i++, q += s) out[o + i] += src[q];
    for (let ax = rank - 2; ax >= 0; ax--) {
      if (++index[ax] < other.shape[ax]) {
        p += other.strides[ax];
        break;
      }
      index[ax] = 0;
      p -= other.strides[ax] * (other.shape[ax] - 1);
    }
  }
  return target;
}
