import { ArgumentError, Tensor } from '@vssm/core';
import { assertFinite, assertInt, assertOptions } from './validate.js';

export interface RopeTableOptions {
  /** The `dim` passed to VisionRotaryEmbeddingFast; LocalVim passes embed_dim / 2. Tables are 2·2·⌊dim/2⌋ wide. */
  dim: number;
  /** Grid side the frequencies were defined for (`pt_seq_len`; LocalVim: `pt_hw_seq_len` = 14). Default 16. */
  ptSeqLen?: number;
  /** Grid side of the tables (`ft_seq_len`; LocalVim: img_size // patch_size). Default ptSeqLen. */
  ftSeqLen?: number;
  /** Default 10000. */
  theta?: number;
}

/**
 * Builds the `freqs_cos` / `freqs_sin` buffers of EVA's `VisionRotaryEmbeddingFast` (freqs_for='lang') as the
 * official code does, in float32: θ_m = 1/theta^(2m/dim) for m < ⌊dim/2⌋, positions t = i/ft·pt, angles repeated
 * pairwise; channels [0, 2⌊dim/2⌋) use the token's row position, the rest its column; token index = row·ft + col.
 * Returns tables of shape (ft², 4⌊dim/2⌋).
 */
export function ropeTables(options: RopeTableOptions): { cos: Tensor; sin: Tensor } {
  const op = 'ropeTables';
  assertOptions(op, options, ['dim', 'ptSeqLen', 'ftSeqLen', 'theta']);
  const f = Math.fround;
  const dim = assertInt(op, 'dim', options?.dim, 2);
  const pt = assertFinite(op, 'ptSeqLen', options.ptSeqLen ?? 16, 0);
  const ft = assertInt(op, 'ftSeqLen', options.ftSeqLen ?? pt, 1);
  const theta = assertFinite(op, 'theta', options.theta ?? 10000, 0);
  if (pt === 0 || theta === 0) throw new ArgumentError(`${op}: ptSeqLen and theta must be positive, got ${pt} and ${theta}`);
  const nf = Math.floor(dim / 2);
  const freqs = new Float64Array(nf);
  for (let m = 0; m < nf; m++) freqs[m] = f(1 / f(theta ** f((2 * m) / dim)));
  const t = new Float64Array(ft);
  for (let i = 0; i < ft; i++) t[i] = f(f(i / ft) * pt);
  const width = 4 * nf;
  const cos = new Float32Array(ft * ft * width);
  const sin = new Float32Array(ft * ft * width);
  for (let row = 0; row < ft; row++) {
    for (let col = 0; col < ft; col++) {
      const base = (row * ft + col) * width;
      for (let c = 0; c < width; c++) {
        const pos = c < 2 * nf ? t[row] : t[col];
        const angle = f(pos * freqs[(c % (2 * nf)) >> 1]);
        cos[base + c] = Math.cos(angle);
        sin[base + c] = Math.sin(angle);
      }
    }
  }
  return { cos: new Tensor(cos, [ft * ft, width]), sin: new Tensor(sin, [ft * ft, width]) };
}
