import { ArgumentError, formatShape, Module, type Rng, ShapeError, Tensor } from '@vssm/core';
import { aLogInit, CausalConv1d, Linear, toRng } from '@vssm/nn';
import { conv1dCausal, silu } from '@vssm/ops';
import { type ReverseMode, reverse, scan } from '@vssm/scan';
import { SCAttn, type SCAttnOptions, ScanMerge } from '@vssm/scattn';
import type { ForwardOptions } from '../common/forward-options.js';
import { selectiveSsm } from '../common/ssm.js';
import { resolveDirections } from './directions.js';
import { assertPositiveInt, type DtInitOptions, dtProjInit, resolveDtRank } from './ssm-init.js';
import { insertAt, removeAt } from './tokens.js';

export interface MultiScanMambaMixerOptions extends DtInitOptions {
  /**
   * Scan directions of this layer, in parameter order (slot k ↔ `A_log_k`, `conv1d_k`, …): built-in names (`h`,
   * `v_flip`, `w7`, …) or names registered with `registerDirection`. `null` (default) = LocalMamba's 8 candidates
   * in canonical order with the search merge (the supernet).
   */
  directions?: readonly string[] | null;
  /** α-weighted search merge (`multi_scan.weights`); default: `directions === null`. */
  search?: boolean;
  /** d_state N (default 16). */
  dState?: number;
  /** Causal conv kernel (default 4). */
  dConv?: number;
  /** E = expand · D (default 2). */
  expand?: number;
  /** R (default 'auto' = ⌈D/16⌉). */
  dtRank?: number | 'auto';
  /** Bias on the causal convs (default true). */
  convBias?: boolean;
  /** Bias on in_proj / out_proj (default false). */
  bias?: boolean;
  /** The sequence holds a class token at index (L−1)//2 that sits in the middle of every scanned order. */
  middleClsToken?: boolean;
  /** Reverse mode for `v`/`v_flip` on non-square grids (default 'exact'; 'official-v-bug' reproduces the repo). */
  reverseMode?: ReverseMode;
  /** SCAttn options (e.g. `{ spatial: true }`; released checkpoints have no spatial weights). */
  scattn?: Omit<SCAttnOptions, 'rng'>;
  /** Seed or generator for the default initialisation. */
  rng?: Rng | number;
}

/** Grid of the patch tokens (without the class token). */
export interface TokenGrid {
  H: number;
  W: number;
}

/**
 * LocalVim's mixer (`MultiMamba` in hunto/LocalMamba): shared in_proj D→2E; per direction k, the (x, z) pair is
 * scanned together (windowed scans zero-pad both), then causal depthwise conv1d_k + SiLU on x, x_proj_k / dt_proj_k /
 * A_log_k / D_k selective scan with the silu(z) gate inside, reversed to row-major order; each direction's output
 * goes through the shared SCAttn and the branches are summed (or α-merged in search mode), then out_proj. No norm
 * before out_proj. Input (B, L, D) already normalised; output (B, L, D).
 */
export class MultiScanMambaMixer extends Module {
  readonly dModel: number;
  readonly dInner: number;
  readonly dState: number;
  readonly dtRank: number;
  readonly directions: readonly string[];
  readonly search: boolean;
  readonly middleClsToken: boolean;
  readonly reverseMode: ReverseMode;

  constructor(dModel: number, options: MultiScanMambaMixerOptions = {}) {
    super();
    const op = 'MultiScanMambaMixer';
    this.dModel = assertPositiveInt(op, 'dModel', dModel);
    const expand = options.expand ?? 2;
    if (!(expand > 0)) throw new ArgumentError(`${op}: expand must be positive, got ${expand}`);
    this.dInner = assertPositiveInt(op, 'inner width int(expand · dModel)', Math.trunc(expand * dModel));
    this.dState = assertPositiveInt(op, 'dState', options.dState ?? 16);
    const dConv = assertPositiveInt(op, 'dConv', options.dConv ?? 4);
    this.dtRank = resolveDtRank(op, dModel, options.dtRank);
    const { names, search } = resolveDirections(op, options.directions, options.search);
    this.directions = Object.freeze(names);
    this.search = search;
    this.middleClsToken = options.middleClsToken ?? false;
    this.reverseMode = options.reverseMode ?? 'exact';
    if (this.reverseMode !== 'exact' && this.reverseMode !== 'official-v-bug') {
      throw new ArgumentError(`${op}: reverseMode must be 'exact' or 'official-v-bug', got ${JSON.stringify(this.reverseMode)}`);
    }
    const rng = toRng(options.rng);
    const E = this.dInner;
    const bias = options.bias ?? false;
    // Registration order = the official one (own parameters first in the state dict, then children in order).
    this.registerModule('in_proj', new Linear(dModel, 2 * E, { bias, rng }));
    this.registerModule('multi_scan', new ScanMerge(names.length, { search, rng }));
    for (let k = 0; k < names.length; k++) {
      this.registerParameter(`A_log_${k}`, aLogInit(E, this.dState));
      this.registerModule(`conv1d_${k}`, new CausalConv1d(E, dConv, { bias: options.convBias ?? true, rng }));
      this.registerModule(`x_proj_${k}`, new Linear(E, this.dtRank + 2 * this.dState, { bias: false, rng }));
      const dt = dtProjInit(E, this.dtRank, rng, options);
      const dtProj = new Linear(this.dtRank, E, { rng });
      dtProj.loadStateDict({ weight: dt.weight, bias: dt.bias });
      this.registerModule(`dt_proj_${k}`, dtProj);
      this.registerParameter(`D_${k}`, Tensor.ones([E]));
    }
    this.registerModule('out_proj', new Linear(E, dModel, { bias, rng }));
    this.registerModule('attn', new SCAttn(E, { ...options.scattn, rng }));
  }

