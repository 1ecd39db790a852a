import { type Rng, Tensor } from '@vssm/core';
import { aLogInit, dtBiasInit, kaimingUniformDefault, uniform } from '@vssm/nn';
import type { StackedSsmWeights } from '../common/index.js';

/**
 * The official initialisation of K stacked SSM parameter sets (VMamba `SS2D`, `dt_init="random"`, dt_scale 1):
 * x_proj (K, R+2N, E) ~ U(±1/√E); dt_projs_weight (K, E, R) ~ U(±R^−½); dt_projs_bias (K, E) = inverse softplus of
 * dt ~ exp(U(ln 1e−3, ln 1e−1)) floored at 1e−4; A_logs (K·E, N) = ln(1..N); Ds (K·E) = 1.
 */
export function initStackedSsm(K: number, E: number, R: number, N: number, rng: Rng): StackedSsmWeights {
  const xProjWeight = Tensor.zeros([K, R + 2 * N, E]);
  for (let k = 0; k < K; k++) xProjWeight.data.set(kaimingUniformDefault([R + 2 * N, E], rng).data, k * (R + 2 * N) * E);
  const bound = R ** -0.5;
  const dtProjsWeight = Tensor.zeros([K, E, R]);
  const dtProjsBias = Tensor.zeros([K, E]);
  for (let k = 0; k < K; k++) {
    dtProjsWeight.data.set(uniform([E, R], -bound, bound, rng).data, k * E * R);
    dtProjsBias.data.set(dtBiasInit(E, rng).data, k * E);
  }
  return { xProjWeight, dtProjsWeight, dtProjsBias, aLogs: aLogInit(K * E, N), Ds: Tensor.ones([K * E]) };
}
