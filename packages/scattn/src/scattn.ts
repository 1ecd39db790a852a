import { ArgumentError, formatShape, Module, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { concat, gelu, sigmoid } from '@vssm/ops';
import { LayerNorm, Linear, toRng } from '@vssm/nn';

export interface SCAttnOptions {
  /** Reduced width = int(channels · actRatio) (LocalMamba: 0.125, the paper's r = 8). */
  actRatio?: number;
  /**
   * Adds the paper's spatial branch (`local_reduce`, `spatial_select`). The released LocalMamba code has it
   * commented out, so released checkpoints carry no such weights: leave it off to load them.
   */
  spatial?: boolean;
  /** Seed or generator for PyTorch's default Linear initialisation. */
  rng?: Rng | number;
}

/**
 * SCAttn (`BiAttn` in hunto/LocalMamba): a gate computed from a branch's own output, multiplying the
 * un-normalised branch. Channel gate: LayerNorm(E) → mean over tokens → Linear E→Er (`global_reduce`) → GELU →
 * Linear Er→E (`channel_select`) → sigmoid. With `spatial: true` also a per-token gate
 * sigmoid(`spatial_select`([GELU(`local_reduce`(x_n)), g])) and the attention is their product.
 * Input and output (B, L, E).
 */
export class SCAttn extends Module {
  readonly channels: number;
  readonly reducedChannels: number;
  readonly spatial: boolean;

  constructor(channels: number, options: SCAttnOptions = {}) {
    super();
    const actRatio = options.actRatio ?? 0.125;
    if (!Number.isInteger(channels) || channels <= 0)
      throw new ArgumentError(`SCAttn: channels must be a positive integer, got ${channels}`);
    if (!(actRatio > 0 && Number.isFinite(actRatio)))
      throw new ArgumentError(`SCAttn: actRatio must be a positive number, got ${actRatio}`);
    const reduced = Math.trunc(channels * actRatio);
    if (reduced < 1) {
      throw new ArgumentError(
        `SCAttn: int(${channels} · ${actRatio}) = ${reduced} leaves no reduced channels; use more channels or a larger actRatio`,
      );
    }
    this.channels = channels;
    this.reducedChannels = reduced;
    this.spatial = options.spatial ?? false;
    const rng = toRng(options.rng);
    // Registration order follows BiAttn (with the spatial layers where the official code comments them out).
    this.registerModule('norm', new LayerNorm(channels));
    this.registerModule('global_reduce', new Linear(channels, reduced, { rng }));
    if (this.spatial) this.registerModule('local_reduce', new Linear(channels, reduced, { rng }));
    this.registerModule('channel_select', new Linear(reduced, channels, { rng }));
    if (this.spatial) this.registerModule('spatial_select', new Linear(2 * reduced, 1, { rng }));
  }

  /** The attention that multiplies x: (B, 1, E) channel gate, or (B, L, E) with the spatial branch. */
  attention(x: Tensor): Tensor {
    this.assertInput(x);
    const normed = this.child<LayerNorm>('norm').forward(x);
    const global = gelu(this.child<Linear>('global_reduce').forward(normed.mean(1, true))); // (B, 1, Er)
    const channelGate = sigmoid(this.child<Linear>('channel_select').forward(global));
    if (!this.spatial) return channelGate;
    const [batch, tokens] = x.shape;
    const local = gelu(this.child<Linear>('local_reduce').forward(normed)); // (B, L, Er)
    const joined = concat([local, global.broadcastTo([batch, tokens, this.reducedChannels])], 2);
    const spatialGate = sigmoid(this.child<Linear>('spatial_select').forward(joined)); // (B, L, 1)
    return channelGate.mul(spatialGate);
  }

  /** x ⊙ attention(x), shape (B, L, E). */
  forward(x: Tensor): Tensor {
    return x.mul(this.attention(x));
  }

  private assertInput(x: Tensor): void {
    if (x.rank !== 3 || x.shape[2] !== this.channels || x.shape[1] === 0) {
      throw new ShapeError(`SCAttn: expected x of shape (B, L ≥ 1, ${this.channels}), got ${formatShape(x.shape)}`);
    }
  }
}
