// Throughput of the `cpu` selective-scan backend, in (b, d, l, n) state updates per second, against a plain
// single-threaded TypeScript loop measured in the same run.
//
//   npm run bench            (from packages/selective-scan; --quick for fewer repetitions, --threads 16,2,1 to
//                             choose the thread counts of the wasm variants; default: all hardware threads and 1)
//
// Variants: WebAssembly SIMD on all hardware threads, WebAssembly SIMD on one thread, and the TypeScript fallback.
// Each figure is the median of several timed calls after warm-up (the first calls also compile and tier up the
// wasm code and start the workers).
import { cpus, loadavg } from 'node:os';
import { createCpuBackend } from '../src/cpu/backend.js';
import { hardwareThreads } from '@vssm/wasm';
import type { BackendForward, ScanProblem } from '../src/types.js';

const quick = process.argv.includes('--quick');

interface Size {
  label: string;
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  gate: boolean;
}

const SIZES: Size[] = [
  { label: 'Vim-T layer (N=16, with z)', batch: 1, dim: 768, length: 197, dstate: 16, gate: true },
  { label: 'VMamba-T stage 1 (N=1, 4 directions as G=4)', batch: 1, dim: 384, length: 3136, dstate: 1, gate: false },
  { label: 'long sequence (N=16, with z)', batch: 1, dim: 768, length: 3136, dstate: 16, gate: true },
];

/** Mamba-like inputs: S4D-real A = -(1..N), Δ = softplus(delta + bias) with the dt init, D = 1. */
function makeProblem(s: Size): ScanProblem {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const bdl = s.batch * s.dim * s.length;
  const groups = s.dstate === 1 ? 4 : 1;
  const bc = s.batch * groups * s.dstate * s.length;
  const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  return {
    batch: s.batch,
    dim: s.dim,
    length: s.length,
    dstate: s.dstate,
    groups,
    u: fill(bdl, normal),
    delta: fill(bdl, () => 0.1 * normal()),
    A: fill(s.dim * s.dstate, (i) => -((i % s.dstate) + 1)),
    B: fill(bc, normal),
    C: fill(bc, normal),
    D: fill(s.dim, () => 1),
    z: s.gate ? fill(bdl, normal) : undefined,
    deltaBias: fill(s.dim, () => {
      const dt = Math.exp(Math.log(1e-3) + rand() * (Math.log(1e-1) - Math.log(1e-3)));
      return dt + Math.log(-Math.expm1(-dt));
    }),
    deltaSoftplus: true,
  };
}

/** The obvious fp32 implementation: Math.exp / Math.log1p, native (B, G, N, L) layout, n innermost. */
function plainForward(p: ScanProblem): Float32Array {
  const { batch, dim, length: L, dstate: N, groups: G } = p;
  const out = new Float32Array(batch * dim * L);
  const h = new Float32Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const g = Math.floor(d / (dim / G));
      const row = (b * dim + d) * L;
      const bc = (b * G + g) * N * L;
      h.fill(0);
      for (let l = 0; l < L; l++) {
        const x = p.delta[row + l] + (p.deltaBias ? p.deltaBias[d] : 0);
        const dt = x > 20 ? x : Math.log1p(Math.exp(x));
        const u = p.u[row + l];
        let y = 0;
        for (let n = 0; n < N; n++) {
          h[n] = Math.exp(dt * p.A[d * N + n]) * h[n] + dt * p.B[bc + n * L + l] * u;
          y += p.C[bc + n * L + l] * h[n];
        }
        y += (p.D ? p.D[d] : 0) * u;
        if (p.z) {
          const z = p.z[row + l];
          y *= z / (1 + Math.exp(-z));
        }
        out[row + l] = y;
      }
    }
  }
  return out;
}

