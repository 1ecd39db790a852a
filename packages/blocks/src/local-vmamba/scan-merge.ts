import { formatShape, type Rng, ShapeError, type Tensor } from '@vssm/core';
import { type ReverseMode, reverseMany } from '@vssm/scan';
import { SCAttn, type SCAttnOptions, ScanMerge } from '@vssm/scattn';

export interface LocalScanMergeOptions {
  search?: boolean;
  reverseMode?: ReverseMode;
  scattn?: Omit<SCAttnOptions, 'rng'>;
  rng?: Rng | number;
}

/**
 * LocalVMamba's `multi_scan` (`MultiScanVSSM.merge`): crop each direction of a stacked (B, K, E, Lmax) scan output
 * to its own length, reverse it to row-major order, gate it with the shared SCAttn (`attn`), and sum the branches
 * (or α-merge them in search mode, `weights`). Returns (B, H·W, E).
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
    const rows = reverseMany(ys, this.directions, { H, W, layout: 'blc', reverseMode: this.reverseMode }); // (B, K, HW, E)
    const attn = this.child<SCAttn>('attn');
    const branches: Tensor[] = [];
    for (let k = 0; k < K; k++) branches.push(attn.forward(rows.slice(null, k).contiguous()));
    return this.forward(branches);
  }
}
