import { ArgumentError, type SafetensorsFile, type Tensor, UnknownNameError, WeightFileError } from '@vssm/core';
import * as ops from '@vssm/ops';
import type { GoldenRunOptions } from './kinds.js';

interface OpCase {
  name: string;
  op: string;
  inputs: string[];
  attrs: Record<string, unknown>;
}

type Inputs = Record<string, Tensor>;

/** How one golden op (PyTorch functional name) runs on @vssm/ops: its inputs, its attributes and the call. */
interface OpRunner {
  required: string[];
  optional?: string[];
  attrs?: string[];
  run(i: Inputs, a: Record<string, unknown>): Tensor;
}

type Pair = number | [number, number];
const pair = (v: unknown) => v as Pair;
const opt = (i: Inputs, name: string) => i[name] ?? null;

const isOnes = (v: unknown) => v === 1 || (Array.isArray(v) && v.every((x) => x === 1));

/** Golden op name → runner. Names follow the golden generator (PyTorch functional names). */
export const GOLDEN_OPS: Readonly<Record<string, OpRunner>> = {
  linear: { required: ['x', 'weight'], optional: ['bias'], run: (i) => ops.linear(i.x, i.weight, opt(i, 'bias')) },
  matmul: { required: ['a', 'b'], run: (i) => ops.matmul(i.a, i.b) },
  conv2d: {
    required: ['x', 'weight'],
    optional: ['bias'],
    attrs: ['stride', 'padding', 'groups', 'dilation'],
    run: (i, a) => {
      if (a.dilation !== undefined && !isOnes(a.dilation)) {
        throw new ArgumentError(`golden op 'conv2d': dilation ${JSON.stringify(a.dilation)} is not supported by @vssm/ops (only 1)`);
      }
      return ops.conv2d(i.x, i.weight, opt(i, 'bias'), {
        stride: a.stride === undefined ? 1 : pair(a.stride),
        padding: a.padding === undefined ? 0 : pair(a.padding),
        groups: (a.groups as number | undefined) ?? 1,
      });
    },
  },
  conv1d_causal: {
    required: ['x', 'weight'],
    optional: ['bias'],
    attrs: ['groups'],
    run: (i, a) => {
      if (a.groups !== undefined && a.groups !== i.x.shape[1]) {
        throw new ArgumentError(`golden op 'conv1d_causal': groups ${a.groups} with ${i.x.shape[1]} channels; only depthwise is supported`);
      }
      return ops.conv1dCausal(i.x, i.weight, opt(i, 'bias'));
    },
  },
  layer_norm: {
    required: ['x'],
    optional: ['weight', 'bias'],
    attrs: ['eps'],
    run: (i, a) => ops.layerNorm(i.x, opt(i, 'weight'), opt(i, 'bias'), (a.eps as number | undefined) ?? 1e-5),
  },
  layer_norm2d: {
    required: ['x'],
    optional: ['weight', 'bias'],
    attrs: ['eps'],
    run: (i, a) => ops.layerNorm2d(i.x, opt(i, 'weight'), opt(i, 'bias'), (a.eps as number | undefined) ?? 1e-5),
  },
  rms_norm: {
    required: ['x'],
    optional: ['weight'],
    attrs: ['eps'],
    run: (i, a) => ops.rmsNorm(i.x, opt(i, 'weight'), (a.eps as number | undefined) ?? 1e-5),
  },
  gelu_erf: { required: ['x'], run: (i) => ops.gelu(i.x) },
  gelu: {
    required: ['x'],
    attrs: ['approximate'],
    run: (i, a) => {
      if (a.approximate !== undefined && a.approximate !== 'none') {
        throw new ArgumentError(`golden op 'gelu': approximate='${a.approximate}' is not supported (only the exact erf form)`);
      }
      return ops.gelu(i.x);
    },
  },
  silu: { required: ['x'], run: (i) => ops.silu(i.x) },
  sigmoid: { required: ['x'], run: (i) => ops.sigmoid(i.x) },
  relu: { required: ['x'], run: (i) => ops.relu(i.x) },
  softplus: {
    required: ['x'],
    attrs: ['beta', 'threshold'],
    run: (i, a) => ops.softplus(i.x, { beta: (a.beta as number | undefined) ?? 1, threshold: (a.threshold as number | undefined) ?? 20 }),
  },
  softmax: { required: ['x'], attrs: ['dim'], run: (i, a) => ops.softmax(i.x, (a.dim as number | undefined) ?? -1) },
  interpolate: {
    required: ['x'],
    attrs: ['mode', 'size', 'scale_factor', 'align_corners', 'recompute_scale_factor'],
    run: (i, a) => {
      const options: ops.InterpolateOptions = { mode: (a.mode as ops.InterpolationMode | undefined) ?? 'nearest' };
      if (a.size !== undefined && a.size !== null) options.size = pair(a.size);
      if (a.scale_factor !== undefined && a.scale_factor !== null) options.scaleFactor = pair(a.scale_factor);
      if (a.align_corners !== undefined && a.align_corners !== null && options.mode !== 'nearest')
        options.alignCorners = Boolean(a.align_corners);
      if (a.recompute_scale_factor !== undefined && a.recompute_scale_factor !== null) {
        options.recomputeScaleFactor = Boolean(a.recompute_scale_factor);
      }
      return ops.interpolate(i.x, options);
    },
  },
  avg_pool2d: {
    required: ['x'],
    attrs: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad'],
    run: (i, a) =>
      ops.avgPool2d(i.x, {
        kernelSize: pair(a.kernel_size),
        stride: a.stride === undefined || a.stride === null ? undefined : pair(a.stride),
        padding: a.padding === undefined ? undefined : pair(a.padding),
        ceilMode: a.ceil_mode as boolean | undefined,
        countIncludePad: a.count_include_pad as boolean | undefined,
      }),
  },
  adaptive_avg_pool2d: {
    required: ['x'],
    attrs: ['output_size'],
    run: (i, a) => ops.adaptiveAvgPool2d(i.x, a.output_size as number | [number | null, number | null]),
  },
  pad: {
    required: ['x'],
    attrs: ['pad', 'value', 'mode'],
    run: (i, a) => {
      if (a.mode !== undefined && a.mode !== 'constant')
        throw new ArgumentError(`golden op 'pad': mode '${a.mode}' is not supported (only 'constant')`);
      return ops.pad(i.x, a.pad as number[], { value: (a.value as number | undefined) ?? 0 });
    },
  },
};

