import { formatShape, Module, NonFiniteError, Rng, ShapeError, Tensor } from '@vssm/core';
import { type BlockRope, type ForwardOptions, LocalVimBlock, type MultiScanMambaMixer } from '@vssm/blocks';
import { Conv2d, DropPath, LayerNorm, Linear, RMSNorm, truncNormal, uniform } from '@vssm/nn';
import { concat, interpolate, pad } from '@vssm/ops';
import type { CreateOptions, VisionModel } from '../family.js';
import { scratchForward } from '../scratch-forward.js';
import { type LocalVimConfig, nativeGrid } from './config.js';
import { Container, ModuleList } from './module-list.js';
import { VisionRotaryEmbedding } from './rope.js';

/**
 * Bicubic resize of a (1?, gh·gw, C) table laid out on a gh×gw grid to an H×W grid (`Backbone_LocalVisionMamba.
 * resize_pos_embed`: F.interpolate bicubic, align_corners=False) → (H·W, C).
 */
export function resizeGridTable(table: Tensor, from: [number, number], to: [number, number]): Tensor {
  const C = table.shape[table.rank - 1];
  const grid = table.reshape([1, from[0], from[1], C]).permute(0, 3, 1, 2).contiguous();
  const resized = interpolate(grid, { size: to, mode: 'bicubic', alignCorners: false }); // (1, C, H, W)
  return resized
    .reshape([C, to[0] * to[1]])
    .transpose(0, 1)
    .contiguous();
}

/**
 * LocalVim (`VisionMamba` of hunto/LocalMamba): patch embedding (conv p/p, bottom/right zero padding to a multiple
 * of p), optional middle class token at Npatch//2, absolute position embedding, optional RoPE on hidden and residual
 * at every layer, `depth` LocalVim blocks, final fused add + norm (`norm_f`), mean / last / class-token pooling and
 * a linear head. State-dict keys, shapes and order are the official ones.
 */
export class VisionMamba extends Module implements VisionModel<LocalVimConfig> {
  readonly config: LocalVimConfig;
  readonly nativeGrid: [number, number];

  constructor(config: LocalVimConfig, options: CreateOptions = {}) {
    super();
    this.config = config;
    this.nativeGrid = nativeGrid(config);
    const rng = new Rng(options.seed ?? 0);
    const D = config.embedDim;
    const numPatches = this.nativeGrid[0] * this.nativeGrid[1];
    const withCls = config.clsToken === 'middle';
    if (withCls) this.registerParameter('cls_token', Tensor.zeros([1, 1, D]));
    if (config.absPosEmbed) this.registerParameter('pos_embed', truncNormal([1, numPatches + (withCls ? 1 : 0), D], 0.02, rng));
    this.registerModule(
      'patch_embed',
      new Container({ proj: new Conv2d(config.inChannels, D, config.patchSize, { stride: config.patchSize, rng }) }),
    );
    if (config.rope) this.registerModule('rope', new VisionRotaryEmbedding(D, this.nativeGrid[0], config.ropePtSeqLen));
    this.registerModule('head', new Linear(D, config.numClasses, { rng }));
    const dpr = Array.from({ length: config.depth }, (_, i) => (config.depth > 1 ? (config.dropPathRate * i) / (config.depth - 1) : 0));
    const layerDrop = [0, ...dpr];
    const layers = Array.from(
      { length: config.depth },
      (_, i) =>
        new LocalVimBlock(D, {
          norm: config.norm,
          eps: config.normEps,
          dropPath: layerDrop[i],
          mixer: {
            directions: config.directions ? config.directions[i] : null,
            dState: config.dState,
            dConv: config.dConv,
            expand: config.expand,
            dtRank: config.dtRank,
            convBias: config.convBias,
            bias: config.projBias,
            middleClsToken: withCls,
            reverseMode: config.reverseMode,
            scattn: { spatial: config.spatialAttention },
            rng,
          },
        }),
    );
    this.registerModule('layers', new ModuleList(layers));
    this.registerModule(
      'norm_f',
      config.norm === 'rms' ? new RMSNorm(D, { eps: config.normEps }) : new LayerNorm(D, { eps: config.normEps }),
    );
    this.registerModule('drop_path', new DropPath(config.dropPathRate, { rng }));
    this.applyOfficialInit(rng);
  }

