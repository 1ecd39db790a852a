// The ops kernels (one module): every exported kernel has the runtime ABI (args, begin, end, participant); the
// other exports are helpers the glue calls on the main thread. See packages/wasm/README.md for the convention.

export { constants_bytes, write_constants } from './vmath';
export { gemm_compute, gemm_pack } from './gemm';
export { binary, rope, unary } from './elementwise';
export { layer_norm, layer_norm2d, rms_norm } from './norms';
export { depthwise_conv2d, depthwise_scratch } from './depthwise';
export { conv1d_causal, conv1d_scratch } from './conv1d';
export { im2col } from './im2col';
export { resample, resample_scratch } from './resample';
