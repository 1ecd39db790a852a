import { readFile } from 'node:fs/promises';
import { WeightFileError } from '@vssm/core';
import { assetPath, imagenetLabels } from '../assets.js';
import type { Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';
import { intOption, stringOption } from '../framework/values.js';
import { loadWeights, presetModel, releaseBackends, resolveBackends } from '../model-setup.js';
import { defaultLabels, formatPredictions, topK } from '../predictions.js';

const DEFAULT_PRESET = 'msvmamba_nano';

/** `vssm demo`: one image through a small model end to end, printing what happens at each step. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a small model on the bundled demo image and show every step (random weights unless --weights)',
  usage: '[--preset msvmamba_nano] [--image <file>] [--weights <checkpoint>] [--backend <name>] [--seed 0]',
  details: [
    `Decodes the bundled synthetic picture (assets/demo.png) or --image, pre-processes it as the official evaluation`,
    `does (PIL bicubic 256, centre crop 224, ImageNet mean/std), builds ${DEFAULT_PRESET} (or --preset) with its seeded`,
    'random initialisation, runs the forward pass and prints input and logits shapes, parameters, FLOPs, backends,',
    'time and the top-5 labels. With random weights the labels are meaningless; --weights loads a real checkpoint.',
  ].join('\n'),
  options: [
    { name: 'preset', type: 'string', value: 'name', description: `Model preset (default ${DEFAULT_PRESET})` },
    { name: 'image', type: 'string', value: 'file', description: 'PNG or JPEG to classify (default: the bundled demo.png)' },
    { name: 'weights', type: 'string', value: 'checkpoint', description: 'Checkpoint for the preset instead of random weights' },
    { name: 'backend', type: 'string', value: 'name', description: 'Selective-scan backend; default: the fastest available' },
    { name: 'seed', type: 'string', value: 'n', description: 'Seed of the random initialisation (default 0)' },
  ],
  async run(args, io) {
    const command = 'vssm demo';
    if (args.positionals.length) throw new UsageError(`${command}: unexpected argument '${args.positionals[0]}'`);
    const preset = stringOption(args, 'preset', DEFAULT_PRESET);
    const seed = intOption(command, args, 'seed', 0, 0);
    const imagePath = stringOption(args, 'image') ?? assetPath('demo.png');
    const weights = stringOption(args, 'weights');
    const { countFlops, decodeImage, preprocessImage } = await import('@vssm/models');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(imagePath));
    } catch (error) {
      throw new WeightFileError(imagePath, `cannot read file: ${(error as Error).message}`);
    }
    const image = decodeImage(bytes, { name: imagePath });
    const input = preprocessImage(image);
    const model = await presetModel(preset, command, seed);
    const line = (k: string, v: string) => io.stdout(`${k.padEnd(11)} ${v}\n`);
    try {
      const backend = await resolveBackends(stringOption(args, 'backend'));
      if (weights) await loadWeights(model, preset, weights);
      const { flops, convention } = countFlops(model.config, { height: input.shape[2], width: input.shape[3] });
      const t0 = performance.now();
      const logits = await model.forward(input, { scanBackend: backend.scan });
      const ms = performance.now() - t0;
      const random = weights === undefined;
      io.stdout(`vssm demo: ${preset} with ${random ? `random weights (seed ${seed})` : `weights from ${weights}`}\n`);
      line('image', `${imagePath} (${image.width}×${image.height})`);
      line('input', `(${input.shape.join(', ')}) float32, resized 256 bicubic, cropped 224, ImageNet-normalised`);
      line('parameters', `${model.parameterCount().toLocaleString('en-US')}`);
      line('FLOPs', `${(flops / 1e9).toFixed(2)} G at ${input.shape[2]}×${input.shape[3]} (${convention.split(/[:(]/)[0].trim()})`);
      line('backend', `selective scan ${backend.scan} (${backend.scanDetail}), ops ${backend.ops}`);
      line('forward', `${ms.toFixed(0)} ms`);
      line('logits', `(${logits.shape.join(', ')})`);
      const labels = defaultLabels(model.config.numClasses, imagenetLabels);
      io.stdout(`top-5${random ? ' (random weights: these labels mean nothing; pass --weights for real predictions)' : ''}:\n`);
      io.stdout(formatPredictions(topK(logits, 5, labels)));
      return 0;
    } finally {
      await releaseBackends();
    }
  },
};
