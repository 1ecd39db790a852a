import { ArgumentError, firstNonFinite, NonFiniteError, Tensor } from '@vssm/core';
import { assertAlive } from '@vssm/wasm';
import { resolveBackend } from './registry.js';
import type { BackendForward, ScanProblem, SelectiveScanBackend, SelectiveScanInputs, SelectiveScanOptions } from './types.js';
import { doutData, toProblem } from './validate.js';

/** What a forward keeps for its backward. Opaque: pass it to selectiveScanBackward. */
export class SavedScan {
  /** Name of the backend that ran the forward (the backward runs on the same one). */
  readonly backend: string;
  readonly #backend: SelectiveScanBackend;
  readonly #problem: ScanProblem;
  readonly #forward: BackendForward;
  readonly #shapes: { B: readonly number[]; C: readonly number[] };
  /** The tensors whose values the backward reads again (they may be views of a withScratch scope's memory). */
  readonly #reads: readonly Tensor[];

  /** @internal */
  constructor(
    backend: SelectiveScanBackend,
    problem: ScanProblem,
    forward: BackendForward,
    shapes: { B: readonly number[]; C: readonly number[] },
    reads: readonly Tensor[],
  ) {
    this.backend = backend.name;
    this.#backend = backend;
    this.#problem = problem;
    this.#forward = forward;
    this.#shapes = shapes;
    this.#reads = reads;
  }

  /** @internal */
  static unpack(saved: SavedScan) {
    for (const t of saved.#reads) assertAlive('selectiveScanBackward', t);
    return { backend: saved.#backend, problem: saved.#problem, forward: saved.#forward, shapes: saved.#shapes };
  }
}

export interface SelectiveScanResult {
  /** (batch, dim, length): y + D·u, times silu(z) when z is given. */
  out: Tensor;
  /** (batch, dim, dstate): the state after the last step. */
  lastState: Tensor;
  saved: SavedScan;
  /** The backend that ran. */
  backend: string;
}

/** Gradients of sum(out · dout), in the shapes of the inputs (dD, dz, ddeltaBias only for inputs that were given). */
export interface SelectiveScanGrads {
  du: Tensor;
  ddelta: Tensor;
  dA: Tensor;
  dB: Tensor;
  dC: Tensor;
  dD?: Tensor;
  dz?: Tensor;
  ddeltaBias?: Tensor;
  backend: string;
}


/**
 * The selective scan of `mamba_ssm.selective_scan_ref`: validates the inputs, runs them on the named backend
 * (`options.backend`) or on the fastest available one, and returns out, lastState, what the backward needs, and
 * the backend's name.
 */
export async function selectiveScan(inputs: SelectiveScanInputs, options: SelectiveScanOptions = {}): Promise<SelectiveScanResult> {
  return run(inputs, options, false);
}

/**
 * `selectiveScan` for internal callers that guarantee finite inputs (the model blocks: their inputs come from finite
 * images through finite weights). Skips the per-element NaN/Inf scans of u, delta, z, B and C, which cost as much as
 * a fast kernel on small problems; shapes, A (sign included), D and deltaBias are still checked, and a non-finite
 * output still throws NonFiniteError, so a NaN that gets in is reported rather than passed on. Not for user input.
 */
export async function selectiveScanTrusted(inputs: SelectiveScanInputs, options: SelectiveScanOptions = {}): Promise<SelectiveScanResult> {
  return run(inputs, options, true);
}

async function run(inputs: SelectiveScanInputs, options: SelectiveScanOptions, trustFinite: boolean): Promise<SelectiveScanResult> {
  const backend = await resolveBackend(options?.backend);
  const problem = toProblem(inputs, { allowGrowth: options?.allowGrowth, trustFinite });
  const forward = await backend.forward(problem);
  const { batch, dim, length, dstate } = problem;
  const bad = firstNonFinite(forward.out);
  if (bad >= 0) {
    throw new NonFiniteError(
      trustFinite
        ? `selectiveScan (${backend.name}, trusted call): output element ${bad} is ${forward.out[bad]}; an input was not finite or the state overflowed float32`
        : `selectiveScan (${backend.name}): output element ${bad} is ${forward.out[bad]} although every input is finite; the state overflowed float32 (inputs too large, or growth allowed)`,
    );
  }
  const out = new Tensor(forward.out, [batch, dim, length]);
  const reads = [inputs.u, inputs.delta, inputs.B, inputs.C, inputs.z, out].filter((t): t is Tensor => t instanceof Tensor);
  return {
    out,
    lastState: new Tensor(forward.lastState, [batch, dim, dstate]),
    saved: new SavedScan(backend, problem, forward, { B: inputs.B.shape, C: inputs.C.shape }, reads),
    backend: backend.name,
  };
}

/** Gradients of sum(out · dout) with respect to every input of the forward that produced `saved`. */
export async function selectiveScanBackward(saved: SavedScan, dout: Tensor): Promise<SelectiveScanGrads> {
  if (!(saved instanceof SavedScan)) {
    throw new ArgumentError('selectiveScanBackward: saved must be the `saved` field of a selectiveScan result');
  }
  const { backend, problem, forward, shapes } = SavedScan.unpack(saved);
  const { batch, dim, length, dstate } = problem;
  const g = await backend.backward(problem, forward, doutData(dout, batch, dim, length));
  const bdl = [batch, dim, length];
  return {
    du: new Tensor(g.du, bdl),
    ddelta: new Tensor(g.ddelta, bdl),
    dA: new Tensor(g.dA, [dim, dstate]),
    dB: new Tensor(g.dB, shapes.B),
    dC: new Tensor(g.dC, shapes.C),
    dD: problem.D && g.dD ? new Tensor(g.dD, [dim]) : undefined,
    dz: problem.z && g.dz ? new Tensor(g.dz, bdl) : undefined,
    ddeltaBias: problem.deltaBias && g.ddeltaBias ? new Tensor(g.ddeltaBias, [dim]) : undefined,
    backend: backend.name,
  };
}