  /**
   * §6.1 of the spec, in the official order's net effect: every Linear (in/out_proj, x_proj, dt_proj, SCAttn, head)
   * gets trunc_normal(0.02) weights and zero bias — so dt_proj.bias ends at 0 (Vim v1's quirk, kept by LocalVim:
   * softplus(0) ≈ 0.693 at init) — LayerNorms 1/0, then each mixer's out_proj.weight is redrawn
   * kaiming_uniform(a=√5) / √depth. pos_embed ~ trunc_normal(0.02) and cls_token = 0 were set at registration;
   * the patch conv keeps PyTorch's default init; A_log, D and α keep the mixer's own init.
   */
  private applyOfficialInit(rng: Rng): void {
    const replace = (m: Module, name: string, t: Tensor) => m.loadStateDict({ ...Object.fromEntries(m.stateDict()), [name]: t });
    for (const [, m] of this.namedModules()) {
      if (m instanceof Linear) {
        replace(m, 'weight', truncNormal(m.param('weight').shape, 0.02, rng));
        if (m.hasParam('bias')) replace(m, 'bias', Tensor.zeros(m.param('bias').shape));
      }
    }
    for (const block of this.blocks) {
      const outProj = block.mixer.child<Linear>('out_proj');
      const bound = 1 / Math.sqrt(block.mixer.dInner) / Math.sqrt(this.config.depth);
      replace(outProj, 'weight', uniform(outProj.param('weight').shape, -bound, bound, rng));
    }
  }

  get blocks(): readonly LocalVimBlock[] {
    return this.child<ModuleList<LocalVimBlock>>('layers').items;
  }

  /** Token grid of an input: (⌈H/p⌉, ⌈W/p⌉) after the dynamic bottom/right padding. */
  tokenGrid(height: number, width: number): [number, number] {
    return [Math.ceil(height / this.config.patchSize), Math.ceil(width / this.config.patchSize)];
  }

  /** Conv p/p over the image padded at the bottom/right to a multiple of p → tokens (B, Gh·Gw, D). */
  embedPatches(images: Tensor): Tensor {
    const p = this.config.patchSize;
    const [, , H, W] = images.shape;
    const [gh, gw] = this.tokenGrid(H, W);
    const padded = gh * p === H && gw * p === W ? images : pad(images, [0, gw * p - W, 0, gh * p - H]);
    const x = this.child<Container>('patch_embed').child<Conv2d>('proj').forward(padded); // (B, D, gh, gw)
    return x
      .reshape([x.shape[0], x.shape[1], gh * gw])
      .transpose(1, 2)
      .contiguous();
  }

  /** pos_embed and RoPE tables for a token grid: the stored ones on the native grid, bicubically resized otherwise. */
  private positionTables(grid: [number, number]): { pos: Tensor | null; rope: BlockRope | null } {
    const cfg = this.config;
    const native = grid[0] === this.nativeGrid[0] && grid[1] === this.nativeGrid[1];
    if (!native) {
      const sizes = `inputs of ${(this.nativeGrid[0] - 1) * cfg.patchSize + 1}…${this.nativeGrid[0] * cfg.patchSize} × ${(this.nativeGrid[1] - 1) * cfg.patchSize + 1}…${this.nativeGrid[1] * cfg.patchSize} pixels`;
      if (cfg.clsToken === 'middle') {
        throw new ShapeError(
          `local_vim: a model with the middle class token runs only on its native ${this.nativeGrid.join('x')} token grid (${sizes}); got a ${grid.join('x')} grid. The official code cannot resize a pos_embed that includes the class token.`,
        );
      }
      if (!cfg.absPosEmbed) {
        throw new ShapeError(
          `local_vim: without absPosEmbed the official code keeps the native ${this.nativeGrid.join('x')} scan grid, so only ${sizes} are supported; got a ${grid.join('x')} grid`,
        );
      }
    }
    const pos = cfg.absPosEmbed
      ? native
        ? this.param('pos_embed')
        : resizeGridTable(this.param('pos_embed'), this.nativeGrid, grid).unsqueeze(0)
      : null;
    let rope: BlockRope | null = null;
    if (cfg.rope) {
      const tables = this.child<VisionRotaryEmbedding>('rope');
      rope = native
        ? { cos: tables.cos, sin: tables.sin, residual: cfg.ropeResidual }
        : {
            cos: resizeGridTable(tables.cos, this.nativeGrid, grid),
            sin: resizeGridTable(tables.sin, this.nativeGrid, grid),
            residual: cfg.ropeResidual,
          };
    }
    return { pos, rope };
  }

