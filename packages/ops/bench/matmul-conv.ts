/**
 * Ops micro-benchmark (issue 3): blocked matmul / linear and the conv kernels on LocalVim-T, LocalVMamba-T and
 * MSVMamba shapes, against naive loops measured in the same run. Not a test.
 *
 *   npx tsx packages/ops/bench/matmul-conv.ts [--quick]
 *
 * Workspace packages resolve to their TypeScript sources through the "source" export condition; when started
 * without it, the script re-runs itself with it, so no build is needed.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

if (!process.execArgv.includes('--conditions=source')) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}

const { Tensor } = await import('@vssm/core');
const { conv2d, linear, matmul, setBackend } = await import('../src/index.js');
// the TypeScript kernels (the default backend is wasm since bench/wasm-kernels.ts measures that one)
setBackend('cpu');
type T = InstanceType<typeof Tensor>;

const quick = process.argv.includes('--quick');
const MIN_MS = quick ? 150 : 1000;

/**
 * Median milliseconds per call of `fast` and of the `baseline`, sampled alternately (one call of each per round,
 * at least 3 rounds and MIN_MS of wall time) so that load from other processes hits both alike.
 */
function timePair(fast: () => unknown, baseline: () => unknown): [number, number] {
  fast();
  baseline();
  const a: number[] = [];
  const b: number[] = [];
  const start = performance.now();
  while (a.length < 3 || performance.now() - start < MIN_MS) {
    let t0 = performance.now();
    fast();
    a.push(performance.now() - t0);
    t0 = performance.now();
    baseline();
    b.push(performance.now() - t0);
  }
  const median = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  return [median(a), median(b)];
}

/** The baseline: textbook i-j-k triple loop over row-major arrays, C = A (M×K) · B (K×N). */
function naiveMatmul(M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  }
  return c;
}

/** Baseline depthwise conv: one output pixel at a time, bounds check on every tap. */
function naiveDepthwise(x: T, w: T, bias: T, k: number, stride: number, pad: number): Float32Array {
  const [, C, H, W] = x.shape;
  const Ho = Math.floor((H + 2 * pad - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * pad - k) / stride) + 1;
  const xd = x.contiguousData();
  const wd = w.contiguousData();
  const bd = bias.contiguousData();
  const out = new Float32Array(C * Ho * Wo);
  for (let c = 0; c < C; c++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        let s = bd[c];
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * stride - pad + ky;
            const ix = ox * stride - pad + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += wd[(c * k + ky) * k + kx] * xd[(c * H + iy) * W + ix];
          }
        out[(c * Ho + oy) * Wo + ox] = s;
      }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Row {
  name: string;
  gflop: number;
  ms: number;
  baselineMs: number;
  diff: number;
}
const rows: Row[] = [];

function report(name: string, flops: number, ms: number, baselineMs: number, diff: number): void {
  rows.push({ name, gflop: flops / 1e9, ms, baselineMs, diff });
  const gf = (x: number) => (flops / 1e6 / x).toFixed(2);
  console.log(
    `${name.padEnd(58)} ${ms.toFixed(2).padStart(8)} ms ${gf(ms).padStart(6)} GFLOP/s | naive ${baselineMs.toFixed(2).padStart(8)} ms ${gf(baselineMs).padStart(6)} GFLOP/s | ×${(baselineMs / ms).toFixed(1)} | max|Δ| ${diff.toExponential(1)}`,
  );
}

const cpu = os.cpus();
console.log(
  `# @vssm/ops micro-benchmark — ${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} logical cores), Node ${process.version}, ${os.platform()} ${os.arch()}`,
);
console.log(
  `# load average at start: ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(', ')}`,
);
console.log(`# single-threaded; medians of alternating runs (op, baseline) over >= ${MIN_MS} ms per figure; baselines are naive loops\n`);

// LocalVim-T: D = 192, 197 tokens (middle cls); in_proj 192→768 (2E), out_proj 384→192 (E → D)
for (const [M, K, N, what] of [
  [197, 192, 768, 'LocalVim-T in_proj'],
  [197, 384, 192, 'LocalVim-T out_proj'],
] as const) {
  const a = Tensor.randn([M, K], 1);
  const b = Tensor.randn([K, N], 2);
  const w = b.transpose().contiguous(); // (N, K), a Linear weight
  const ad = a.contiguousData();
  const bd = b.contiguousData();
  const ref = naiveMatmul(M, N, K, ad, bd);
  const flops = 2 * M * N * K;
  const naive = () => naiveMatmul(M, N, K, ad, bd);
  const [mm, base] = timePair(() => matmul(a, b), naive);
  report(`matmul (${M}×${K})·(${K}×${N})  [${what}]`, flops, mm, base, maxAbsDiff(matmul(a, b).contiguousData(), ref));
  const [lin, base2] = timePair(() => linear(a, w), naive);
  report(`linear x(${M}×${K}) · W(${N}×${K})ᵀ  [${what}]`, flops, lin, base2, maxAbsDiff(linear(a, w).contiguousData(), ref));
}

