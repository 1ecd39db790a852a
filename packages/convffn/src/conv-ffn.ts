import { ArgumentError, formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { Conv2d, Layer, toRng } from '@vssm/nn';
import { gelu } from '@vssm/ops';

export interface ConvFFNOptions {
  /** Hidden width = expansion · channels (2 in MSVMamba master, 4 in MSVMambav3). Default 2. */
  expansion?: number;
  /** Seed or generator for PyTorch's default conv initialisation. */
  rng?: Rng | number;
}

/**
 * MSVMamba's convolutional feed-forward network on NCHW input:
 * `h = linear1(x)` (1×1 conv C→rC, bias) → `h = h + dwc(h)` (depthwise 3×3, pad 1, bias) → GELU (erf) →
 * `linear2(h)` (1×1 conv rC→C, bias). Dropout (p = 0 in every released config) is the identity at inference.
 * State-dict keys: `linear1.*`, `linear2.*`, `dwc.*` (the official registration order).
 */
export class ConvFFN extends Layer {
  readonly channels: number;
  readonly hidden: number;

  constructor(channels: number, options: ConvFFNOptions = {}) {
    super();
    const expansion = options.expansion ?? 2;
    if (!Number.isInteger(channels) || channels <= 0)
      throw new ArgumentError(`ConvFFN: channels must be a positive integer, got ${channels}`);
    if (!Number.isInteger(expansion) || expansion <= 0) {
      throw new ArgumentError(`ConvFFN: expansion must be a positive integer, got ${expansion}`);
    }
    this.channels = channels;
    this.hidden = channels * expansion;
    const rng = toRng(options.rng);
    this.registerModule('linear1', new Conv2d(channels, this.hidden, 1, { rng }));
    this.registerModule('linear2', new Conv2d(this.hidden, channels, 1, { rng }));
    this.registerModule('dwc', new Conv2d(this.hidden, this.hidden, 3, { padding: 1, groups: this.hidden, rng }));
  }

  /** Channel-first entry point: x (B, C, H, W) → (B, C, H, W). */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.channels) {
      throw new ShapeError(`ConvFFN: expected channel-first input (B, ${this.channels}, H, W), got ${formatShape(x.shape)}`);
    }
    const h = this.child<Conv2d>('linear1').forward(x);
    const mixed = h.add(this.child<Conv2d>('dwc').forward(h));
    return this.child<Conv2d>('linear2').forward(gelu(mixed));
  }

  /** Channel-last entry point: x (B, H, W, C) → (B, H, W, C) (the MSVMamba master block layout). */
  forwardChannelLast(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.channels) {
      throw new ShapeError(`ConvFFN: expected channel-last input (B, H, W, ${this.channels}), got ${formatShape(x.shape)}`);
    }
    return this.forward(x.permute(0, 3, 1, 2))
      .permute(0, 2, 3, 1)
      .contiguous();
  }
}