  private assertImages(images: Tensor): void {
    if (!(images instanceof Tensor) || images.rank !== 4 || images.shape[1] !== this.config.inChannels || images.shape[0] < 1) {
      throw new ShapeError(
        `local_vim: expected images (B, ${this.config.inChannels}, H, W), got ${images instanceof Tensor ? formatShape(images.shape) : typeof images}`,
      );
    }
    if (images.shape[2] < 1 || images.shape[3] < 1) throw new ShapeError(`local_vim: empty image ${formatShape(images.shape)}`);
    if (!images.isFinite()) throw new NonFiniteError('local_vim: the input images contain NaN or infinite values');
  }

  /** Final normed token states (B, L, D) (before pooling). */
  async forwardTokens(images: Tensor, options: ForwardOptions = {}): Promise<{ tokens: Tensor; clsPosition: number }> {
    this.assertImages(images);
    const capture = options.capture;
    let x = this.embedPatches(images);
    capture?.set('patch_embed', x);
    const grid = this.tokenGrid(images.shape[2], images.shape[3]);
    const { pos, rope } = this.positionTables(grid);
    const numPatches = grid[0] * grid[1];
    const clsPosition = numPatches >> 1;
    if (this.config.clsToken === 'middle') {
      const cls = this.param('cls_token').broadcastTo([x.shape[0], 1, this.config.embedDim]);
      x = concat(
        [x.slice(null, [0, clsPosition]), cls, x.slice(null, [clsPosition, numPatches])].filter((t) => t.shape[1] > 0),
        1,
      );
    }
    if (pos) x = x.add(pos);
    let hidden = x;
    let residual: Tensor | null = null;
    for (const [i, block] of this.blocks.entries()) {
      [hidden, residual] = await block.forward(hidden, residual, { H: grid[0], W: grid[1], rope }, options);
      capture?.set(`layers.${i}.mixer`, hidden);
      capture?.set(`layers.${i}.0`, hidden);
      capture?.set(`layers.${i}.1`, residual);
    }
    const last = residual ? residual.add(this.child<DropPath>('drop_path').forward(hidden)) : hidden;
    const tokens = this.child<RMSNorm | LayerNorm>('norm_f').forward(last);
    return { tokens, clsPosition };
  }

  /** Pooled features (B, D): the middle class token, the token mean, or the last token. */
  async forwardFeatures(images: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    const { tokens, clsPosition } = await this.forwardTokens(images, options);
    if (this.config.clsToken === 'middle') return tokens.slice(null, clsPosition).contiguous();
    if (this.config.pool === 'mean') return tokens.mean(1);
    return tokens.slice(null, tokens.shape[1] - 1).contiguous();
  }

  /** Logits (B, numClasses). */
  async forward(images: Tensor, options: ForwardOptions = {}): Promise<Tensor> {
    return scratchForward(this, options, async (o) => this.child<Linear>('head').forward(await this.forwardFeatures(images, o)));
  }

  /** The mixer of layer i (for inspection, e.g. its directions). */
  mixer(i: number): MultiScanMambaMixer {
    return this.blocks[i].mixer;
  }
}
