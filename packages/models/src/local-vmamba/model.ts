import { formatShape, Module, NonFiniteError, Rng, ShapeError, Tensor } from '@vssm/core';
import { type ForwardOptions, PatchMerging2D, VSSBlock } from '@vssm/blocks';
import { Conv2d, Identity, LayerNorm, Linear, Permute, Sequential, truncNormal } from '@vssm/nn';
import type { CreateOptions, VisionModel } from '../family.js';
import { scratchForward } from '../scratch-forward.js';
import { Container, ModuleList } from '../local-vim/module-list.js';
import type { LocalVMambaConfig } from './config.js';

/** One stage: `blocks` (VSSBlocks) then `downsample` (PatchMerging2D, or identity for the last stage). */
class Stage extends Module {
  readonly blocks: readonly VSSBlock[];
  readonly downsample: PatchMerging2D | null;
  constructor(blocks: VSSBlock[], downsample: PatchMerging2D | null) {
    super();
    this.blocks = blocks;
    this.downsample = downsample;
    this.registerModule('blocks', new ModuleList(blocks));
    this.registerModule('downsample', downsample ?? Identity());
  }
}

/**
 * LocalVMamba (`VSSM` of hunto/LocalMamba `local_vmamba.py`), channel-last throughout: stem conv p/p + LayerNorm
 * (`patch_embed.0/.2`), stages `layers.{i}` of VSSBlocks (`blocks.{j}`) each followed by PatchMerging2D
 * (`downsample`, none after the last stage), then `classifier.norm` LayerNorm → global average pool →
 * `classifier.head`. State-dict keys, shapes and order are the official ones.
 */
export class VSSM extends Module implements VisionModel<LocalVMambaConfig> {
  readonly config: LocalVMambaConfig;

  constructor(config: LocalVMambaConfig, options: CreateOptions = {}) {
    super();
    this.config = config;
    const rng = new Rng(options.seed ?? 0);
    const { dims, depths } = config;
    const total = depths.reduce((s, d) => s + d, 0);
    const dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (config.dropPathRate * i) / (total - 1) : 0));
    this.registerModule(
      'patch_embed',
      new Sequential(
        new Conv2d(config.inChannels, dims[0], config.patchSize, { stride: config.patchSize, rng }),
        Permute(0, 2, 3, 1),
        config.patchNorm ? new LayerNorm(dims[0]) : Identity(),
      ),
    );
    let b = 0;
    const stages = dims.map((dim, i) => {
      const blocks = Array.from({ length: depths[i] }, () => {
        const block = new VSSBlock(dim, {
          dropPath: dpr[b],
          ssm: {
            directions: config.directions ? config.directions[b] : null,
            dState: config.dState,
            ssmRatio: config.ssmRatio,
            dtRank: config.dtRank,
            act: config.act,
            dConv: config.ssmConv,
            convBias: config.ssmConvBias,
            reverseMode: config.reverseMode,
            scattn: { spatial: config.spatialAttention },
            simpleInit: config.simpleInit,
            rng,
          },
        });
        b++;
        return block;
      });
      return new Stage(blocks, i < dims.length - 1 ? new PatchMerging2D(dim, dims[i + 1]) : null);
    });
    this.registerModule('layers', new ModuleList(stages));
    const last = dims[dims.length - 1];
    this.registerModule('classifier', new Container({ norm: new LayerNorm(last), head: new Linear(last, config.numClasses, { rng }) }));
    this.applyOfficialInit(rng);
  }

  /**
   * `VSSM._init_weights` (§6.2 of the spec): every Linear (in_proj, out_proj, SCAttn, PatchMerging reduction, head)
   * gets trunc_normal(0.02) weights and zero bias; LayerNorms 1/0; convs keep PyTorch's default; the stacked
   * x_proj / dt_projs / A_logs / Ds keep SS2D's own init (x_proj: nn.Linear default; dt bias: softplus⁻¹ of a
   * log-uniform dt in [1e-3, 0.1]).
   */
  private applyOfficialInit(rng: Rng): void {
    for (const [, m] of this.namedModules()) {
      if (!(m instanceof Linear)) continue;
      const state: Record<string, Tensor> = { weight: truncNormal(m.param('weight').shape, 0.02, rng) };
      if (m.hasParam('bias')) state.bias = Tensor.zeros(m.param('bias').shape);
      m.loadStateDict(state);
    }
  }

  get stages(): readonly Stage[] {
    return this.child<ModuleList<Stage>>('layers').items;
  }

  /** Final feature map (B, h, w, C) after the last stage (before the classifier norm). */
  async forwardFeatures(images: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    const p = this.config.patchSize;
    if (!(images instanceof Tensor) || images.rank !== 4 || images.shape[1] !== this.config.inChannels || images.shape[0] < 1) {
      throw new ShapeError(
        `local_vmamba: expected images (B, ${this.config.inChannels}, H, W), got ${images instanceof Tensor ? formatShape(images.shape) : typeof images}`,
      );
    }
    if (images.shape[2] < p || images.shape[3] < p) {
      throw new ShapeError(`local_vmamba: images ${formatShape(images.shape)} are smaller than the ${p}×${p} stem patch`);
    }
    if (!images.isFinite()) throw new NonFiniteError('local_vmamba: the input images contain NaN or infinite values');
    const capture = options.capture;
    let x = this.child<Sequential>('patch_embed').forward(images);
    capture?.set('patch_embed', x);
    for (const [i, stage] of this.stages.entries()) {
      for (const [j, block] of stage.blocks.entries()) {
        x = await block.forward(x, options);
        capture?.set(`layers.${i}.blocks.${j}`, x);
      }
      if (stage.downsample) x = stage.downsample.forward(x);
      capture?.set(`layers.${i}.downsample`, x);
    }
    return x;
  }

  /** Logits (B, numClasses). */
  async forward(images: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    return scratchForward(this, options, async (o) => {
      const x = await this.forwardFeatures(images, o);
      const classifier = this.child<Container>('classifier');
      const pooled = classifier.child<LayerNorm>('norm').forward(x).mean([1, 2]);
      return classifier.child<Linear>('head').forward(pooled);
    });
  }
}
