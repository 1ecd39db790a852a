// Classify images with an official checkpoint: the evaluation pre-processing of both papers (PIL bicubic resize of
// the short side to 256, centre crop 224, ImageNet mean/std), the model, softmax and the top-5 ImageNet labels.
//
//   npx tsx --conditions=source examples/classify-image.ts <preset> <checkpoint> <image...>
//   npx tsx --conditions=source examples/classify-image.ts local_vim_tiny local_vim_tiny.ckpt cat.jpg dog.png
//
// Official checkpoints: https://github.com/hunto/LocalMamba/releases/tag/v1.0.0 (local_vim_tiny.ckpt, …, torch.save
// dicts) and https://huggingface.co/YuhengSSS/MSVMamba (msvmambav3_{tiny,small,base}_224.pth). Any .pth container
// (`model`, `state_dict`, `model_ema`) or a .safetensors file works; loading is strict.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, imagesToBatch, loadCheckpoint } from '@vssm/models';
import { softmax } from '@vssm/ops';
import { disposeBackends } from '@vssm/selective-scan';
import { parseExampleArgs } from './args.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseExampleArgs(process.argv.slice(2));
const [preset, checkpoint, ...images] = args.positionals;
if (!preset || !checkpoint || images.length === 0) {
  console.error('usage: classify-image.ts <preset> <checkpoint> <image...> [--topk 5]');
  process.exit(2);
}
const topk = Number(args.options.get('topk') ?? 5);

const model = createModel(preset);
await loadCheckpoint(model, checkpoint); // strict: throws a StateDictError listing missing, unexpected and mis-shaped keys
console.log(`${preset}: loaded ${model.stateDict().size} tensors from ${checkpoint}`);

// The ImageNet-1k class names bundled with the CLI (see packages/cli/assets/imagenet-classes.json for the source).
const { labels } = JSON.parse(readFileSync(join(here, '../packages/cli/assets/imagenet-classes.json'), 'utf8')) as { labels: string[] };

const batch = imagesToBatch(images.map((path) => new Uint8Array(readFileSync(path)))); // (B, 3, 224, 224)
const t0 = performance.now();
const logits = await model.forward(batch); // (B, numClasses)
console.log(`forward of ${images.length} image(s): ${(performance.now() - t0).toFixed(0)} ms`);
const probabilities = softmax(logits, -1);

images.forEach((path, b) => {
  const p = Array.from(probabilities.slice([b, b + 1]).toFloat32Array());
  const best = p
    .map((value, index) => ({ value, index }))
    .sort((x, y) => y.value - x.value)
    .slice(0, topk);
  console.log(`\n${path}`);
  for (const { value, index } of best) console.log(`  ${value.toFixed(4)}  ${labels[index] ?? `class ${index}`} (${index})`);
});
await disposeBackends();
