// Build your own backbone from the mixers of both papers, with a scan direction you register yourself.
//
//   npx tsx --conditions=source examples/compose-backbone.ts [--size 32] [--dim 32]
//
// A `spiral` direction (outside-in, clockwise) is registered once and then used by name like a built-in one, by
// LocalVMamba's SS2D and by LocalVim's MultiScanMambaMixer; MSVMamba's MS2D adds the multi-scale scan. Every module
// keeps official state-dict names, so the result saves to safetensors like any preset.
import { Module, Tensor } from '@vssm/core';
import { MS2D, MultiScanMambaMixer, SS2D } from '@vssm/blocks';
import { Conv2d, LayerNorm, Linear } from '@vssm/nn';
import { registerDirection, scanIndex } from '@vssm/scan';
import { disposeBackends } from '@vssm/selective-scan';
import { numberOption, parseExampleArgs } from './args.js';

/** Outside-in clockwise spiral over an H×W grid, as row-major token indices. */
function spiral(H: number, W: number): number[] {
  const order: number[] = [];
  let [top, bottom, left, right] = [0, H - 1, 0, W - 1];
  while (top <= bottom && left <= right) {
    for (let x = left; x <= right; x++) order.push(top * W + x);
    for (let y = top + 1; y <= bottom; y++) order.push(y * W + right);
    if (top < bottom) for (let x = right - 1; x >= left; x--) order.push(bottom * W + x);
    if (left < right) for (let y = bottom - 1; y > top; y--) order.push(y * W + left);
    [top, bottom, left, right] = [top + 1, bottom - 1, left + 1, right - 1];
  }
  return order;
}
registerDirection('spiral', spiral); // `spiral_flip` (the reverse) comes for free

/** Patch embedding, then an SS2D, an MS2D and a LocalVim mixer (each pre-norm + residual), pooled into a classifier. */
class HybridBackbone extends Module {
  constructor(dim: number, classes: number) {
    super();
    this.registerModule('stem', new Conv2d(3, dim, 4, { stride: 4, rng: 1 }));
    this.registerModule('norm0', new LayerNorm(dim));
    this.registerModule('local', new SS2D(dim, { directions: ['h', 'spiral', 'w2', 'spiral_flip'], rng: 2 }));
    this.registerModule('norm1', new LayerNorm(dim));
    this.registerModule('multiscale', new MS2D(dim, { branch: 'master', rng: 3 }));
    this.registerModule('norm2', new LayerNorm(dim));
    this.registerModule('mixer', new MultiScanMambaMixer(dim, { directions: ['spiral', 'v_flip'], rng: 4 }));
    this.registerModule('head', new Linear(dim, classes, { rng: 5 }));
  }

  async forward(images: Tensor): Promise<Tensor> {
    const norm = (name: string, x: Tensor) => this.child<LayerNorm>(name).forward(x);
    let x = this.child<Conv2d>('stem').forward(images).permute(0, 2, 3, 1).contiguous(); // (B, H, W, C)
    const [B, H, W, C] = x.shape;
    x = x.add(await this.child<SS2D>('local').forward(norm('norm0', x)));
    x = x.add(await this.child<MS2D>('multiscale').forward(norm('norm1', x)));
    const tokens = x.reshape([B, H * W, C]);
    const mixed = await this.child<MultiScanMambaMixer>('mixer').forward(norm('norm2', tokens), { H, W });
    const pooled = tokens.add(mixed).mean([1]); // (B, C)
    return this.child<Linear>('head').forward(pooled);
  }
}

const args = parseExampleArgs(process.argv.slice(2));
const size = numberOption(args, 'size', 32);
const dim = numberOption(args, 'dim', 32);
const grid = size / 4;
console.log(`spiral order on a ${grid}×${grid} token grid: ${Array.from(scanIndex('spiral', grid, grid).order).join(' ')}`);

const model = new HybridBackbone(dim, 10);
const images = Tensor.randn([2, 3, size, size], 0);
const t0 = performance.now();
const logits = await model.forward(images);
console.log(`logits ${logits.shape.join('×')} in ${(performance.now() - t0).toFixed(0)} ms, ${model.parameterCount()} parameters`);
const keys = [...model.stateDict().keys()];
console.log(
  `${keys.length} state-dict entries, e.g. ${keys
    .filter((k) => k.startsWith('local.') || k.startsWith('mixer.'))
    .slice(0, 6)
    .join(', ')}`,
);
await disposeBackends();
