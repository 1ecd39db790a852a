import {
  loadStateDict,
  type Module,
  type StateDictMatch,
  saveSafetensors,
  saveSafetensorsFile,
  type Tensor,
  type WeightSource,
} from '@vssm/core';
import type { VisionModel } from './family.js';

export interface LoadCheckpointOptions {
  /** Which state dict of a `.pth` container: `auto` (model, then state_dict, then model_ema, else bare), or a key. */
  container?: 'auto' | 'model' | 'model_ema' | 'state_dict' | 'none';
  /** Strict (default): every key present, none unexpected, every shape equal, else one StateDictError. */
  strict?: boolean;
  /** Prefixes stripped from keys (`module.` is always stripped), e.g. `backbone.` for detection checkpoints. */
  stripPrefixes?: string[];
}

/**
 * VMamba-lineage checkpoints sometimes carry the older key names that `VSSM._load_from_state_dict` renames
 * (msvmamba.md §4.4). Applied only to keys the model does not have under their current name.
 */
const LEGACY_RENAMES: ReadonlyArray<[RegExp, string]> = [
  [/^patch_embed\.proj\./, 'patch_embed.0.'],
  [/^patch_embed\.norm\./, 'patch_embed.2.'],
  [/^(layers\.\d+\.blocks\.\d+)\.ln_1\./, '$1.norm.'],
  [/^(layers\.\d+\.blocks\.\d+)\.self_attention\./, '$1.op.'],
  [/^norm\./, 'classifier.norm.'],
  [/^head\./, 'classifier.head.'],
];

function applyLegacyRenames(state: Map<string, Tensor>, expected: ReadonlySet<string>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, tensor] of state) {
    let name = key;
    if (!expected.has(name)) {
      for (const [pattern, replacement] of LEGACY_RENAMES) {
        const renamed = name.replace(pattern, replacement);
        if (renamed !== name && expected.has(renamed)) {
          name = renamed;
          break;
        }
      }
    }
    out.set(name, tensor);
  }
  return out;
}

/**
 * Loads weights into a model from an official or vssm checkpoint: `.pth` (torch.save zip; `model`, `state_dict`,
 * `model_ema` containers; `module.` prefixes) or `.safetensors`, detected by content. Strict by default.
 */
export async function loadCheckpoint(model: Module, source: WeightSource, options: LoadCheckpointOptions = {}): Promise<StateDictMatch> {
  const raw = await loadStateDict(source, { container: options.container ?? 'auto', stripPrefixes: options.stripPrefixes });
  const expected = new Set(model.stateDict().keys());
  const state = usesVssmNaming(expected) ? applyLegacyRenames(raw, expected) : raw;
  return model.loadStateDict(state, { strict: options.strict ?? true });
}

function usesVssmNaming(keys: ReadonlySet<string>): boolean {
  return keys.has('classifier.head.weight');
}

export interface SaveCheckpointOptions {
  /** Extra string metadata stored in the safetensors header. */
  metadata?: Record<string, string>;
}

/**
 * The model's state dict (official names and shapes) as safetensors bytes; loads into the official PyTorch model
 * with `model.load_state_dict(safetensors.torch.load_file(path))`. The vssm config is stored in the metadata.
 */
export function checkpointBytes(model: VisionModel | Module, options: SaveCheckpointOptions = {}): Uint8Array {
  return saveSafetensors(model.stateDict(), { metadata: checkpointMetadata(model, options), order: 'insertion' });
}

/** Writes `checkpointBytes` to a file (Node). */
export async function saveCheckpoint(model: VisionModel | Module, path: string, options: SaveCheckpointOptions = {}): Promise<void> {
  await saveSafetensorsFile(path, model.stateDict(), { metadata: checkpointMetadata(model, options), order: 'insertion' });
}

function checkpointMetadata(model: VisionModel | Module, options: SaveCheckpointOptions): Record<string, string> {
  const meta: Record<string, string> = { format: 'pt', ...options.metadata };
  const config = (model as Partial<VisionModel>).config;
  if (config) meta.vssm_config = JSON.stringify(config);
  return meta;
}
