// The selective-scan (S6) kernel on its own, on two backends: the float64 oracle `cpu-f64` and the fused float32
// `cpu` kernel (WebAssembly SIMD on worker threads), plus `webgpu` when a GPU adapter is available here. Prints the
// time of each and its largest difference from the first (the oracle). The first run of a backend includes its
// start-up (workers, kernel compilation); the best of --runs is shown.
//
//   npx tsx --conditions=source examples/selective-scan.ts [--batch 1] [--dim 192] [--length 3136] [--dstate 16] [--runs 3]
//     [--backends cpu-f64,cpu,gpujs:webasm]     (default: cpu-f64, cpu and webgpu when available; the first is the reference)
import { Tensor } from '@vssm/core';
import { backends, disposeBackends, selectiveScan } from '@vssm/selective-scan';
import { numberOption, parseExampleArgs } from './args.js';

const args = parseExampleArgs(process.argv.slice(2));
const batch = numberOption(args, 'batch', 1);
const dim = numberOption(args, 'dim', 192);
const length = numberOption(args, 'length', 3136);
const dstate = numberOption(args, 'dstate', 16);
const runs = numberOption(args, 'runs', 3);

// Inputs shaped like one LocalVim direction at 224×224 (L = 14·14·16): A = −exp(A_log) < 0, Δ through softplus.
const inputs = {
  u: Tensor.randn([batch, dim, length], 1),
  delta: Tensor.randn([batch, dim, length], 2).mul(Tensor.full([], 0.5)),
  A: Tensor.rand([dim, dstate], 3).add(Tensor.full([], 0.5)).mul(Tensor.full([], -1)),
  B: Tensor.randn([batch, 1, dstate, length], 4),
  C: Tensor.randn([batch, 1, dstate, length], 5),
  D: Tensor.ones([dim]),
  z: Tensor.randn([batch, dim, length], 6),
  deltaBias: Tensor.full([dim], -1),
  deltaSoftplus: true,
};

const available = (await backends()).filter((b) => b.available);
const chosen = args.options.get('backends');
const names =
  typeof chosen === 'string'
    ? chosen.split(',').filter(Boolean)
    : ['cpu-f64', 'cpu', ...available.map((b) => b.name).filter((n) => n === 'webgpu')];
console.log(
  `selective scan: batch ${batch}, dim ${dim}, length ${length}, dstate ${dstate}; backends here: ${available.map((b) => b.name).join(', ')}`,
);

let oracle: Float32Array | undefined;
for (const backend of names) {
  const times: number[] = [];
  let out: Tensor | undefined;
  for (let r = 0; r < (backend === 'cpu-f64' ? 1 : runs); r++) {
    const t0 = performance.now();
    out = (await selectiveScan(inputs, { backend })).out;
    times.push(performance.now() - t0);
  }
  const data = out!.toFloat32Array();
  oracle ??= data;
  let diff = 0;
  for (let i = 0; i < data.length; i++) diff = Math.max(diff, Math.abs(data[i] - oracle[i]));
  const best = Math.min(...times);
  console.log(
    `${backend.padEnd(12)} best of ${times.length}: ${best.toFixed(1).padStart(8)} ms   max |out − ${names[0]}| = ${diff.toExponential(2)}`,
  );
}
await disposeBackends();
