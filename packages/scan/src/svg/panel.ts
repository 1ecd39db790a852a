import { ArgumentError } from '@vssm/core';
import { parseBuiltinDirection } from '../directions.js';
import type { SegmentedIndex } from '../multi-scale.js';
import { type Direction, scanIndex } from '../resolve.js';
import type { ScanIndex } from '../scan-index.js';

/** One grid drawing: where each scan position sits, which positions are padding, how the panel is labelled. */
export interface Panel {
  title: string;
  /** Real grid. */
  H: number;
  W: number;
  /** Drawn grid (the padded one). */
  rows: number;
  cols: number;
  /** Window size to outline, for `wK` directions. */
  windowK: number | null;
  /** Per scan position: grid cell `r·cols + c`, or `-(k + 1)` for the k-th off-grid padding token. */
  cells: Int32Array;
  isPadding: Uint8Array;
  /** Number of off-grid padding tokens (custom orders whose padding has no cell). */
  offGrid: number;
  /** Scan position printed for the first entry (segments of one sequence continue the numbering). */
  firstPosition: number;
  /** Whether the panel begins/ends the whole sequence, or a join inside a segmented sequence. */
  startsSequence: boolean;
  endsSequence: boolean;
}

export function isSegmented(what: unknown): what is SegmentedIndex {
  return typeof what === 'object' && what !== null && Array.isArray((what as SegmentedIndex).segments);
}

function describe(index: ScanIndex): string {
  const grid = `${index.H}×${index.W}`;
  const padded = index.padding > 0 ? `, padded to ${index.paddedH}×${index.paddedW}` : '';
  return `${index.name} on ${grid}${padded}, L′ = ${index.length}`;
}

function panelOf(index: ScanIndex, title: string, firstPosition: number, startsSequence: boolean, endsSequence: boolean): Panel {
  const n = index.length;
  const cells = new Int32Array(n);
  const isPadding = new Uint8Array(n);
  let offGrid = 0;
  for (let s = 0; s < n; s++) {
    isPadding[s] = index.order[s] < 0 ? 1 : 0;
    cells[s] = index.cells !== null ? index.cells[s] : index.order[s] >= 0 ? index.order[s] : -++offGrid;
  }
  const parsed = parseBuiltinDirection(index.name);
  const windowK = parsed !== null && parsed.base.kind === 'window' && parsed.base.K > 1 ? parsed.base.K : null;
  return {
    title,
    H: index.H,
    W: index.W,
    rows: index.paddedH,
    cols: index.paddedW,
    windowK,
    cells,
    isPadding,
    offGrid,
    firstPosition,
    startsSequence,
    endsSequence,
  };
}

/** Panels for one drawable: one for a direction or order, one per segment for a segmented sequence. */
export function panelsOf(what: Direction | SegmentedIndex, H: number, W: number): Panel[] {
  if (isSegmented(what)) {
    if (what.H !== H || what.W !== W) {
      throw new ArgumentError(`toSVG: segmented order '${what.name}' is for a ${what.H}x${what.W} grid, not ${H}x${W}`);
    }
    const last = what.segments.length - 1;
    return what.segments.map((segment, k) => {
      const from = what.offsets[k];
      const title = `[${k}] ${segment.name}, positions ${from}–${from + segment.length - 1}`;
      return panelOf(segment, title, from, k === 0, k === last);
    });
  }
  const index = scanIndex(what, H, W);
  return [panelOf(index, describe(index), 0, true, true)];
}