// Depthwise convs: LocalVMamba-T stage 1 (E = 192 at 56×56, 3×3 pad 1); MSVMamba stage 1 (96 ch, 7×7 stride 2 pad 3)
for (const [C, k, s, p, what] of [
  [192, 3, 1, 1, 'LocalVMamba-T stage 1 dwconv 3×3'],
  [96, 7, 2, 3, 'MSVMamba stage 1 dwconv 7×7 s2'],
] as const) {
  const x = Tensor.randn([1, C, 56, 56], 3);
  const w = Tensor.randn([C, 1, k, k], 4);
  const bias = Tensor.randn([C], 5);
  const Ho = Math.floor((56 + 2 * p - k) / s) + 1;
  const flops = 2 * C * Ho * Ho * k * k;
  const ref = naiveDepthwise(x, w, bias, k, s, p);
  const run = () => conv2d(x, w, bias, { stride: s, padding: p, groups: C });
  const [fast, base] = timePair(run, () => naiveDepthwise(x, w, bias, k, s, p));
  report(`conv2d dw (1,${C},56,56) k${k} s${s} p${p}  [${what}]`, flops, fast, base, maxAbsDiff(run().contiguousData(), ref));
}

// ConvFFN-sized pointwise: MSVMamba-T stage 1, 1×1 conv 96 → 192 on 56×56, and the same as a Linear on 3136 tokens
{
  const C = 96;
  const O = 192;
  const P = 56 * 56;
  const x = Tensor.randn([1, C, 56, 56], 6);
  const w = Tensor.randn([O, C, 1, 1], 7);
  const wd = w.contiguousData();
  const xd = x.contiguousData();
  const flops = 2 * O * C * P;
  const ref = naiveMatmul(O, P, C, wd, xd); // out (O × P) = W (O × C) · X (C × P)
  const run = () => conv2d(x, w);
  const [fast, base] = timePair(run, () => naiveMatmul(O, P, C, wd, xd));
  report(`conv2d 1×1 (1,${C},56,56) → ${O}  [ConvFFN linear1]`, flops, fast, base, maxAbsDiff(run().contiguousData(), ref));
  const tokens = x.reshape([C, P]).transpose().contiguous(); // (P, C) channel-last
  const w2 = w.reshape([O, C]);
  const td = tokens.contiguousData();
  const wtd = w2.transpose().contiguous().contiguousData();
  const refT = naiveMatmul(P, O, C, td, wtd);
  const runT = () => linear(tokens, w2);
  const [fastT, baseT] = timePair(runT, () => naiveMatmul(P, O, C, td, wtd));
  report(`linear x(${P}×${C}) · W(${O}×${C})ᵀ  [ConvFFN as Linear]`, flops, fastT, baseT, maxAbsDiff(runT().contiguousData(), refT));
}

// Patch embedding: LocalVMamba-T stem, conv 4×4 stride 4 on (1,3,224,224) → 96 (im2col + gemm)
{
  const x = Tensor.randn([1, 3, 224, 224], 8);
  const w = Tensor.randn([96, 3, 4, 4], 9);
  const K = 3 * 16;
  const P = 56 * 56;
  const cols = new Float32Array(K * P);
  const xd = x.contiguousData();
  for (let c = 0; c < 3; c++)
    for (let ky = 0; ky < 4; ky++)
      for (let kx = 0; kx < 4; kx++)
        for (let oy = 0; oy < 56; oy++)
          for (let ox = 0; ox < 56; ox++)
            cols[((c * 4 + ky) * 4 + kx) * P + oy * 56 + ox] = xd[(c * 224 + oy * 4 + ky) * 224 + ox * 4 + kx];
  const wd = w.contiguousData();
  const ref = naiveMatmul(96, P, K, wd, cols);
  const run = () => conv2d(x, w, null, { stride: 4 });
  const [fast, base] = timePair(run, () => naiveMatmul(96, P, K, wd, cols));
  report(
    'conv2d 4×4 s4 (1,3,224,224) → 96  [patch embedding, naive = gemm on prebuilt columns]',
    2 * 96 * K * P,
    fast,
    base,
    maxAbsDiff(run().contiguousData(), ref),
  );
}

console.log('\n| op | shape | ms | GFLOP/s | naive ms | naive GFLOP/s | speed-up |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const [name, what] = r.name.split('  [');
  console.log(
    `| ${name} | ${what ? what.slice(0, -1) : ''} | ${r.ms.toFixed(2)} | ${(r.gflop / (r.ms / 1e3)).toFixed(2)} | ${r.baselineMs.toFixed(2)} | ${(r.gflop / (r.baselineMs / 1e3)).toFixed(2)} | ×${(r.baselineMs / r.ms).toFixed(1)} |`,
  );
}
