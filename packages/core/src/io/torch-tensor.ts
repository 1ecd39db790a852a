import { WeightFileError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { decodeRaw, type RawTensorData, rawToFloat32 } from './safetensors.js';
import {
  TORCH_DTYPE_BYTES,
  TORCH_TO_SAFETENSORS_DTYPE,
  type TorchStorageRef,
  type TorchTensorRef,
  setTorchTensorInfo,
} from './torch-types.js';
import type { ZipArchive, ZipReadOptions } from './zip.js';

function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

type Indexable = { [i: number]: number | bigint; readonly length: number };

/** Copies the elements of a strided view of `src` into `dst` (same element type) in row-major order. */
function gatherStrided(src: Indexable, ref: TorchTensorRef, dst: Indexable): void {
  const { shape, stride } = ref;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let si = ref.storageOffset;
  for (let di = 0; di < dst.length; di++) {
    dst[di] = src[si];
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) {
        si += stride[a];
        break;
      }
      si -= (shape[a] - 1) * stride[a];
      index[a] = 0;
    }
  }
}

function toFloat32(raw: RawTensorData, ref: TorchTensorRef): Float32Array {
  const n = ref.numel;
  const dtype = TORCH_TO_SAFETENSORS_DTYPE[ref.storage.dtype];
  if (isRowMajor(ref.shape, ref.stride)) {
    const slice = raw.subarray(ref.storageOffset, ref.storageOffset + n) as RawTensorData;
    const out = rawToFloat32(dtype, slice);
    return out === slice ? (slice as Float32Array).slice() : out;
  }
  const contiguousRaw = gatherRaw(raw, ref);
  return rawToFloat32(dtype, contiguousRaw);
}

function gatherRaw(raw: RawTensorData, ref: TorchTensorRef): RawTensorData {
  const n = ref.numel;
  if (isRowMajor(ref.shape, ref.stride)) return raw.slice(ref.storageOffset, ref.storageOffset + n) as RawTensorData;
  const out = new (raw.constructor as new (n: number) => RawTensorData)(n);
  gatherStrided(raw, ref, out);
  return out;
}

export interface MaterializeOptions extends ZipReadOptions {
  /** Also keep each tensor's values in their original dtype (see `TorchTensorInfo.raw`). */
  keepRaw?: boolean;
}

/**
 * Reads the storages behind `refs` (each storage once) and builds one contiguous float32 `Tensor` per
 * reference. Memory: the output tensors plus one storage's raw bytes at a time; a float32 tensor that is its
 * whole storage is read straight into its own buffer.
 */
export async function materializeTensors(
  refs: Iterable<TorchTensorRef>,
  archive: ZipArchive,
  options: MaterializeOptions = {},
): Promise<Map<TorchTensorRef, Tensor>> {
  const byStorage = new Map<TorchStorageRef, TorchTensorRef[]>();
  for (const ref of refs) {
    const list = byStorage.get(ref.storage);
    if (list) {
      if (!list.includes(ref)) list.push(ref);
    } else {
      byStorage.set(ref.storage, [ref]);
    }
  }
  const out = new Map<TorchTensorRef, Tensor>();
  const finish = (ref: TorchTensorRef, data: Float32Array, raw: RawTensorData | undefined): void => {
    const tensor = new Tensor(data, ref.shape);
    setTorchTensorInfo(tensor, {
      dtype: ref.storage.dtype,
      shape: ref.shape.slice(),
      stride: ref.stride.slice(),
      storageOffset: ref.storageOffset,
      storageKey: ref.storage.key,
      location: ref.storage.location,
      requiresGrad: ref.requiresGrad,
      isParameter: ref.isParameter,
      ...(options.keepRaw ? { raw } : {}),
    });
    out.set(ref, tensor);
  };
  for (const [storage, list] of byStorage) {
    const only = list[0];
    if (
      storage.dtype === 'float32' &&
      list.length === 1 &&
      only.storageOffset === 0 &&
      only.numel === storage.numel &&
      isRowMajor(only.shape, only.stride)
    ) {
      const data = new Float32Array(storage.numel);
      await archive.readInto(storage.entry, new Uint8Array(data.buffer), options);
      finish(only, data, data);
      continue;
    }
    const bytes = await archive.read(storage.entry, options);
    if (bytes.byteLength !== storage.numel * TORCH_DTYPE_BYTES[storage.dtype]) {
      throw new WeightFileError(
        archive.file,
        `storage '${storage.key}' has ${bytes.byteLength} bytes, expected ${storage.numel} ${storage.dtype} elements`,
      );
    }
    const raw = decodeRaw({ dtype: TORCH_TO_SAFETENSORS_DTYPE[storage.dtype] }, bytes);
    for (const ref of list) {
      const data = toFloat32(raw, ref);
      finish(ref, data, options.keepRaw ? (storage.dtype === 'float32' ? data : gatherRaw(raw, ref)) : undefined);
    }
  }
  return out;
}
