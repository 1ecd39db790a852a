import { ArgumentError, firstNonFinite, formatShape, NonFiniteError, ShapeError, type Tensor } from '@vssm/core';
import type { ScanProblem, SelectiveScanInputs } from './types.js';

const OP = 'selectiveScan';

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && Array.isArray((x as Tensor).shape) && typeof (x as Tensor).contiguousData === 'function';
}

function tensorArg(name: string, x: unknown): Tensor {
  if (!isTensor(x)) throw new ArgumentError(`${OP}: '${name}' must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

function unravel(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return `[${idx.join(', ')}]`;
}

/** The row-major data of `t`, after checking that every value is finite. */
export function finiteData(op: string, name: string, t: Tensor): Float32Array {
  const data = t.contiguousData();
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new NonFiniteError(`${op}: '${name}' has a non-finite value ${data[bad]} at ${unravel(bad, t.shape)}`);
  return data;
}

export interface ValidationOptions {
  /** Skip the checks that keep exp(Δ·A) ≤ 1 (A ≤ 0, and Δ ≥ 0 when softplus is off). */
  allowGrowth?: boolean;
  /**
   * Trust the caller for finiteness: skip the per-element NaN/Inf scans of the large inputs (u, delta, z, B, C).
   * Shapes, A and the small per-channel vectors are still checked.
   */
  trustFinite?: boolean;
}

/**
 * Checks the inputs of selectiveScan (shapes, finiteness, the sign conditions of selective-scan.md §6.3) and
 * returns them as a ScanProblem of contiguous float32 arrays. Throws ShapeError, ArgumentError or NonFiniteError.
 */
export function toProblem(inputs: SelectiveScanInputs, options: ValidationOptions = {}): ScanProblem {
  if (typeof inputs !== 'object' || inputs === null) throw new ArgumentError(`${OP}: inputs must be an object of tensors`);
  const u = tensorArg('u', inputs.u);
  const delta = tensorArg('delta', inputs.delta);
  const A = tensorArg('A', inputs.A);
  const B = tensorArg('B', inputs.B);
  const C = tensorArg('C', inputs.C);
  const D = inputs.D === undefined ? undefined : tensorArg('D', inputs.D);
  const z = inputs.z === undefined ? undefined : tensorArg('z', inputs.z);
  const bias = inputs.deltaBias === undefined ? undefined : tensorArg('deltaBias', inputs.deltaBias);
  const softplus = inputs.deltaSoftplus ?? false;
  if (typeof softplus !== 'boolean') throw new ArgumentError(`${OP}: deltaSoftplus must be a boolean, got ${String(softplus)}`);

  if (u.shape.length !== 3) throw new ShapeError(`${OP}: u must be (batch, dim, length), got ${formatShape(u.shape)}`);
  const [batch, dim, length] = u.shape;
  if (batch < 1 || dim < 1 || length < 1) throw new ShapeError(`${OP}: u ${formatShape(u.shape)} must have batch, dim and length >= 1`);
  const sameAsU = (name: string, t: Tensor) => {
    if (t.shape.length !== 3 || t.shape[0] !== batch || t.shape[1] !== dim || t.shape[2] !== length) {
      throw new ShapeError(`${OP}: ${name} ${formatShape(t.shape)} must have the shape of u ${formatShape(u.shape)}`);
    }
  };
  sameAsU('delta', delta);
  if (z) sameAsU('z', z);
  if (A.shape.length !== 2 || A.shape[0] !== dim)
    throw new ShapeError(`${OP}: A must be (dim, dstate) = (${dim}, N), got ${formatShape(A.shape)}`);
  const dstate = A.shape[1];
  if (dstate < 1) throw new ShapeError(`${OP}: dstate (A.shape[1]) must be >= 1, got ${formatShape(A.shape)}`);

  const groupsOf = (name: string, t: Tensor): number => {
    if (t.shape.length === 2) {
      throw new ShapeError(
        `${OP}: constant ${name} ${formatShape(t.shape)} (dim, dstate) is not supported; pass ${name} as (batch, dstate, length) or (batch, groups, dstate, length)`,
      );
    }
    const grouped = t.shape.length === 4;
    if (t.shape.length !== 3 && !grouped) {
      throw new ShapeError(
        `${OP}: ${name} must be (batch, dstate, length) or (batch, groups, dstate, length), got ${formatShape(t.shape)}`,
      );
    }
    const g = grouped ? t.shape[1] : 1;
    const [tb, tn, tl] = grouped ? [t.shape[0], t.shape[2], t.shape[3]] : [t.shape[0], t.shape[1], t.shape[2]];
    if (tb !== batch || tn !== dstate || tl !== length || g < 1) {
      const want = grouped ? `(${batch}, G, ${dstate}, ${length})` : `(${batch}, ${dstate}, ${length})`;
      throw new ShapeError(
        `${OP}: ${name} ${formatShape(t.shape)} must be ${want} for u ${formatShape(u.shape)} and A ${formatShape(A.shape)}`,
      );
    }
    return g;
  };
  const groups = groupsOf('B', B);
  const groupsC = groupsOf('C', C);
  if (groupsC !== groups)
    throw new ShapeError(`${OP}: B ${formatShape(B.shape)} and C ${formatShape(C.shape)} must have the same number of groups`);
  if (dim % groups !== 0) throw new ShapeError(`${OP}: dim ${dim} is not divisible by the ${groups} groups of B ${formatShape(B.shape)}`);
  const vector = (name: string, t: Tensor | undefined) => {
    if (t && (t.shape.length !== 1 || t.shape[0] !== dim))
      throw new ShapeError(`${OP}: ${name} must be (dim) = (${dim}), got ${formatShape(t.shape)}`);
  };
  vector('D', D);
  vector('deltaBias', bias);

  const large = options.trustFinite ? (_name: string, t: Tensor) => t.contiguousData() : (name: string, t: Tensor) => finiteData(OP, name, t);
  const p: ScanProblem = {
    batch,
    dim,
    length,
    dstate,
    groups,
    u: large('u', u),
    delta: large('delta', delta),
    A: finiteData(OP, 'A', A),
    B: large('B', B),
    C: large('C', C),
    D: D ? finiteData(OP, 'D', D) : undefined,
    z: z ? large('z', z) : undefined,
    deltaBias: bias ? finiteData(OP, 'deltaBias', bias) : undefined,
    deltaSoftplus: softplus,
  };
  if (!options.allowGrowth) checkDecay(p, A);
  return p;
}

/** exp(Δ·A) must not exceed 1: A ≤ 0 always, and Δ = delta + bias ≥ 0 when softplus is off (§6.3). */
function checkDecay(p: ScanProblem, A: Tensor): void {
  for (let i = 0; i < p.A.length; i++) {
    if (p.A[i] > 0) {
      throw new ArgumentError(
        `${OP}: A${unravel(i, A.shape)} = ${p.A[i]} > 0; A must be <= 0 (A = -exp(A_log)), otherwise exp(delta*A) grows without bound and the state overflows float32. Pass { allowGrowth: true } to run anyway`,
      );
    }
  }
  if (p.deltaSoftplus) return;
  const { dim, length: L } = p;
  for (let i = 0; i < p.delta.length; i++) {
    const d = Math.floor(i / L) % dim;
    const v = p.delta[i] + (p.deltaBias ? p.deltaBias[d] : 0);
    if (v < 0) {
      throw new ArgumentError(
        `${OP}: delta${unravel(i, [p.batch, dim, L])}${p.deltaBias ? ' + deltaBias' : ''} = ${v} < 0 with deltaSoftplus off; a negative step makes exp(delta*A) grow and the state overflow float32. Use deltaSoftplus: true, or pass { allowGrowth: true } to run anyway`,
      );
    }
  }
}

/** Checks dout against the forward's output shape and returns its data. */
export function doutData(dout: unknown, batch: number, dim: number, length: number): Float32Array {
  const t = tensorArg('dout', dout);
  if (t.shape.length !== 3 || t.shape[0] !== batch || t.shape[1] !== dim || t.shape[2] !== length) {
    throw new ShapeError(`selectiveScanBackward: dout ${formatShape(t.shape)} must have the output's shape [${batch}, ${dim}, ${length}]`);
  }
  return finiteData('selectiveScanBackward', 'dout', t);
}
