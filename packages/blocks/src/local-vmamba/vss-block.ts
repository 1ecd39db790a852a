import { formatShape, Module, ShapeError, type Tensor } from '@vssm/core';
import { DropPath, LayerNorm, Linear } from '@vssm/nn';
import { layerNormLinear, patchMerging2d, withScratch } from '@vssm/ops';
import type { ForwardOptions } from '../common/forward-options.js';
import { addInto } from '../common/in-place.js';
import { section, sectionAsync } from '../common/profile.js';
import { SS2D, type SS2DOptions } from './ss2d.js';

export interface VSSBlockOptions {
  /** Options of the block's SS2D. */
  ssm?: SS2DOptions;
  /** Stochastic-depth probability (training only). */
  dropPath?: number;
  /** LayerNorm epsilon (LocalVMamba passes nn.LayerNorm: 1e-5). */
  eps?: number;
}

/** LocalVMamba's VSSBlock (no MLP branch): x + DropPath(SS2D(LayerNorm(x))), channel-last (B, H, W, C). */
export class VSSBlock extends Module {
  constructor(dim: number, options: VSSBlockOptions = {}) {
    super();
    this.registerModule('norm', new LayerNorm(dim, { eps: options.eps ?? 1e-5 }));
    this.registerModule('op', new SS2D(dim, options.ssm));
    this.registerModule('drop_path', new DropPath(options.dropPath ?? 0));
  }

  get op(): SS2D {
    return this.child<SS2D>('op');
  }

  async forward(x: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    return sectionAsync('block:VSSBlock', () => withScratch(() => this.forwardImpl(x, options)));
  }

  private async forwardImpl(x: Tensor, options: ForwardOptions): Promise<Tensor> {
    const dropPath = this.child<DropPath>('drop_path');
    const normed = this.child<LayerNorm>('norm').forward(x);
    // at inference DropPath is the identity: the residual add then happens in out_proj's epilogue
    if (!dropPath.training || dropPath.p === 0) return this.op.forward(normed, options, x);
    const y = await this.op.forward(normed, options);
    return addInto(dropPath.forward(y), x); // into the fresh branch output: x + y, no new array
  }
}

/**
 * Swin / VMamba PatchMerging2D (channel-last): odd sizes zero-padded, 2×2 neighbours concatenated in the order
 * (r0c0, r1c0, r0c1, r1c1) → LayerNorm(4C) → Linear 4C→outDim without bias. (B, H, W, C) → (B, ⌈H/2⌉, ⌈W/2⌉, outDim).
 */
export class PatchMerging2D extends Module {
  readonly dim: number;
  constructor(dim: number, outDim = 2 * dim, options: { eps?: number } = {}) {
    super();
    this.dim = dim;
    this.registerModule('reduction', new Linear(4 * dim, outDim, { bias: false }));
    this.registerModule('norm', new LayerNorm(4 * dim, { eps: options.eps ?? 1e-5 }));
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.dim) {
      throw new ShapeError(`PatchMerging2D: expected channel-last x of shape (B, H, W, ${this.dim}), got ${formatShape(x.shape)}`);
    }
    const norm = this.child<LayerNorm>('norm');
    const reduction = this.child<Linear>('reduction');
    return section('block:PatchMerging2D', () =>
      layerNormLinear(patchMerging2d(x), norm.param('weight'), norm.param('bias'), reduction.param('weight'), null, { eps: norm.eps }),
    );
  }
}
