import type { Tensor } from '../tensor.js';
import type { RawTensorData, SafetensorsDType } from './safetensors.js';
import type { ZipEntry } from './zip.js';

/** PyTorch dtypes that checkpoint storages can hold and the reader converts to float32. */
export type TorchDType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Storage class name (as pickled, `torch.<Name>`) → dtype. */
export const TORCH_STORAGE_DTYPES: Readonly<Record<string, TorchDType>> = {
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The same element layouts in safetensors' naming, used to decode bytes. */
export const TORCH_TO_SAFETENSORS_DTYPE: Readonly<Record<TorchDType, SafetensorsDType>> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

export const TORCH_DTYPE_BYTES: Readonly<Record<TorchDType, number>> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** The class of a storage named in a persistent id (`torch.FloatStorage`, ...). */
export class TorchStorageType {
  readonly qualname: string;
  readonly dtype: TorchDType;
  constructor(qualname: string, dtype: TorchDType) {
    this.qualname = qualname;
    this.dtype = dtype;
  }
}

/** A storage record of the archive (`<archive>/data/<key>`), not yet read. */
export interface TorchStorageRef {
  key: string;
  dtype: TorchDType;
  numel: number;
  location: string;
  entry: ZipEntry;
}

/** A tensor described by the pickle, materialised later from its storage. */
export class TorchTensorRef {
  readonly storage: TorchStorageRef;
  readonly storageOffset: number;
  readonly shape: number[];
  readonly stride: number[];
  requiresGrad: boolean;
  isParameter: boolean;
  constructor(
    storage: TorchStorageRef,
    storageOffset: number,
    shape: number[],
    stride: number[],
    requiresGrad: boolean,
    isParameter: boolean,
  ) {
    this.storage = storage;
    this.storageOffset = storageOffset;
    this.shape = shape;
    this.stride = stride;
    this.requiresGrad = requiresGrad;
    this.isParameter = isParameter;
  }
  get numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** What a checkpoint said about a tensor beyond its float32 values. */
export interface TorchTensorInfo {
  /** The dtype it was saved in (values were converted to float32). */
  dtype: TorchDType;
  shape: number[];
  /** Strides and offset of the saved view into its storage (the returned Tensor is contiguous). */
  stride: number[];
  storageOffset: number;
  storageKey: string;
  /** Device it was saved from, e.g. 'cpu' or 'cuda:0'. */
  location: string;
  requiresGrad: boolean;
  /** Saved as an `nn.Parameter`. */
  isParameter: boolean;
  /** Row-major values in the original dtype (F16/BF16 as bits); only with `keepRaw: true`. */
  raw?: RawTensorData;
}

const infos = new WeakMap<Tensor, TorchTensorInfo>();

/** Records the checkpoint details of a tensor produced by the torch reader. */
export function setTorchTensorInfo(tensor: Tensor, info: TorchTensorInfo): void {
  infos.set(tensor, info);
}

/** The original dtype, strides and flags of a tensor loaded from a `.pth` file (undefined for other tensors). */
export function torchTensorInfo(tensor: Tensor): TorchTensorInfo | undefined {
  return infos.get(tensor);
}
