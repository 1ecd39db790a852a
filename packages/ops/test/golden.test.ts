import { goldenClose, loadSafetensors, type Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { onBoth } from './wasm-helpers.js';
import {
  conv1dCausal,
  conv2d,
  gelu,
  type InterpolateOptions,
  interpolate,
  layerNorm,
  layerNorm2d,
  linear,
  rmsNorm,
  sigmoid,
  silu,
  softplus,
} from '../src/index.js';

interface GoldenCase {
  name: string;
  op: string;
  inputs: string[];
  [attr: string]: unknown;
}

type Runner = (inputs: Record<string, Tensor>, c: GoldenCase) => Tensor;

const opt = (inputs: Record<string, Tensor>, name: string): Tensor | null => inputs[name] ?? null;

/** How each golden op name maps onto this package; a case whose op is missing here fails. */
const RUNNERS: Record<string, Runner> = {
  linear: (i) => linear(i.x, i.weight, opt(i, 'bias')),
  conv2d: (i, c) =>
    conv2d(i.x, i.weight, opt(i, 'bias'), { stride: c.stride as number, padding: c.padding as number, groups: c.groups as number }),
  conv1d_causal: (i, c) => {
    if (c.groups !== i.x.shape[1]) throw new Error(`conv1d_causal case is not depthwise (groups ${c.groups}, channels ${i.x.shape[1]})`);
    return conv1dCausal(i.x, i.weight, opt(i, 'bias'));
  },
  layer_norm: (i, c) => layerNorm(i.x, opt(i, 'weight'), opt(i, 'bias'), c.eps as number),
  layer_norm2d: (i, c) => layerNorm2d(i.x, opt(i, 'weight'), opt(i, 'bias'), c.eps as number),
  rms_norm: (i, c) => rmsNorm(i.x, opt(i, 'weight'), c.eps as number),
  gelu_erf: (i) => gelu(i.x),
  silu: (i) => silu(i.x),
  sigmoid: (i) => sigmoid(i.x),
  softplus: (i, c) => softplus(i.x, { threshold: (c.threshold as number) ?? 20 }),
  interpolate: (i, c) => {
    const options: InterpolateOptions = { mode: c.mode as InterpolateOptions['mode'], size: c.size as [number, number] };
    if (c.align_corners !== undefined && c.mode !== 'nearest') options.alignCorners = c.align_corners as boolean;
    return interpolate(i.x, options);
  },
};

const file = await loadSafetensors(goldenFile('ops.safetensors'));
const cases = JSON.parse(file.metadata.cases) as GoldenCase[];

test('golden ops: the metadata lists cases', (t) => {
  t.ok(Array.isArray(cases) && cases.length >= 17, `ops.safetensors lists ${cases.length} cases`);
  t.end();
});

/** The registry op a golden case runs through. */
const REGISTRY_OP: Record<string, string> = {
  conv1d_causal: 'conv1dCausal',
  layer_norm: 'layerNorm',
  layer_norm2d: 'layerNorm2d',
  rms_norm: 'rmsNorm',
  gelu_erf: 'gelu',
};

for (const c of cases) {
  test(`golden ops: ${c.name} (${c.op}) on cpu and on wasm`, (t) => {
    const run = RUNNERS[c.op];
    if (!run) {
      t.fail(`no runner for golden op '${c.op}' (case ${c.name}); known: ${Object.keys(RUNNERS).join(', ')}`);
      t.end();
      return;
    }
    const inputs: Record<string, Tensor> = {};
    for (const name of c.inputs) inputs[name] = file.get(`${c.name}.${name}`);
    const expected = file.get(`${c.name}.out`);
    // wasm with its size thresholds lowered, so that every case runs on the wasm kernels
    const r = onBoth(REGISTRY_OP[c.op] ?? c.op, () => run(inputs, c));
    const cpu = goldenClose(r.cpu, expected, 'output');
    t.ok(cpu.ok, `${c.name} (cpu): ${cpu.message}`);
    const wasm = goldenClose(r.wasm, expected, 'output');
    t.ok(wasm.ok, `${c.name} (wasm, served by ${r.servedBy}): ${wasm.message}`);
    t.equal(r.servedBy, 'wasm', `${c.name}: the wasm backend served it`);
    t.end();
  });
}
