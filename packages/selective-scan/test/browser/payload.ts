// Float32Array <-> base64 for moving scan problems and results between Node and the page (exact, compact).
import type { ScanProblem } from '../../src/types.js';

export function encodeF32(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function decodeF32(s: string): Float32Array {
  let bytes: Uint8Array;
  if (typeof Buffer !== 'undefined') bytes = Uint8Array.from(Buffer.from(s, 'base64'));
  else bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
}

export type ProblemPayload = Omit<ScanProblem, 'u' | 'delta' | 'A' | 'B' | 'C' | 'D' | 'z' | 'deltaBias'> &
  Record<string, string | number | boolean | undefined>;

const ARRAYS = ['u', 'delta', 'A', 'B', 'C', 'D', 'z', 'deltaBias'] as const;

export function encodeProblem(p: ScanProblem): ProblemPayload {
  const out: ProblemPayload = {
    batch: p.batch,
    dim: p.dim,
    length: p.length,
    dstate: p.dstate,
    groups: p.groups,
    deltaSoftplus: p.deltaSoftplus,
  };
  for (const k of ARRAYS) {
    const v = p[k];
    if (v) out[k] = encodeF32(v);
  }
  return out;
}

export function decodeProblem(x: ProblemPayload): ScanProblem {
  const get = (k: string) => (typeof x[k] === 'string' ? decodeF32(x[k] as string) : undefined);
  return {
    batch: x.batch,
    dim: x.dim,
    length: x.length,
    dstate: x.dstate,
    groups: x.groups,
    deltaSoftplus: x.deltaSoftplus,
    u: get('u')!,
    delta: get('delta')!,
    A: get('A')!,
    B: get('B')!,
    C: get('C')!,
    D: get('D'),
    z: get('z'),
    deltaBias: get('deltaBias'),
  };
}
