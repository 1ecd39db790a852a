import type { Module, Tensor } from '@vssm/core';
import type { ForwardOptions } from '@vssm/blocks';

export type FamilyName = 'local_vim' | 'local_vmamba' | 'msvmamba' | 'msvmamba_v2';

/** Every config is plain JSON and names its family. */
export interface BaseModelConfig {
  family: FamilyName;
  numClasses: number;
}

export interface CreateOptions {
  /** Seed for the official initialisation (weights are usually loaded from a checkpoint afterwards). */
  seed?: number;
}

/** An image classifier built from a config; state-dict keys and shapes are the official ones. */
export interface VisionModel<C extends BaseModelConfig = BaseModelConfig> extends Module {
  readonly config: C;
  /** Logits (B, numClasses) for float32 NCHW images (B, 3, H, W). */
  forward(images: Tensor, options?: ForwardOptions): Promise<Tensor>;
}

/** What each model family module exports; the models registry is built from these. */
export interface ModelFamily<C extends BaseModelConfig = BaseModelConfig> {
  readonly family: FamilyName;
  /** Fills defaults and validates a (partial) config of this family; typed errors for bad values. */
  normalizeConfig(config: Partial<C> & { family?: FamilyName }): C;
  /** Converts the official constructor's keyword arguments (golden metadata `config`) into our config. */
  fromOfficialKwargs(kwargs: Record<string, unknown>): C;
  create(config: C, options?: CreateOptions): VisionModel<C>;
  /** Named presets this family provides (e.g. `local_vim_tiny`), as complete configs. */
  readonly presets: Readonly<Record<string, C>>;
  /**
   * Multiply–accumulate count ("FLOPs" in the papers' convention) of one forward pass at the given input size;
   * `convention` documents what is counted.
   */
  flops(config: C, input: { height: number; width: number }): { flops: number; convention: string };
}
