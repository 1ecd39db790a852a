import { ArgumentError, formatShape, Module, type Rng, ShapeError, Tensor } from '@vssm/core';
import { aLogInit, Conv2d, kaimingUniformDefault, LayerNorm, Linear, toRng } from '@vssm/nn';
import { fusedConv2d, fusedLinear, gelu, mulSilu, relu, silu } from '@vssm/ops';
import type { ReverseMode } from '@vssm/scan';
import type { SCAttnOptions } from '@vssm/scattn';
import { directionStack } from '../common/direction-stack.js';
import type { ForwardOptions } from '../common/forward-options.js';
import { mulInto } from '../common/in-place.js';
import { section } from '../common/profile.js';
import { release } from '../common/scratch.js';
import { stackedSelectiveSsm } from '../common/ssm.js';
import { gatherRowsStack } from '../common/stack-wasm.js';
import { resolveDirections } from '../local-vim/directions.js';
import { assertPositiveInt, type DtInitOptions, dtProjInit, resolveDtRank } from '../local-vim/ssm-init.js';
import { LocalScanMerge } from './scan-merge.js';

export type SsmActivation = 'silu' | 'gelu' | 'relu';

const ACTIVATIONS: Record<SsmActivation, (x: Tensor) => Tensor> = { silu, gelu, relu };

export interface SS2DOptions extends DtInitOptions {
  /** Directions in parameter order (slot k); `null` (default) = the 8 candidates with the search merge. */
  directions?: readonly string[] | null;
  /** α-weighted search merge (`multi_scan.weights`); default: `directions === null`. */
  search?: boolean;
  /** N (default 16); 'auto' = ⌈C/6⌉ as in the official SS2D. */
  dState?: number | 'auto';
  /** E = int(ssmRatio · C) (default 2). */
  ssmRatio?: number;
  /** R (default 'auto' = ⌈C/16⌉). */
  dtRank?: number | 'auto';
  /** Activation on z and after the conv (default 'silu'). */
  act?: SsmActivation;
  /** Depthwise conv kernel (default 3, odd); below 2 = no conv (then the activation runs on x and z directly). */
  dConv?: number;
  /** Bias of the depthwise conv (default true). */
  convBias?: boolean;
  /** Bias of in_proj / out_proj (default false). */
  bias?: boolean;
  /** Reverse mode for `v`/`v_flip` on non-square grids (default 'exact'). */
  reverseMode?: ReverseMode;
  /** SCAttn options (e.g. `{ spatial: true }`; released checkpoints have no spatial weights). */
  scattn?: Omit<SCAttnOptions, 'rng'>;
  /** 'simple' reproduces `ssm_simple_init` (A_logs, dt weights and biases ~ N(0,1), Ds = 1). */
  simpleInit?: boolean;
  rng?: Rng | number;
}

/**
 * LocalVMamba's SS2D with local scans (channel-last (B, H, W, C) in and out): in_proj C→2E, z = act(z); shared
 * depthwise conv + act on x (NCHW); each direction scans the conv output (windowed scans zero-pad after the conv,
 * so padded u = 0 still decays the state); stacked per-direction x_proj / dt_projs / A_logs / Ds run as one grouped
 * selective scan; `multi_scan` crops, reverses, SCAttn-gates and sums the branches; out_norm LayerNorm(E); ⊙ z;
 * out_proj E→C.
 */
export class SS2D extends Module {
  readonly dModel: number;
  readonly dInner: number;
  readonly dState: number;
  readonly dtRank: number;
  readonly dConv: number;
  readonly directions: readonly string[];
  readonly search: boolean;
  readonly act: SsmActivation;

