import { ArgumentError, formatShape, Module, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { ConvFFN } from '@vssm/convffn';
import { DropPath, LayerNorm, LayerNorm2d, toRng } from '@vssm/nn';
import type { ForwardOptions } from '../common/index.js';
import { MS2D, type MS2DOptions, type MSVMambaBranch } from './ms2d.js';

export interface MSVSSBlockOptions extends Omit<MS2DOptions, 'rng'> {
  /** ConvFFN hidden ratio (default 2 for master, 4 for v2). */
  convFfnRatio?: number;
  /** Stochastic-depth rate of both residual branches (training only; default 0). */
  dropPath?: number;
  rng?: Rng | number;
}

/**
 * One MSVMamba block. `master` (channel-last (B, H, W, C)): `x + MS2D(norm(x))`, then `x + ConvFFN(norm2(x))` (both
 * pre-norm, LayerNorm eps 1e-5). `v2` (channel-first (B, C, H, W), LayerNorm2d): `x + MS2D(norm(x))`, then
 * `x + norm2(ConvFFN(x))` — the FFN residual is POST-norm there. State-dict keys: `norm.*`, `op.*`, `convFFN.*`, `norm2.*`.
 */
export class MSVSSBlock extends Module {
  readonly branch: MSVMambaBranch;
  readonly dim: number;

  constructor(dim: number, options: MSVSSBlockOptions) {
    super();
    const branch = options?.branch;
    if (branch !== 'master' && branch !== 'v2') {
      throw new ArgumentError(`MSVSSBlock: options.branch must be 'master' or 'v2', got ${JSON.stringify(branch)}`);
    }
    this.branch = branch;
    this.dim = dim;
    const rng = toRng(options.rng);
    const Norm = branch === 'master' ? LayerNorm : LayerNorm2d;
    const { convFfnRatio, dropPath, ...ms2d } = options;
    this.registerModule('norm', new Norm(dim));
    this.registerModule('op', new MS2D(dim, { ...ms2d, rng }));
    this.registerModule('drop_path', new DropPath(dropPath ?? 0, { rng }));
    this.registerModule('convFFN', new ConvFFN(dim, { expansion: convFfnRatio ?? (branch === 'master' ? 2 : 4), rng }));
    this.registerModule('norm2', new Norm(dim));
  }

  /** master: (B, H, W, C) → same; v2: (B, C, H, W) → same. */
  async forward(x: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    const channelAxis = this.branch === 'master' ? 3 : 1;
    if (x.rank !== 4 || x.shape[channelAxis] !== this.dim) {
      const expected = this.branch === 'master' ? `(B, H, W, ${this.dim})` : `(B, ${this.dim}, H, W)`;
      throw new ShapeError(`MSVSSBlock (${this.branch}): expected ${expected}, got ${formatShape(x.shape)}`);
    }
    const norm = this.child<LayerNorm | LayerNorm2d>('norm');
    const norm2 = this.child<LayerNorm | LayerNorm2d>('norm2');
    const dropPath = this.child<DropPath>('drop_path');
    const ffn = this.child<ConvFFN>('convFFN');
    const mixed = x.add(dropPath.forward(await this.child<MS2D>('op').forward(norm.forward(x), options)));
    const ffnOut = this.branch === 'master' ? ffn.forwardChannelLast(norm2.forward(mixed)) : norm2.forward(ffn.forward(mixed));
    return mixed.add(dropPath.forward(ffnOut));
  }
}
