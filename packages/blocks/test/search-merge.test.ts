import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import { SCAttn, ScanMerge } from '@vssm/scattn';
import { isResident, WasmRuntime, withScratch } from '@vssm/wasm';
import test from 'tape';
import { type DirectionStack, directionStack } from '../src/common/direction-stack.js';
import { mergeDirections } from '../src/common/gated-sum.js';
import { setSectionObserver } from '../src/common/profile.js';
import { gatherTokensStacks, mergeSearch, setStackKernels, withStackRuntime } from '../src/common/stack-wasm.js';
import { assertSame } from './stack-test-helpers.js';

/** LocalMamba's 8 canonical directions (w7 pads a 15×13 grid to 21×14). */
const ALL = ['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'];
/** The agreement the fused search merge must keep with the general path (reverse → SCAttn → searchMerge). */
const TOLERANCE = 2e-6;

interface Case {
  H: number;
  W: number;
  cls: boolean;
  B: number;
  E: number;
  seed: number;
}

function* cases(): Generator<Case> {
  let seed = 11;
  for (const [H, W] of [
    [15, 13],
    [4, 5],
  ] as const) {
    for (const cls of [false, true]) {
      for (const B of [1, 2]) {
        // E not a multiple of 4 (nor of the 16-channel tiles), and one with a full tile and a group of four
        const E = [37, 20, 13][seed % 3];
        yield { H, W, cls, B, E, seed: seed++ };
      }
    }
  }
  yield { H: 14, W: 14, cls: true, B: 1, E: 190, seed: 99 };
}

const label = (c: Case) => `${c.H}x${c.W}${c.cls ? '+cls' : ''} B=${c.B} E=${c.E}`;

