import { readFile } from 'node:fs/promises';
import { WeightFileError } from '@vssm/core';
import { imagenetLabels, readLabels } from '../assets.js';
import type { Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';
import { expectPositionals, intOption, stringOption } from '../framework/values.js';
import { loadWeights, presetModel, releaseBackends, resolveBackends } from '../model-setup.js';
import { defaultLabels, formatPredictions, topK } from '../predictions.js';

const OFFICIAL_WEIGHTS =
  'official checkpoints: LocalMamba https://github.com/hunto/LocalMamba/releases/tag/v1.0.0, MSVMambav3 https://huggingface.co/YuhengSSS/MSVMamba';

async function readImage(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new WeightFileError(path, `cannot read file: ${(error as Error).message}`);
  }
}

/** `vssm classify <image…> --preset <name> --weights <checkpoint>`: ImageNet top-k for PNG/JPEG images. */
export const classifyCommand: Command = {
  name: 'classify',
  summary: 'Classify PNG/JPEG images with a preset and its checkpoint (top-k ImageNet labels)',
  usage: '<image...> --preset <name> --weights <checkpoint> [--topk 5] [--json] [--backend <name>]',
  details: [
    'Pre-processes each image as the official evaluation does (PIL bicubic resize of the short side to 256, centre',
    'crop 224, ImageNet mean/std; --size changes the crop, the resize is floor(size / 0.875)), runs the model and',
    'prints the top-k classes with softmax probabilities, the forward time per image and the backends that ran.',
    'Without --weights it refuses (random weights give meaningless labels) unless --random-weights is given.',
    `Checkpoints: .pth (model / state_dict / model_ema containers) or .safetensors, loaded strictly; ${OFFICIAL_WEIGHTS}.`,
    'JSON: {"preset","weights","backend":{"scan","ops"},"images":[{"image","width","height","ms","topk":[{"index","label","probability"}]}]}.',
  ].join('\n'),
  options: [
    { name: 'preset', type: 'string', value: 'name', description: "Model preset (see 'vssm info --presets')" },
    { name: 'weights', type: 'string', value: 'checkpoint', description: 'Checkpoint for the preset (.pth or .safetensors)' },
    { name: 'random-weights', type: 'boolean', description: 'Run with the seeded random initialisation instead (labels are meaningless)' },
    { name: 'topk', type: 'string', value: 'k', description: 'How many classes to show (default 5)' },
    { name: 'size', type: 'string', value: 'px', description: 'Crop size fed to the model (default 224)' },
    {
      name: 'labels',
      type: 'string',
      value: 'file',
      description: 'Class names (JSON array or one per line); default ImageNet-1k for 1000 classes',
    },
    { name: 'backend', type: 'string', value: 'name', description: 'Selective-scan backend; default: the fastest available' },
    { name: 'seed', type: 'string', value: 'n', description: 'Seed of the random initialisation (default 0)' },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const command = 'vssm classify';
    const images = expectPositionals(command, args, 'image', 1, true);
    const preset = stringOption(args, 'preset');
    const weights = stringOption(args, 'weights');
    const random = Boolean(args.options['random-weights']);
    if (weights !== undefined && random) throw new UsageError(`${command}: give --weights or --random-weights, not both`);
    if (weights === undefined && !random) {
      throw new UsageError(
        `${command}: refusing to classify without --weights <checkpoint>: random weights give meaningless labels. Pass --random-weights to run anyway (e.g. to time it); ${OFFICIAL_WEIGHTS}`,
      );
    }
    const k = intOption(command, args, 'topk', 5);
    const size = intOption(command, args, 'size', 224);
    const seed = intOption(command, args, 'seed', 0, 0);
    const labelsFile = stringOption(args, 'labels');
    // Images first: a file that is missing or does not decode fails before the model is built.
    const files = await Promise.all(images.map(async (path) => ({ path, bytes: await readImage(path) })));
    const { decodeImage, preprocessImage } = await import('@vssm/models');
    const decoded = files.map(({ path, bytes }) => ({ path, image: decodeImage(bytes, { name: path }) }));
    const model = await presetModel(preset, command, seed);
    const name = preset as string;
    const labels = labelsFile ? readLabels(labelsFile) : defaultLabels(model.config.numClasses, imagenetLabels);
    if (labels && labels.length !== model.config.numClasses) {
      throw new UsageError(
        `${command}: ${labelsFile} has ${labels.length} class names but '${name}' has ${model.config.numClasses} classes`,
      );
    }
    try {
      const backend = await resolveBackends(stringOption(args, 'backend'));
      if (weights !== undefined) await loadWeights(model, name, weights);
      const results = [];
      for (const { path, image } of decoded) {
        const input = preprocessImage(image, { resize: Math.floor(size / 0.875), crop: size });
        const t0 = performance.now();
        const logits = await model.forward(input, { scanBackend: backend.scan });
        const ms = performance.now() - t0;
        results.push({ image: path, width: image.width, height: image.height, ms, topk: topK(logits, k, labels) });
      }
      if (args.options.json) {
        const out = {
          preset: name,
          weights: weights ?? null,
          randomWeights: random,
          backend: { scan: backend.scan, ops: backend.ops },
          images: results,
        };
        io.stdout(`${JSON.stringify(out)}\n`);
        return 0;
      }
      const source = weights ?? `random weights (seed ${seed}): the labels below are meaningless`;
      io.stdout(`${name}, ${source}\nbackend: selective scan ${backend.scan} (${backend.scanDetail}), ops ${backend.ops}\n`);
      for (const r of results) {
        io.stdout(`\n${r.image} (${r.width}×${r.height}): ${r.ms.toFixed(0)} ms\n${formatPredictions(r.topk)}`);
      }
      return 0;
    } finally {
      await releaseBackends();
    }
  },
};
