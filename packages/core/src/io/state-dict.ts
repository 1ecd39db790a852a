import { ArgumentError, WeightFileError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { detectWeightFormat, FORMAT_SNIFF_BYTES } from './format.js';
import { describePickleValue } from './pickle.js';
import { SafetensorsReader } from './safetensors-reader.js';
import { type ByteReader, withByteReader, type WeightSource } from './source.js';
import { openTorchArchive, type TorchLoadOptions } from './torch-checkpoint.js';
import { materializeTensors } from './torch-tensor.js';
import { TorchTensorRef } from './torch-types.js';

/** Where the state dict sits in a checkpoint. */
export type StateDictContainer = 'auto' | 'model' | 'model_ema' | 'state_dict' | 'none';

export interface LoadStateDictOptions extends TorchLoadOptions {
  /**
   * `'auto'` (default) takes `model`, else `state_dict`, else `model_ema` from a top-level dict, else the
   * top-level dict itself when all its values are tensors. A key name picks that entry; `'none'` takes the
   * top level as is. safetensors files are flat and accept only `'auto'` and `'none'`.
   */
  container?: StateDictContainer;
  /** Prefixes removed from the start of every key, repeatedly (default `['module.']`; pass `[]` to keep keys). */
  stripPrefixes?: string[];
}

const CONTAINERS: readonly StateDictContainer[] = ['auto', 'model', 'model_ema', 'state_dict', 'none'];
const AUTO_ORDER = ['model', 'state_dict', 'model_ema'] as const;

function topKeys(root: Map<unknown, unknown>): string {
  const keys = [...root.keys()].map((k) => (typeof k === 'string' ? `'${k}'` : String(k)));
  return keys.length > 12 ? `${keys.slice(0, 12).join(', ')}, ... (${keys.length} keys)` : keys.join(', ');
}

function selectContainer(root: unknown, container: StateDictContainer, file: string): Map<unknown, unknown> {
  if (!(root instanceof Map))
    throw new WeightFileError(file, `checkpoint holds ${describePickleValue(root)}, not a dict with a state dict`);
  if (container === 'none') return root;
  const pick = (key: string): Map<unknown, unknown> => {
    const value = root.get(key);
    if (!(value instanceof Map))
      throw new WeightFileError(file, `checkpoint entry '${key}' is ${describePickleValue(value)}, not a state dict`);
    return value;
  };
  if (container !== 'auto') {
    if (!root.has(container))
      throw new WeightFileError(file, `checkpoint has no '${container}' entry; its top-level keys are ${topKeys(root)}`);
    return pick(container);
  }
  for (const key of AUTO_ORDER) if (root.has(key)) return pick(key);
  if ([...root.values()].every((v) => v instanceof TorchTensorRef)) return root;
  throw new WeightFileError(
    file,
    `no state dict found: top-level keys are ${topKeys(root)} (expected 'model', 'state_dict' or 'model_ema', or a bare dict of tensors)`,
  );
}

function stripKey(key: string, prefixes: readonly string[]): string {
  let out = key;
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of prefixes) {
      if (p && out.startsWith(p)) {
        out = out.slice(p.length);
        changed = true;
      }
    }
  }
  return out;
}

function renameKeys<T>(entries: Iterable<[string, T]>, prefixes: readonly string[], file: string): Map<string, T> {
  const out = new Map<string, T>();
  const from = new Map<string, string>();
  for (const [key, value] of entries) {
    const name = stripKey(key, prefixes);
    const earlier = from.get(name);
    if (earlier !== undefined)
      throw new WeightFileError(file, `state dict keys '${earlier}' and '${key}' both become '${name}' after stripping prefixes`);
    from.set(name, key);
    out.set(name, value);
  }
  return out;
}

async function loadFromSafetensors(
  reader: ByteReader,
  container: StateDictContainer,
  prefixes: readonly string[],
): Promise<Map<string, Tensor>> {
  if (container !== 'auto' && container !== 'none') {
    throw new ArgumentError(
      `loadStateDict: ${reader.file} is a safetensors file (a flat state dict); container '${container}' does not apply`,
    );
  }
  const st = await SafetensorsReader.fromByteReader(reader);
  const names = renameKeys(
    st.names().map((n): [string, string] => [n, n]),
    prefixes,
    reader.file,
  );
  const out = new Map<string, Tensor>();
  for (const [name, original] of names) out.set(name, await st.get(original));
  return out;
}

async function loadFromTorch(
  reader: ByteReader,
  options: LoadStateDictOptions,
  container: StateDictContainer,
  prefixes: readonly string[],
): Promise<Map<string, Tensor>> {
  const opened = await openTorchArchive(reader, options);
  const dict = selectContainer(opened.root, container, reader.file);
  const refs: [string, TorchTensorRef][] = [];
  for (const [key, value] of dict) {
    if (typeof key !== 'string') throw new WeightFileError(reader.file, `state dict key ${describePickleValue(key)} is not a string`);
    if (!(value instanceof TorchTensorRef))
      throw new WeightFileError(reader.file, `state dict entry '${key}' is ${describePickleValue(value)}, not a tensor`);
    refs.push([key, value]);
  }
  const renamed = renameKeys(refs, prefixes, reader.file);
  const tensors = await materializeTensors(renamed.values(), opened.archive, {
    keepRaw: options.keepRaw,
    verifyChecksum: options.verifyChecksums,
  });
  const out = new Map<string, Tensor>();
  for (const [name, ref] of renamed) out.set(name, tensors.get(ref)!);
  return out;
}

/**
 * Loads a state dict (name → float32 `Tensor`, in the file's key order) from a `.pth` (torch.save zip) or
 * `.safetensors` source, told apart by magic bytes. For `.pth` only the selected state dict's tensors are read
 * (an optimizer or EMA copy next to it costs nothing but its pickle). Keys lose the `stripPrefixes`
 * (`module.` by default, also when repeated). Non-tensor entries in the state dict are an error.
 */
export async function loadStateDict(source: WeightSource, options: LoadStateDictOptions = {}): Promise<Map<string, Tensor>> {
  const container = options.container ?? 'auto';
  if (!CONTAINERS.includes(container)) {
    throw new ArgumentError(`loadStateDict: container must be one of ${CONTAINERS.join(', ')}, got ${JSON.stringify(container)}`);
  }
  const prefixes = options.stripPrefixes ?? ['module.'];
  if (!Array.isArray(prefixes) || !prefixes.every((p) => typeof p === 'string'))
    throw new ArgumentError('loadStateDict: stripPrefixes must be an array of strings');
  return withByteReader(source, async (reader) => {
    const head = await reader.read(0, Math.min(reader.size, FORMAT_SNIFF_BYTES), 'file signature');
    const detected = detectWeightFormat(head);
    if (detected.format === 'safetensors') return loadFromSafetensors(reader, container, prefixes);
    if (detected.format === 'zip') return loadFromTorch(reader, options, container, prefixes);
    throw new WeightFileError(reader.file, `cannot load a state dict: this is ${detected.description}`);
  });
}
