import type { Tensor } from '@vssm/core';
import { concat } from '@vssm/ops';

/** Inserts `piece` (size 1 along `axis`) before index `pos` of `x` along `axis`. */
export function insertAt(x: Tensor, axis: number, pos: number, piece: Tensor): Tensor {
  const n = x.shape[axis];
  const head = x.slice(...spec(axis, 0, pos));
  const tail = x.slice(...spec(axis, pos, n));
  return concat(
    [head, piece, tail].filter((t) => t.shape[axis] > 0),
    axis,
  );
}

/** Removes index `pos` along `axis`: returns the rest and the removed slice (kept with size 1 along `axis`). */
export function removeAt(x: Tensor, axis: number, pos: number): { rest: Tensor; removed: Tensor } {
  const n = x.shape[axis];
  const parts = [x.slice(...spec(axis, 0, pos)), x.slice(...spec(axis, pos + 1, n))].filter((t) => t.shape[axis] > 0);
  const removed = x.slice(...spec(axis, pos, pos + 1)).contiguous();
  if (parts.length === 0) return { rest: x.slice(...spec(axis, 0, 0)), removed };
  return { rest: parts.length === 1 ? parts[0].contiguous() : concat(parts, axis), removed };
}

function spec(axis: number, start: number, end: number): (null | [number, number])[] {
  const specs: (null | [number, number])[] = Array.from({ length: axis }, () => null);
  specs.push([start, end]);
  return specs;
}
