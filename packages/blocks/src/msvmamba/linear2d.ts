import { formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { defaultBias, kaimingUniformDefault, Layer, toRng } from '@vssm/nn';
import { matmul } from '@vssm/ops';

/**
 * VMamba's `Linear2d`: a 1×1 convolution on NCHW input whose weight is stored 2-D `(out, in)` like `nn.Linear`
 * (the state-dict key and shape of a Linear), with PyTorch's default Linear initialisation.
 */
export class Linear2d extends Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean; rng?: Rng | number } = {}) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rng = toRng(options.rng);
    this.registerParameter('weight', kaimingUniformDefault([outFeatures, inFeatures], rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultBias(outFeatures, inFeatures, rng));
  }

  /** x (B, in, H, W) → (B, out, H, W). */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear2d: expected (B, ${this.inFeatures}, H, W), got ${formatShape(x.shape)}`);
    }
    const [B, , H, W] = x.shape;
    let y = matmul(this.param('weight'), x.reshape([B, this.inFeatures, H * W]));
    if (this.hasParam('bias')) y = y.add(this.param('bias').reshape([this.outFeatures, 1]));
    return y.reshape([B, this.outFeatures, H, W]);
  }
}