/** A search-mode SCAttn + ScanMerge pair with non-trivial LayerNorm affine and α of N(0, 1) scale. */
function modules(E: number, K: number, seed: number): { attn: SCAttn; merge: ScanMerge } {
  const attn = new SCAttn(E, { rng: seed });
  attn.loadStateDict(
    { 'norm.weight': Tensor.rand([E], seed + 1).add(0.5), 'norm.bias': Tensor.randn([E], seed + 2).mul(0.1) },
    { strict: false },
  );
  const merge = new ScanMerge(K, { search: true, rng: seed });
  merge.loadStateDict({ weights: Tensor.randn([K, 1, 1, 1], seed + 3) });
  return { attn, merge };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

/** mergeDirections under the given kernel mode, with the names of the sections it ran. */
function merged(mode: 'ts' | 'wasm', ys: Tensor, stack: DirectionStack, attn: SCAttn, merge: ScanMerge) {
  const names = new Set<string>();
  const previousMode = setStackKernels(mode);
  const previousObserver = setSectionObserver((e) => names.add(e.name));
  try {
    return { out: mergeDirections(ys, stack, attn, merge), names };
  } finally {
    setSectionObserver(previousObserver);
    setStackKernels(previousMode);
  }
}

const worst = { diff: 0, where: '' };

function checkCase(t: test.Test, rt: WasmRuntime, c: Case, resident: boolean, where: string): void {
  const { B, E } = c;
  const stack = directionStack(ALL, c.H, c.W, { classToken: c.cls });
  const { K, Lmax, T } = stack;
  const { attn, merge } = modules(E, K, c.seed);
  const name = `${label(c)} ${where}`;
  // a JavaScript ys with rows longer than the longest sequence, and a resident one from a gather
  const ysHeap = Tensor.randn([B, K, E, Lmax + 3], c.seed + 100);
  const ysRes = withStackRuntime(rt, () => gatherTokensStacks(Tensor.randn([B, T, E], c.seed + 200), [[0, E]], stack)[0]);
  for (const [ys, kind] of [
    [ysHeap, 'heap ys'],
    [ysRes, 'stacked ys'],
  ] as const) {
    const general = merged('ts', ys, stack, attn, merge);
    t.ok(general.names.has('SCAttn') && general.names.has('scan.reverse'), `${name} (${kind}): 'ts' takes the general path`);
    const fused = withStackRuntime(rt, () => merged('wasm', ys, stack, attn, merge));
    t.ok(
      fused.names.has('scan.reverse+gate+norm+sum') && fused.names.has('SCAttn.stats') && !fused.names.has('SCAttn'),
      `${name} (${kind}): 'wasm' takes the fused search merge`,
    );
    t.deepEqual(fused.out.shape, [B, T, E], `${name} (${kind}) shape`);
    const diff = maxAbsDiff(fused.out.contiguousData(), general.out.contiguousData());
    if (diff > worst.diff) Object.assign(worst, { diff, where: `${name} (${kind})` });
    t.ok(diff <= TOLERANCE, `${name} (${kind}): max |fused − general| = ${diff.toExponential(2)} ≤ ${TOLERANCE}`);
    if (resident) t.ok(isResident(fused.out, rt), `${name} (${kind}): the merge output stays in wasm memory`);

    // the wasm kernels and their TypeScript twin, on the same gates
    const gates = Tensor.rand([B * K, 1, E], c.seed + 300);
    const w = merge.branchWeights();
    const previous = setStackKernels('ts');
    let expected: Float32Array;
    try {
      expected = mergeSearch(ys, stack, gates, w, merge.eps).toFloat32Array();
    } finally {
      setStackKernels(previous);
    }
    const actual = withStackRuntime(rt, () => mergeSearch(ys, stack, gates, w, merge.eps));
    assertSame(t, actual.contiguousData(), expected, `${name} (${kind}) mergeSearch wasm = TypeScript`);
  }
}

for (const threads of [1, 2]) {
  test(`search merge: fused wasm pass = general path within ${TOLERANCE} (${threads} thread${threads > 1 ? 's' : ''})`, async (t) => {
    const rt = WasmRuntime.createSync({ threads });
    const previous = setStackKernels('wasm');
    try {
      for (const c of cases()) {
        withStackRuntime(rt, () => checkCase(t, rt, c, false, 'outside withScratch'));
        await withScratch(() => withStackRuntime(rt, () => checkCase(t, rt, c, rt.shared, 'inside withScratch')), rt);
      }
    } finally {
      setStackKernels(previous);
      await rt.shutdown();
    }
    t.comment(`largest |fused − general| so far: ${worst.diff.toExponential(3)} (${worst.where})`);
    t.end();
  });
}

test('search merge: the numerics do not depend on the thread count', async (t) => {
  const rt1 = WasmRuntime.createSync({ threads: 1 });
  const rt2 = WasmRuntime.createSync({ threads: 2 });
  const previous = setStackKernels('wasm');
  try {
    const stack = directionStack(ALL, 28, 28);
    const E = 190;
    const ys = Tensor.randn([2, stack.K, E, stack.Lmax], 5);
    const gates = Tensor.rand([2 * stack.K, 1, E], 6);
    const w = new Float32Array(stack.K).map((_, k) => (k + 1) / 36);
    const one = withStackRuntime(rt1, () => mergeSearch(ys, stack, gates, w, 1e-5));
    const two = withStackRuntime(rt2, () => mergeSearch(ys, stack, gates, w, 1e-5));
    t.notOk(isResident(two), 'outside a scope the result is copied out of wasm memory');
    assertSame(t, two.contiguousData(), one.contiguousData(), '28x28, K = 8, E = 190, B = 2: 2 threads = 1 thread');
  } finally {
    setStackKernels(previous);
    await rt1.shutdown();
    await rt2.shutdown();
  }
  t.end();
});

test('search merge: bad input throws typed errors; a non-one-to-one stack and the spatial SCAttn take the general path', (t) => {
  const previous = setStackKernels('wasm');
  try {
    const stack = directionStack(['h', 'w7'], 15, 13);
    const { K, Lmax, T } = stack;
    const ys = Tensor.randn([1, K, 12, Lmax], 1);
    const gates = Tensor.rand([K, 1, 12], 2);
    const w = [0.25, 0.75];
    t.throws(() => mergeSearch(Tensor.zeros([1, 3, 12, Lmax]), stack, gates, w, 1e-5), ShapeError, 'wrong K');
    t.throws(() => mergeSearch(Tensor.zeros([1, K, 12, Lmax - 1]), stack, gates, w, 1e-5), ShapeError, 'rows too short');
    t.throws(() => mergeSearch(ys, stack, Tensor.zeros([K, 1, 11]), w, 1e-5), ShapeError, 'wrong gate count');
    t.throws(() => mergeSearch(ys, stack, gates, [1], 1e-5), ShapeError, 'wrong weight count');
    t.throws(() => mergeSearch(ys, stack, gates, [0.5, Number.NaN], 1e-5), ArgumentError, 'NaN weight');
    t.throws(() => mergeSearch(ys, stack, gates, w, -1), ArgumentError, 'negative eps');
    const shared: DirectionStack = { ...stack, rowOf: null };
    t.throws(() => mergeSearch(ys, shared, gates, w, 1e-5), ArgumentError, 'no one-to-one reverse map');

    const { attn, merge } = modules(12, K, 3);
    const general = merged('ts', ys, stack, attn, merge).out;
    const viaPositions = merged('wasm', ys, shared, attn, merge);
    t.ok(viaPositions.names.has('SCAttn'), 'rowOf = null: the general path');
    assertSame(t, viaPositions.out.contiguousData(), general.contiguousData(), 'rowOf = null: same values as the general path');
    const spatial = new SCAttn(12, { rng: 4, spatial: true });
    const withSpatial = merged('wasm', ys, stack, spatial, merge);
    t.ok(withSpatial.names.has('SCAttn') && !withSpatial.names.has('SCAttn.stats'), 'spatial SCAttn: the general path');
    t.deepEqual(withSpatial.out.shape, [1, T, 12]);
  } finally {
    setStackKernels(previous);
  }
  t.end();
});
