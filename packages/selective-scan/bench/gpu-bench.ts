// GPU benchmark CLI (Node, through Dawn from the optional `webgpu` package):
//
//   node --conditions=source --import tsx packages/selective-scan/bench/gpu-bench.ts [--quick] [--golden DIR] [--out FILE]
//        [--webgpu-only] [--no-gpujs] [--dawn 'enable-dawn-features=...']
//
// On a machine without a GPU it says so and stops. See gpu-bench-lib.ts for what it measures. --dawn passes options
// to Dawn's create() (e.g. toggles) before anything else touches WebGPU.
import { writeFileSync } from 'node:fs';
import { goldenCases } from '../test/gpu-cases.js';
import { runBench, SHAPES } from './gpu-bench-lib.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const goldenDir = argValue('--golden');
if (goldenDir) process.env.VSSM_GOLDEN_DIR = goldenDir;
const outFile = argValue('--out');
const dawn = argValue('--dawn');
if (dawn) {
  const name = 'webgpu';
  const { create, globals } = (await import(name)) as { create: (o: string[]) => unknown; globals: object };
  Object.assign(globalThis, globals);
  (globalThis as { navigator?: unknown }).navigator = { gpu: create(dawn.split(' ')) };
}

runBench({
  shapes: quick ? SHAPES.slice(0, 1) : SHAPES,
  quick,
  cases: await goldenCases(),
  refSpecs: [
    {
      name: 'ref (2,64,16,3136) z D bias softplus',
      spec: { batch: 2, dim: 64, length: 3136, dstate: 16, groups: 1, z: true, D: true, bias: true, softplus: true },
    },
    {
      name: 'ref (4,96,1,1024) G=4 D bias softplus',
      spec: { batch: 4, dim: 96, length: 1024, dstate: 1, groups: 4, z: false, D: true, bias: true, softplus: true },
    },
  ],
  gpujsBudgetMs: quick ? 20_000 : 150_000,
  webgpuOnly: args.includes('--webgpu-only'),
  noGpujs: args.includes('--no-gpujs'),
  log: (line) => console.log(line),
  save: (report) => {
    if (outFile) writeFileSync(outFile, JSON.stringify(report, null, 1));
  },
})
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    // Dawn keeps native handles open after the device is done; end the process explicitly
    setTimeout(() => process.exit(process.exitCode ?? 0), 100);
  });
