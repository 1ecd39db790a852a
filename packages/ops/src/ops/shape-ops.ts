import { ArgumentError, formatShape, ShapeError, shapesEqual, type Tensor } from '@vssm/core';
import { runKernel } from '../registry.js';
import type { Pair } from '../signatures.js';
import { assertInt, assertOptions, assertRank, assertTensor, axisOf } from '../validate.js';

export interface PadOptions {
  /** Only 'constant' is supported. */
  mode?: 'constant';
  /** Fill value (default 0). */
  value?: number;
}

/**
 * `F.pad(x, pads, mode='constant', value)`: `pads` lists (before, after) pairs starting from the LAST axis, as in
 * PyTorch (`[left, right, top, bottom, …]`). Negative amounts crop.
 */
export function pad(x: Tensor, pads: readonly number[], options: PadOptions = {}): Tensor {
  const op = 'pad';
  assertTensor(op, 'x', x);
  assertOptions(op, options, ['mode', 'value']);
  if ((options.mode ?? 'constant') !== 'constant')
    throw new ArgumentError(`${op}: unknown mode '${String(options.mode)}'; known: constant`);
  const value = options.value ?? 0;
  if (typeof value !== 'number') throw new ArgumentError(`${op}: value must be a number, got ${String(value)}`);
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length > 2 * x.rank) {
    throw new ArgumentError(
      `${op}: pads must be an even-length list of at most ${2 * x.rank} integers for x ${formatShape(x.shape)}, got ${JSON.stringify(pads)}`,
    );
  }
  const perAxis: Pair[] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < pads.length / 2; i++) {
    const axis = x.rank - 1 - i;
    const before = assertInt(op, `pads[${2 * i}]`, pads[2 * i], Number.MIN_SAFE_INTEGER);
    const after = assertInt(op, `pads[${2 * i + 1}]`, pads[2 * i + 1], Number.MIN_SAFE_INTEGER);
    if (x.shape[axis] + before + after < 0) {
      throw new ShapeError(`${op}: pads [${before}, ${after}] on axis ${axis} of x ${formatShape(x.shape)} give a negative size`);
    }
    perAxis[axis] = [before, after];
  }
  return runKernel('pad', { x }, { pads: perAxis, value });
}

function assertTensorList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError(`${op}: expected a non-empty list of tensors`);
  for (let i = 0; i < tensors.length; i++) assertTensor(op, `tensors[${i}]`, tensors[i]);
}

/** `torch.cat(tensors, dim=axis)`: shapes must agree except along `axis`. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'concat';
  assertTensorList(op, tensors);
  const rank = tensors[0].rank;
  if (rank === 0) throw new ShapeError(`${op}: zero-dimensional tensors cannot be concatenated`);
  const a = axisOf(op, axis, rank);
  for (const t of tensors) {
    if (t.rank !== rank || t.shape.some((d, i) => i !== a && d !== tensors[0].shape[i])) {
      throw new ShapeError(`${op}: shapes ${tensors.map((u) => formatShape(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  return runKernel('concat', { tensors }, { axis: a });
}

/** `torch.stack(tensors, dim=axis)`: equal shapes, joined along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  assertTensorList(op, tensors);
  const a = axisOf(op, axis, tensors[0].rank + 1);
  for (const t of tensors) {
    if (!shapesEqual(t.shape, tensors[0].shape))
      throw new ShapeError(`${op}: shapes ${tensors.map((u) => formatShape(u.shape)).join(', ')} are not all equal`);
  }
  return runKernel('stack', { tensors }, { axis: a });
}

/**
 * Splits `x` along `axis`: a number is a count of equal parts (it must divide the axis; `torch.chunk` with an exact
 * divisor), a list gives each part's size (`torch.split(x, sizes)`; they must add up to the axis). Parts are copies.
 */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  const op = 'split';
  assertTensor(op, 'x', x);
  if (x.rank === 0) throw new ShapeError(`${op}: a zero-dimensional tensor cannot be split`);
  const a = axisOf(op, axis, x.rank);
  const n = x.shape[a];
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    const count = assertInt(op, 'count', sizesOrCount, 1);
    if (n % count !== 0)
      throw new ArgumentError(`${op}: axis ${a} of x ${formatShape(x.shape)} (size ${n}) does not split into ${count} equal parts`);
    sizes = new Array<number>(count).fill(n / count);
  } else if (Array.isArray(sizesOrCount)) {
    sizes = sizesOrCount.map((s, i) => assertInt(op, `sizes[${i}]`, s, 0));
    const total = sizes.reduce((s, d) => s + d, 0);
    if (total !== n)
      throw new ShapeError(`${op}: sizes [${sizes.join(', ')}] add up to ${total}, but axis ${a} of x ${formatShape(x.shape)} has ${n}`);
  } else {
    throw new ArgumentError(`${op}: expected a count or a list of sizes, got ${JSON.stringify(sizesOrCount)}`);
  }
  return runKernel('split', { x }, { sizes, axis: a });
}

/**
 * The PatchMerging2D gather of Swin / VMamba / LocalVMamba: channel-last x (B, H, W, C), odd H or W zero-padded at
 * the bottom/right, then [x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2]] concatenated on channels →
 * (B, ⌈H/2⌉, ⌈W/2⌉, 4C). (The module's LayerNorm and reduction Linear follow it.)
 */
export function patchMerging2d(x: Tensor): Tensor {
  assertTensor('patchMerging2d', 'x', x);
  assertRank('patchMerging2d', 'x', x, 4, '4-D channel-last (B, H, W, C)');
  return runKernel('patchMerging2d', { x }, {});
}
