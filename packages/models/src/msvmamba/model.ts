import { ArgumentError, formatShape, Module, NonFiniteError, Rng, ShapeError, type Tensor } from '@vssm/core';
import {
  type ForwardOptions,
  MSVPatchMerging2D,
  MSVSSBlock,
  type MSVMambaBranch,
  msvConvDownsample,
  msvPatchEmbedV1,
  msvPatchEmbedV2,
} from '@vssm/blocks';
import { Identity, type Layer, LayerNorm, LayerNorm2d, Linear } from '@vssm/nn';
import { adaptiveAvgPool2d } from '@vssm/ops';
import type { VisionModel } from '../family.js';
import { scratchForward } from '../scratch-forward.js';
import type { MSVMambaConfig, MSVMambaV2Config } from './config.js';
import { applyOfficialInit } from './init.js';

export type AnyMSVMambaConfig = MSVMambaConfig | MSVMambaV2Config;

/** A list of modules named "0", "1", … (nn.ModuleList / nn.Sequential naming) whose forwards may be async. */
class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];
  constructor(items: M[]) {
    super();
    this.items = items;
    for (const [i, m] of items.entries()) this.registerModule(String(i), m);
  }
}

/** One stage: `blocks.{j}` then `downsample` (Identity on the last stage), as in the official `_make_layer`. */
class Stage extends Module {
  readonly blocks: ModuleList<MSVSSBlock>;
  readonly downsample: Layer;
  constructor(blocks: MSVSSBlock[], downsample: Layer) {
    super();
    this.blocks = this.registerModule('blocks', new ModuleList(blocks));
    this.downsample = this.registerModule('downsample', downsample);
  }
}

/** `classifier`: norm → global average pool → head (`classifier.norm.*`, `classifier.head.*`). */
class Classifier extends Module {
  constructor(
    readonly branch: MSVMambaBranch,
    dim: number,
    numClasses: number,
    rng: Rng,
  ) {
    super();
    this.registerModule('norm', branch === 'master' ? new LayerNorm(dim) : new LayerNorm2d(dim));
    this.registerModule('head', new Linear(dim, numClasses, { rng }));
  }

  /** master: (B, H, W, C); v2: (B, C, H, W) → logits (B, numClasses). */
  forward(x: Tensor, capture?: Map<string, Tensor>): Tensor {
    const normed = this.child<LayerNorm | LayerNorm2d>('norm').forward(x);
    capture?.set('classifier.norm', normed);
    const [B] = x.shape;
    const pooled = this.branch === 'master' ? normed.mean([1, 2]) : adaptiveAvgPool2d(normed, 1).reshape([B, normed.shape[1]]);
    return this.child<Linear>('head').forward(pooled);
  }
}

/**
 * MSVMamba's `VSSM` classifier, either code line (`config.family` 'msvmamba' = master, 'msvmamba_v2' = v2):
 * `patch_embed` → `layers.{i}` (blocks + downsample) → `classifier`. State-dict keys, shapes and order are the
 * official ones, so official checkpoints load strictly.
 */
export class MSVMamba<C extends AnyMSVMambaConfig = AnyMSVMambaConfig> extends Module implements VisionModel<C> {
  readonly config: C;
  readonly branch: MSVMambaBranch;
  private readonly stages: Stage[];

