import { ShapeError, Tensor } from '@vssm/core';
import { isResident, WasmRuntime, withScratch } from '@vssm/wasm';
import test from 'tape';
import { type DirectionStack, directionStack } from '../src/common/direction-stack.js';
import { gatedMerge, gatherRowsToStack, gatherTokensToStack, layerNormTokenMeans } from '../src/common/stack-kernels.js';
import {
  gatherRowsStack,
  gatherTokensStacks,
  mergeGated,
  setStackKernels,
  stackKernelMode,
  tokenMeans,
  withStackRuntime,
} from '../src/common/stack-wasm.js';
import { assertSame } from './stack-test-helpers.js';

const ALL = ['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'];
const DIRECTION_SETS: readonly string[][] = [['w7'], ['h', 'v_flip'], ['h_flip', 'v', 'w2', 'w7_flip'], ALL];
const GRIDS: readonly [number, number][] = [
  [15, 13],
  [4, 5],
];

interface Case {
  dirs: readonly string[];
  H: number;
  W: number;
  cls: boolean;
  B: number;
  C: number;
  seed: number;
}

function* cases(): Generator<Case> {
  let seed = 1;
  for (const dirs of DIRECTION_SETS) {
    for (const [H, W] of GRIDS) {
      for (const cls of [false, true]) {
        for (const B of [1, 2]) {
          // C not a multiple of 4 nor of the 16-channel tiles; 20 = one full tile and a group of four
          const C = [13, 20, 37][seed % 3];
          yield { dirs, H, W, cls, B, C, seed: seed++ };
        }
      }
    }
  }
}

const label = (c: Case) => `${c.dirs.join(',')} ${c.H}x${c.W}${c.cls ? '+cls' : ''} B=${c.B} C=${c.C}`;

/** Runs every kernel of one case against its TypeScript twin; `resident` says whether outputs must stay in wasm memory. */
function checkCase(t: test.Test, rt: WasmRuntime, c: Case, resident: boolean, where: string): void {
  const { B, C } = c;
  const stack: DirectionStack = directionStack(c.dirs, c.H, c.W, { classToken: c.cls });
  const { K, Lmax, T } = stack;
  const name = `${label(c)} ${where}`;

  // gatherTokensStacks: two channel ranges of one token-major input
  const Ctot = 2 * C + 3;
  const x = Tensor.randn([B, T, Ctot], c.seed);
  const ranges: [number, number][] = [
    [0, C],
    [C + 3, C],
  ];
  const stacks = gatherTokensStacks(x, ranges, stack);
  for (const [i, [c0, Cn]] of ranges.entries()) {
    const expected = new Float32Array(B * K * Cn * Lmax);
    gatherTokensToStack(x.contiguousData(), B, T, Ctot, c0, Cn, stack.orders, Lmax, expected);
    t.deepEqual(stacks[i].shape, [B, K, Cn, Lmax], `${name} gatherTokens shape`);
    assertSame(t, stacks[i].contiguousData(), expected, `${name} gatherTokens [${c0}, ${c0 + Cn})`);
  }
  if (resident) t.ok(isResident(stacks[0], rt), `${name}: gatherTokens output stays in wasm memory`);

  // gatherRowsStack (channel-first input, no class token in SS2D but the kernel does not care)
  if (!c.cls) {
    const u = Tensor.randn([B, C, c.H, c.W], c.seed + 1000);
    const xs = gatherRowsStack(u, stack);
    const expected = new Float32Array(B * K * C * Lmax);
    gatherRowsToStack(u.contiguousData(), B, C, T, stack.orders, stack.kinds, Lmax, expected);
    assertSame(t, xs.contiguousData(), expected, `${name} gatherRows`);
    if (resident) t.ok(isResident(xs, rt), `${name}: gatherRows output stays in wasm memory`);
  }

  // a JavaScript ys with rows longer than the longest sequence, and a resident one from a gather
  const ysHeap = Tensor.randn([B, K, C, Lmax + 3], c.seed + 2000);
  const ysRes = gatherTokensStacks(Tensor.randn([B, T, C], c.seed + 3000), [[0, C]], stack)[0];
  for (const [ys, kind] of [
    [ysHeap, 'heap ys'],
    [ysRes, 'stacked ys'],
  ] as const) {
    const rowLength = ys.shape[3];
    const expectedMeans = new Float64Array(B * K * C);
    layerNormTokenMeans(ys.contiguousData(), B, C, rowLength, stack.uses, 1e-5, expectedMeans);
    assertSame(t, tokenMeans(ys, stack, 1e-5), expectedMeans, `${name} tokenMeans (${kind})`);
    const gates = Tensor.rand([B * K, 1, C], c.seed + 4000);
    const expected = new Float32Array(B * T * C);
    gatedMerge(ys.contiguousData(), B, C, rowLength, stack.positions, stack.rowOf, gates.contiguousData(), expected);
    const viaPositions = new Float32Array(B * T * C);
    gatedMerge(ys.contiguousData(), B, C, rowLength, stack.positions, null, gates.contiguousData(), viaPositions);
    const merged = mergeGated(ys, stack, gates);
    t.deepEqual(merged.shape, [B, T, C], `${name} merge shape`);
    assertSame(t, merged.contiguousData(), expected, `${name} mergeGated (${kind})`);
    assertSame(t, merged.contiguousData(), viaPositions, `${name} mergeGated = the token-order TS loop (${kind})`);
    if (resident) t.ok(isResident(merged, rt), `${name}: merge output stays in wasm memory`);
  }
}