/** The obvious fp32 backward: store the whole state trajectory of a row, then the reverse loop (§2.1). */
function plainBackward(p: ScanProblem, dout: Float32Array): Float32Array {
  const { batch, dim, length: L, dstate: N, groups: G } = p;
  const du = new Float32Array(batch * dim * L);
  const ddelta = new Float32Array(batch * dim * L);
  const dA = new Float32Array(dim * N);
  const dB = new Float32Array(p.B.length);
  const dC = new Float32Array(p.C.length);
  const hs = new Float32Array(L * N);
  const dts = new Float32Array(L);
  const dh = new Float32Array(N);
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const g = Math.floor(d / (dim / G));
      const row = (b * dim + d) * L;
      const bc = (b * G + g) * N * L;
      const Dd = p.D ? p.D[d] : 0;
      for (let l = 0; l < L; l++) {
        const x = p.delta[row + l] + (p.deltaBias ? p.deltaBias[d] : 0);
        const dt = (dts[l] = x > 20 ? x : Math.log1p(Math.exp(x)));
        for (let n = 0; n < N; n++) {
          const prev = l > 0 ? hs[(l - 1) * N + n] : 0;
          hs[l * N + n] = Math.exp(dt * p.A[d * N + n]) * prev + dt * p.B[bc + n * L + l] * p.u[row + l];
        }
      }
      dh.fill(0);
      for (let l = L - 1; l >= 0; l--) {
        const u = p.u[row + l];
        const dt = dts[l];
        let gy = dout[row + l];
        if (p.z) {
          const z = p.z[row + l];
          gy *= z / (1 + Math.exp(-z));
        }
        let sB = 0;
        let sA = 0;
        for (let n = 0; n < N; n++) {
          const a = p.A[d * N + n];
          const next = l + 1 < L ? Math.exp(dts[l + 1] * a) * dh[n] : 0;
          const cur = (dh[n] = next + p.C[bc + n * L + l] * gy);
          const decayed = l > 0 ? Math.exp(dt * a) * hs[(l - 1) * N + n] : 0;
          sB += cur * p.B[bc + n * L + l];
          sA += cur * a * decayed;
          dA[d * N + n] += dt * cur * decayed;
          dB[bc + n * L + l] += cur * dt * u;
          dC[bc + n * L + l] += gy * hs[l * N + n];
        }
        du[row + l] = Dd * gy + dt * sB;
        const x = p.delta[row + l] + (p.deltaBias ? p.deltaBias[d] : 0);
        ddelta[row + l] = (u * sB + sA) * (x > 20 ? 1 : 1 / (1 + Math.exp(-x)));
      }
    }
  }
  return du;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown> | unknown, budgetMs: number): Promise<number> {
  await fn(); // warm-up: compile, tier up, start workers, grow memory
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < 25)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const threads = await hardwareThreads();
console.log(
  `CPU: ${cpus()[0]?.model ?? 'unknown'}, ${threads} hardware threads; Node ${process.version}; load average ${loadavg()[0].toFixed(2)} at start`,
);
console.log('Figures: M (b, d, l, n) updates per second (median of timed calls); ratio = against the plain TypeScript loop.\n');

const threadArg = process.argv.indexOf('--threads');
const threadCounts = threadArg > 0 ? process.argv[threadArg + 1].split(',').map(Number) : [...new Set([threads, 1])];
const variants: Array<{ label: string; backend: ReturnType<typeof createCpuBackend> }> = [
  ...threadCounts.map((n) => ({
    label: `wasm-simd, ${n} thread${n > 1 ? 's' : ''}`,
    backend: createCpuBackend({ kernel: 'wasm', threads: n }),
  })),
  { label: 'typescript fallback, 1 thread', backend: createCpuBackend({ kernel: 'ts' }) },
];
for (const v of variants) {
  const status = await v.backend.probe();
  if (!status.available) throw new Error(`${v.label}: ${status.reason}`);
}

const budget = quick ? 300 : 1500;
const phaseRows: string[] = [];
const phaseCell = (v: (typeof variants)[number]) => {
  const ph = v.backend.phases();
  return ph ? `${ph.copyIn.toFixed(2)} / ${ph.kernel.toFixed(2)} / ${ph.copyOut.toFixed(2)}` : '–';
};
console.log(`| size (b, d, l, n) | pass | plain TS loop | ${variants.map((v) => v.label).join(' | ')} |`);
console.log(`|---|---|---|${variants.map(() => '---|').join('')}`);
for (const s of SIZES) {
  const p = makeProblem(s);
  const updates = s.batch * s.dim * s.length * s.dstate;
  const dout = Float32Array.from({ length: s.batch * s.dim * s.length }, (_, i) => Math.sin(i));
  const rate = (ms: number) => updates / ms / 1e3;
  const tag = `(${s.batch}, ${s.dim}, ${s.length}, ${s.dstate})`;

  const plainF = await time(() => plainForward(p), budget);
  const fwdCells: string[] = [];
  const forwards: BackendForward[] = [];
  for (const v of variants) {
    let fwd: BackendForward | undefined;
    const ms = await time(async () => {
      fwd = await v.backend.forward(p);
    }, budget);
    forwards.push(fwd!);
    fwdCells.push(`${rate(ms).toFixed(0)} (${(plainF / ms).toFixed(1)}×)`);
  }
  console.log(`| ${s.label} ${tag} | forward | ${rate(plainF).toFixed(1)} | ${fwdCells.join(' | ')} |`);
  phaseRows.push(`| ${tag} | forward | ${variants.map(phaseCell).join(' | ')} |`);

  const plainB = await time(() => plainBackward(p, dout), budget);
  const bwdCells: string[] = [];
  for (let i = 0; i < variants.length; i++) {
    const ms = await time(() => variants[i].backend.backward(p, forwards[i], dout), budget);
    bwdCells.push(`${rate(ms).toFixed(0)} (${(plainB / ms).toFixed(1)}×)`);
  }
  console.log(`| ${s.label} ${tag} | backward | ${rate(plainB).toFixed(1)} | ${bwdCells.join(' | ')} |`);
  phaseRows.push(`| ${tag} | backward | ${variants.map(phaseCell).join(' | ')} |`);
}
console.log('\nWhere the last timed call spent its time, ms: copy in / kernel / copy out (the copies run on the main thread).\n');
console.log(`| size | pass | ${variants.map((v) => v.label).join(' | ')} |`);
console.log(`|---|---|${variants.map(() => '---|').join('')}`);
for (const row of phaseRows) console.log(row);
for (const v of variants) await v.backend.dispose?.();
console.log(`\nload average ${loadavg()[0].toFixed(2)} at the end`);
