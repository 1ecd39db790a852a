/**
 * A scan order as an index map over an H×W token grid. Built-in maps come from the builders below; custom ones
 * from the direction registry. Maps handed out by `scanIndex` are cached and shared: treat every array as read-only.
 */
export interface ScanIndex {
  /** The direction name the map belongs to (`'custom'` for an order passed as a plain array). */
  readonly name: string;
  /** Scan position → source row-major index `i·W + j`; `-1` marks a zero-padding token. */
  readonly order: Int32Array;
  /** Sequence length L′ (padding included). */
  readonly length: number;
  readonly H: number;
  readonly W: number;
  /** The grid that the padding completes (multiples of K for `wK`; H and W when there is no padding). */
  readonly paddedH: number;
  readonly paddedW: number;
  /** Number of padding tokens, `length − H·W`. */
  readonly padding: number;
  /**
   * Scan position → row-major cell `i·paddedW + j` of the padded grid, padding tokens included; `null` for a
   * custom order whose padding tokens have no grid cell. Used to draw orders.
   */
  readonly cells: Int32Array | null;
}

function unpadded(name: string, order: Int32Array, H: number, W: number): ScanIndex {
  return { name, order, length: order.length, H, W, paddedH: H, paddedW: W, padding: 0, cells: order };
}

/** Row-major order `s = i·W + j` (direction `h`). */
export function rowMajorIndex(H: number, W: number): ScanIndex {
  const order = new Int32Array(H * W);
  for (let s = 0; s < order.length; s++) order[s] = s;
  return unpadded('h', order, H, W);
}

/** Column-major order `s = j·H + i`: down each column, columns left to right (direction `v`). */
export function columnMajorIndex(H: number, W: number): ScanIndex {
  const order = new Int32Array(H * W);
  let s = 0;
  for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) order[s++] = i * W + j;
  return unpadded('v', order, H, W);
}

/**
 * Local K×K windows (direction `wK`): the grid is zero-padded at the bottom/right to multiples of K, windows are
 * visited row-major and so are the pixels inside each window.
 */
export function windowIndex(H: number, W: number, K: number): ScanIndex {
  const rowsOfWindows = Math.ceil(H / K);
  const colsOfWindows = Math.ceil(W / K);
  const paddedH = rowsOfWindows * K;
  const paddedW = colsOfWindows * K;
  const length = paddedH * paddedW;
  const order = new Int32Array(length);
  const cells = new Int32Array(length);
  let s = 0;
  for (let gi = 0; gi < rowsOfWindows; gi++) {
    for (let gj = 0; gj < colsOfWindows; gj++) {
      for (let r = 0; r < K; r++) {
        const i = gi * K + r;
        for (let c = 0; c < K; c++) {
          const j = gj * K + c;
          order[s] = i < H && j < W ? i * W + j : -1;
          cells[s] = i * paddedW + j;
          s++;
        }
      }
    }
  }
  const padding = length - H * W;
  return { name: `w${K}`, order, length, H, W, paddedH, paddedW, padding, cells: padding === 0 ? order : cells };
}

function reversed(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  for (let s = 0, n = a.length; s < n; s++) out[s] = a[n - 1 - s];
  return out;
}

/** The whole sequence of `base` reversed, padding included (`*_flip`). */
export function flippedIndex(base: ScanIndex, name = `${base.name}_flip`): ScanIndex {
  const order = reversed(base.order);
  const cells = base.cells === null ? null : base.cells === base.order ? order : reversed(base.cells);
  return { ...base, name, order, cells };
}
