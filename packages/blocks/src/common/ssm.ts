import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import { matmul } from '@vssm/ops';
import { selectiveScan } from '@vssm/selective-scan';
import type { ForwardOptions } from './forward-options.js';

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

/** x_proj and dt_proj for one direction: returns delta (B, E, L) and B, C (B, 1, N, L). */
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
  const dtLow = xDbl.slice(null, [0, R]);
  const delta = matmul(w.dtProj, dtLow); // (B, E, L)
  const Bm = xDbl.slice(null, [R, R + N]).contiguous().reshape([batch, 1, N, L]);
  const Cm = xDbl.slice(null, [R + N, R + 2 * N]).contiguous().reshape([batch, 1, N, L]);
  return { delta, B: Bm, C: Cm };
}

/** A = −exp(A_log). */
export function negExp(aLog: Tensor): Tensor {
  return aLog.map((v) => -Math.exp(v));
}

/** One direction: projections + selective scan (+ z gate inside the kernel when given). Returns (B, E, L). */
export async function selectiveSsm(u: Tensor, w: SsmWeights, options: ForwardOptions & { z?: Tensor } = {}): Promise<Tensor> {
  const { delta, B, C } = projectSequence(u, w);
  const { out } = await selectiveScan(
    { u, delta, A: negExp(w.aLog), B, C, D: w.D, z: options.z, deltaBias: w.dtBias, deltaSoftplus: true },
    { backend: options.scanBackend },
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
 * (channels k·E … k·E+E−1 form group k, like VMamba's multi-direction scan). Returns (B, K, E, L).
 */
export async function stackedSelectiveSsm(xs: Tensor, w: StackedSsmWeights, options: ForwardOptions = {}): Promise<Tensor> {
  if (xs.rank !== 4) throw new ShapeError(`stackedSelectiveSsm: xs must be (B, K, E, L), got [${xs.shape.join(', ')}]`);
  const [batch, K, E, L] = xs.shape;
  if (w.xProjWeight.shape[0] !== K) throw new ShapeError(`stackedSelectiveSsm: ${K} sequences but ${w.xProjWeight.shape[0]} parameter slots`);
  const N = w.aLogs.shape[1];
  const deltas: Tensor[] = [];
  const Bs: Tensor[] = [];
  const Cs: Tensor[] = [];
  for (let k = 0; k < K; k++) {
    const p = projectSequence(xs.slice(null, k), slotWeights(w, k));
    deltas.push(p.delta);
    Bs.push(p.B);
    Cs.push(p.C);
  }
  const cat = (parts: Tensor[], shape: number[]) => {
    const out = Tensor.zeros(shape);
    const per = out.size / (batch * K);
    for (let b = 0; b < batch; b++)
      for (let k = 0; k < K; k++) out.data.set(parts[k].contiguousData().subarray(b * per, (b + 1) * per), (b * K + k) * per);
    return out;
  };
  const { out } = await selectiveScan(
    {
      u: xs.reshape([batch, K * E, L]),
      delta: cat(deltas, [batch, K * E, L]),
      A: negExp(w.aLogs),
      B: cat(Bs, [batch, K, N, L]),
      C: cat(Cs, [batch, K, N, L]),
      D: w.Ds,
      deltaBias: w.dtProjsBias.reshape([K * E]),
      deltaSoftplus: true,
    },
    { backend: options.scanBackend },
  );
  return out.reshape([batch, K, E, L]);
}
