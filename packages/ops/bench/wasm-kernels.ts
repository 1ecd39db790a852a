/**
 * The `wasm` ops backend against the TypeScript kernels (`cpu` backend) and naive loops, measured in the same run:
 * GEMM GFLOP/s on the model shapes with one and two threads, depthwise convs, norms and activations in GB/s, the
 * share of copying in and out, and whole-model forward passes with backend cpu vs wasm (vs wasm inside withScratch).
 * A script, not a test.
 *
 *   npx tsx packages/ops/bench/wasm-kernels.ts [--quick] [--no-models] [--models-only] [--threads N]
 *
 * `--threads N` sizes the shared WebAssembly runtime (default: every hardware thread, at most 16). Workspace
 * packages resolve to their TypeScript sources through the "source" export condition; started without it, the
 * script re-runs itself with it (a bundled copy runs as it is).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

if (!process.execArgv.includes('--conditions=source') && fileURLToPath(import.meta.url).endsWith('.ts')) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}

const threadsArg = process.argv.indexOf('--threads');
if (threadsArg > 0) {
  const { sharedRuntime } = await import('@vssm/wasm');
  await sharedRuntime({ threads: Number(process.argv[threadsArg + 1]) });
}
const { Tensor } = await import('@vssm/core');
const ops = await import('../src/index.js');
const { gemmTuning } = await import('../src/wasm/gemm.js');
const { wasmTuning } = await import('../src/wasm/kernels.js');
const { setWasmPhaseRecording } = await import('../src/wasm/context.js');
type T = InstanceType<typeof Tensor>;

const quick = process.argv.includes('--quick');
const MIN_MS = quick ? 200 : 1000;
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(', ');

/**
 * Median ms per call of each variant, sampled round-robin (one call of each per round, at least 5 rounds and
 * MIN_MS of wall time) so that load from other processes hits every variant alike.
 */
