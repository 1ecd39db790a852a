import { ArgumentError, ShapeError, Tensor, formatShape } from '@vssm/core';

/** Checks that `y` is a Tensor of the given rank and returns its row-major data. */
export function readRank(y: Tensor, rank: number, expected: string, op: string): Float32Array {
  if (!(y instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor, got ${y === null ? 'null' : typeof y}`);
  if (y.rank !== rank) throw new ShapeError(`${op}: expected a ${expected} tensor, got shape ${formatShape(y.shape)}`);
  return y.contiguousData();
}
