import { type ReverseIndex, type ReverseMode, reverseIndex, type ScanIndex, scanIndex } from '@vssm/scan';

/**
 * The index maps of K scan directions on one token grid, as the stacked (B, K, E, Lmax) selective scan uses them:
 * direction k reads `orders[k]` into positions 0…L_k−1 of its row (the rest up to Lmax is zero fill) and its output
 * goes back to the T token rows through `positions[k]`. With a middle class token, the token rows are the H·W grid
 * tokens with the class token inserted at row cp = ⌊H·W/2⌋, and every sequence carries it at position cp
 * (LocalVim's `middle_cls_token`).
 */
export interface DirectionStack {
  readonly K: number;
  /** Token rows: H·W, plus one with the class token. */
  readonly T: number;
  /** Longest sequence. */
  readonly Lmax: number;
  /** Per direction: sequence position → token row (−1 = padding), length L_k. */
  readonly orders: readonly Int32Array[];
  /** Per direction: token row → sequence position, length T. */
  readonly positions: readonly Int32Array[];
  /** Per direction: how many token rows read each sequence position (length L_k; 0 for padding). */
  readonly uses: readonly Float64Array[];
  /**
   * Per direction: sequence position → the token row that reads it (−1 for none), when every direction's reverse
   * map is one-to-one (always, except for custom maps that read a position twice); otherwise null.
   */
  readonly rowOf: readonly Int32Array[] | null;
  /**
   * Per direction, the shape of its order, for specialised gathers: `identity` (s → s), `reversed` (s → T−1−s),
   * `dense` (a permutation of the T rows) or `padded` (has padding positions).
   */
  readonly kinds: readonly OrderKind[];
}

export type OrderKind = 'identity' | 'reversed' | 'dense' | 'padded';

function orderKind(order: Int32Array, T: number): OrderKind {
  let identity = order.length === T;
  let reversed = order.length === T;
  for (let s = 0; s < order.length; s++) {
    const j = order[s];
    if (j < 0) return 'padded';
    if (j !== s) identity = false;
    if (j !== T - 1 - s) reversed = false;
  }
  return identity ? 'identity' : reversed ? 'reversed' : 'dense';
}

interface Entry {
  deps: readonly (ScanIndex | ReverseIndex)[];
  stack: DirectionStack;
}

const stacks = new Map<string, Entry>();
const MAX_ENTRIES = 256;

/**
 * The direction stack for `directions` on an H×W grid (cached; rebuilt when the scan package's index maps change,
 * e.g. after a custom direction is re-registered).
 */
export function directionStack(
  directions: readonly string[],
  H: number,
  W: number,
  options: { classToken?: boolean; reverseMode?: ReverseMode } = {},
): DirectionStack {
  const cls = options.classToken ?? false;
  const reverseMode = options.reverseMode ?? 'exact';
  const deps: (ScanIndex | ReverseIndex)[] = [];
  for (const d of directions) deps.push(scanIndex(d, H, W), reverseIndex(d, H, W, { reverseMode }));
  const key = `${directions.join(',')}|${H}x${W}|${cls ? 'cls' : ''}|${reverseMode}`;
  const hit = stacks.get(key);
  if (hit && hit.deps.length === deps.length && hit.deps.every((x, i) => x === deps[i])) return hit.stack;
  const stack = buildStack(deps, H * W, cls);
  if (stacks.size >= MAX_ENTRIES) stacks.delete(stacks.keys().next().value as string);
  stacks.set(key, { deps, stack });
  return stack;
}

function buildStack(deps: readonly (ScanIndex | ReverseIndex)[], tokens: number, cls: boolean): DirectionStack {
  const K = deps.length / 2;
  const cp = tokens >> 1;
  const T = tokens + (cls ? 1 : 0);
  const orders: Int32Array[] = [];
  const positions: Int32Array[] = [];
  const uses: Float64Array[] = [];
  let rowOf: Int32Array[] | null = [];
  for (let k = 0; k < K; k++) {
    const order = (deps[2 * k] as ScanIndex).order;
    const inverse = (deps[2 * k + 1] as ReverseIndex).positions;
    const L = order.length + (cls ? 1 : 0);
    const o = new Int32Array(L);
    const pos = new Int32Array(T);
    if (cls) {
      for (let s = 0; s < L; s++) {
        if (s === cp) o[s] = cp;
        else {
          const t = order[s < cp ? s : s - 1];
          o[s] = t < 0 ? -1 : t < cp ? t : t + 1;
        }
      }
      for (let r = 0; r < T; r++) {
        if (r === cp) pos[r] = cp;
        else {
          const p = inverse[r < cp ? r : r - 1];
          pos[r] = p < cp ? p : p + 1;
        }
      }
    } else {
      o.set(order);
      pos.set(inverse);
    }
    const u = new Float64Array(L);
    for (let r = 0; r < T; r++) u[pos[r]]++;
    if (rowOf) {
      const rows = new Int32Array(L).fill(-1);
      for (let r = 0; r < T; r++) {
        if (rows[pos[r]] !== -1) {
          rowOf = null;
          break;
        }
        rows[pos[r]] = r;
      }
      rowOf?.push(rows);
    }
    orders.push(o);
    positions.push(pos);
    uses.push(u);
  }
  const Lmax = Math.max(...orders.map((o) => o.length));
  return { K, T, Lmax, orders, positions, uses, rowOf, kinds: orders.map((o) => orderKind(o, T)) };
}
