import { type SafetensorsFile, type Tensor, WeightFileError } from '@vssm/core';
import { createModelFromOfficialKwargs, loadCheckpoint } from '@vssm/models';
import { disposeBackends, resolveBackend } from '@vssm/selective-scan';
import type { GoldenRunOptions } from './kinds.js';

function officialKwargs(file: SafetensorsFile): { family: string; kwargs: Record<string, unknown> } {
  const family = file.metadata.family;
  if (!family) throw new WeightFileError(file.file, "model golden file has no '__metadata__.family'");
  let kwargs: unknown;
  try {
    kwargs = JSON.parse(file.metadata.config ?? '');
  } catch {
    throw new WeightFileError(file.file, "model golden file has no valid JSON '__metadata__.config' (the official constructor's kwargs)");
  }
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new WeightFileError(file.file, "'__metadata__.config' is not a JSON object");
  }
  return { family, kwargs: kwargs as Record<string, unknown> };
}

/**
 * Runs a `model` golden file: builds the official model from `family` + `config`, loads the weights strictly from
 * `param.*` (or from `options.weights`, a .pth or .safetensors checkpoint), runs the forward on `input` and returns
 * `output` plus every captured submodule output as `inter.<module path>`. No gradients (there is no backward yet).
 */
export async function runModelGolden(file: SafetensorsFile, options: GoldenRunOptions): Promise<Map<string, Tensor>> {
  const { family, kwargs } = officialKwargs(file);
  const input = file.get('input');
  try {
    const backend = (await resolveBackend(options.backend)).name;
    const model = createModelFromOfficialKwargs(family, kwargs, { seed: 0 });
    if (options.weights) {
      await loadCheckpoint(model, options.weights, { strict: true });
    } else {
      const params = file.tensors('param.');
      if (params.size === 0) throw new WeightFileError(file.file, "has no 'param.*' tensors; pass the weights with --weights <checkpoint>");
      model.loadStateDict(params, { strict: true });
    }
    const capture = new Map<string, Tensor>();
    const t0 = performance.now();
    const output = await model.forward(input, { scanBackend: backend, capture });
    const ms = performance.now() - t0;
    const results = new Map<string, Tensor>([['output', output]]);
    for (const [path, tensor] of capture) results.set(`inter.${path}`, tensor);
    const source = options.weights ?? 'param.*';
    options.log(
      `model ${family} (${model.parameterCount()} parameters from ${source}): forward on ${backend}, ${ms.toFixed(1)} ms, ${capture.size} intermediates`,
    );
    return results;
  } finally {
    await disposeBackends();
  }
}
