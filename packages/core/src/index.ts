export * from './errors.js';
export * from './shape.js';
export { Rng } from './rng.js';
export * from './dtype.js';
export { Tensor, type NestedArray, type SliceSpec } from './tensor.js';
export { allClose, goldenClose, goldenTolerance, type AllCloseOptions, type AllCloseReport } from './allclose.js';
export * from './io/safetensors.js';
export { readSourceBytes, type WeightSource } from './io/source.js';
export { Module, describeMismatch } from './module.js';
