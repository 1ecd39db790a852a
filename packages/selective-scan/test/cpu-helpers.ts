// Shared by the CPU backend tests: problem generators, golden-case loading, comparisons, the CPU variants.
import { allClose, goldenClose, loadSafetensors, Rng, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import { createCpuBackend } from '../src/cpu/backend.js';
import type { BackendForward, BackendGrads, ScanProblem, SelectiveScanBackend, SelectiveScanInputs } from '../src/types.js';
import { goldenProblem } from './gpu-cases.js';

/** Valid inputs (batch 2, dim 4, length 5, dstate 3, groups 2). */
export function validInputs(): SelectiveScanInputs {
  const t = (shape: number[], f: (i: number) => number) =>
    Tensor.fromData(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)),
      shape,
    );
  return {
    u: t([2, 4, 5], (i) => Math.sin(i)),
    delta: t([2, 4, 5], (i) => 0.1 + 0.01 * (i % 7)),
    A: t([4, 3], (i) => -1 - i),
    B: t([2, 2, 3, 5], (i) => Math.cos(i)),
    C: t([2, 2, 3, 5], (i) => Math.sin(2 * i)),
    D: t([4], () => 1),
    z: t([2, 4, 5], (i) => Math.cos(3 * i)),
    deltaBias: t([4], () => 0.1),
    deltaSoftplus: true,
  };
}

export interface ProblemSpec {
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  groups: number;
  z?: boolean;
  D?: boolean;
  bias?: boolean;
  softplus?: boolean;
  seed?: number;
}

/** A random, numerically ordinary problem: A = −exp(U[−1, 1.5]), Δ = softplus(N(−1, 0.5²) + bias) or U[0.001, 0.3]. */
export function randomProblem(s: ProblemSpec): ScanProblem {
  const rng = new Rng(s.seed ?? 1);
  const softplus = s.softplus ?? true;
  const bdl = s.batch * s.dim * s.length;
  const bc = s.batch * s.groups * s.dstate * s.length;
  const fill = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
  return {
    batch: s.batch,
    dim: s.dim,
    length: s.length,
    dstate: s.dstate,
    groups: s.groups,
    u: fill(bdl, () => rng.normal()),
    delta: softplus ? fill(bdl, () => -1 + 0.5 * rng.normal()) : fill(bdl, () => rng.uniformRange(0.001, 0.3)),
    A: fill(s.dim * s.dstate, () => -Math.exp(rng.uniformRange(-1, 1.5))),
    B: fill(bc, () => rng.normal()),
    C: fill(bc, () => rng.normal()),
    D: (s.D ?? true) ? fill(s.dim, () => rng.normal()) : undefined,
    z: (s.z ?? true) ? fill(bdl, () => rng.normal()) : undefined,
    deltaBias: (s.bias ?? true) ? fill(s.dim, () => (softplus ? 0.3 * rng.normal() : rng.uniformRange(0, 0.05))) : undefined,
    deltaSoftplus: softplus,
  };
}

export function randomDout(p: ScanProblem, seed = 7): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: p.batch * p.dim * p.length }, () => rng.normal());
}

export function describe(s: ProblemSpec): string {
  const flags = [
    (s.z ?? true) ? 'z' : '',
    (s.D ?? true) ? 'D' : '',
    (s.bias ?? true) ? 'bias' : '',
    (s.softplus ?? true) ? 'softplus' : '',
  ].filter(Boolean);
  return `(B=${s.batch}, D=${s.dim}, L=${s.length}, N=${s.dstate}, G=${s.groups}${flags.length ? `, ${flags.join('+')}` : ''})`;
}

export interface GoldenCase {
  name: string;
  problem: ScanProblem;
  dout: Float32Array;
  expected: Map<string, Tensor>;
}

/** Every case of the golden selective-scan file as a ScanProblem plus its expected tensors. */
export async function goldenCases(): Promise<GoldenCase[]> {
  const f = await loadSafetensors(goldenFile('selective-scan.safetensors'));
  const cases = JSON.parse(f.metadata.cases) as Array<{ delta_softplus?: boolean }>;
  return cases.map((meta, k) => {
    const name = `case${k}`;
    const get = (x: string) => (f.has(`${name}.${x}`) ? f.get(`${name}.${x}`) : undefined);
    const problem = goldenProblem(f, name, meta.delta_softplus === true);
    return { name, problem, dout: get('dout')!.contiguousData(), expected: f.tensors(`${name}.`) };
  });
}