for (const threads of [1, 2]) {
  test(`stack wasm kernels = TypeScript kernels, bit for bit (${threads} thread${threads > 1 ? 's' : ''})`, async (t) => {
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
    t.end();
  });
}

test('stack kernels: big enough problems use 2 threads with the same bits; outside a scope the result is a JS array', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 2 });
  try {
    const stack = directionStack(ALL, 28, 28);
    const { K, Lmax, T } = stack;
    const B = 1;
    const E = 190;
    const u = Tensor.randn([B, E, 28, 28], 7);
    const expected = new Float32Array(B * K * E * Lmax);
    gatherRowsToStack(u.contiguousData(), B, E, T, stack.orders, stack.kinds, Lmax, expected);
    const xs = withStackRuntime(rt, () => gatherRowsStack(u, stack));
    t.notOk(isResident(xs), 'copied out of wasm memory');
    assertSame(t, xs.contiguousData(), expected, 'gatherRows 28x28, K = 8, E = 190');
    const means = new Float64Array(B * K * E);
    layerNormTokenMeans(expected, B, E, Lmax, stack.uses, 1e-6, means);
    assertSame(
      t,
      withStackRuntime(rt, () => tokenMeans(xs, stack, 1e-6)),
      means,
      'tokenMeans 28x28',
    );
    const gates = Tensor.rand([B * K, 1, E], 9);
    const merged = new Float32Array(B * T * E);
    gatedMerge(expected, B, E, Lmax, stack.positions, stack.rowOf, gates.contiguousData(), merged);
    assertSame(t, withStackRuntime(rt, () => mergeGated(xs, stack, gates)).contiguousData(), merged, 'mergeGated 28x28');
  } finally {
    await rt.shutdown();
  }
  t.end();
});

test("stack kernels: mode 'ts' runs the TypeScript kernels; bad shapes and modes throw typed errors", (t) => {
  const previous = setStackKernels('ts');
  try {
    t.equal(stackKernelMode(), 'ts');
    const stack = directionStack(['h', 'w7'], 15, 13);
    const u = Tensor.randn([1, 5, 15, 13], 3);
    const expected = new Float32Array(2 * 5 * stack.Lmax);
    gatherRowsToStack(u.contiguousData(), 1, 5, stack.T, stack.orders, stack.kinds, stack.Lmax, expected);
    assertSame(t, gatherRowsStack(u, stack).contiguousData(), expected, 'gatherRows (ts)');
    t.throws(() => gatherRowsStack(Tensor.zeros([1, 5, 14, 13]), stack), ShapeError, 'wrong position count');
    t.throws(() => tokenMeans(Tensor.zeros([1, 3, 5, stack.Lmax]), stack, 1e-5), ShapeError, 'wrong K');
    t.throws(() => mergeGated(Tensor.zeros([1, 2, 5, stack.Lmax]), stack, Tensor.zeros([2, 1, 4])), ShapeError, 'wrong gate count');
    t.throws(() => gatherTokensStacks(Tensor.zeros([1, stack.T, 6]), [[4, 3]], stack), /channel range/, 'range outside the channels');
    t.throws(() => setStackKernels('fast' as never), /mode must be one of/, 'unknown mode');
  } finally {
    setStackKernels(previous);
  }
  t.end();
});
