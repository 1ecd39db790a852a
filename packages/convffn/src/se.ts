import { ArgumentError, formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { Layer, Linear, ReLU, Sequential, Sigmoid, toRng } from '@vssm/nn';
import { adaptiveAvgPool2d } from '@vssm/ops';

export interface SEOptions {
  /** Hidden width = ⌊channels / reduction⌋ (MSVMamba uses 8). Default 8. */
  reduction?: number;
  /** Seed or generator for PyTorch's default Linear initialisation. */
  rng?: Rng | number;
}

/**
 * Squeeze-and-excitation (timm-style `SEModule(channels, reduction)`, as in MSVMamba): the spatial mean of each
 * channel → Linear C→⌊C/r⌋ (no bias, `fc.0`) → ReLU (`fc.1`) → Linear → C (no bias, `fc.2`) → Sigmoid (`fc.3`),
 * then every channel is scaled by its gate.
 */
export class SE extends Layer {
  readonly channels: number;
  readonly hidden: number;

  constructor(channels: number, options: SEOptions = {}) {
    super();
    const reduction = options.reduction ?? 8;
    if (!Number.isInteger(channels) || channels <= 0) throw new ArgumentError(`SE: channels must be a positive integer, got ${channels}`);
    if (!Number.isInteger(reduction) || reduction <= 0)
      throw new ArgumentError(`SE: reduction must be a positive integer, got ${reduction}`);
    const hidden = Math.floor(channels / reduction);
    if (hidden < 1) throw new ArgumentError(`SE: channels ${channels} // reduction ${reduction} leaves no hidden units`);
    this.channels = channels;
    this.hidden = hidden;
    const rng = toRng(options.rng);
    this.registerModule(
      'fc',
      new Sequential(
        new Linear(channels, hidden, { bias: false, rng }),
        ReLU(),
        new Linear(hidden, channels, { bias: false, rng }),
        Sigmoid(),
      ),
    );
  }

  /** The per-channel gates (B, C) for pooled features (B, C). */
  gates(pooled: Tensor): Tensor {
    return this.child<Sequential>('fc').forward(pooled);
  }

  /** Channel-first entry point: x (B, C, H, W) → x · gate(B, C, 1, 1). */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.channels) {
      throw new ShapeError(`SE: expected channel-first input (B, ${this.channels}, H, W), got ${formatShape(x.shape)}`);
    }
    const [B, C] = x.shape;
    const s = this.gates(adaptiveAvgPool2d(x, 1).reshape([B, C]));
    return x.mul(s.reshape([B, C, 1, 1]));
  }

  /** Channel-last entry point: x (B, H, W, C) → x · gate(B, 1, 1, C). */
  forwardChannelLast(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.channels) {
      throw new ShapeError(`SE: expected channel-last input (B, H, W, ${this.channels}), got ${formatShape(x.shape)}`);
    }
    const [B, , , C] = x.shape;
    const s = this.gates(x.mean([1, 2]));
    return x.mul(s.reshape([B, 1, 1, C]));
  }
}
