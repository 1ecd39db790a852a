import { ArgumentError, formatShape, Module, type Rng, ShapeError, Tensor } from '@vssm/core';
import { SE } from '@vssm/convffn';
import { Conv2d, LayerNorm, LayerNorm2d, Linear, toRng } from '@vssm/nn';
import { fusedConv2d, fusedLinear, type InterpolationMode, interpolate, layerNorm2d, linear, silu } from '@vssm/ops';
import { lowResolutionGrid, multiScaleMerge, multiScaleScan } from '@vssm/scan';
import { type ForwardOptions, type StackedSsmWeights, section, selectiveSsm, slotWeights } from '../common/index.js';
import { Linear2d } from './linear2d.js';
import { addInto } from '../common/in-place.js';
import { release } from '../common/scratch.js';
import { initStackedSsm } from './ssm-init.js';
import { addNormPoolTail, normAddPoolTail, scaleChannelsTail, scaleMulTail, scaleTransposeMulTail } from './tail-wasm.js';

/** The two official MSVMamba code lines: `master` (MSVMamba-N/M/T) and `v2` (MSVMambav3-T/S/B). */
export type MSVMambaBranch = 'master' | 'v2';

export interface MS2DOptions {
  /**
   * Which official code line to follow (required: the two differ in layout, slot order, upsampling and norm placement).
   * `master`: channel-last (B, H, W, C) in and out, E = 2C by default, slot 0 = low-res, slot 1 = full-res, out_norm on
   * each branch before the merge, bilinear upsampling, SiLU(z) gate always.
   * `v2`: channel-first (B, C, H, W), E = C by default, slot 0 = full-res, slot 1 = low-res, nearest upsampling,
   * one LayerNorm2d after the merge, optional gate, in/out projections as Linear2d.
   */
  branch: MSVMambaBranch;
  /** SSM state size N (default 1). */
  dState?: number;
  /** E = ⌊ssmRatio · C⌋ (default 2 for master, 1 for v2). */
  ssmRatio?: number;
  /** dt rank R; 'auto' (default) = ⌈C/16⌉, from the model width C, not E. */
  dtRank?: number | 'auto';
  /** Kernel of the full-resolution depthwise conv (odd, default 3). */
  dConv?: number;
  /** Bias on both depthwise convs (default true). */
  convBias?: boolean;
  /** v2 only: SiLU(z) gate (`vms`, default) or none (`vms_noz`). The master branch always gates. */
  gate?: boolean;
  /** Squeeze-excitation after the merge (`add_se`, default true). */
  se?: boolean;
  /** Seed or generator for the official initialisation. */
  rng?: Rng | number;
}

/** Number of parameter slots: one full-resolution direction plus one shared by the three low-resolution ones. */
const K = 2;
const LOW_RES_KERNEL = 7;

/**
 * MSVMamba's multi-scale SS2D mixer (MS2D). The in_proj output x is scanned twice: row-major at full resolution after
 * SiLU(dw3×3(x)), and as ONE sequence [h_flip | v | v_flip] of length 3·⌈H/2⌉·⌈W/2⌉ after SiLU(dw7×7 stride 2 (x))
 * (state carried across the joins). The low-resolution maps are un-scanned, summed, upsampled and added to the
 * full-resolution result, followed by SE, the z gate and out_proj. See `MS2DOptions.branch` for the two code lines.
 */
export class MS2D extends Module {
  readonly branch: MSVMambaBranch;
  readonly dModel: number;
  /** E, the SSM width. */
  readonly dInner: number;
  readonly dState: number;
  readonly dtRank: number;
  readonly dConv: number;
  readonly gated: boolean;
  readonly withSe: boolean;
  /** Parameter slot of the full-resolution sequence (master 1, v2 0). */
  readonly fullSlot: number;
  /** Parameter slot of the low-resolution sequence (master 0, v2 1). */
  readonly lowSlot: number;
  /** How the merged low-resolution map is upsampled (master bilinear, v2 nearest). */
  readonly upsampleMode: InterpolationMode;