  constructor(config: C, options: { seed?: number } = {}) {
    super();
    this.config = config;
    const branch: MSVMambaBranch = config.family === 'msvmamba' ? 'master' : 'v2';
    this.branch = branch;
    const rng = new Rng(options.seed ?? 0);
    const { dims, depths } = config;
    const stem = branch === 'master' ? msvPatchEmbedV1 : msvPatchEmbedV2;
    this.registerModule('patch_embed', stem(config.inChans, dims[0], config.patchSize, { rng }));
    const total = depths.reduce((s, d) => s + d, 0);
    const rates = Array.from({ length: total }, (_, i) => (total > 1 ? (config.dropPathRate * i) / (total - 1) : 0));
    let blockIndex = 0;
    this.stages = depths.map((depth, i) => {
      const blocks = Array.from(
        { length: depth },
        () =>
          new MSVSSBlock(dims[i], {
            branch,
            dState: config.dState,
            ssmRatio: config.ssmRatio,
            dtRank: config.dtRank,
            dConv: config.dConv,
            convBias: config.convBias,
            se: config.se,
            gate: config.family === 'msvmamba_v2' ? config.gate : true,
            convFfnRatio: config.family === 'msvmamba_v2' ? config.convFfnRatio : 2,
            dropPath: rates[blockIndex++],
            rng,
          }),
      );
      const last = i === depths.length - 1;
      const down = last
        ? Identity()
        : branch === 'master'
          ? new MSVPatchMerging2D(dims[i], dims[i + 1], { rng })
          : msvConvDownsample(dims[i], dims[i + 1], { rng });
      return new Stage(blocks, down);
    });
    this.registerModule('layers', new ModuleList(this.stages));
    this.registerModule('classifier', new Classifier(branch, dims[dims.length - 1], config.numClasses, rng));
    applyOfficialInit(this, rng);
  }

  /**
   * Strict (default) or lenient state-dict loading. On the v2 branch a 4-D `(out, in, 1, 1)` weight for a Linear2d
   * (`op.in_proj` / `op.out_proj`) is accepted and viewed as `(out, in)`, as the official `Linear2d` loader does.
   */
  override loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}) {
    if (this.branch === 'master') return super.loadStateDict(state, options);
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    const fixed = new Map<string, Tensor>();
    for (const [k, t] of incoming) {
      const linear2d = /\.op\.(in|out)_proj\.weight$/.test(k) && t.rank === 4 && t.shape[2] === 1 && t.shape[3] === 1;
      fixed.set(k, linear2d ? t.reshape([t.shape[0], t.shape[1]]) : t);
    }
    return super.loadStateDict(fixed, options);
  }

  /** Logits (B, numClasses) for float32 NCHW images (B, inChans, H, W); any H, W ≥ patchSize, any batch. */
  async forward(images: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    return scratchForward(this, options, (o) => this.forwardScoped(images, o));
  }

  private async forwardScoped(images: Tensor, options: ForwardOptions): Promise<Tensor> {
    const { inChans, patchSize } = this.config;
    if (images.rank !== 4 || images.shape[1] !== inChans) {
      throw new ShapeError(`MSVMamba.forward: expected images (B, ${inChans}, H, W), got ${formatShape(images.shape)}`);
    }
    const [, , H, W] = images.shape;
    if (H < patchSize || W < patchSize) {
      throw new ShapeError(`MSVMamba.forward: images ${formatShape(images.shape)} are smaller than the ${patchSize}×${patchSize} patch`);
    }
    if (!images.isFinite())
      throw new NonFiniteError(`MSVMamba.forward: images ${formatShape(images.shape)} contain NaN or infinite values`);
    const capture = options.capture;
    let x = this.child<Layer>('patch_embed').forward(images);
    capture?.set('patch_embed', x);
    for (const [i, stage] of this.stages.entries()) {
      for (const [j, block] of stage.blocks.items.entries()) {
        x = await block.forward(x, options);
        capture?.set(`layers.${i}.blocks.${j}`, x);
      }
      x = stage.downsample.forward(x);
      capture?.set(`layers.${i}.downsample`, x);
    }
    return this.child<Classifier>('classifier').forward(x, capture);
  }
}

/** Throws unless `config` is an MSVMamba config (used by the families' `create`). */
export function assertMSVMambaFamily(config: { family?: unknown }, family: 'msvmamba' | 'msvmamba_v2'): void {
  if (config?.family !== family)
    throw new ArgumentError(`${family}.create: config.family must be '${family}', got ${JSON.stringify(config?.family)}`);
}
