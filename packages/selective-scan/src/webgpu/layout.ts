import { PARAM_FIELDS, type ParamField } from './wgsl-common.js';

/** Every packed segment starts on a 64-float (256-byte) boundary, so a segment can itself be bound at its offset. */
export const SEGMENT_ALIGN = 64;

export function alignUp(n: number, to: number = SEGMENT_ALIGN): number {
  return Math.ceil(n / to) * to;
}

/** Sizes of one scan call as the kernels see them. */
export interface ScanDims {
  batch: number;
  dim: number;
  length: number;
  dstate: number;
  groups: number;
  deltaSoftplus: boolean;
  hasD: boolean;
  hasZ: boolean;
  hasBias: boolean;
}

/** How the sequence is cut: chunks walked by one workgroup, tiles owned by the dB/dC kernel. */
export interface ChunkPlan {
  chunkLen: number;
  nChunks: number;
  tileLen: number;
  nTiles: number;
}

/** Element offsets of the packed buffers; lengths in floats. */
export interface PackedLayout {
  aux: { offA: number; offD: number; offBias: number; offX: number; offLast: number; length: number };
  gseq: { offDu: number; offDdelta: number; offDz: number; length: number };
  gtile: { offHB: number; offDHB: number; offPA: number; offPD: number; offPB: number; length: number };
  dbc: { offDB: number; offDC: number; offDA: number; offDD: number; offDBias: number; length: number };
  gk: { offGy: number; offK: number; length: number };
}

export function packedLayout(s: ScanDims, plan: ChunkPlan): PackedLayout {
  const { batch: Bt, dim: D, length: L, dstate: N, groups: G } = s;
  const seq = Bt * D * L;
  const offA = 0;
  const offD = alignUp(offA + D * N);
  const offBias = alignUp(offD + D);
  const offX = alignUp(offBias + D);
  const offLast = alignUp(offX + Bt * D * plan.nChunks * N);
  const auxLen = alignUp(offLast + Bt * D * N);
  const offDdelta = alignUp(seq);
  const offDz = alignUp(offDdelta + seq);
  const gseqLen = alignUp(s.hasZ ? offDz + seq : offDz);
  const tiles = Bt * D * plan.nTiles * N;
  const offDHB = alignUp(tiles);
  const offPA = alignUp(offDHB + tiles);
  const offPD = alignUp(offPA + Bt * D * N);
  const offPB = alignUp(offPD + Bt * D);
  const gtileLen = alignUp(offPB + Bt * D);
  const bc = Bt * G * N * L;
  const offDC = alignUp(bc);
  const offDA = alignUp(offDC + bc);
  const offDD = alignUp(offDA + D * N);
  const offDBias = alignUp(offDD + D);
  const dbcLen = alignUp(offDBias + D);
  const offK = alignUp(seq);
  return {
    aux: { offA, offD, offBias, offX, offLast, length: auxLen },
    gseq: { offDu: 0, offDdelta, offDz, length: gseqLen },
    gtile: { offHB: 0, offDHB, offPA, offPD, offPB, length: gtileLen },
    dbc: { offDB: 0, offDC, offDA, offDD, offDBias, length: dbcLen },
    gk: { offGy: 0, offK, length: alignUp(offK + seq) },
  };
}

/** The uniform block of every kernel (field order of PARAM_FIELDS). */
export function paramsBlock(values: Partial<Record<ParamField, number>>): Uint32Array {
  const out = new Uint32Array(alignUp(PARAM_FIELDS.length, 4));
  PARAM_FIELDS.forEach((f, i) => {
    const v = values[f] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uniform ${f} = ${v} does not fit in u32`);
    out[i] = v;
  });
  return out;
}