function parseCases(file: SafetensorsFile): OpCase[] {
  let raw: unknown;
  try {
    raw = JSON.parse(file.metadata.cases ?? '');
  } catch {
    throw new WeightFileError(file.file, "ops golden file has no valid JSON '__metadata__.cases' list");
  }
  if (!Array.isArray(raw)) throw new WeightFileError(file.file, "'__metadata__.cases' is not a list");
  return raw.map((c, k) => {
    if (typeof c !== 'object' || c === null || typeof c.op !== 'string') {
      throw new WeightFileError(file.file, `case ${k} of '__metadata__.cases' has no 'op'`);
    }
    const { name, op, inputs, ...attrs } = c as Record<string, unknown>;
    const caseName = typeof name === 'string' ? name : `case${k}`;
    if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === 'string')) {
      throw new WeightFileError(file.file, `case '${caseName}' has no 'inputs' list`);
    }
    return { name: caseName, op: op as string, inputs, attrs };
  });
}

/**
 * Runs every case of an `ops` golden file on @vssm/ops: for case NAME with op OP, reads `NAME.<input>` for each of
 * its inputs, calls the op with its attributes and returns `NAME.out`. Unknown ops, inputs or attributes are errors.
 */
export async function runOpsGolden(file: SafetensorsFile, options: GoldenRunOptions): Promise<Map<string, Tensor>> {
  const cases = parseCases(file);
  for (const c of cases) {
    if (!(c.op in GOLDEN_OPS)) throw new UnknownNameError(`golden op (case '${c.name}')`, c.op, Object.keys(GOLDEN_OPS));
  }
  const results = new Map<string, Tensor>();
  for (const c of cases) {
    const runner = GOLDEN_OPS[c.op];
    const known = [...runner.required, ...(runner.optional ?? [])];
    const strange = c.inputs.filter((x) => !known.includes(x));
    if (strange.length)
      throw new ArgumentError(`golden op '${c.op}' (case '${c.name}'): unknown input(s) ${strange.join(', ')}; known: ${known.join(', ')}`);
    const missing = runner.required.filter((x) => !c.inputs.includes(x));
    if (missing.length) throw new ArgumentError(`golden op '${c.op}' (case '${c.name}'): missing input(s) ${missing.join(', ')}`);
    const badAttrs = Object.keys(c.attrs).filter((k) => !(runner.attrs ?? []).includes(k));
    if (badAttrs.length) {
      throw new ArgumentError(
        `golden op '${c.op}' (case '${c.name}'): unsupported attribute(s) ${badAttrs.join(', ')}; known: ${(runner.attrs ?? []).join(', ') || 'none'}`,
      );
    }
    const inputs: Inputs = {};
    for (const x of c.inputs) inputs[x] = file.get(`${c.name}.${x}`);
    const t0 = performance.now();
    results.set(`${c.name}.out`, runner.run(inputs, c.attrs));
    options.log(`${c.name}: ${c.op} on ${ops.getBackend()}, ${(performance.now() - t0).toFixed(1)} ms`);
  }
  return results;
}
