import { ArgumentError, formatShape, Module, type Rng, ShapeError, Tensor } from '@vssm/core';
import { aLogInit, CausalConv1d, Linear, toRng } from '@vssm/nn';
import { fusedConv1dCausal } from '@vssm/ops';
import type { ReverseMode } from '@vssm/scan';
import { SCAttn, type SCAttnOptions, ScanMerge } from '@vssm/scattn';
import { directionStack } from '../common/direction-stack.js';
import type { ForwardOptions } from '../common/forward-options.js';
import { mergeDirections } from '../common/gated-sum.js';
import { derived } from '../common/param-cache.js';
import { section } from '../common/profile.js';
import { release } from '../common/scratch.js';
import { type StackedSsmWeights, stackedSelectiveSsm } from '../common/ssm.js';
import { gatherTokensStacks } from '../common/stack-wasm.js';
import { resolveDirections } from './directions.js';
import { assertPositiveInt, type DtInitOptions, dtProjInit, resolveDtRank } from './ssm-init.js';

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
    const K = this.directions.length;
    const batch = x.shape[0];
    const xz = this.child<Linear>('in_proj').forward(x); // (B, L, 2E)
    // Every direction's (x, z) sequences are gathered straight into the (B, K, E, Lmax) stacks of ONE grouped
    // selective scan (the class token, when there is one, sits at position cp of each sequence).
    const stack = directionStack(this.directions, H, W, { classToken: this.middleClsToken, reverseMode: this.reverseMode });
    const { Lmax } = stack;
    // (B, K, E, Lmax) each, padding and tails zero (scratch-pool arrays, or wasm memory inside withScratch)
    const [xs, zs] = section('scan.gather', () =>
      gatherTokensStacks(
        xz,
        [
          [0, E],
          [E, E],
        ],
        stack,
      ),
    );
    const w = this.stackedWeights();
    const u = fusedConv1dCausal(xs.reshape([batch, K * E, Lmax]), w.convWeight, w.convBias, { activation: 'silu' }); // (B, K·E, Lmax)
    release(xs.data);
    const ys = await stackedSelectiveSsm(u.reshape([batch, K, E, Lmax]), w.ssm, {
      z: zs.reshape([batch, K * E, Lmax]),
      scanBackend: options.scanBackend,
    }); // (B, K, E, Lmax), gated by silu(z)
    release(zs.data);
    release(u.data);
    const merged = mergeDirections(ys, stack, this.child<SCAttn>('attn'), this.child<ScanMerge>('multi_scan')); // (B, L, E)
    release(ys.data); // the scan's output is ours alone: recycle it for the next layer's stacks
    const out = this.child<Linear>('out_proj').forward(merged);
    release(merged.data);
    return out;
  }

  /**
   * The K directions' conv1d / x_proj / dt_proj / A_log / D parameters stacked along the channel axis, as the grouped
   * scan reads them (cached on the parameter tensors; loading a state dict rebuilds them).
   */
  private stackedWeights(): { convWeight: Tensor; convBias: Tensor | null; ssm: StackedSsmWeights } {
    const K = this.directions.length;
    const parts = Array.from({ length: K }, (_, k) => {
      const conv = this.child<CausalConv1d>(`conv1d_${k}`);
      const dt = this.child<Linear>(`dt_proj_${k}`);
      return {
        convWeight: conv.param('weight'),
        convBias: conv.hasParam('bias') ? conv.param('bias') : null,
        xProj: this.child<Linear>(`x_proj_${k}`).param('weight'),
        dtProj: dt.param('weight'),
        dtBias: dt.param('bias'),
        aLog: this.param(`A_log_${k}`),
        D: this.param(`D_${k}`),
      };
    });
    const deps = parts.flatMap((p) => [p.convWeight, p.xProj, p.dtProj, p.dtBias, p.aLog, p.D, ...(p.convBias ? [p.convBias] : [])]);
    return derived(this, 'stacked-weights', deps, () => {
      const cat = (pick: (p: (typeof parts)[number]) => Tensor, shape: number[]) => {
        const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
        const per = out.length / K;
        for (const [k, p] of parts.entries()) out.set(pick(p).contiguousData(), k * per);
        return Tensor.fromData(out, shape);
      };
      const E = this.dInner;
      const dConv = parts[0].convWeight.shape[2];
      return {
        convWeight: cat((p) => p.convWeight, [K * E, 1, dConv]),
        convBias: parts[0].convBias ? cat((p) => p.convBias as Tensor, [K * E]) : null,
        ssm: {
          xProjWeight: cat((p) => p.xProj, [K, this.dtRank + 2 * this.dState, E]),
          dtProjsWeight: cat((p) => p.dtProj, [K, E, this.dtRank]),
          dtProjsBias: cat((p) => p.dtBias, [K, E]),
          aLogs: cat((p) => p.aLog, [K * E, this.dState]),
          Ds: cat((p) => p.D, [K * E]),
        },
      };
    });
  }
}