/** Golden input name → the BackendGrads field holding its gradient. */
export const GRAD_FIELDS: Array<[string, keyof BackendGrads]> = [
  ['u', 'du'],
  ['delta', 'ddelta'],
  ['A', 'dA'],
  ['B', 'dB'],
  ['C', 'dC'],
  ['D', 'dD'],
  ['z', 'dz'],
  ['delta_bias', 'ddeltaBias'],
];

/** Golden comparisons of a forward and backward result: [label, report] pairs. */
export function compareGolden(c: GoldenCase, fwd: BackendForward, grads: BackendGrads): Array<[string, ReturnType<typeof goldenClose>]> {
  const { batch, dim, length, dstate } = c.problem;
  const rows: Array<[string, ReturnType<typeof goldenClose>]> = [
    ['out', goldenClose(new Tensor(fwd.out, [batch, dim, length]), c.expected.get('out')!)],
    ['last_state', goldenClose(new Tensor(fwd.lastState, [batch, dim, dstate]), c.expected.get('last_state')!)],
  ];
  for (const [input, field] of GRAD_FIELDS) {
    const e = c.expected.get(`grad.${input}`);
    if (!e) continue;
    const g = grads[field];
    if (!g) {
      rows.push([`grad.${input}`, { ok: false, message: 'missing', maxAbsDiff: Number.POSITIVE_INFINITY, maxRelDiff: 0, mismatches: 1 }]);
      continue;
    }
    rows.push([`grad.${input}`, goldenClose(new Tensor(g, e.shape), e, 'gradient')]);
  }
  return rows;
}

/**
 * Tolerances against cpu-f64. Outputs: rtol = atol = 1e-4 (selective-scan.md §6.1: the fp32 error is set by the
 * state magnitude, ≤ 3e-5 measured). Gradients: rtol = 1e-3 and atol = 1e-3 · max(1, max|expected|), because they
 * are float32 sums of up to batch·length (dA, dD, dΔbias) or dim/groups·(dstate) products, whose absolute error
 * grows with the size of the summands rather than with the (possibly cancelling) result.
 */
export function closeOutput(actual: Float32Array, expected: Float32Array, shape: number[]) {
  return allClose(new Tensor(actual, shape), new Tensor(expected, shape), { rtol: 1e-4, atol: 1e-4 });
}

export function closeGradient(actual: Float32Array, expected: Float32Array, shape: number[]) {
  let max = 0;
  for (const v of expected) max = Math.max(max, Math.abs(v));
  return allClose(new Tensor(actual, shape), new Tensor(expected, shape), { rtol: 1e-3, atol: 1e-3 * Math.max(1, max) });
}

/** Shapes of every BackendGrads field for a problem. */
export function gradShapes(p: ScanProblem): Record<keyof BackendGrads, number[]> {
  const bdl = [p.batch, p.dim, p.length];
  const bc = [p.batch, p.groups, p.dstate, p.length];
  return { du: bdl, ddelta: bdl, dz: bdl, dA: [p.dim, p.dstate], dB: bc, dC: bc, dD: [p.dim], ddeltaBias: [p.dim] };
}

/** The CPU variants every CPU test runs: wasm on one and on two threads (forced to split), and TypeScript. */
export function cpuVariants(chunkSize?: number): Array<{ label: string; backend: SelectiveScanBackend }> {
  return [
    { label: 'cpu wasm 1 thread', backend: createCpuBackend({ kernel: 'wasm', threads: 1, chunkSize }) },
    { label: 'cpu wasm 2 threads', backend: createCpuBackend({ kernel: 'wasm', threads: 2, chunkSize, minWorkPerThread: 1 }) },
    { label: 'cpu typescript', backend: createCpuBackend({ kernel: 'ts', chunkSize }) },
  ];
}