  /** Number of tokens the mixer expects for a grid: H·W, plus one with the middle class token. */
  sequenceLength(grid: TokenGrid): number {
    return grid.H * grid.W + (this.middleClsToken ? 1 : 0);
  }

  /** x (B, L, D) with L = H·W (+1 middle class token) → (B, L, D). */
  async forward(x: Tensor, grid: TokenGrid, options: ForwardOptions = {}): Promise<Tensor> {
    const { H, W } = grid;
    if (!Number.isInteger(H) || !Number.isInteger(W) || H <= 0 || W <= 0) {
      throw new ArgumentError(`MultiScanMambaMixer: the token grid must be positive integers, got ${H}x${W}`);
    }
    const L = this.sequenceLength(grid);
    if (x.rank !== 3 || x.shape[1] !== L || x.shape[2] !== this.dModel) {
      throw new ShapeError(
        `MultiScanMambaMixer: expected x of shape (B, ${L}, ${this.dModel}) for a ${H}x${W} grid${this.middleClsToken ? ' plus the middle class token' : ''}, got ${formatShape(x.shape)}`,
      );
    }
    const E = this.dInner;
    const inProj = this.child<Linear>('in_proj');
    let xz = inProj.forward(x); // (B, L, 2E)
    const cp = (L - 1) >> 1;
    let clsXz: Tensor | null = null;
    if (this.middleClsToken) {
      const split = removeAt(xz, 1, cp);
      xz = split.rest;
      clsXz = split.removed.transpose(1, 2).contiguous(); // (B, 2E, 1)
    }
    const attn = this.child<SCAttn>('attn');
    const branches: Tensor[] = [];
    for (let k = 0; k < this.directions.length; k++) {
      const dir = this.directions[k];
      let seq = scan(xz, dir, { H, W, layout: 'blc' }); // (B, 2E, L′): padding zero in x and z
      if (clsXz) seq = insertAt(seq, 2, cp, clsXz);
      const xs = seq.slice(null, [0, E]).contiguous();
      const z = seq.slice(null, [E, 2 * E]).contiguous();
      const conv = this.child<CausalConv1d>(`conv1d_${k}`);
      const u = silu(conv1dCausal(xs, conv.param('weight'), conv.hasParam('bias') ? conv.param('bias') : null));
      const dtProj = this.child<Linear>(`dt_proj_${k}`);
      let y = await selectiveSsm(
        u,
        {
          xProj: this.child<Linear>(`x_proj_${k}`).param('weight'),
          dtProj: dtProj.param('weight'),
          dtBias: dtProj.param('bias'),
          aLog: this.param(`A_log_${k}`),
          D: this.param(`D_${k}`),
        },
        { z, scanBackend: options.scanBackend },
      ); // (B, E, L′(+1)), gated by silu(z)
      let clsOut: Tensor | null = null;
      if (clsXz) {
        const split = removeAt(y, 2, cp);
        y = split.rest;
        clsOut = split.removed.transpose(1, 2); // (B, 1, E)
      }
      let tokens = reverse(y, dir, { H, W, layout: 'blc', reverseMode: this.reverseMode }); // (B, H·W, E)
      if (clsOut) tokens = insertAt(tokens, 1, cp, clsOut);
      branches.push(attn.forward(tokens));
    }
    const merged = this.child<ScanMerge>('multi_scan').forward(branches);
    return this.child<Linear>('out_proj').forward(merged);
  }
}
