import { Tensor } from '@vssm/core';
import type { CpuKernelFn } from '../signatures.js';

/**
 * Mamba's causal depthwise conv1d: out[b,c,t] = bias[c] + Σ_k w[c,k]·x[b,c,t−(K−1)+k], x zero for negative times
 * (PyTorch `Conv1d(C, C, K, groups=C, padding=K−1)(x)[..., :L]`).
 */
export const conv1dCausalCpu: CpuKernelFn<'conv1dCausal'> = ({ x, weight, bias }) => {
  const [B, C, L] = x.shape;
  const K = weight.shape[1];
  const xd = x.contiguousData();
  const wd = weight.contiguousData();
  const bd = bias ? bias.contiguousData() : null;
  const out = new Float32Array(B * C * L);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const row = (b * C + c) * L;
      const wOff = c * K;
      const b0 = bd ? bd[c] : 0;
      // t < K−1: some taps fall before the sequence start
      const head = Math.min(L, K - 1);
      for (let t = 0; t < head; t++) {
        let acc = b0;
        for (let k = K - 1 - t; k < K; k++) acc += wd[wOff + k] * xd[row + t - (K - 1) + k];
        out[row + t] = acc;
      }
      for (let t = head; t < L; t++) {
        let acc = b0;
        const s = row + t - (K - 1);
        for (let k = 0; k < K; k++) acc += wd[wOff + k] * xd[s + k];
        out[row + t] = acc;
      }
    }
  }
  return new Tensor(out, [B, C, L]);
};
