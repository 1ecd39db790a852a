import { formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { Conv2d, Identity, Layer, LayerNorm, LayerNorm2d, Linear, Sequential, toRng } from '@vssm/nn';
import { layerNormLinear, patchMerging2d } from '@vssm/ops';

/**
 * PatchMerging2D (downsample "v1", MSVMamba master) on channel-last input (B, H, W, C): odd H/W zero-padded at the
 * bottom/right, the 2×2 neighbours concatenated as [x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2]] →
 * LayerNorm(4C) → Linear 4C→outDim (default 2C), no bias. Keys `reduction.weight`, `norm.*` (in that order).
 */
export class MSVPatchMerging2D extends Layer {
  readonly dim: number;

  constructor(dim: number, outDim = 2 * dim, options: { rng?: Rng | number } = {}) {
    super();
    this.dim = dim;
    const rng = toRng(options.rng);
    this.registerModule('reduction', new Linear(4 * dim, outDim, { bias: false, rng }));
    this.registerModule('norm', new LayerNorm(4 * dim));
  }

  /** (B, H, W, C) → (B, ⌈H/2⌉, ⌈W/2⌉, outDim). */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.dim) {
      throw new ShapeError(`MSVPatchMerging2D: expected channel-last input (B, H, W, ${this.dim}), got ${formatShape(x.shape)}`);
    }
    const norm = this.child<LayerNorm>('norm');
    const reduction = this.child<Linear>('reduction');
    return layerNormLinear(patchMerging2d(x), norm.param('weight'), norm.param('bias'), reduction.param('weight'), null, { eps: norm.eps });
  }
}

/**
 * VMamba's downsample "v3" as MSVMambav3 builds it (channel-first): Sequential(Identity, Conv2d(dim→outDim, 3×3,
 * stride 2, pad 1, bias), Identity, LayerNorm2d(outDim)); keys `1.*` and `3.*`. (B, C, H, W) → (B, outDim, ⌈H/2⌉, ⌈W/2⌉).
 */
export function msvConvDownsample(dim: number, outDim = 2 * dim, options: { rng?: Rng | number } = {}): Sequential {
  const rng = toRng(options.rng);
  return new Sequential(Identity(), new Conv2d(dim, outDim, 3, { stride: 2, padding: 1, rng }), Identity(), new LayerNorm2d(outDim));
}
