// Shared by the GPU backend tests (Node and browser): golden cases, edge cases against the fp64 reference, and the
// comparison of a backend's results with the golden tolerance.
import { goldenClose, loadSafetensors, Rng, Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import type { Test } from 'tape';
import { referenceBackward, referenceForward } from '../src/reference.js';
import type { BackendForward, BackendGrads, ScanProblem } from '../src/types.js';

export interface ScanCase {
  name: string;
  problem: ScanProblem;
  dout: Float32Array;
  expected: { out: Float32Array; lastState: Float32Array; grads: BackendGrads };
}

export const GRAD_NAMES = ['du', 'ddelta', 'dA', 'dB', 'dC', 'dD', 'dz', 'ddeltaBias'] as const;
export type GradName = (typeof GRAD_NAMES)[number];

function shapeOf(p: ScanProblem, g: GradName): number[] {
  const { batch, dim, length, dstate, groups } = p;
  switch (g) {
    case 'du':
    case 'ddelta':
    case 'dz':
      return [batch, dim, length];
    case 'dA':
      return [dim, dstate];
    case 'dB':
    case 'dC':
      return [batch, groups, dstate, length];
    default:
      return [dim];
  }
}

/** Golden case `name` of the selective-scan golden file `f`: its inputs (owned copies) as a ScanProblem. */
export function goldenProblem(f: Awaited<ReturnType<typeof loadSafetensors>>, name: string, deltaSoftplus: boolean): ScanProblem {
  const get = (x: string) => (f.has(`${name}.${x}`) ? f.get(`${name}.${x}`).toFloat32Array() : undefined);
  const u = f.get(`${name}.u`);
  const B = f.get(`${name}.B`);
  const [batch, dim, length] = u.shape;
  const [, groups, dstate] = B.shape;
  return {
    batch,
    dim,
    length,
    dstate,
    groups,
    u: u.toFloat32Array(),
    delta: get('delta')!,
    A: get('A')!,
    B: B.toFloat32Array(),
    C: get('C')!,
    D: get('D'),
    z: get('z'),
    deltaBias: get('delta_bias'),
    deltaSoftplus,
  };
}

/** Every case of the golden selective-scan file, with the official outputs and gradients. */
export async function goldenCases(): Promise<ScanCase[]> {
  const f = await loadSafetensors(goldenFile('selective-scan.safetensors'));
  const meta = JSON.parse(f.metadata.cases) as Array<{ name: string; delta_softplus: boolean }>;
  return meta.map((m) => {
    const get = (x: string) => (f.has(`${m.name}.${x}`) ? f.get(`${m.name}.${x}`).toFloat32Array() : undefined);
    const problem = goldenProblem(f, m.name, m.delta_softplus === true);
    const grads: BackendGrads = {
      du: get('grad.u')!,
      ddelta: get('grad.delta')!,
      dA: get('grad.A')!,
      dB: get('grad.B')!,
      dC: get('grad.C')!,
      dD: get('grad.D'),
      dz: get('grad.z'),
      ddeltaBias: get('grad.delta_bias'),
    };
    return { name: `golden ${m.name}`, problem, dout: get('dout')!, expected: { out: get('out')!, lastState: get('last_state')!, grads } };
  });
}

export interface EdgeSpec {
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  groups: number;
  z: boolean;
  D: boolean;
  bias: boolean;
  softplus: boolean;
}

/** Mamba-like random inputs: A = −exp(N(0, 0.5)), Δ raw N(−1, 1) under softplus, else U(0.005, 0.1). */
export function randomProblem(s: EdgeSpec, seed: number): { problem: ScanProblem; dout: Float32Array } {
  const rng = new Rng(seed);
  const fill = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
  const seq = s.batch * s.dim * s.length;
  const bc = s.batch * s.groups * s.dstate * s.length;
  const problem: ScanProblem = {
    batch: s.batch,
    dim: s.dim,
    length: s.length,
    dstate: s.dstate,
    groups: s.groups,
    u: fill(seq, () => rng.normal()),
    delta: s.softplus ? fill(seq, () => rng.normal() - 1) : fill(seq, () => rng.uniformRange(0.005, 0.1)),
    A: fill(s.dim * s.dstate, () => -Math.exp(0.5 * rng.normal())),
    B: fill(bc, () => rng.normal()),
    C: fill(bc, () => rng.normal()),
    D: s.D ? fill(s.dim, () => rng.normal()) : undefined,
    z: s.z ? fill(seq, () => rng.normal()) : undefined,
    deltaBias: s.bias ? fill(s.dim, () => 0.3 * rng.normal()) : undefined,
    deltaSoftplus: s.softplus,
  };
  return { problem, dout: fill(seq, () => rng.normal()) };
}

/** A case whose expected values come from the fp64 reference. */
export function referenceCase(name: string, s: EdgeSpec, seed: number): ScanCase {
  const { problem, dout } = randomProblem(s, seed);
  const fwd = referenceForward(problem);
  return { name, problem, dout, expected: { out: fwd.out, lastState: fwd.lastState, grads: referenceBackward(problem, fwd, dout) } };
}

const base = { batch: 1, dim: 2, z: true, D: true, bias: true, softplus: true };

/**
 * The edge set: every L of {1, 7, 128, 2049, 3136}, N of {1, 4, 16}, G of {1, 2, 4}, each flag on and off,
 * chunk boundaries (2049 crosses the 2048-step chunk of the fused kernel), kept small enough for SwiftShader.
 */
export function edgeCases(): ScanCase[] {
  const specs: Array<[string, EdgeSpec]> = [
    ['L=1 N=4 G=1 all flags', { ...base, batch: 2, length: 1, dstate: 4, groups: 1 }],
    ['L=7 N=16 G=2 no z, no softplus', { ...base, dim: 4, length: 7, dstate: 16, groups: 2, z: false, softplus: false }],
    ['L=128 N=1 G=4 no D', { ...base, batch: 2, dim: 8, length: 128, dstate: 1, groups: 4, D: false }],
    ['L=197 N=16 G=1 no bias', { ...base, dim: 3, length: 197, dstate: 16, groups: 1, bias: false }],
    ['L=2049 N=4 G=2 no z', { ...base, dim: 2, length: 2049, dstate: 4, groups: 2, z: false }],
    ['L=3136 N=16 G=1 all flags', { ...base, dim: 1, length: 3136, dstate: 16, groups: 1 }],
    [
      'L=3136 N=1 G=2 nothing optional',
      { batch: 2, dim: 2, length: 3136, dstate: 1, groups: 2, z: false, D: false, bias: false, softplus: false },
    ],
  ];
  return specs.map(([name, s], i) => referenceCase(name, s, 1000 + i));
}

export interface CompareReport {
  label: string;
  ok: boolean;
  message: string;
}

/** Golden-tolerance comparison of a forward result with the case's expected values. */
export function compareForward(c: ScanCase, fwd: BackendForward): CompareReport[] {
  const p = c.problem;
  const out = goldenClose(new Tensor(fwd.out, [p.batch, p.dim, p.length]), new Tensor(c.expected.out, [p.batch, p.dim, p.length]));
  const last = goldenClose(
    new Tensor(fwd.lastState, [p.batch, p.dim, p.dstate]),
    new Tensor(c.expected.lastState, [p.batch, p.dim, p.dstate]),
  );
  return [
    { label: 'out', ok: out.ok, message: out.message },
    { label: 'last_state', ok: last.ok, message: last.message },
  ];
}

/** Golden-tolerance (gradient) comparison of every gradient the case has; a missing one fails. */
export function compareGrads(c: ScanCase, grads: BackendGrads): CompareReport[] {
  const reports: CompareReport[] = [];
  for (const g of GRAD_NAMES) {
    const expected = c.expected.grads[g];
    if (!expected) {
      reports.push({
        label: g,
        ok: grads[g] === undefined,
        message: grads[g] === undefined ? 'absent as expected' : 'returned but the input is absent',
      });
      continue;
    }
    const actual = grads[g];
    if (!actual) {
      reports.push({ label: g, ok: false, message: 'missing' });
      continue;
    }
    const shape = shapeOf(c.problem, g);
    const r = goldenClose(new Tensor(actual, shape), new Tensor(expected, shape), 'gradient');
    reports.push({ label: g, ok: r.ok, message: r.message });
  }
  return reports;
}

export function assertReports(t: Test, prefix: string, reports: CompareReport[]): void {
  for (const r of reports) t.ok(r.ok, `${prefix} ${r.label}: ${r.message}`);
}