  constructor(dModel: number, options: MS2DOptions) {
    super();
    const branch = options?.branch;
    if (branch !== 'master' && branch !== 'v2') {
      throw new ArgumentError(`MS2D: options.branch must be 'master' or 'v2', got ${JSON.stringify(branch)}`);
    }
    positiveInt('dModel', dModel);
    const ssmRatio = options.ssmRatio ?? (branch === 'master' ? 2 : 1);
    if (!(typeof ssmRatio === 'number' && ssmRatio > 0)) throw new ArgumentError(`MS2D: ssmRatio must be positive, got ${ssmRatio}`);
    const E = Math.floor(ssmRatio * dModel);
    positiveInt('dInner (ssmRatio · dModel)', E);
    const N = options.dState ?? 1;
    positiveInt('dState', N);
    const dtRankOption = options.dtRank ?? 'auto';
    const R = dtRankOption === 'auto' ? Math.ceil(dModel / 16) : dtRankOption;
    positiveInt('dtRank', R);
    const dConv = options.dConv ?? 3;
    if (!Number.isInteger(dConv) || dConv < 3 || dConv % 2 === 0) {
      throw new ArgumentError(`MS2D: dConv must be an odd integer >= 3 (the official same-size padding (d-1)/2), got ${dConv}`);
    }
    if (branch === 'master' && options.gate === false) {
      throw new ArgumentError('MS2D: the master branch always gates with SiLU(z); gate: false exists only on the v2 branch (vms_noz)');
    }
    const convBias = options.convBias ?? true;
    this.branch = branch;
    this.dModel = dModel;
    this.dInner = E;
    this.dState = N;
    this.dtRank = R;
    this.dConv = dConv;
    this.gated = options.gate ?? true;
    this.withSe = options.se ?? true;
    this.fullSlot = branch === 'master' ? 1 : 0;
    this.lowSlot = 1 - this.fullSlot;
    this.upsampleMode = branch === 'master' ? 'bilinear' : 'nearest';

    const rng = toRng(options.rng);
    const ssm = initStackedSsm(K, E, R, N, rng);
    this.registerParameter('x_proj_weight', ssm.xProjWeight);
    this.registerParameter('dt_projs_weight', ssm.dtProjsWeight);
    this.registerParameter('dt_projs_bias', ssm.dtProjsBias);
    this.registerParameter('A_logs', ssm.aLogs);
    this.registerParameter('Ds', ssm.Ds);

    // Children in the official registration order (it fixes the state-dict order).
    const projIn = this.gated ? 2 * E : E;
    const fullConv = () => new Conv2d(E, E, dConv, { padding: (dConv - 1) / 2, groups: E, bias: convBias, rng });
    const lowConv = () => new Conv2d(E, E, LOW_RES_KERNEL, { stride: 2, padding: 3, groups: E, bias: convBias, rng });
    if (branch === 'master') {
      this.registerModule('out_norm', new LayerNorm(E));
      if (this.withSe) this.registerModule('se', new SE(E, { reduction: 8, rng }));
      this.registerModule('in_proj', new Linear(dModel, projIn, { bias: false, rng }));
      this.registerModule('conv2d', fullConv());
      this.registerModule('conv2d_b1', lowConv());
      this.registerModule('out_proj', new Linear(E, dModel, { bias: false, rng }));
    } else {
      this.registerModule('out_norm', new LayerNorm2d(E));
      if (this.withSe) this.registerModule('se', new SE(E, { reduction: 8, rng }));
      this.registerModule('conv2d_b1', lowConv());
      this.registerModule('in_proj', new Linear2d(dModel, projIn, { bias: false, rng }));
      this.registerModule('conv2d', fullConv());
      this.registerModule('out_proj', new Linear2d(E, dModel, { bias: false, rng }));
    }
  }

  /** The stacked SSM parameters (read on every call, so loaded weights take effect). */
  ssmWeights(): StackedSsmWeights {
    return {
      xProjWeight: this.param('x_proj_weight'),
      dtProjsWeight: this.param('dt_projs_weight'),
      dtProjsBias: this.param('dt_projs_bias'),
      aLogs: this.param('A_logs'),
      Ds: this.param('Ds'),
    };
  }

  /**
   * master: (B, H, W, C) → (B, H, W, C); v2: (B, C, H, W) → (B, C, H, W). With `residual` (the block input, same
   * shape) the result is `residual + MS2D(x)` (on master the add happens in out_proj's epilogue).
   */
  async forward(x: Tensor, options: ForwardOptions = {}, residual?: Tensor): Promise<Tensor> {
    if (this.branch === 'master') return this.forwardMaster(x, options, residual);
    const y = await this.forwardV2(x, options);
    return residual ? addInto(y, residual) : y;
  }

