import { ArgumentError, UnknownNameError } from '@vssm/core';
import { BUILTIN_DIRECTION_NAMES, type ParsedBuiltin, parseBuiltinDirection } from './directions.js';
import { type CacheInfo, type CacheLimits, IndexCache } from './index-cache.js';
import { MAX_SCAN_TOKENS, assertGrid } from './limits.js';
import { customDirections, customGenerator, onDirectionChange } from './registry.js';
import { type ScanIndex, columnMajorIndex, flippedIndex, rowMajorIndex, windowIndex } from './scan-index.js';
import { validateOrder } from './validate-order.js';

/** A direction: a built-in or registered name, an index map from `scanIndex`, or a raw order (validated on each use). */
export type Direction = string | ScanIndex | Int32Array | readonly number[];

/**
 * How `reverse` maps a scanned sequence back to row-major order.
 * - `'exact'` (default): the true inverse of the scan.
 * - `'official-v-bug'`: what hunto/LocalMamba's `MultiScan.reverse` does. For `v` it reads the sequence as (H, W) and
 *   writes it back as (W, H), i.e. y[a·W+b] goes to out[b·H+a]; for `v_flip` it flips first. This equals the true
 *   inverse only when H == W. Every other direction is reversed exactly in this mode too.
 */
export type ReverseMode = 'exact' | 'official-v-bug';

/** The inverse map: for each row-major token p of the H×W grid, the scan position whose value lands there. */
export interface ReverseIndex {
  readonly name: string;
  /** Row-major token p → scan position (0 ≤ positions[p] < length). Cached and shared: do not mutate. */
  readonly positions: Int32Array;
  /** Length L′ of the scanned sequence that this map reads from. */
  readonly length: number;
  readonly H: number;
  readonly W: number;
  readonly mode: ReverseMode;
}

const scanCache = new IndexCache<ScanIndex>();
const reverseCache = new IndexCache<ReverseIndex>();
/** Index maps handed out by this module (trusted without re-validation). */
const issued = new WeakSet<ScanIndex>();

onDirectionChange((name) => {
  const matches = (key: string) => key.slice(key.indexOf('/') + 1).split('#')[0] === name;
  scanCache.deleteWhere(matches);
  reverseCache.deleteWhere(matches);
});

function issue(index: ScanIndex): ScanIndex {
  issued.add(index);
  return index;
}

function buildBuiltin(parsed: ParsedBuiltin, name: string, H: number, W: number): ScanIndex {
  let base: ScanIndex;
  if (parsed.base.kind === 'h') base = rowMajorIndex(H, W);
  else if (parsed.base.kind === 'v') base = columnMajorIndex(H, W);
  else {
    const K = parsed.base.K;
    const padded = Math.ceil(H / K) * K * Math.ceil(W / K) * K;
    if (padded > MAX_SCAN_TOKENS) {
      throw new ArgumentError(
        `scanIndex('${name}'): ${H}x${W} padded to multiples of ${K} has ${padded} tokens, more than the limit of ${MAX_SCAN_TOKENS}`,
      );
    }
    base = windowIndex(H, W, K);
  }
  return parsed.flip ? flippedIndex(base, name) : { ...base, name };
}

function customIndex(name: string, order: Int32Array, H: number, W: number): ScanIndex {
  const padding = order.length - H * W;
  return { name, order, length: order.length, H, W, paddedH: H, paddedW: W, padding, cells: padding === 0 ? order : null };
}

