import { formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import type { ReverseMode } from '@vssm/scan';
import { SCAttn, type SCAttnOptions, ScanMerge } from '@vssm/scattn';
import { directionStack } from '../common/direction-stack.js';
import { mergeDirections } from '../common/gated-sum.js';

export interface LocalScanMergeOptions {
  search?: boolean;
  reverseMode?: ReverseMode;
  scattn?: Omit<SCAttnOptions, 'rng'>;
  rng?: Rng | number;
}

/**
 * LocalVMamba's `multi_scan` (`MultiScanVSSM.merge`): crop each direction of a stacked (B, K, E, Lmax) scan output
 * to its own length, reverse it to row-major order, gate it with the shared SCAttn (`attn`), and sum the branches
 * (or α-merge them in search mode, `weights`). Returns (B, H·W, E). Both merges run fused (`mergeDirections`).
 */
export class LocalScanMerge extends ScanMerge {
  readonly directions: readonly string[];
  readonly reverseMode: ReverseMode;

  constructor(channels: number, directions: readonly string[], options: LocalScanMergeOptions = {}) {
    super(directions.length, { search: options.search, rng: options.rng });
    this.directions = Object.freeze([...directions]);
    this.reverseMode = options.reverseMode ?? 'exact';
    this.registerModule('attn', new SCAttn(channels, { ...options.scattn, rng: options.rng }));
  }

  /** ys (B, K, E, Lmax) on an H×W grid → (B, H·W, E). */
  merge(ys: Tensor, H: number, W: number): Tensor {
    const K = this.directions.length;
    if (ys.rank !== 4 || ys.shape[1] !== K) {
      throw new ShapeError(`LocalScanMerge: expected ys of shape (B, ${K}, E, L), got ${formatShape(ys.shape)}`);
    }
    const stack = directionStack(this.directions, H, W, { reverseMode: this.reverseMode });
    if (ys.shape[3] < stack.Lmax) {
      throw new ShapeError(
        `LocalScanMerge: the directions need sequences of length ${stack.Lmax} on ${H}x${W}, got ys ${formatShape(ys.shape)}`,
      );
    }
    return mergeDirections(ys, stack, this.child<SCAttn>('attn'), this);
  }
}
