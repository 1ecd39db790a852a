import { ArgumentError, formatShape, Module, ShapeError, type Tensor } from '@vssm/core';
import { DropPath, LayerNorm, RMSNorm } from '@vssm/nn';
import { addLayerNorm, addRmsNorm, applyRope, withScratch } from '@vssm/ops';
import type { ForwardOptions } from '../common/forward-options.js';
import { sectionAsync } from '../common/profile.js';
import { MultiScanMambaMixer, type MultiScanMambaMixerOptions, type TokenGrid } from './mixer.js';

export interface LocalVimBlockOptions {
  /** Options of the layer's `MultiScanMambaMixer` (directions, middle class token, …). */
  mixer?: MultiScanMambaMixerOptions;
  /** 'rms' (LocalVim: RMSNorm, weight only) or 'layer' (nn.LayerNorm with bias). Default 'rms'. */
  norm?: 'rms' | 'layer';
  /** Norm epsilon (default 1e-5). */
  eps?: number;
  /** Stochastic-depth probability on the incoming hidden state (training only). */
  dropPath?: number;
}

/** RoPE tables (L, D) applied at the input of a block, to the hidden state and optionally to the residual stream. */
export interface BlockRope {
  cos: Tensor;
  sin: Tensor;
  /** Also rotate the residual stream (`if_rope_residual`); the rotation then accumulates over layers. */
  residual: boolean;
}

export interface LocalVimBlockForward extends TokenGrid {
  rope?: BlockRope | null;
}

/**
 * LocalVim's residual block (Vim `Block` with fused add + norm, fp32 residual): optional RoPE on the inputs, then
 * residual = residual + DropPath(hidden) (or hidden for the first block), hidden = mixer(norm(residual)).
 * Returns [hidden, residual]; hidden is the un-added mixer output.
 */
export class LocalVimBlock extends Module {
  readonly dim: number;

  constructor(dim: number, options: LocalVimBlockOptions = {}) {
    super();
    this.dim = dim;
    const eps = options.eps ?? 1e-5;
    const kind = options.norm ?? 'rms';
    if (kind !== 'rms' && kind !== 'layer')
      throw new ArgumentError(`LocalVimBlock: norm must be 'rms' or 'layer', got ${JSON.stringify(kind)}`);
    this.registerModule('mixer', new MultiScanMambaMixer(dim, options.mixer));
    this.registerModule('norm', kind === 'rms' ? new RMSNorm(dim, { eps }) : new LayerNorm(dim, { eps }));
    this.registerModule('drop_path', new DropPath(options.dropPath ?? 0));
  }

  get mixer(): MultiScanMambaMixer {
    return this.child<MultiScanMambaMixer>('mixer');
  }

  async forward(
    hidden: Tensor,
    residual: Tensor | null,
    args: LocalVimBlockForward,
    options: ForwardOptions = {},
  ): Promise<[hidden: Tensor, residual: Tensor]> {
    return sectionAsync('block:LocalVimBlock', () => withScratch(() => this.forwardImpl(hidden, residual, args, options)));
  }

  private async forwardImpl(
    hidden: Tensor,
    residual: Tensor | null,
    args: LocalVimBlockForward,
    options: ForwardOptions,
  ): Promise<[hidden: Tensor, residual: Tensor]> {
    if (residual && residual.shape.join() !== hidden.shape.join()) {
      throw new ShapeError(`LocalVimBlock: hidden ${formatShape(hidden.shape)} and residual ${formatShape(residual.shape)} differ`);
    }
    if (args.rope) {
      hidden = applyRope(hidden, args.rope.cos, args.rope.sin);
      if (residual && args.rope.residual) residual = applyRope(residual, args.rope.cos, args.rope.sin);
    }
    const norm = this.child<RMSNorm | LayerNorm>('norm');
    let nextResidual: Tensor;
    let normed: Tensor;
    if (residual) {
      const dropped = this.child<DropPath>('drop_path').forward(hidden);
      // the residual add and the norm as one op (sum = hidden + residual, bit-identical to residual + hidden)
      const fused =
        norm instanceof RMSNorm
          ? addRmsNorm(dropped, residual, norm.param('weight'), norm.eps)
          : addLayerNorm(dropped, residual, norm.param('weight'), norm.param('bias'), norm.eps);
      nextResidual = fused.sum;
      normed = fused.out;
    } else {
      nextResidual = hidden;
      normed = norm.forward(nextResidual);
    }
    const out = await this.mixer.forward(normed, { H: args.H, W: args.W }, options);
    return [out, nextResidual];
  }
}
