import * as P from '../../assembly/params.js';
import type { Staging, WasmOps } from './context.js';

/** Multiply-adds below which a GEMM stays on one thread (a dispatch costs ~10–30 µs on a busy 2-core machine). */
export const gemmTuning = { minWorkPerThread: 1 << 18 };

/** A matrix in wasm memory: element (i, j) at ptr + 4·(i·rs + j·cs). */
export interface WasmMatrix {
  ptr: number;
  rs: number;
  cs: number;
}

export interface GemmCall {
  M: number;
  N: number;
  K: number;
  a: WasmMatrix;
  b: WasmMatrix;
  /** Row-major output with leading dimension ldc. */
  c: number;
  ldc: number;
  /** Bias address (0: none), padded to a multiple of 8 floats per column or 4 per row. */
  bias?: number;
  biasMode?: number;
  act?: number;
  /** Added before the activation, laid out like C (0: none). */
  residual?: number;
  /** Several products at once: operand b of batch i at element offset i·aBs / i·bBs / i·cBs (0: shared). */
  batch?: { count: number; aBs: number; bBs: number; cBs: number };
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** Tile sizes: MC rows × NC columns (enough tiles over the batch for every participant), KC-deep slices. */
function tiling(M: number, N: number, K: number, batch: number, parts: number): { MC: number; NC: number; KC: number } {
  let MC = Math.min(roundUp(M, 4), 64);
  let NC = Math.min(roundUp(N, 8), 256);
  const tiles = () => batch * Math.ceil(M / MC) * Math.ceil(N / NC);
  const want = parts > 1 ? 4 * parts : 1;
  while (tiles() < want && NC > 32) NC = roundUp(NC / 2, 8);
  while (tiles() < want && MC > 16) MC = roundUp(MC / 2, 4);
  const KC = K <= 768 ? K : 512;
  return { MC, NC, KC };
}

/**
 * C = act(A·B + bias + residual) with the wasm kernels: packs both operands (one run over A's 4-row and B's
 * 8-column panels), then the tiles (a second run). Allocations come from `stage` and are released with it.
 */
export function wasmGemm(ops: WasmOps, stage: Staging, g: GemmCall): void {
  const { M, N, K } = g;
  const batch = g.batch ?? { count: 1, aBs: 0, bBs: 0, cBs: 0 };
  if (M === 0 || N === 0 || batch.count === 0) return;
  if (K === 0) throw new Error('wasmGemm: K = 0 (callers leave empty products to the cpu kernels)');
  const parts = ops.participants(batch.count * M * N * K, gemmTuning.minWorkPerThread);
  const aPanels = Math.ceil(M / 4);
  const bPanels = Math.ceil(N / 8);
  const aCopies = batch.aBs === 0 ? 1 : batch.count;
  const bCopies = batch.bBs === 0 ? 1 : batch.count;
  const packA = stage.alloc(aCopies * aPanels * 4 * K);
  const packB = stage.alloc(bCopies * bPanels * 8 * K);
  const { MC, NC, KC } = tiling(M, N, K, batch.count, parts);
  const nTiles = Math.ceil(N / NC);
  const tiles = batch.count * Math.ceil(M / MC) * nTiles;
  const packItems = aCopies * aPanels + bCopies * bPanels;
  const scratch = stage.scratch(128, parts);
  const args = stage.params(scratch, (a) => {
    a[P.G_M] = M;
    a[P.G_N] = N;
    a[P.G_K] = K;
    a[P.G_A] = g.a.ptr;
    a[P.G_A_RS] = g.a.rs;
    a[P.G_A_CS] = g.a.cs;
    a[P.G_B] = g.b.ptr;
    a[P.G_B_RS] = g.b.rs;
    a[P.G_B_CS] = g.b.cs;
    a[P.G_C] = g.c;
    a[P.G_LDC] = g.ldc;
    a[P.G_PACK_A] = packA;
    a[P.G_PACK_B] = packB;
    a[P.G_BIAS] = g.bias ?? 0;
    a[P.G_BIAS_MODE] = g.bias ? (g.biasMode ?? P.BIAS_PER_COLUMN) : P.BIAS_NONE;
    a[P.G_ACT] = g.act ?? P.ACT_NONE;
    a[P.G_MC] = MC;
    a[P.G_NC] = NC;
    a[P.G_KC] = KC;
    a[P.G_N_TILES] = nTiles;
    a[P.G_A_PANELS] = aPanels;
    a[P.G_RESIDUAL] = g.residual ?? 0;
    a[P.G_BATCH] = batch.count;
    a[P.G_A_BS] = batch.aBs;
    a[P.G_B_BS] = batch.bBs;
    a[P.G_C_BS] = batch.cBs;
  });
  ops.run('gemm_pack', args, packItems, { participants: parts, grain: Math.max(1, Math.floor(packItems / (8 * parts))) });
  ops.run('gemm_compute', args, tiles, { participants: parts });
}
