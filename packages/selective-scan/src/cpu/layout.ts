/** Chunking and data layout shared by the WebAssembly and TypeScript CPU kernels. */

/**
 * Steps per chunk: the backward recomputes one chunk at a time from its stored start state, keeping the chunk's
 * states (chunk × dstate × 4 lanes floats) in cache. Chosen so that chunk · dstate ≈ 4096, within [64, 1024].
 */
export function defaultChunkSize(dstate: number): number {
  let chunk = 1024;
  while (chunk > 64 && chunk * dstate > 4096) chunk >>= 1;
  return chunk;
}

/** Writes B or C from (batch, groups, dstate, length) into `dst` as (batch, groups, length, dstate). */
export function transposeStateTime(src: ArrayLike<number>, dst: Float32Array, rows: number, dstate: number, length: number): void {
  const block = dstate * length;
  for (let r = 0; r < rows; r++) {
    const base = r * block;
    for (let n = 0; n < dstate; n++) {
      const s = base + n * length;
      for (let l = 0; l < length; l++) dst[base + l * dstate + n] = src[s + l];
    }
  }
}

/** Sums `parts` accumulators laid out (rows, length, dstate) into `dst` as (rows, dstate, length). */
export function reduceStateTime(parts: Float32Array[], dst: Float32Array, rows: number, dstate: number, length: number): void {
  const block = dstate * length;
  for (let r = 0; r < rows; r++) {
    const base = r * block;
    for (let l = 0; l < length; l++) {
      for (let n = 0; n < dstate; n++) {
        const i = base + l * dstate + n;
        let s = 0;
        for (let p = 0; p < parts.length; p++) s += parts[p][i];
        dst[base + n * length + l] = s;
      }
    }
  }
}

/** The backend-private data a CPU forward keeps for its backward: the state at the end of every chunk. */
export interface ChunkStates {
  readonly kind: 'cpu-chunk-states';
  readonly chunkSize: number;
  /** (batch, dim, nChunks, dstate) */
  readonly states: Float32Array;
}

export function chunkCount(length: number, chunkSize: number): number {
  return Math.ceil(length / chunkSize);
}