function buildNamed(name: string, H: number, W: number): ScanIndex {
  const parsed = parseBuiltinDirection(name);
  if (parsed !== null) return buildBuiltin(parsed, name, H, W);
  const generator = customGenerator(name);
  if (generator !== undefined) {
    let raw: Int32Array | readonly number[];
    try {
      raw = generator(H, W);
    } catch (err) {
      throw new ArgumentError(
        `scan direction '${name}' on ${H}x${W}: its generator threw: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return customIndex(name, validateOrder(raw, H, W, `scan direction '${name}' on ${H}x${W}`), H, W);
  }
  if (name.endsWith('_flip')) {
    const baseName = name.slice(0, -'_flip'.length);
    if (customGenerator(baseName) !== undefined) return flippedIndex(scanIndex(baseName, H, W), name);
  }
  throw new UnknownNameError('scan direction', name, [...BUILTIN_DIRECTION_NAMES, ...customDirections()]);
}

function isScanIndex(d: unknown): d is ScanIndex {
  return typeof d === 'object' && d !== null && !Array.isArray(d) && (d as ScanIndex).order instanceof Int32Array;
}

/**
 * The index map of a direction on an H×W grid: scan position → source row-major index, −1 for padding.
 * Named directions are cached (LRU keyed by name, H and W; see `scanIndexCacheInfo`).
 */
export function scanIndex(direction: Direction, H: number, W: number): ScanIndex {
  assertGrid(H, W, 'scanIndex');
  if (typeof direction === 'string') {
    return scanCache.getOrBuild(
      `${H}x${W}/${direction}`,
      () => issue(buildNamed(direction, H, W)),
      (v) => v.length,
    );
  }
  if (isScanIndex(direction)) {
    if (direction.H !== H || direction.W !== W) {
      throw new ArgumentError(`scanIndex: index map '${direction.name}' is for a ${direction.H}x${direction.W} grid, not ${H}x${W}`);
    }
    if (issued.has(direction)) return direction;
    const order = validateOrder(direction.order, H, W, `scan index '${direction.name}'`);
    return issue(customIndex(direction.name ?? 'custom', order, H, W));
  }
  if (direction instanceof Int32Array || Array.isArray(direction)) {
    return customIndex('custom', validateOrder(direction, H, W, `custom order on ${H}x${W}`), H, W);
  }
  throw new ArgumentError(
    `scanIndex: a direction must be a name, an index map or an order array, got ${direction === null ? 'null' : typeof direction}`,
  );
}

function exactPositions(index: ScanIndex): Int32Array {
  const positions = new Int32Array(index.H * index.W);
  const order = index.order;
  for (let s = 0; s < order.length; s++) {
    const p = order[s];
    if (p >= 0) positions[p] = s;
  }
  return positions;
}

/** Official LocalMamba `v` reverse: y[a·W+b] → out[b·H+a] (after flipping the sequence for `v_flip`). */
function officialVPositions(H: number, W: number, flip: boolean): Int32Array {
  const L = H * W;
  const positions = new Int32Array(L);
  for (let b = 0; b < W; b++) {
    for (let a = 0; a < H; a++) {
      const s = a * W + b;
      positions[b * H + a] = flip ? L - 1 - s : s;
    }
  }
  return positions;
}

function buildReverse(index: ScanIndex, mode: ReverseMode): ReverseIndex {
  const official = mode === 'official-v-bug' && (index.name === 'v' || index.name === 'v_flip');
  const positions = official ? officialVPositions(index.H, index.W, index.name === 'v_flip') : exactPositions(index);
  return { name: index.name, positions, length: index.length, H: index.H, W: index.W, mode };
}

export interface ReverseIndexOptions {
  /** `'exact'` (default) or `'official-v-bug'`; see `ReverseMode`. */
  reverseMode?: ReverseMode;
}

export function assertReverseMode(mode: unknown, op: string): ReverseMode {
  if (mode === undefined) return 'exact';
  if (mode === 'exact' || mode === 'official-v-bug') return mode;
  throw new ArgumentError(`${op}: reverseMode must be 'exact' or 'official-v-bug', got ${JSON.stringify(mode)}`);
}

/**
 * The inverse index map of a direction on an H×W grid: row-major token → scan position (padding positions are
 * never read, which crops them). Cached like `scanIndex` for named directions.
 */
export function reverseIndex(direction: Direction, H: number, W: number, options: ReverseIndexOptions = {}): ReverseIndex {
  const mode = assertReverseMode(options.reverseMode, 'reverseIndex');
  const index = scanIndex(direction, H, W);
  if (typeof direction !== 'string') return buildReverse(index, mode);
  return reverseCache.getOrBuild(
    `${H}x${W}/${direction}#${mode}`,
    () => buildReverse(index, mode),
    (v) => v.positions.length,
  );
}

/**
 * Bounds of the two index-map caches (scan maps and reverse maps, each bounded separately). Defaults: 256 maps and
 * 2^24 indices (64 MiB) per cache; least recently used maps go first, a map larger than the index budget is not kept.
 */
export function configureScanIndexCache(limits: Partial<CacheLimits>): void {
  scanCache.setLimits(limits);
  reverseCache.setLimits(limits);
}

/** Sizes, limits and hit counts of the scan-map and reverse-map caches. */
export function scanIndexCacheInfo(): { scan: CacheInfo; reverse: CacheInfo } {
  return { scan: scanCache.info(), reverse: reverseCache.info() };
}

/** Empties both caches and resets their counters. */
export function clearScanIndexCache(): void {
  scanCache.clear();
  reverseCache.clear();
}