  constructor(dModel: number, options: SS2DOptions = {}) {
    super();
    const op = 'SS2D';
    this.dModel = assertPositiveInt(op, 'dModel', dModel);
    const ratio = options.ssmRatio ?? 2;
    if (!(ratio > 0)) throw new ArgumentError(`${op}: ssmRatio must be positive, got ${ratio}`);
    const E = assertPositiveInt(op, 'inner width int(ssmRatio · dModel)', Math.trunc(ratio * dModel));
    this.dInner = E;
    this.dState = options.dState === 'auto' ? Math.ceil(dModel / 6) : assertPositiveInt(op, 'dState', options.dState ?? 16);
    this.dtRank = resolveDtRank(op, dModel, options.dtRank);
    this.dConv = options.dConv ?? 3;
    if (!Number.isInteger(this.dConv) || (this.dConv > 1 && this.dConv % 2 === 0)) {
      throw new ArgumentError(`${op}: dConv must be an odd integer (or < 2 for no conv), got ${this.dConv}`);
    }
    this.act = options.act ?? 'silu';
    if (!(this.act in ACTIVATIONS)) throw new ArgumentError(`${op}: act must be one of silu, gelu, relu, got ${JSON.stringify(this.act)}`);
    const { names, search } = resolveDirections(op, options.directions, options.search);
    this.directions = Object.freeze(names);
    this.search = search;
    const reverseMode = options.reverseMode ?? 'exact';
    if (reverseMode !== 'exact' && reverseMode !== 'official-v-bug') {
      throw new ArgumentError(`${op}: reverseMode must be 'exact' or 'official-v-bug', got ${JSON.stringify(reverseMode)}`);
    }
    const rng = toRng(options.rng);
    const K = names.length;
    const N = this.dState;
    const R = this.dtRank;
    const bias = options.bias ?? false;

    this.registerModule('out_norm', new LayerNorm(E));
    this.registerModule('in_proj', new Linear(dModel, 2 * E, { bias, rng }));
    if (this.dConv > 1) {
      this.registerModule(
        'conv2d',
        new Conv2d(E, E, this.dConv, { groups: E, padding: (this.dConv - 1) >> 1, bias: options.convBias ?? true, rng }),
      );
    }
    const xProj = Tensor.zeros([K, R + 2 * N, E]);
    const dtW = Tensor.zeros([K, E, R]);
    const dtB = Tensor.zeros([K, E]);
    for (let k = 0; k < K; k++) {
      xProj.data.set(kaimingUniformDefault([R + 2 * N, E], rng).contiguousData(), k * (R + 2 * N) * E);
      const dt = dtProjInit(E, R, rng, options);
      dtW.data.set(dt.weight.contiguousData(), k * E * R);
      dtB.data.set(dt.bias.contiguousData(), k * E);
    }
    this.registerParameter('x_proj_weight', xProj);
    if (options.simpleInit) {
      this.registerParameter('dt_projs_weight', Tensor.randn([K, E, R], rng));
      this.registerParameter('dt_projs_bias', Tensor.randn([K, E], rng));
      this.registerParameter('A_logs', Tensor.randn([K * E, N], rng));
    } else {
      this.registerParameter('dt_projs_weight', dtW);
      this.registerParameter('dt_projs_bias', dtB);
      this.registerParameter('A_logs', aLogInit(K * E, N));
    }
    this.registerParameter('Ds', Tensor.ones([K * E]));
    this.registerModule('out_proj', new Linear(E, dModel, { bias, rng }));
    this.registerModule('multi_scan', new LocalScanMerge(E, names, { search, reverseMode, scattn: options.scattn, rng }));
  }

  /**
   * x (B, H, W, C) → (B, H, W, C). With `residual` (the block input, same shape) the result is
   * `residual + SS2D(x)`, the add done in out_proj's epilogue.
   */
  async forward(x: Tensor, options: ForwardOptions = {}, residual?: Tensor): Promise<Tensor> {
    if (x.rank !== 4 || x.shape[3] !== this.dModel) {
      throw new ShapeError(`SS2D: expected channel-last x of shape (B, H, W, ${this.dModel}), got ${formatShape(x.shape)}`);
    }
    const [B, H, W] = x.shape;
    const E = this.dInner;
    const act = ACTIVATIONS[this.act];
    let xz = this.child<Linear>('in_proj').forward(x); // (B, H, W, 2E)
    if (this.dConv <= 1) xz = act(xz);
    // z stays a view: its activation is fused into the gate at the end (SiLU), or applied there (others)
    const z = xz.slice(null, null, null, [E, 2 * E]);
    let u = xz.slice(null, null, null, [0, E]).permute(0, 3, 1, 2).contiguous(); // (B, E, H, W)
    if (this.dConv > 1) {
      const conv = this.child<Conv2d>('conv2d');
      const bias = conv.hasParam('bias') ? conv.param('bias') : null;
      u = fusedConv2d(u, conv.param('weight'), bias, { padding: (this.dConv - 1) >> 1, groups: E, activation: this.act });
    }
    // The K scans of the conv output, gathered into a (B, K, E, Lmax) scratch stack (padding and tail zero).
    const merge = this.child<LocalScanMerge>('multi_scan');
    const stack = directionStack(this.directions, H, W, { reverseMode: merge.reverseMode });
    const xs = section('scan.gather', () => gatherRowsStack(u, stack)); // (B, K, E, Lmax)
    release(u.data);
    const ys = await stackedSelectiveSsm(
      xs,
      {
        xProjWeight: this.param('x_proj_weight'),
        dtProjsWeight: this.param('dt_projs_weight'),
        dtProjsBias: this.param('dt_projs_bias'),
        aLogs: this.param('A_logs'),
        Ds: this.param('Ds'),
      },
      options,
    );
    release(xs.data);
    const merged = merge.merge(ys, H, W); // (B, H·W, E)
    release(ys.data);
    const normed = this.child<LayerNorm>('out_norm').forward(merged).reshape([B, H, W, E]);
    release(merged.data);
    // LN(merged) ⊙ act(z): one op for SiLU, in place otherwise (act(z) was already applied when there is no conv)
    const y = this.dConv <= 1 ? mulInto(normed, z) : this.act === 'silu' ? mulSilu(normed, z) : mulInto(normed, act(z));
    const outProj = this.child<Linear>('out_proj');
    const bias = outProj.hasParam('bias') ? outProj.param('bias') : null;
    return fusedLinear(y, outProj.param('weight'), bias, { residual: residual ?? null });
  }
}
