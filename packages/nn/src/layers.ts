import { ArgumentError, Module, type Rng, Tensor } from '@vssm/core';
import { conv1dCausal, conv2d, gelu, layerNorm, layerNorm2d, linear, relu, rmsNorm, sigmoid, silu } from '@vssm/ops';
import { defaultBias, fanIn, kaimingUniformDefault, toRng } from './init.js';

/** A module with a single-tensor forward pass. */
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}

export interface InitOptions {
  /** Seed or generator for the default initialisation (PyTorch's distributions). */
  rng?: Rng | number;
}

/** nn.Linear: weight (out, in), optional bias; default init U(±1/√in). */
export class Linear extends Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  constructor(inFeatures: number, outFeatures: number, options: InitOptions & { bias?: boolean } = {}) {
    super();
    assertPositive('Linear', { inFeatures, outFeatures });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const rng = toRng(options.rng);
    this.registerParameter('weight', kaimingUniformDefault([outFeatures, inFeatures], rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultBias(outFeatures, inFeatures, rng));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.param('weight'), this.hasParam('bias') ? this.param('bias') : null);
  }
}

export interface Conv2dLayerOptions extends InitOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
}

/** nn.Conv2d (NCHW): weight (out, in/groups, kh, kw), optional bias; default init U(±1/√fan_in). */
export class Conv2d extends Layer {
  readonly stride: number | readonly [number, number];
  readonly padding: number | readonly [number, number];
  readonly groups: number;
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dLayerOptions = {}) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = options.groups ?? 1;
    assertPositive('Conv2d', { inChannels, outChannels, kh, kw, groups });
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ArgumentError(`Conv2d: groups ${groups} must divide in (${inChannels}) and out (${outChannels}) channels`);
    }
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.groups = groups;
    const rng = toRng(options.rng);
    const shape = [outChannels, inChannels / groups, kh, kw];
    this.registerParameter('weight', kaimingUniformDefault(shape, rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultBias(outChannels, fanIn(shape), rng));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.param('weight'), this.hasParam('bias') ? this.param('bias') : null, {
      stride: this.stride,
      padding: this.padding,
      groups: this.groups,
    });
  }
}

/**
 * Mamba's causal depthwise conv1d over (B, C, L): stored as nn.Conv1d(C, C, k, groups=C, padding=k−1)
 * (weight (C, 1, k)) and applied causally (output length L).
 */
export class CausalConv1d extends Layer {
  constructor(channels: number, kernelSize: number, options: InitOptions & { bias?: boolean } = {}) {
    super();
    assertPositive('CausalConv1d', { channels, kernelSize });
    const rng = toRng(options.rng);
    const shape = [channels, 1, kernelSize];
    this.registerParameter('weight', kaimingUniformDefault(shape, rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultBias(channels, kernelSize, rng));
  }

  forward(x: Tensor): Tensor {
    return conv1dCausal(x, this.param('weight'), this.hasParam('bias') ? this.param('bias') : null);
  }
}

/** nn.LayerNorm over the last dimension (eps 1e-5); `affine: false` has no parameters. */
export class LayerNorm extends Layer {
  readonly eps: number;
  constructor(dim: number, options: { eps?: number; affine?: boolean } = {}) {
    super();
    assertPositive('LayerNorm', { dim });
    this.eps = options.eps ?? 1e-5;
    if (options.affine ?? true) {
      this.registerParameter('weight', Tensor.ones([dim]));
      this.registerParameter('bias', Tensor.zeros([dim]));
    }
  }

  forward(x: Tensor): Tensor {
    const affine = this.hasParam('weight');
    return layerNorm(x, affine ? this.param('weight') : null, affine ? this.param('bias') : null, this.eps);
  }
}

/** LayerNorm over the channel axis of NCHW (VMamba's LayerNorm2d). */
export class LayerNorm2d extends Layer {
  readonly eps: number;
  constructor(channels: number, options: { eps?: number } = {}) {
    super();
    assertPositive('LayerNorm2d', { channels });
    this.eps = options.eps ?? 1e-5;
    this.registerParameter('weight', Tensor.ones([channels]));
    this.registerParameter('bias', Tensor.zeros([channels]));
  }

  forward(x: Tensor): Tensor {
    return layerNorm2d(x, this.param('weight'), this.param('bias'), this.eps);
  }
}

/** RMSNorm over the last dimension: x / sqrt(mean(x²) + eps) · weight (weight only). */
export class RMSNorm extends Layer {
  readonly eps: number;
  constructor(dim: number, options: { eps?: number } = {}) {
    super();
    assertPositive('RMSNorm', { dim });
    this.eps = options.eps ?? 1e-5;
    this.registerParameter('weight', Tensor.ones([dim]));
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.param('weight'), this.eps);
  }
}

/** A parameter-free layer from a function (activations, permutes); occupies an index in a Sequential. */
export class Lambda extends Layer {
  readonly label: string;
  private readonly fn: (x: Tensor) => Tensor;
  constructor(label: string, fn: (x: Tensor) => Tensor) {
    super();
    this.label = label;
    this.fn = fn;
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

export const Identity = () => new Lambda('Identity', (x) => x);
export const GELU = () => new Lambda('GELU', gelu);
export const SiLU = () => new Lambda('SiLU', silu);
export const ReLU = () => new Lambda('ReLU', relu);
export const Sigmoid = () => new Lambda('Sigmoid', sigmoid);
/** Permute(0, 2, 3, 1) and similar, as in VMamba's stems, returning a contiguous tensor. */
export const Permute = (...axes: number[]) => new Lambda(`Permute(${axes.join(', ')})`, (x) => x.permute(...axes).contiguous());

/** nn.Sequential: children named "0", "1", … (parameter-free ones keep their index, as in PyTorch). */
export class Sequential extends Layer {
  readonly layers: readonly Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers;
    for (const [i, layer] of layers.entries()) this.registerModule(String(i), layer);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

/**
 * Stochastic depth (timm's DropPath): identity in eval mode; in training, zeroes each sample's branch with
 * probability p and scales survivors by 1/(1−p).
 */
export class DropPath extends Layer {
  readonly p: number;
  private readonly rng: Rng;
  constructor(p: number, options: InitOptions = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new ArgumentError(`DropPath: probability must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = toRng(options.rng);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const batch = x.shape[0];
    const mask = Tensor.zeros([batch, ...x.shape.slice(1).map(() => 1)]);
    for (let b = 0; b < batch; b++) mask.data[b] = this.rng.uniform() < keep ? 1 / keep : 0;
    return x.mul(mask);
  }
}

function assertPositive(layer: string, sizes: Record<string, number>): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v <= 0) throw new ArgumentError(`${layer}: ${name} must be a positive integer, got ${v}`);
  }
}
