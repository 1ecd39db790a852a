import type { CpuKernelFn, OpName } from '../signatures.js';
import { geluCpu, reluCpu, sigmoidCpu, siluCpu, softmaxCpu, softplusCpu } from './activations.js';
import { conv1dCausalCpu } from './conv1d.js';
import { conv2dCpu } from './conv2d.js';
import {
  addLayerNormCpu,
  addRmsNormCpu,
  fusedConv1dCausalCpu,
  fusedConv2dCpu,
  fusedLinearCpu,
  layerNormLinearCpu,
  mulSiluCpu,
} from './fused.js';
import { interpolateCpu } from './interpolate.js';
import { concatCpu, splitCpu, stackCpu } from './join.js';
import { linearCpu, matmulCpu } from './matmul.js';
import { layerNorm2dCpu, layerNormCpu, rmsNormCpu } from './norms.js';
import { padCpu } from './pad.js';
import { patchMerging2dCpu } from './patch-merging.js';
import { adaptiveAvgPool2dCpu, avgPool2dCpu } from './pooling.js';
import { ropeCpu } from './rope.js';

/** The reference kernel of every op; the registry seeds the `cpu` backend from this table. */
export const CPU_KERNELS: { readonly [K in OpName]: CpuKernelFn<K> } = {
  matmul: matmulCpu,
  linear: linearCpu,
  conv2d: conv2dCpu,
  conv1dCausal: conv1dCausalCpu,
  layerNorm: layerNormCpu,
  layerNorm2d: layerNorm2dCpu,
  rmsNorm: rmsNormCpu,
  gelu: geluCpu,
  silu: siluCpu,
  sigmoid: sigmoidCpu,
  relu: reluCpu,
  softplus: softplusCpu,
  softmax: softmaxCpu,
  avgPool2d: avgPool2dCpu,
  adaptiveAvgPool2d: adaptiveAvgPool2dCpu,
  interpolate: interpolateCpu,
  pad: padCpu,
  concat: concatCpu,
  stack: stackCpu,
  split: splitCpu,
  patchMerging2d: patchMerging2dCpu,
  rope: ropeCpu,
  fusedLinear: fusedLinearCpu,
  fusedConv2d: fusedConv2dCpu,
  fusedConv1dCausal: fusedConv1dCausalCpu,
  mulSilu: mulSiluCpu,
  addLayerNorm: addLayerNormCpu,
  addRmsNorm: addRmsNormCpu,
  layerNormLinear: layerNormLinearCpu,
};
