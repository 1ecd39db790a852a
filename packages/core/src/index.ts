export * from './errors.js';
export * from './shape.js';
export { Rng } from './rng.js';
export * from './dtype.js';
export { Tensor, type NestedArray, type SliceSpec } from './tensor.js';
export { firstNonFinite } from './finite.js';
export { allClose, goldenClose, goldenTolerance, type AllCloseOptions, type AllCloseReport } from './allclose.js';
export * from './io/safetensors.js';
export { openSafetensors, SafetensorsReader } from './io/safetensors-reader.js';
export {
  saveSafetensors,
  saveSafetensorsFile,
  type SafetensorsInput,
  type SafetensorsWriteDType,
  type SaveSafetensorsOptions,
} from './io/safetensors-write.js';
export { type ByteReader, memoryByteReader, fileByteReader, openByteReader, readSourceBytes, type WeightSource } from './io/source.js';
export { ZipArchive, type ZipEntry, type ZipReadOptions } from './io/zip.js';
export { crc32 } from './io/crc32.js';
export { DEFAULT_PICKLE_LIMITS, type PickleHooks, type PickleLimits, unpickle, type UnpickleOptions } from './io/pickle.js';
export { PickleGlobal, PickleObject, type PickleValue } from './io/pickle-values.js';
export { type TorchDType, type TorchTensorInfo, torchTensorInfo } from './io/torch-types.js';
export { loadTorchCheckpoint, type TorchLoadOptions } from './io/torch-checkpoint.js';
export { detectWeightFormat, type DetectedFormat, type WeightFormat } from './io/format.js';
export { loadStateDict, type LoadStateDictOptions, type StateDictContainer } from './io/state-dict.js';
export { matchStateDict, type MatchStateDictOptions, type Shaped, type StateDictMatch } from './io/match.js';
export { Module } from './module.js';
