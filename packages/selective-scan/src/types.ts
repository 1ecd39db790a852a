import type { Tensor } from '@vssm/core';

/**
 * Inputs of the selective scan, with the semantics of `mamba_ssm.selective_scan_ref`.
 * Shapes: u, delta, z (batch, dim, length); A (dim, dstate); B, C (batch, groups, dstate, length) or
 * (batch, dstate, length) for one group; D, deltaBias (dim).
 */
export interface SelectiveScanInputs {
  u: Tensor;
  delta: Tensor;
  A: Tensor;
  B: Tensor;
  C: Tensor;
  D?: Tensor;
  z?: Tensor;
  deltaBias?: Tensor;
  /** Apply softplus (threshold 20) to delta + deltaBias. Default false, as in selective_scan_ref. */
  deltaSoftplus?: boolean;
}

export interface SelectiveScanOptions {
  /** Backend name (`cpu-f64`, `cpu`, `gpujs:<mode>`, `webgpu`); the fastest available one when omitted. */
  backend?: string;
  /**
   * Skip the checks that keep exp(Δ·A) ≤ 1 (A ≤ 0, and delta + bias ≥ 0 when softplus is off). With growth the
   * state may overflow float32; a non-finite output is still reported as a NonFiniteError.
   */
  allowGrowth?: boolean;
}

/**
 * The validated problem handed to a backend: contiguous row-major float32 arrays and their sizes.
 * Channel d uses group g(d) = floor(d / (dim / groups)).
 */
export interface ScanProblem {
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  groups: number;
  u: Float32Array; // (batch, dim, length)
  delta: Float32Array; // (batch, dim, length)
  A: Float32Array; // (dim, dstate)
  B: Float32Array; // (batch, groups, dstate, length)
  C: Float32Array; // (batch, groups, dstate, length)
  D?: Float32Array; // (dim)
  z?: Float32Array; // (batch, dim, length)
  deltaBias?: Float32Array; // (dim)
  deltaSoftplus: boolean;
}

/** What a backend's forward returns; `saved` is backend-private data its backward needs (chunk states, device buffers...). */
export interface BackendForward {
  /** (batch, dim, length): y + D·u, times silu(z) when z is given. */
  out: Float32Array;
  /** (batch, dim, dstate): the state after the last step. */
  lastState: Float32Array;
  saved?: unknown;
}

/** Gradients of sum(out · dout) with respect to every input, as contiguous arrays in the inputs' shapes. */
export interface BackendGrads {
  du: Float32Array;
  ddelta: Float32Array;
  dA: Float32Array;
  dB: Float32Array;
  dC: Float32Array;
  dD?: Float32Array;
  dz?: Float32Array;
  ddeltaBias?: Float32Array;
}

export interface BackendStatus {
  available: boolean;
  /** Why the backend cannot run here (when unavailable), or a note on what it runs on. */
  reason?: string;
}

/** A selective-scan implementation. Every backend implements forward and backward. */
export interface SelectiveScanBackend {
  readonly name: string;
  /** Higher runs first when the caller names no backend. */
  readonly priority: number;
  probe(): Promise<BackendStatus>;
  forward(problem: ScanProblem): Promise<BackendForward>;
  backward(problem: ScanProblem, forward: BackendForward, dout: Float32Array): Promise<BackendGrads>;
  /** Releases device resources (GPU backends); optional. */
  dispose?(): Promise<void>;
}
