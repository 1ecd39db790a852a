import { WeightFileError } from '../errors.js';
import { DEFAULT_PICKLE_LIMITS, type PickleLimits, unpickle } from './pickle.js';
import { mapPickleLeaves } from './pickle-tree.js';
import type { PickleValue } from './pickle-values.js';
import { detectWeightFormat, FORMAT_SNIFF_BYTES } from './format.js';
import type { ByteReader, WeightSource } from './source.js';
import { withByteReader } from './source.js';
import { torchPickleHooks } from './torch-pickle.js';
import { materializeTensors } from './torch-tensor.js';
import { TorchTensorRef } from './torch-types.js';
import { ZipArchive } from './zip.js';

export interface TorchLoadOptions {
  /** Bounds on the pickle (nesting depth, memo entries, values). */
  limits?: Partial<PickleLimits>;
  /** Largest `data.pkl` accepted, in bytes (default 1 GiB). */
  maxPickleBytes?: number;
  /** Most elements in one tensor (default 2^31 − 1); guards against stride-0 views claiming huge sizes. */
  maxTensorElements?: number;
  /** Keep each tensor's values in their saved dtype too, as `torchTensorInfo(t).raw` (default false). */
  keepRaw?: boolean;
  /** Verify CRC-32 of stored storages too (default false; `data.pkl` and DEFLATE entries are always checked). */
  verifyChecksums?: boolean;
}

/** An opened `torch.save` archive whose pickle has run: the object tree holds `TorchTensorRef`s, not data yet. */
export interface TorchArchive {
  file: string;
  archive: ZipArchive;
  root: unknown;
  /** Every tensor reference the pickle created, in pickle order. */
  tensors: TorchTensorRef[];
}

const DEFAULT_MAX_PICKLE_BYTES = 2 ** 30;
const DEFAULT_MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

function findPickle(archive: ZipArchive): { prefix: string } {
  const candidates = archive.entries.filter((e) => e.name === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(e.name));
  if (candidates.length === 0) {
    const names = archive.names();
    const sample = names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length} entries)` : '');
    throw new WeightFileError(
      archive.file,
      `zip archive has no data.pkl record, so it is not a torch.save checkpoint (entries: ${sample || 'none'})`,
    );
  }
  const name = candidates[0].name;
  return { prefix: name.slice(0, name.length - 'data.pkl'.length) };
}

/** Runs the pickle of a `torch.save` zip archive through the reader (no tensor data is read yet). */
export async function openTorchArchive(reader: ByteReader, options: TorchLoadOptions = {}): Promise<TorchArchive> {
  const file = reader.file;
  const head = await reader.read(0, Math.min(reader.size, FORMAT_SNIFF_BYTES), 'file signature');
  const detected = detectWeightFormat(head);
  if (detected.format !== 'zip') {
    const hint = detected.format === 'safetensors' ? '; load it with loadSafetensors or loadStateDict' : '';
    throw new WeightFileError(file, `not a torch.save zip archive: this is ${detected.description}${hint}`);
  }
  const archive = await ZipArchive.open(reader);
  const { prefix } = findPickle(archive);
  if (archive.has(`${prefix}constants.pkl`)) {
    throw new WeightFileError(
      file,
      'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; load it in PyTorch and torch.save its state_dict()',
    );
  }
  const byteorder = archive.get(`${prefix}byteorder`);
  if (byteorder) {
    const order = new TextDecoder().decode(await archive.read(byteorder)).trim();
    if (order !== 'little')
      throw new WeightFileError(file, `checkpoint byte order is '${order}'; only little-endian checkpoints are supported`);
  }
  const pklEntry = archive.get(`${prefix}data.pkl`)!;
  const maxPickleBytes = options.maxPickleBytes ?? DEFAULT_MAX_PICKLE_BYTES;
  if (pklEntry.uncompressedSize > maxPickleBytes) {
    throw new WeightFileError(file, `data.pkl is ${pklEntry.uncompressedSize} bytes, more than the limit of ${maxPickleBytes}`);
  }
  const pickle = await archive.read(pklEntry, { verifyChecksum: true });
  const tensors: TorchTensorRef[] = [];
  const hooks = torchPickleHooks({
    file,
    archive,
    prefix,
    maxTensorElements: options.maxTensorElements ?? DEFAULT_MAX_TENSOR_ELEMENTS,
    tensors,
  });
  const root = unpickle(pickle, { file, hooks, limits: options.limits });
  return { file, archive, root, tensors };
}

/**
 * Loads a PyTorch checkpoint written by `torch.save` (the zip format, PyTorch ≥ 1.6) from a path (Node), bytes
 * or an ArrayBuffer, and returns the unpickled object tree (see `PickleValue`) with every tensor as a
 * contiguous float32 `Tensor`. The saved dtype, strides and flags of each tensor are available through
 * `torchTensorInfo(tensor)`. A tensor referenced twice in the pickle is the same `Tensor`; distinct views of one
 * storage become independent copies.
 *
 * Safety: unpickling only resolves an allow-list of globals (tensor/parameter rebuild helpers, storage types,
 * torch dtypes, `collections.OrderedDict`, sets, bytes, numpy scalars, and `argparse.Namespace` /
 * `torch.device` kept as inert `PickleObject`s); anything else throws `UnsafePickleError` before any code
 * could run. Memory: the pickle, the output tensors, and one storage's bytes at a time (paths are read through
 * a file handle; a float32 tensor covering its storage is read directly into its own buffer).
 */
export async function loadTorchCheckpoint(source: WeightSource, options: TorchLoadOptions = {}): Promise<PickleValue> {
  return withByteReader(source, async (reader) => {
    const opened = await openTorchArchive(reader, options);
    const tensors = await materializeTensors(opened.tensors, opened.archive, {
      keepRaw: options.keepRaw,
      verifyChecksum: options.verifyChecksums,
    });
    const maxDepth = options.limits?.maxDepth ?? DEFAULT_PICKLE_LIMITS.maxDepth;
    const resolve = (v: unknown): unknown => {
      if (!(v instanceof TorchTensorRef)) return v;
      const tensor = tensors.get(v);
      if (!tensor) throw new WeightFileError(reader.file, 'internal error: a tensor of the pickle was not materialised');
      return tensor;
    };
    return mapPickleLeaves(opened.root, resolve, maxDepth, reader.file) as PickleValue;
  });
}