  private async forwardMaster(x: Tensor, options: ForwardOptions, residual?: Tensor): Promise<Tensor> {
    if (x.rank !== 4 || x.shape[3] !== this.dModel) {
      throw new ShapeError(`MS2D (master): expected channel-last input (B, H, W, ${this.dModel}), got ${formatShape(x.shape)}`);
    }
    const E = this.dInner;
    const [B, H, W] = x.shape;
    const xz = linear(x, this.child<Linear>('in_proj').param('weight'));
    const z = silu(xz.slice(null, null, null, [E, 2 * E])); // (B, H, W, E)
    // One transposed copy to channel-first, read by both depthwise convs.
    const u = xz.slice(null, null, null, [0, E]).permute(0, 3, 1, 2).contiguous();
    const { yFull, yLow, H1, W1 } = await this.scanBothScales(u, options);
    const norm = this.child<LayerNorm>('out_norm');
    const lowNormed = layerNorm2d(yLow.reshape([B, E, 1, yLow.shape[2]]), norm.param('weight'), norm.param('bias'), norm.eps);
    const low = section('scan.reverse', () => multiScaleMerge(lowNormed.reshape([B, E, yLow.shape[2]]), { H: H1, W: W1 }));
    const up = interpolate(low, { size: [H, W], mode: 'bilinear', alignCorners: false });
    // out_norm on the full-resolution tokens + the upsampled low-resolution map, with SE's pooling on the way;
    // then SE's scaling, the permute to channel-last and the z gate in one pass.
    const { out: y, pooled } = section('MS2D.norm+add+pool', () =>
      normAddPoolTail(yFull, up, norm.param('weight'), norm.param('bias'), norm.eps),
    );
    const gate = this.withSe ? section('SE', () => this.seGates(pooled, B, E)) : null;
    const gated = section('MS2D.scale+transpose+gate', () => scaleTransposeMulTail(y, gate, z));
    release(y.data);
    const out = fusedLinear(gated, this.child<Linear>('out_proj').param('weight'), null, { residual: residual ?? null });
    release(gated.data);
    return out;
  }

  private async forwardV2(x: Tensor, options: ForwardOptions): Promise<Tensor> {
    if (x.rank !== 4 || x.shape[1] !== this.dModel) {
      throw new ShapeError(`MS2D (v2): expected channel-first input (B, ${this.dModel}, H, W), got ${formatShape(x.shape)}`);
    }
    const E = this.dInner;
    const [B, , H, W] = x.shape;
    const xz = this.child<Linear2d>('in_proj').forward(x);
    const u = this.gated ? xz.slice(null, [0, E]) : xz;
    const { yFull, yLow, H1, W1 } = await this.scanBothScales(u, options);
    const low = section('scan.reverse', () => multiScaleMerge(yLow, { H: H1, W: W1 }));
    const up = interpolate(low, { size: [H, W], mode: 'nearest' });
    const norm = this.child<LayerNorm2d>('out_norm');
    // merge + out_norm with SE's pooling on the way, then SE's scaling and the z gate in one pass.
    const { out: y, pooled } = section('MS2D.add+norm+pool', () =>
      addNormPoolTail(yFull, up, norm.param('weight'), norm.param('bias'), norm.eps),
    );
    const gate = this.withSe ? section('SE', () => this.seGates(pooled, B, E)) : null;
    let out = y;
    if (this.gated) {
      const g = silu(xz.slice(null, [E, 2 * E]));
      out = section('MS2D.scale+gate', () => scaleMulTail(y, gate, g));
    } else if (gate) {
      out = section('MS2D.scale', () => scaleChannelsTail(y, gate));
    }
    if (out !== y) release(y.data);
    return this.child<Linear2d>('out_proj').forward(out.reshape([B, E, H, W]));
  }

  /** SE's per-channel gates (B·E) from the pooled means (float32, as SE's pooling would give them). */
  private seGates(pooled: Float64Array, B: number, E: number): Float32Array {
    return this.child<SE>('se')
      .gates(Tensor.fromData(Float32Array.from(pooled), [B, E]))
      .toFloat32Array();
  }

  /**
   * The two selective scans from the in_proj output u (B, E, H, W): full resolution row-major after SiLU(dw conv),
   * and the low-resolution [h_flip | v | v_flip] sequence after SiLU(dw 7×7 stride 2). Returns (B, E, H·W) and
   * (B, E, 3·H1·W1) in scan order.
   */
  private async scanBothScales(u: Tensor, options: ForwardOptions): Promise<{ yFull: Tensor; yLow: Tensor; H1: number; W1: number }> {
    const [B, E, H, W] = u.shape;
    const full = this.child<Conv2d>('conv2d');
    const lowConv = this.child<Conv2d>('conv2d_b1');
    const bias = (c: Conv2d) => (c.hasParam('bias') ? c.param('bias') : null);
    const x0 = fusedConv2d(u, full.param('weight'), bias(full), { padding: (this.dConv - 1) / 2, groups: E, activation: 'silu' });
    const x1 = fusedConv2d(u, lowConv.param('weight'), bias(lowConv), { stride: 2, padding: 3, groups: E, activation: 'silu' });
    const { H: H1, W: W1 } = lowResolutionGrid(H, W);
    const weights = this.ssmWeights();
    const scanOptions = { scanBackend: options.scanBackend };
    // One after the other: the scan runtime runs one call at a time anyway, and sections must not overlap.
    const yFull = await selectiveSsm(x0.reshape([B, E, H * W]), slotWeights(weights, this.fullSlot), scanOptions);
    const yLow = await selectiveSsm(
      section('scan.gather', () => multiScaleScan(x1)),
      slotWeights(weights, this.lowSlot),
      scanOptions,
    );
    return { yFull, yLow, H1, W1 };
  }
}

function positiveInt(name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new ArgumentError(`MS2D: ${name} must be a positive integer, got ${String(v)}`);
}
