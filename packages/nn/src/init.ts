import { ArgumentError, Rng, Tensor } from '@vssm/core';

/**
 * Parameter initialisers with PyTorch's distributions (the random streams differ from torch's; the
 * distributions and bounds are the same). Each returns a new tensor of the given shape.
 */

/** Resolves a seed or generator to a generator. */
export function toRng(rng: Rng | number | undefined): Rng {
  return rng instanceof Rng ? rng : new Rng(rng ?? 0);
}

/** fan_in of a weight shape as PyTorch computes it: dim 1 × receptive field (product of dims 2..). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new ArgumentError(`fanIn: needs a weight of rank >= 2, got [${shape.join(', ')}]`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return shape[1] * receptive;
}

export function uniform(shape: readonly number[], low: number, high: number, rng?: Rng | number): Tensor {
  return Tensor.rand(shape, toRng(rng), low, high);
}

/** nn.Linear / nn.Conv default weight init: kaiming_uniform(a=√5) = U(±1/√fan_in). */
export function kaimingUniformDefault(shape: readonly number[], rng?: Rng | number): Tensor {
  const bound = 1 / Math.sqrt(fanIn(shape));
  return uniform(shape, -bound, bound, rng);
}

/** nn.Linear / nn.Conv default bias init: U(±1/√fan_in) with the weight's fan_in. */
export function defaultBias(size: number, weightFanIn: number, rng?: Rng | number): Tensor {
  const bound = weightFanIn > 0 ? 1 / Math.sqrt(weightFanIn) : 0;
  return uniform([size], -bound, bound, rng);
}

/** timm's trunc_normal_(std, a=-2, b=2): normal(mean, std) resampled until inside the absolute bounds [a, b]. */
export function truncNormal(shape: readonly number[], std = 0.02, rng?: Rng | number, mean = 0, a = -2, b = 2): Tensor {
  if (!(std > 0)) throw new ArgumentError(`truncNormal: std must be positive, got ${std}`);
  const g = toRng(rng);
  const out = Tensor.zeros(shape);
  const d = out.data;
  for (let i = 0; i < d.length; i++) {
    let v: number;
    do v = mean + std * g.normal();
    while (v < a || v > b);
    d[i] = v;
  }
  return out;
}

/**
 * Mamba's dt bias: dt ~ exp(U(ln dtMin, ln dtMax)) clamped to ≥ floor, stored as the inverse softplus
 * dt + ln(−expm1(−dt)) (computed in double precision).
 */
export function dtBiasInit(size: number, rng?: Rng | number, dtMin = 1e-3, dtMax = 0.1, floor = 1e-4): Tensor {
  const g = toRng(rng);
  const out = Tensor.zeros([size]);
  for (let i = 0; i < size; i++) {
    const dt = Math.max(Math.exp(g.uniform() * (Math.log(dtMax) - Math.log(dtMin)) + Math.log(dtMin)), floor);
    out.data[i] = dt + Math.log(-Math.expm1(-dt));
  }
  return out;
}

/** S4D-real A_log init: ln(1..N) for every row, shape (rows, N). */
export function aLogInit(rows: number, dstate: number): Tensor {
  const out = Tensor.zeros([rows, dstate]);
  for (let r = 0; r < rows; r++) for (let n = 0; n < dstate; n++) out.data[r * dstate + n] = Math.log(n + 1);
  return out;
}
