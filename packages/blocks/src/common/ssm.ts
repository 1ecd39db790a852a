import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import { matmul } from '@vssm/ops';
import { selectiveScanTrusted } from '@vssm/selective-scan';
import type { ForwardOptions } from './forward-options.js';
import { derived } from './param-cache.js';
import { sectionAsync } from './profile.js';
import { release } from './scratch.js';

/**
 * The Mamba selective-SSM step shared by every mixer here: project a channel-first sequence u (B, E, L) with
 * x_proj into [dt_low (R) | B (N) | C (N)] rows, expand dt_low with dt_proj (bias passed to the kernel as
 * delta_bias), and run the selective scan with A = −exp(A_log), D skip, softplus on, optional z gate.
 */
export interface SsmWeights {
  /** (R + 2N, E): rows dt | B | C. */
  xProj: Tensor;
  /** (E, R). */
  dtProj: Tensor;
  /** (E): added inside the kernel before softplus. */
  dtBias: Tensor;
  /** (E, N). */
  aLog: Tensor;
  /** (E). */
  D: Tensor;
}

/** x_proj and dt_proj for one direction: returns delta (B, E, L) and B, C (B, 1, N, L) (views of one projection). */
export function projectSequence(u: Tensor, w: SsmWeights): { delta: Tensor; B: Tensor; C: Tensor } {
  if (u.rank !== 3) throw new ShapeError(`projectSequence: u must be (B, E, L), got [${u.shape.join(', ')}]`);
  const [batch, E, L] = u.shape;
  const [rows, xin] = w.xProj.shape;
  const [dtOut, R] = w.dtProj.shape;
  const N = w.aLog.shape[1];
  if (xin !== E || dtOut !== E || rows !== R + 2 * N) {
    throw new ShapeError(
      `projectSequence: x_proj [${w.xProj.shape.join(', ')}], dt_proj [${w.dtProj.shape.join(', ')}] and A_log [${w.aLog.shape.join(', ')}] do not fit u with E = ${E}`,
    );
  }
  const xDbl = matmul(w.xProj, u); // (B, R + 2N, L)
  const delta = matmul(w.dtProj, xDbl.slice(null, [0, R])); // (B, E, L)
  // Row blocks of xDbl: views for batch 1 (the scan reads them in place), copies otherwise.
  const Bm = xDbl.slice(null, [R, R + N]).reshape([batch, 1, N, L]);
  const Cm = xDbl.slice(null, [R + N, R + 2 * N]).reshape([batch, 1, N, L]);
  return { delta, B: Bm, C: Cm };
}

/** A = −exp(A_log), cached on the A_log tensor (see `derived`). */
export function negExp(aLog: Tensor): Tensor {
  return derived(aLog, 'negExp', [aLog], () => {
    const src = aLog.contiguousData();
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = -Math.exp(src[i]);
    return Tensor.fromData(out, aLog.shape);
  });
}

/** One direction: projections + selective scan (+ z gate inside the kernel when given). Returns (B, E, L). */
export async function selectiveSsm(u: Tensor, w: SsmWeights, options: ForwardOptions & { z?: Tensor } = {}): Promise<Tensor> {
  const { delta, B, C } = projectSequence(u, w);
  const { out } = await sectionAsync('selectiveScan', () =>
    selectiveScanTrusted(
      { u, delta, A: negExp(w.aLog), B, C, D: w.D, z: options.z, deltaBias: w.dtBias, deltaSoftplus: true },
      { backend: options.scanBackend },
    ),
  );
  return out;
}

/**
 * Stacked parameters of K directions (VMamba naming): x_proj_weight (K, R+2N, E), dt_projs_weight (K, E, R),
 * dt_projs_bias (K, E), A_logs (K·E, N), Ds (K·E).
 */
export interface StackedSsmWeights {
  xProjWeight: Tensor;
  dtProjsWeight: Tensor;
  dtProjsBias: Tensor;
  aLogs: Tensor;
  Ds: Tensor;
}

/** The weights of slot k of a stacked parameter set. */
export function slotWeights(w: StackedSsmWeights, k: number): SsmWeights {
  const K = w.xProjWeight.shape[0];
  if (!Number.isInteger(k) || k < 0 || k >= K) throw new ArgumentError(`slotWeights: slot ${k} out of range for K = ${K}`);
  const E = w.dtProjsWeight.shape[1];
  return {
    xProj: w.xProjWeight.slice(k),
    dtProj: w.dtProjsWeight.slice(k),
    dtBias: w.dtProjsBias.slice(k),
    aLog: w.aLogs.slice([k * E, (k + 1) * E]),
    D: w.Ds.slice([k * E, (k + 1) * E]),
  };
}

/**
 * K equal-length sequences xs (B, K, E, L), sequence k through slot k, as ONE grouped selective-scan call
 * (channels k·E … k·E+E−1 form group k, like VMamba's multi-direction scan). The projections of all K slots are
 * two batched matmuls whose outputs already have the stacked layout the scan reads (no per-slot copies). `z`
 * (B, K·E, L) or (B, K, E, L) gates the output inside the kernel. Returns (B, K, E, L).
 */
export async function stackedSelectiveSsm(
  xs: Tensor,
  w: StackedSsmWeights,
  options: ForwardOptions & { z?: Tensor } = {},
): Promise<Tensor> {
  if (xs.rank !== 4) throw new ShapeError(`stackedSelectiveSsm: xs must be (B, K, E, L), got [${xs.shape.join(', ')}]`);
  const [batch, K, E, L] = xs.shape;
  const [slots, rows, xin] = w.xProjWeight.shape;
  const R = w.dtProjsWeight.shape[2];
  const N = w.aLogs.shape[1];
  if (slots !== K) throw new ShapeError(`stackedSelectiveSsm: ${K} sequences but ${slots} parameter slots`);
  if (xin !== E || rows !== R + 2 * N || w.dtProjsWeight.shape[0] !== K || w.dtProjsWeight.shape[1] !== E || w.aLogs.shape[0] !== K * E) {
    throw new ShapeError(
      `stackedSelectiveSsm: x_proj_weight [${w.xProjWeight.shape.join(', ')}], dt_projs_weight [${w.dtProjsWeight.shape.join(', ')}] and A_logs [${w.aLogs.shape.join(', ')}] do not fit xs [${xs.shape.join(', ')}]`,
    );
  }
  const xDbl = matmul(w.xProjWeight, xs); // (B, K, R + 2N, L)
  const delta = matmul(w.dtProjsWeight, xDbl.slice(null, null, [0, R])); // (B, K, E, L)
  const z = options.z?.reshape([batch, K * E, L]);
  const { out } = await sectionAsync('selectiveScan', () =>
    selectiveScanTrusted(
      {
        u: xs.reshape([batch, K * E, L]),
        delta: delta.reshape([batch, K * E, L]),
        A: negExp(w.aLogs),
        B: xDbl.slice(null, null, [R, R + N]),
        C: xDbl.slice(null, null, [R + N, R + 2 * N]),
        D: w.Ds,
        z,
        deltaBias: w.dtProjsBias.reshape([K * E]),
        deltaSoftplus: true,
      },
      { backend: options.scanBackend },
    ),
  );
  release(delta.data); // our own intermediate: recycle it (same size as the next layer's stacks)
  return out.reshape([batch, K, E, L]);
}