function timeAll(variants: Array<() => unknown>, minMs = MIN_MS): number[] {
  for (const v of variants) v();
  const samples = variants.map(() => [] as number[]);
  const start = performance.now();
  while (samples[0].length < 5 || performance.now() - start < minMs) {
    variants.forEach((v, i) => {
      const t0 = performance.now();
      v();
      samples[i].push(performance.now() - t0);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
}

/** Runs `f` on the wasm backend with one thread (forcing the GEMM and elementwise thresholds), or the default. */
function wasm<R>(threads: 1 | 2, f: () => R): () => R {
  return () => {
    const saved = [gemmTuning.minWorkPerThread, wasmTuning.minElementwisePerThread];
    if (threads === 1) {
      gemmTuning.minWorkPerThread = Number.POSITIVE_INFINITY;
      wasmTuning.minElementwisePerThread = Number.POSITIVE_INFINITY;
    } else {
      gemmTuning.minWorkPerThread = 1;
      wasmTuning.minElementwisePerThread = 1;
    }
    try {
      return ops.withBackend('wasm', f);
    } finally {
      [gemmTuning.minWorkPerThread, wasmTuning.minElementwisePerThread] = saved;
    }
  };
}
const ts =
  <R>(f: () => R) =>
  () =>
    ops.withBackend('cpu', f);

/** Textbook i-j-k loop, C = A (M×K) · B (K×N), row-major. */
function naiveMatmul(M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  return c;
}

function maxDiff(a: T, b: T): number {
  const x = a.contiguousData();
  const y = b.contiguousData();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

const status = await ops.ready();
const cpus = os.cpus();
console.log(
  `# @vssm/ops wasm backend benchmark — ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} logical cores), Node ${process.version}`,
);
console.log(`# wasm backend: ${status.detail}; load average at start: ${load()}`);
console.log(`# medians of round-robin runs over >= ${MIN_MS} ms per row; every op call includes copying inputs in and outputs out\n`);

if (!process.argv.includes('--models-only')) {
  console.log('## GEMM (GFLOP/s; × = against the TypeScript GEMM)\n');
  console.log('| shape | op | wasm 2 threads | wasm 1 thread | TS (cpu) | naive loop | max abs diff wasm vs TS |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  const gemms: Array<[string, number, number, number, 'linear' | 'matmul' | 'conv']> = [
    ['LocalVim-T in_proj', 197, 192, 768, 'linear'],
    ['LocalVim-T out_proj', 197, 384, 192, 'linear'],
    ['LocalVim-T x_proj (44×384)·(384×197)', 44, 384, 197, 'matmul'],
    ['LocalVMamba-T stage-1 in_proj', 3136, 96, 384, 'linear'],
    ['LocalVMamba-T stage-1 out_proj', 3136, 192, 96, 'linear'],
    ['MSVMamba-N ConvFFN 1×1 48→96 at 56²', 96, 48, 3136, 'conv'],
    ['MSVMamba-T ConvFFN 1×1 96→192 at 56²', 192, 96, 3136, 'conv'],
  ];
  for (const [name, M, K, N, kind] of gemms) {
    let run: () => T;
    let naive: () => unknown;
    if (kind === 'linear') {
      const x = Tensor.randn([M, K], 1);
      const w = Tensor.randn([N, K], 2);
      run = () => ops.linear(x, w);
      const xd = x.contiguousData();
      const wt = w.transpose().contiguous().contiguousData();
      naive = () => naiveMatmul(M, N, K, xd, wt);
    } else if (kind === 'matmul') {
      const a = Tensor.randn([M, K], 1);
      const b = Tensor.randn([1, K, N], 2);
      run = () => ops.matmul(a, b);
      naive = () => naiveMatmul(M, N, K, a.contiguousData(), b.contiguousData());
    } else {
      const H = Math.round(Math.sqrt(N));
      const x = Tensor.randn([1, K, H, H], 1);
      const w = Tensor.randn([M, K, 1, 1], 2);
      run = () => ops.conv2d(x, w);
      naive = () => naiveMatmul(M, N, K, w.contiguousData(), x.contiguousData());
    }
    const flops = 2 * M * N * K;
    const [w2, w1, tsMs, naiveMs] = timeAll([wasm(2, run), wasm(1, run), ts(run), naive], quick ? MIN_MS : 2 * MIN_MS);
    const gf = (ms: number) => (flops / 1e6 / ms).toFixed(1);
    const diff = maxDiff(wasm(2, run)(), ts(run)());
    console.log(
      `| ${name} | ${kind} | ${gf(w2)} (×${(tsMs / w2).toFixed(1)}) | ${gf(w1)} (×${(tsMs / w1).toFixed(1)}) | ${gf(tsMs)} | ${gf(naiveMs)} | ${diff.toExponential(1)} |`,
    );
  }

  console.log('\n## Convolutions and elementwise ops (GB/s of inputs read + outputs written; × = against TS)\n');
  console.log('| op | shape | wasm 2 threads | wasm 1 thread | TS (cpu) | ms wasm 2t / TS |');
  console.log('|---|---|---:|---:|---:|---:|');
  const x56 = Tensor.randn([1, 96, 56, 56], 3);
  const dw3 = Tensor.randn([96, 1, 3, 3], 4);
  const dw7 = Tensor.randn([96, 1, 7, 7], 5);
  const b96 = Tensor.randn([96], 6);
  const ones96 = Tensor.ones([96]);
  const zeros96 = Tensor.zeros([96]);
  const seq = Tensor.randn([1, 384, 197], 7);
  const k4 = Tensor.randn([384, 4], 8);
  const tokens = Tensor.randn([3136, 96], 9);
  const vimTokens = Tensor.randn([197, 192], 10);
  const ones192 = Tensor.ones([192]);
  const big = Tensor.randn([1, 192, 56, 56], 11).mul(3);
  const low = Tensor.randn([1, 96, 28, 28], 12);
  const cases: Array<[string, string, () => T, number]> = [
    ['depthwise 3×3 + bias', '(1,96,56,56)', () => ops.conv2d(x56, dw3, b96, { padding: 1, groups: 96 }), 2 * x56.size],
    ['depthwise 7×7 s2 + bias', '(1,96,56,56)', () => ops.conv2d(x56, dw7, b96, { stride: 2, padding: 3, groups: 96 }), 1.25 * x56.size],
    [
      'fusedConv2d dw 3×3 + residual + GELU',
      '(1,96,56,56)',
      () => ops.fusedConv2d(x56, dw3, b96, { padding: 1, groups: 96, residual: x56, activation: 'gelu' }),
      3 * x56.size,
    ],
    ['conv1dCausal K=4', '(1,384,197)', () => ops.conv1dCausal(seq, k4), 2 * seq.size],
    ['layerNorm', '(3136,96)', () => ops.layerNorm(tokens, ones96, zeros96), 2 * tokens.size],
    ['layerNorm2d', '(1,96,56,56)', () => ops.layerNorm2d(x56, ones96, zeros96), 2 * x56.size],
    ['rmsNorm', '(197,192)', () => ops.rmsNorm(vimTokens, ones192), 2 * vimTokens.size],
    ['gelu', '(1,192,56,56)', () => ops.gelu(big), 2 * big.size],
    ['silu', '(1,192,56,56)', () => ops.silu(big), 2 * big.size],
    ['mulSilu x·silu(z)', '(1,192,56,56)', () => ops.mulSilu(big, big), 3 * big.size],
    ['interpolate bilinear 28²→56²', '(1,96,28,28)', () => ops.interpolate(low, { size: [56, 56], mode: 'bilinear' }), 5 * low.size],
  ];
  for (const [name, shape, run, floats] of cases) {
    const [w2, w1, tsMs] = timeAll([wasm(2, run), wasm(1, run), ts(run)]);
    const gbs = (ms: number) => ((4 * floats) / 1e6 / ms).toFixed(2);
    console.log(
      `| ${name} | ${shape} | ${gbs(w2)} (×${(tsMs / w2).toFixed(1)}) | ${gbs(w1)} (×${(tsMs / w1).toFixed(1)}) | ${gbs(tsMs)} | ${w2.toFixed(3)} / ${tsMs.toFixed(3)} |`,
    );
  }
  console.log(`\n# load average after the op rows: ${load()}`);
}

if (!process.argv.includes('--no-models')) {
  const { createModel } = await import('@vssm/models');
  console.log('\n## Whole model, batch 1, 224×224 (ms per forward; the selective scan runs on its own wasm backend in every column)\n');
  console.log(
    '| preset | backend cpu | backend wasm | wasm in withScratch | × wasm / cpu | × scoped / cpu | wasm: copy in / kernels / copy out (ms) | load avg |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---|---|');
  for (const preset of ['msvmamba_nano', 'local_vim_tiny', 'local_vssm_tiny']) {
    const model = createModel(preset);
    const x = Tensor.randn([1, 3, 224, 224], 1);
    const before = load();
    // withBackend is synchronous and would only cover the forward's first synchronous part: switch around the await
    const onCpu = async () => {
      ops.setBackend('cpu');
      try {
        return await model.forward(x);
      } finally {
        ops.setBackend('wasm');
      }
    };
    const variants = [onCpu, () => model.forward(x), () => ops.withScratch(() => model.forward(x))];
    for (const v of variants) await v();
    const samples: number[][] = [[], [], []];
    const rounds = quick ? 2 : 5;
    let phases = { copyIn: 0, kernel: 0, copyOut: 0, runs: 0 };
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < variants.length; i++) {
        if (i === 1) setWasmPhaseRecording(true);
        const t0 = performance.now();
        await variants[i]();
        samples[i].push(performance.now() - t0);
        if (i === 1) phases = setWasmPhaseRecording(false);
      }
    }
    const [cpuMs, wasmMs, scopedMs] = samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
    console.log(
      `| ${preset} | ${cpuMs.toFixed(0)} | ${wasmMs.toFixed(0)} | ${scopedMs.toFixed(0)} | ${(cpuMs / wasmMs).toFixed(1)} | ${(cpuMs / scopedMs).toFixed(1)} | ${phases.copyIn.toFixed(1)} / ${phases.kernel.toFixed(1)} / ${phases.copyOut.toFixed(1)} (${phases.runs} runs) | ${before} → ${load()} |`,
    );
  }
}
