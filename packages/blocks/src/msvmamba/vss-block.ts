import { ArgumentError, formatShape, Module, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { ConvFFN } from '@vssm/convffn';
import { type Conv2d, DropPath, LayerNorm, LayerNorm2d, toRng } from '@vssm/nn';
import { fusedConv2d, withScratch } from '@vssm/ops';
import { addInto } from '../common/in-place.js';
import type { ForwardOptions } from '../common/index.js';
import { section, sectionAsync } from '../common/profile.js';
import { MS2D, type MS2DOptions, type MSVMambaBranch } from './ms2d.js';

/**
 * `ConvFFN.forward` (linear1 → h + dwc(h) → GELU → linear2) with the depthwise conv, the residual add and GELU as
 * one fused op (dwc(h) + h: bit-identical to h + dwc(h), float32 addition being commutative).
 */
export function convFfnForward(ffn: ConvFFN, x: Tensor): Tensor {
  if (x.rank !== 4 || x.shape[1] !== ffn.channels) {
    throw new ShapeError(`ConvFFN: expected channel-first input (B, ${ffn.channels}, H, W), got ${formatShape(x.shape)}`);
  }
  const h = ffn.child<Conv2d>('linear1').forward(x);
  const dwc = ffn.child<Conv2d>('dwc');
  const mixed = fusedConv2d(h, dwc.param('weight'), dwc.param('bias'), {
    padding: 1,
    groups: ffn.hidden,
    residual: h,
    activation: 'gelu',
  }); // gelu(dwc(h) + h)
  return ffn.child<Conv2d>('linear2').forward(mixed);
}

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
    return sectionAsync('block:MSVSSBlock', () => withScratch(() => this.forwardImpl(x, options)));
  }

  private async forwardImpl(x: Tensor, options: ForwardOptions): Promise<Tensor> {
    const channelAxis = this.branch === 'master' ? 3 : 1;
    if (x.rank !== 4 || x.shape[channelAxis] !== this.dim) {
      const expected = this.branch === 'master' ? `(B, H, W, ${this.dim})` : `(B, ${this.dim}, H, W)`;
      throw new ShapeError(`MSVSSBlock (${this.branch}): expected ${expected}, got ${formatShape(x.shape)}`);
    }
    const norm = this.child<LayerNorm | LayerNorm2d>('norm');
    const norm2 = this.child<LayerNorm | LayerNorm2d>('norm2');
    const dropPath = this.child<DropPath>('drop_path');
    const ffn = this.child<ConvFFN>('convFFN');
    // Residual adds go into out_proj's epilogue (DropPath is the identity at inference) or into the fresh branch
    // outputs (bit-identical to x + branch; no new arrays).
    const op = this.child<MS2D>('op');
    const mixed =
      !dropPath.training || dropPath.p === 0
        ? await op.forward(norm.forward(x), options, x)
        : addInto(dropPath.forward(await op.forward(norm.forward(x), options)), x);
    // master: the FFN runs channel-first on a permuted view and its output is added back through the inverse
    // permutation (read strided; no transposed copy of its own).
    if (this.branch === 'master') {
      const ffnOut = section('ConvFFN', () => convFfnForward(ffn, norm2.forward(mixed).permute(0, 3, 1, 2)));
      return addInto(mixed, dropPath.forward(ffnOut).permute(0, 2, 3, 1));
    }
    const ffnOut = section('ConvFFN', () => norm2.forward(convFfnForward(ffn, mixed)));
    return addInto(dropPath.forward(ffnOut), mixed);
  }
}
