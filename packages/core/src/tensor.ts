import ndarray, { type NdArray } from 'ndarray';
import ops from 'ndarray-ops';
import { ArgumentError, ShapeError } from './errors.js';
import { firstNonFinite } from './finite.js';
import { Rng } from './rng.js';
import {
  assertValidShape,
  broadcastShapes,
  contiguousStrides,
  formatShape,
  normalizeAxis,
  resolveReshape,
  type Shape,
  shapeSize,
  shapesEqual,
} from './shape.js';

export type NestedArray = number | readonly NestedArray[];

/** Per-axis slice: an index (drops the axis), `[start, end, step?]`, `{start, end, step}`, or null for the whole axis. */
export type SliceSpec = number | null | undefined | readonly [number?, number?, number?] | { start?: number; end?: number; step?: number };

type BinaryOperand = Tensor | number;

/**
 * A float32 n-dimensional array: shape, strides and offset over a `Float32Array`, with an `ndarray` view for
 * interop with the scijs ecosystem. Views (reshape of contiguous data, permute, transpose, slice, broadcastTo)
 * share storage; `contiguous()` and `clone()` copy. Arithmetic returns new contiguous tensors.
 */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;

  constructor(data: Float32Array, shape: Shape, strides?: Shape, offset = 0) {
    if (!(data instanceof Float32Array)) throw new ArgumentError(`Tensor data must be a Float32Array, got ${Object.prototype.toString.call(data)}`);
    assertValidShape(shape);
    const st = strides ? strides.slice() : contiguousStrides(shape);
    if (st.length !== shape.length) throw new ShapeError(`Tensor: ${st.length} strides for shape ${formatShape(shape)}`);
    if (!Number.isInteger(offset) || offset < 0) throw new ArgumentError(`Tensor: invalid offset ${offset}`);
    const size = shapeSize(shape);
    if (size > 0) {
      let lo = offset;
      let hi = offset;
      for (let i = 0; i < shape.length; i++) {
        if (!Number.isInteger(st[i])) throw new ArgumentError(`Tensor: invalid stride ${st[i]}`);
        const span = (shape[i] - 1) * st[i];
        if (span < 0) lo += span;
        else hi += span;
      }
      if (lo < 0 || hi >= data.length) {
        throw new ShapeError(
          `Tensor: shape ${formatShape(shape)} with strides ${formatShape(st)} and offset ${offset} reaches outside storage of ${data.length} elements`,
        );
      }
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.strides = Object.freeze(st);
    this.offset = offset;
  }

  // ---------- creation ----------

  /** Wraps (without copying) a Float32Array, or copies any other array-like, as a contiguous tensor. */
  static fromData(data: ArrayLike<number>, shape: Shape): Tensor {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== shapeSize(shape)) {
      throw new ShapeError(`Tensor.fromData: ${arr.length} values do not fill shape ${formatShape(shape)}`);
    }
    return new Tensor(arr, shape);
  }

  /** Builds a tensor from (possibly nested) JavaScript arrays; ragged input is an error. */
  static fromArray(values: NestedArray): Tensor {
    const shape: number[] = [];
    let level: NestedArray = values;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = level.length ? level[0] : 0;
    }
    const out = new Float32Array(shapeSize(shape));
    let k = 0;
    const walk = (v: NestedArray, depth: number) => {
      if (depth === shape.length) {
        if (typeof v !== 'number') throw new ShapeError('Tensor.fromArray: ragged nested array');
        out[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth]) throw new ShapeError('Tensor.fromArray: ragged nested array');
      for (const x of v as readonly NestedArray[]) walk(x, depth + 1);
    };
    walk(values, 0);
    return new Tensor(out, shape);
  }

  static zeros(shape: Shape): Tensor {
    assertValidShape(shape);
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static ones(shape: Shape): Tensor {
    return Tensor.full(shape, 1);
  }

  static full(shape: Shape, value: number): Tensor {
    assertValidShape(shape);
    return new Tensor(new Float32Array(shapeSize(shape)).fill(value), shape);
  }

  static scalar(value: number): Tensor {
    return new Tensor(Float32Array.of(value), []);
  }

  /** `arange(end)` or `arange(start, end, step)` like torch.arange. */
  static arange(startOrEnd: number, end?: number, step = 1): Tensor {
    const start = end === undefined ? 0 : startOrEnd;
    const stop = end === undefined ? startOrEnd : end;
    if (step === 0 || !Number.isFinite(step)) throw new ArgumentError(`arange: invalid step ${step}`);
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = start + i * step;
    return new Tensor(out, [n]);
  }

  /** Standard normal values (times `std`, plus `mean`) from a seeded generator. */
  static randn(shape: Shape, rng: Rng | number = 0, mean = 0, std = 1): Tensor {
    assertValidShape(shape);
    const g = typeof rng === 'number' ? new Rng(rng) : rng;
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) out[i] = mean + std * g.normal();
    return new Tensor(out, shape);
  }

  /** Uniform values in [low, high) from a seeded generator. */
  static rand(shape: Shape, rng: Rng | number = 0, low = 0, high = 1): Tensor {
    assertValidShape(shape);
    const g = typeof rng === 'number' ? new Rng(rng) : rng;
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) out[i] = g.uniformRange(low, high);
    return new Tensor(out, shape);
  }

  // ---------- properties ----------

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return shapeSize(this.shape);
  }

  /** True when elements are laid out row-major without gaps (offset may be non-zero). */
  get isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** An ndarray view over the same storage. */
  get nd(): NdArray<Float32Array> {
    return ndarray(this.data, this.shape.slice(), this.strides.slice(), this.offset);
  }

  /** Row-major values: a view of the storage when contiguous (treat as read-only), otherwise a copy. */
  contiguousData(): Float32Array {
    if (this.isContiguous) return this.data.subarray(this.offset, this.offset + this.size);
    return this.contiguous().data;
  }

  /** A row-major copy of the values that the caller owns. */
  toFloat32Array(): Float32Array {
    return this.contiguousData().slice();
  }

  /** Nested JavaScript arrays (a number for rank 0). */
  toArray(): NestedArray {
    const data = this.contiguousData();
    if (this.rank === 0) return data[0];
    let k = 0;
    const build = (depth: number): NestedArray => {
      const n = this.shape[depth];
      const out: NestedArray[] = new Array(n);
      if (depth === this.rank - 1) {
        for (let i = 0; i < n; i++) out[i] = data[k++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(depth + 1);
      }
      return out;
    };
    return build(0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements`);
    return this.data[this.offset];
  }

  private flatIndex(index: readonly number[]): number {
    if (index.length !== this.rank) throw new ShapeError(`index of length ${index.length} for rank ${this.rank}`);
    let p = this.offset;
    for (let i = 0; i < index.length; i++) {
      let v = index[i];
      if (v < 0) v += this.shape[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.shape[i]) {
        throw new ShapeError(`index ${index[i]} out of range for axis ${i} of size ${this.shape[i]}`);
      }
      p += v * this.strides[i];
    }
    return p;
  }

  get(...index: number[]): number {
    return this.data[this.flatIndex(index)];
  }

  set(value: number, ...index: number[]): void {
    this.data[this.flatIndex(index)] = value;
  }

  toString(): string {
    return `Tensor(shape=${formatShape(this.shape)})`;
  }

  // ---------- views and copies ----------

  /** A contiguous tensor with the same values: `this` when already contiguous at offset 0, otherwise a copy. */
  contiguous(): Tensor {
    if (this.isContiguous && this.offset === 0 && this.data.length === this.size) return this;
    const out = new Float32Array(this.size);
    if (this.isContiguous) {
      out.set(this.data.subarray(this.offset, this.offset + this.size));
    } else if (this.size > 0) {
      if (!transposeCopy(out, this.shape, this.data, this.strides, this.offset))
        stridedApply(COPY, out, this.shape, this.data, this.strides, this.offset, this.data, this.strides, this.offset);
    }
    return new Tensor(out, this.shape);
  }

  clone(): Tensor {
    return new Tensor(this.toFloat32Array(), this.shape);
  }

  /** Same elements in a new shape (one -1 allowed); a view when contiguous, a copy otherwise. */
  reshape(shape: Shape): Tensor {
    const target = resolveReshape(this.size, shape);
    if (this.isContiguous) return new Tensor(this.data, target, contiguousStrides(target), this.offset);
    return this.contiguous().reshape(target);
  }

  flatten(): Tensor {
    return this.reshape([this.size]);
  }

  /** Reorders axes (like torch.permute); a view. */
  permute(...axes: number[]): Tensor {
    const perm = axes.length === 1 && Array.isArray(axes[0]) ? (axes[0] as unknown as number[]) : axes;
    if (perm.length !== this.rank) throw new ShapeError(`permute: ${perm.length} axes for rank ${this.rank}`);
    const seen = new Set<number>();
    const norm = perm.map((a) => normalizeAxis(a, this.rank, 'permute'));
    for (const a of norm) {
      if (seen.has(a)) throw new ShapeError(`permute: axis ${a} repeated in [${perm.join(', ')}]`);
      seen.add(a);
    }
    return new Tensor(
      this.data,
      norm.map((a) => this.shape[a]),
      norm.map((a) => this.strides[a]),
      this.offset,
    );
  }

  /** Swaps two axes (default: the last two); a view. */
  transpose(a = -2, b = -1): Tensor {
    const axes = [...Array(this.rank).keys()];
    const i = normalizeAxis(a, this.rank, 'transpose');
    const j = normalizeAxis(b, this.rank, 'transpose');
    [axes[i], axes[j]] = [axes[j], axes[i]];
    return this.permute(...axes);
  }

  /** Inserts a size-1 axis; a view. */
  unsqueeze(axis: number): Tensor {
    const a = normalizeAxis(axis, this.rank + 1, 'unsqueeze');
    const shape = this.shape.slice();
    const strides = this.strides.slice();
    shape.splice(a, 0, 1);
    strides.splice(a, 0, a < this.rank ? this.strides[a] * this.shape[a] : 1);
    return new Tensor(this.data, shape, strides, this.offset);
  }

  /** Removes size-1 axes (all, or the one given); a view. */
  squeeze(axis?: number): Tensor {
    const keep = [...Array(this.rank).keys()].filter((i) => {
      if (axis === undefined) return this.shape[i] !== 1;
      const a = normalizeAxis(axis, this.rank, 'squeeze');
      return i !== a || this.shape[i] !== 1;
    });
    return new Tensor(
      this.data,
      keep.map((i) => this.shape[i]),
      keep.map((i) => this.strides[i]),
      this.offset,
    );
  }

  /** Python-style slicing per axis (missing trailing axes are kept whole); a view. */
  slice(...specs: SliceSpec[]): Tensor {
    if (specs.length > this.rank) throw new ShapeError(`slice: ${specs.length} specs for rank ${this.rank}`);
    const shape: number[] = [];
    const strides: number[] = [];
    let offset = this.offset;
    for (let axis = 0; axis < this.rank; axis++) {
      const n = this.shape[axis];
      const st = this.strides[axis];
      const spec = specs[axis];
      if (typeof spec === 'number') {
        const i = spec < 0 ? spec + n : spec;
        if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(`slice: index ${spec} out of range for axis ${axis} of size ${n}`);
        offset += i * st;
        continue;
      }
      let start: number | undefined;
      let end: number | undefined;
      let step: number | undefined;
      if (spec == null) {
        // whole axis
      } else if (Array.isArray(spec)) {
        [start, end, step] = spec as [number?, number?, number?];
      } else {
        ({ start, end, step } = spec as { start?: number; end?: number; step?: number });
      }
      const s = step ?? 1;
      if (!Number.isInteger(s) || s === 0) throw new ArgumentError(`slice: invalid step ${step} on axis ${axis}`);
      const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      let b: number;
      let e: number;
      if (s > 0) {
        b = start === undefined ? 0 : clampIdx(start < 0 ? start + n : start, 0, n);
        e = end === undefined ? n : clampIdx(end < 0 ? end + n : end, 0, n);
      } else {
        b = start === undefined ? n - 1 : clampIdx(start < 0 ? start + n : start, -1, n - 1);
        e = end === undefined ? -1 : clampIdx(end < 0 ? end + n : end, -1, n - 1);
      }
      const len = s > 0 ? Math.max(0, Math.ceil((e - b) / s)) : Math.max(0, Math.ceil((b - e) / -s));
      if (len > 0) offset += b * st;
      shape.push(len);
      strides.push(st * s);
    }
    return new Tensor(this.data, shape, strides, shape.includes(0) ? this.offset : offset);
  }

  /** Reverses the given axes (like torch.flip); a view. */
  flip(...axes: number[]): Tensor {
    const specs: SliceSpec[] = this.shape.map(() => null);
    for (const a of axes) specs[normalizeAxis(a, this.rank, 'flip')] = [undefined, undefined, -1];
    return this.slice(...specs);
  }

  /** Broadcast view to a larger shape (stride 0 on expanded axes). */
  broadcastTo(shape: Shape): Tensor {
    const target = broadcastShapes(this.shape, shape, 'broadcastTo');
    if (!shapesEqual(target, shape)) {
      throw new ShapeError(`broadcastTo: ${formatShape(this.shape)} cannot be broadcast to ${formatShape(shape)}`);
    }
    const lead = shape.length - this.rank;
    const strides = shape.map((d, i) => {
      if (i < lead) return 0;
      return this.shape[i - lead] === 1 && d !== 1 ? 0 : this.strides[i - lead];
    });
    return new Tensor(this.data, shape, strides, this.offset);
  }

  // ---------- elementwise ----------

  /** Applies `fn` to every element, returning a new contiguous tensor. */
  map(fn: (x: number) => number): Tensor {
    const src = this.contiguousData();
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
    return new Tensor(out, this.shape);
  }

  private binary(other: BinaryOperand, name: string, kernel: (out: NdArray, a: NdArray, b: NdArray) => void, scalar: (a: number, b: number) => number): Tensor {
    if (typeof other === 'number') {
      const src = this.contiguousData();
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = scalar(src[i], other);
      return new Tensor(out, this.shape);
    }
    const shape = broadcastShapes(this.shape, other.shape, name);
    const out = Tensor.zeros(shape);
    if (out.size > 0) kernel(out.nd, this.broadcastTo(shape).nd, other.broadcastTo(shape).nd);
    return out;
  }

  /** add/sub/mul/div of two tensors: one strided loop over the broadcast views (any strides, no copies). */
  private arithmetic(other: BinaryOperand, name: string, op: number, scalar: (a: number, b: number) => number): Tensor {
    if (typeof other === 'number') return this.binary(other, name, ops.add, scalar);
    const shape = broadcastShapes(this.shape, other.shape, name);
    const out = new Float32Array(shapeSize(shape));
    if (out.length > 0) {
      const a = this.broadcastTo(shape);
      const b = other.broadcastTo(shape);
      stridedApply(op, out, shape, a.data, a.strides, a.offset, b.data, b.strides, b.offset);
    }
    return new Tensor(out, shape);
  }

  add(other: BinaryOperand): Tensor {
    return this.arithmetic(other, 'add', ADD, (a, b) => a + b);
  }

  sub(other: BinaryOperand): Tensor {
    return this.arithmetic(other, 'sub', SUB, (a, b) => a - b);
  }

  mul(other: BinaryOperand): Tensor {
    return this.arithmetic(other, 'mul', MUL, (a, b) => a * b);
  }

  div(other: BinaryOperand): Tensor {
    return this.arithmetic(other, 'div', DIV, (a, b) => a / b);
  }

  maximum(other: BinaryOperand): Tensor {
    return this.binary(other, 'maximum', ops.max, (a, b) => (a > b || Number.isNaN(a) ? a : b));
  }

  minimum(other: BinaryOperand): Tensor {
    return this.binary(other, 'minimum', ops.min, (a, b) => (a < b || Number.isNaN(a) ? a : b));
  }

  pow(exponent: number): Tensor {
    return this.map((x) => x ** exponent);
  }

  neg(): Tensor {
    return this.map((x) => -x);
  }

  abs(): Tensor {
    return this.map(Math.abs);
  }

  exp(): Tensor {
    return this.map(Math.exp);
  }

  log(): Tensor {
    return this.map(Math.log);
  }

  sqrt(): Tensor {
    return this.map(Math.sqrt);
  }

  // ---------- reductions ----------

  /**
   * Reduces over `axes` (all axes when omitted) with a double-precision accumulator.
   * `init` seeds the accumulator; `finish` maps (acc, count) to the result.
   */
  private reduce(
    axes: number | readonly number[] | undefined,
    keepDims: boolean,
    name: string,
    init: number,
    step: (acc: number, x: number) => number,
    finish: (acc: number, count: number) => number,
  ): Tensor {
    const list = axes === undefined ? [...Array(this.rank).keys()] : typeof axes === 'number' ? [axes] : axes;
    const reduced = new Set(list.map((a) => normalizeAxis(a, this.rank, name)));
    const kept = [...Array(this.rank).keys()].filter((a) => !reduced.has(a));
    const order = [...kept, ...reduced];
    const src = this.permute(...order).contiguousData();
    const inner = [...reduced].reduce((s, a) => s * this.shape[a], 1);
    const outer = kept.reduce((s, a) => s * this.shape[a], 1);
    if (inner === 0 && name !== 'sum' && name !== 'mean') {
      throw new ShapeError(`${name}: cannot reduce over an empty axis of ${formatShape(this.shape)}`);
    }
    const out = new Float32Array(outer);
    if (name === 'sum' || name === 'mean') {
      // inline accumulation (no per-element closure call: these run once per forward, often before V8 optimises)
      for (let o = 0; o < outer; o++) {
        let acc = 0;
        const base = o * inner;
        for (let i = 0; i < inner; i++) acc += src[base + i];
        out[o] = finish(acc, inner);
      }
    } else {
      for (let o = 0; o < outer; o++) {
        let acc = init;
        const base = o * inner;
        for (let i = 0; i < inner; i++) acc = step(acc, src[base + i]);
        out[o] = finish(acc, inner);
      }
    }
    const shape = keepDims ? this.shape.map((d, a) => (reduced.has(a) ? 1 : d)) : kept.map((a) => this.shape[a]);
    return new Tensor(out, shape);
  }

  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce(axes, keepDims, 'sum', 0, (a, x) => a + x, (a) => a);
  }

  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce(axes, keepDims, 'mean', 0, (a, x) => a + x, (a, n) => a / n);
  }

  max(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce(axes, keepDims, 'max', Number.NEGATIVE_INFINITY, (a, x) => (x > a || Number.isNaN(x) ? x : a), (a) => a);
  }

  min(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce(axes, keepDims, 'min', Number.POSITIVE_INFINITY, (a, x) => (x < a || Number.isNaN(x) ? x : a), (a) => a);
  }

  /** True when every element is finite. */
  isFinite(): boolean {
    return firstNonFinite(this.contiguousData()) < 0;
  }
}

const COPY = 0;
const ADD = 1;
const SUB = 2;
const MUL = 3;
const DIV = 4;

/**
 * out (row-major, `shape`) = a op b for strided views a and b of that shape (op COPY: out = a). The innermost axis
 * runs as a tight loop per op; the outer axes are walked with an index counter, so permuted, sliced and broadcast
 * (stride 0) operands are read in place.
 */
function stridedApply(
  op: number,
  out: Float32Array,
  shape: readonly number[],
  ad: Float32Array,
  as: readonly number[],
  ao: number,
  bd: Float32Array,
  bs: readonly number[],
  bo: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = op === COPY ? ad[ao] : scalarOp(op, ad[ao], bd[bo]);
    return;
  }
  const n = shape[rank - 1];
  const sa = as[rank - 1];
  const sb = bs[rank - 1];
  const rows = out.length / n;
  const index = new Array<number>(rank - 1).fill(0);
  let pa = ao;
  let pb = bo;
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    switch (op) {
      case COPY:
        if (sa === 1) for (let i = 0; i < n; i++) out[o + i] = ad[pa + i];
        else for (let i = 0, ia = pa; i < n; i++, ia += sa) out[o + i] = ad[ia];
        break;
      case ADD:
        if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) out[o + i] = ad[pa + i] + bd[pb + i];
        else for (let i = 0, ia = pa, ib = pb; i < n; i++, ia += sa, ib += sb) out[o + i] = ad[ia] + bd[ib];
        break;
      case SUB:
        for (let i = 0, ia = pa, ib = pb; i < n; i++, ia += sa, ib += sb) out[o + i] = ad[ia] - bd[ib];
        break;
      case MUL:
        if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) out[o + i] = ad[pa + i] * bd[pb + i];
        else for (let i = 0, ia = pa, ib = pb; i < n; i++, ia += sa, ib += sb) out[o + i] = ad[ia] * bd[ib];
        break;
      case DIV:
        for (let i = 0, ia = pa, ib = pb; i < n; i++, ia += sa, ib += sb) out[o + i] = ad[ia] / bd[ib];
        break;
    }
    // advance the outer index (row-major), moving both operands' positions by their strides
    for (let ax = rank - 2; ax >= 0; ax--) {
      if (++index[ax] < shape[ax]) {
        pa += as[ax];
        pb += bs[ax];
        break;
      }
      index[ax] = 0;
      pa -= as[ax] * (shape[ax] - 1);
      pb -= bs[ax] * (shape[ax] - 1);
    }
  }
}

function scalarOp(op: number, a: number, b: number): number {
  switch (op) {
    case ADD:
      return a + b;
    case SUB:
      return a - b;
    case MUL:
      return a * b;
    default:
      return a / b;
  }
}

/** Side of the square tiles of `transposeCopy`. */
const TILE = 16;

/**
 * A contiguous copy of a view whose innermost axis is strided but which has another axis p of stride 1 (a permuted
 * channel-last map, say): copied in TILE×TILE blocks of (p, last), so that reads and writes both stay within a few
 * cache lines. Returns false (nothing done) for views without such an axis.
 */
function transposeCopy(out: Float32Array, shape: readonly number[], src: Float32Array, strides: readonly number[], offset: number): boolean {
  const rank = shape.length;
  if (rank < 2) return false;
  const last = rank - 1;
  const sl = strides[last];
  if (sl === 1 || shape[last] < TILE) return false;
  let p = -1;
  for (let a = last - 1; a >= 0; a--) {
    if (strides[a] === 1 && shape[a] >= TILE) {
      p = a;
      break;
    }
  }
  if (p < 0) return false;
  const outStrides = contiguousStrides(shape);
  const P = shape[p];
  const Q = shape[last];
  const op = outStrides[p];
  const outer = shape.filter((_, a) => a !== p && a !== last);
  const outerSrc = strides.filter((_, a) => a !== p && a !== last);
  const outerDst = outStrides.filter((_, a) => a !== p && a !== last);
  const count = outer.reduce((n, d) => n * d, 1);
  const index = new Array<number>(outer.length).fill(0);
  let sBase = offset;
  let dBase = 0;
  for (let n = 0; n < count; n++) {
    for (let i0 = 0; i0 < P; i0 += TILE) {
      const i1 = Math.min(P, i0 + TILE);
      for (let j0 = 0; j0 < Q; j0 += TILE) {
        const j1 = Math.min(Q, j0 + TILE);
        for (let i = i0; i < i1; i++) {
          const d = dBase + i * op;
          for (let j = j0, si = sBase + i + j0 * sl; j < j1; j++, si += sl) out[d + j] = src[si];
        }
      }
    }
    for (let ax = outer.length - 1; ax >= 0; ax--) {
      if (++index[ax] < outer[ax]) {
        sBase += outerSrc[ax];
        dBase += outerDst[ax];
        break;
      }
      index[ax] = 0;
      sBase -= outerSrc[ax] * (outer[ax] - 1);
      dBase -= outerDst[ax] * (outer[ax] - 1);
    }
  }
  return true;
}
