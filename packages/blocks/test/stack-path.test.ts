import { goldenClose, Rng, Tensor } from '@vssm/core';
import { reverse, scan } from '@vssm/scan';
import { SCAttn, ScanMerge } from '@vssm/scattn';
import fc from 'fast-check';
import test from 'tape';
import { directionStack } from '../src/common/direction-stack.js';
import { mergeDirections, scattnGates } from '../src/common/gated-sum.js';
import { clearDerived, derived } from '../src/common/param-cache.js';
import { gatedMerge, gatherRowsToStack, gatherTokensToStack, layerNormTokenMeans, reverseOne } from '../src/common/stack-kernels.js';
import { MultiScanMambaMixer, negExp, type StackedSsmWeights, selectiveSsm, slotWeights, stackedSelectiveSsm } from '../src/index.js';

const DIRECTIONS = ['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'];

function randomArray(n: number, seed: number): Float32Array {
  return Tensor.randn([n], seed).toFloat32Array();
}

/** Picks 1–4 directions (repeats allowed) from a seed. */
function pickDirections(seed: number, count: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => DIRECTIONS[Math.floor(rng.uniform() * DIRECTIONS.length)]);
}

/** Arbitraries of a random stack: grid H, W (1–6), K directions (1–4, picked by pickDirections from the seed), seed. */
const STACK_CASE = [fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer()] as const;
/** STACK_CASE with a class-token flag before the seed. */
const STACK_CASE_CLS = [STACK_CASE[0], STACK_CASE[1], STACK_CASE[2], fc.boolean(), STACK_CASE[3]] as const;

/** Whether the stack `dst` (B, K, C, Lmax) holds each direction's scan `scanOf(k)` (B, C, L_k), zero-padded to Lmax. */
function holdsScans(dst: Float32Array, B: number, K: number, C: number, Lmax: number, scanOf: (k: number) => Tensor): boolean {
  for (let k = 0; k < K; k++) {
    const ref = scanOf(k);
    const L = ref.shape[2];
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let s = 0; s < Lmax; s++) {
          const got = dst[((b * K + k) * C + c) * Lmax + s];
          if (got !== (s < L ? ref.get(b, c, s) : 0)) return false;
        }
  }
  return true;
}

test('directionStack: orders and positions are the scan / reverse maps, with the class token at cp of every sequence', (t) => {
  for (const [H, W] of [
    [3, 5],
    [4, 4],
    [7, 3],
  ]) {
    const dirs = ['h', 'v_flip', 'w2', 'w7_flip'];
    const plain = directionStack(dirs, H, W);
    const tokens = H * W;
    const x = Tensor.arange(tokens).reshape([1, tokens, 1]).add(1); // token t holds t + 1 (0 = padding)
    for (let k = 0; k < dirs.length; k++) {
      const scanned = scan(x, dirs[k], { H, W, layout: 'blc' }).toFloat32Array();
      const fromOrder = Array.from(plain.orders[k], (j) => (j < 0 ? 0 : j + 1));
      t.deepEqual(fromOrder, Array.from(scanned), `${dirs[k]} ${H}x${W}: order = scan`);
      const back = reverse(Tensor.fromData(scanned, [1, 1, scanned.length]), dirs[k], { H, W }).toFloat32Array();
      t.deepEqual(
        Array.from(plain.positions[k], (p) => scanned[p]),
        Array.from(back),
        `${dirs[k]} ${H}x${W}: positions = reverse`,
      );
      t.equal(
        plain.uses[k].reduce((s, u) => s + u, 0),
        tokens,
        'every token row reads one position',
      );
    }
    t.ok(plain.rowOf, 'built-in directions have one-to-one reverse maps');
    const cls = directionStack(dirs, H, W, { classToken: true });
    const cp = tokens >> 1;
    t.equal(cls.T, tokens + 1);
    for (let k = 0; k < dirs.length; k++) {
      t.equal(cls.orders[k].length, plain.orders[k].length + 1);
      t.equal(cls.orders[k][cp], cp, 'the class token row sits at position cp');
      t.equal(cls.positions[k][cp], cp);
      for (let r = 0; r < cls.T; r++) {
        if (r === cp) continue;
        t.equal(cls.orders[k][cls.positions[k][r]], r, 'positions invert orders on the token rows');
      }
    }
  }
  t.end();
});

test('gatherTokensToStack = scan of each direction into its rows of the stack (zero padding and tail)', (t) => {
  fc.assert(
    fc.property(...STACK_CASE, (H, W, K, seed) => {
      const dirs = pickDirections(seed, K);
      const B = 2;
      const C = 3;
      const st = directionStack(dirs, H, W);
      const x = Tensor.randn([B, H * W, 2 * C], seed);
      const dst = new Float32Array(B * K * C * st.Lmax);
      gatherTokensToStack(x.contiguousData(), B, H * W, 2 * C, C, C, st.orders, st.Lmax, dst);
      return holdsScans(dst, B, K, C, st.Lmax, (k) => scan(x.slice(null, null, [C, 2 * C]), dirs[k], { H, W, layout: 'blc' }));
    }),
    { numRuns: 60 },
  );
  t.pass('60 random grids and direction lists');
  t.end();
});

test('gatherRowsToStack = scan of a channel-first map per direction (identity, reversed, dense and padded orders)', (t) => {
  const st44 = directionStack(['h', 'h_flip', 'v', 'w7'], 4, 4);
  t.deepEqual(st44.kinds, ['identity', 'reversed', 'dense', 'padded']);
  fc.assert(
    fc.property(...STACK_CASE, (H, W, K, seed) => {
      const dirs = pickDirections(seed, K);
      const B = 2;
      const C = 3;
      const st = directionStack(dirs, H, W);
      const x = Tensor.randn([B, C, H, W], seed);
      const dst = new Float32Array(B * K * C * st.Lmax);
      gatherRowsToStack(x.contiguousData(), B, C, H * W, st.orders, st.kinds, st.Lmax, dst);
      return holdsScans(dst, B, K, C, st.Lmax, (k) => scan(x, dirs[k]));
    }),
    { numRuns: 60 },
  );
  t.pass('60 random grids and direction lists');
  t.end();
});

/** The plain composition: reverse each direction, affine-free LayerNorm per token, mean over tokens (double). */
function naiveTokenMeans(ys: Float32Array, B: number, K: number, E: number, Lmax: number, positions: readonly Int32Array[], eps: number) {
  const out = new Float64Array(B * K * E);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < K; k++) {
      const T = positions[k].length;
      for (let t = 0; t < T; t++) {
        const p = positions[k][t];
        const v = Array.from({ length: E }, (_, e) => ys[((b * K + k) * E + e) * Lmax + p]);
        const m = v.reduce((s, x) => s + x, 0) / E;
        const variance = v.reduce((s, x) => s + (x - m) ** 2, 0) / E;
        for (let e = 0; e < E; e++) out[(b * K + k) * E + e] += (v[e] - m) / Math.sqrt(variance + eps) / T;
      }
    }
  return out;
}

test('layerNormTokenMeans = mean over the reversed tokens of the affine-free LayerNorm (with class token, windows)', (t) => {
  fc.assert(
    fc.property(...STACK_CASE_CLS, (H, W, K, cls, seed) => {
      const dirs = pickDirections(seed, K);
      const B = 2;
      const E = 5;
      const st = directionStack(dirs, H, W, { classToken: cls });
      const ys = randomArray(B * K * E * st.Lmax, seed).map((v, i) => v * 3 + (i % 7)); // a non-zero mean too
      const got = new Float64Array(B * K * E);
      layerNormTokenMeans(ys, B, E, st.Lmax, st.uses, 1e-5, got);
      const want = naiveTokenMeans(ys, B, K, E, st.Lmax, st.positions, 1e-5);
      return got.every((g, i) => Math.abs(g - want[i]) <= 1e-9 * (1 + Math.abs(want[i])));
    }),
    { numRuns: 60 },
  );
  t.pass('60 random cases within 1e-9');
  t.end();
});

test('gatedMerge: float32 Σ_k reverse(y_k)·g_k in order k, identical by rows and by positions', (t) => {
  fc.assert(
    fc.property(...STACK_CASE_CLS, (H, W, K, cls, seed) => {
      const dirs = pickDirections(seed, K);
      const B = 2;
      const E = 19;
      const st = directionStack(dirs, H, W, { classToken: cls });
      const ys = randomArray(B * K * E * st.Lmax, seed);
      const gates = randomArray(B * K * E, seed + 1);
      const byRows = new Float32Array(B * st.T * E);
      const byPositions = new Float32Array(B * st.T * E);
      gatedMerge(ys, B, E, st.Lmax, st.positions, st.rowOf, gates, byRows);
      gatedMerge(ys, B, E, st.Lmax, st.positions, null, gates, byPositions);
      // the composition as Tensor ops: reverse each direction, multiply by its gate, add in order
      let acc: Tensor | null = null;
      for (let k = 0; k < K; k++) {
        const rev = new Float32Array(B * st.T * E);
        reverseOne(ys, B, K, k, E, st.Lmax, st.positions[k], rev);
        const g = Tensor.fromData(gates, [B, K, E]).slice(null, [k, k + 1]);
        const term = Tensor.fromData(rev, [B, st.T, E]).mul(g);
        acc = acc ? acc.add(term) : term;
      }
      const want = (acc as Tensor).contiguousData();
      return byRows.every((v, i) => v === want[i]) && byPositions.every((v, i) => v === want[i]);
    }),
    { numRuns: 60 },
  );
  t.pass('60 random cases, bit-identical');
  t.end();
});

test('mergeDirections = reverse + SCAttn + ScanMerge (plain sum fused; search and spatial take the general path)', (t) => {
  const B = 2;
  const E = 16;
  const H = 5;
  const W = 6;
  for (const [dirs, cls] of [
    [['h', 'v_flip', 'w2', 'w7_flip'], false],
    [['h_flip', 'v', 'w2_flip'], true],
  ] as [string[], boolean][]) {
    const st = directionStack(dirs, H, W, { classToken: cls });
    const K = dirs.length;
    const ys = Tensor.randn([B, K, E, st.Lmax + 2], 3)
      .mul(2)
      .add(0.5);
    for (const [search, spatial] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      const attn = new SCAttn(E, { spatial, rng: 4 });
      for (const name of ['norm.weight', 'norm.bias']) {
        const p = attn.stateDict().get(name) as Tensor;
        attn.loadStateDict({ ...Object.fromEntries(attn.stateDict()), [name]: Tensor.randn(p.shape, 9).mul(0.5).add(1) });
      }
      const merge = new ScanMerge(K, { search, rng: 5 });
      const got = mergeDirections(ys, st, attn, merge);
      const branches = dirs.map((_, k) => {
        const rev = new Float32Array(B * st.T * E);
        reverseOne(ys.contiguousData(), B, K, k, E, st.Lmax + 2, st.positions[k], rev);
        return attn.forward(Tensor.fromData(rev, [B, st.T, E]));
      });
      const want = merge.forward(branches);
      const report = goldenClose(got, want, 'output');
      t.ok(report.ok, `${dirs.join(',')}${cls ? ' +cls' : ''} search=${search} spatial=${spatial}: ${report.message}`);
    }
  }
  t.end();
});

test('scattnGates: the channel gate of SCAttn.attention on each reversed direction', (t) => {
  const B = 2;
  const E = 24;
  const dirs = ['w7', 'v'];
  const st = directionStack(dirs, 4, 9);
  const ys = Tensor.randn([B, 2, E, st.Lmax], 8);
  const attn = new SCAttn(E, { rng: 2 });
  const gates = scattnGates(ys, st, attn); // (B·K, 1, E)
  for (let k = 0; k < 2; k++) {
    const rev = new Float32Array(B * st.T * E);
    reverseOne(ys.contiguousData(), B, 2, k, E, st.Lmax, st.positions[k], rev);
    const want = attn.attention(Tensor.fromData(rev, [B, st.T, E])); // (B, 1, E)
    const got = gates.reshape([B, 2, E]).slice(null, [k, k + 1]);
    const report = goldenClose(got, want, 'output');
    t.ok(report.ok, `direction ${dirs[k]}: ${report.message}`);
  }
  t.end();
});

test('derived: cached per owner while the dependency tensors are the same objects', (t) => {
  const owner = {};
  const a = Tensor.ones([3]);
  let builds = 0;
  const build = () => ++builds;
  t.equal(derived(owner, 'x', [a], build), 1);
  t.equal(derived(owner, 'x', [a], build), 1, 'hit');
  t.equal(derived(owner, 'x', [Tensor.ones([3])], build), 2, 'a new tensor object rebuilds');
  t.equal(derived(owner, 'y', [a], build), 3, 'keys are separate');
  clearDerived(owner);
  t.equal(derived(owner, 'y', [a], build), 4, 'cleared');
  const aLog = Tensor.fromArray([0, Math.log(2)]);
  t.deepEqual(Array.from(negExp(aLog).contiguousData()), [-1, -2]);
  t.equal(negExp(aLog), negExp(aLog), 'A = −exp(A_log) is computed once per A_log tensor');
  t.end();
});

test('MultiScanMambaMixer: loading new weights takes effect (stacked-weight cache follows the parameter tensors)', async (t) => {
  const opts = { directions: ['h', 'w2_flip'], rng: 3 };
  const mixer = new MultiScanMambaMixer(8, opts);
  const x = Tensor.randn([1, 16, 8], 1);
  const before = await mixer.forward(x, { H: 4, W: 4 });
  const state = Object.fromEntries(mixer.stateDict());
  const changed = { ...state };
  for (const name of ['x_proj_1.weight', 'A_log_0', 'conv1d_1.weight', 'D_1', 'dt_proj_0.bias'])
    changed[name] = state[name].mul(0.7).add(0.01);
  mixer.loadStateDict(changed);
  const after = await mixer.forward(x, { H: 4, W: 4 });
  const fresh = new MultiScanMambaMixer(8, opts);
  fresh.loadStateDict(changed);
  const want = await fresh.forward(x, { H: 4, W: 4 });
  t.deepEqual(Array.from(after.contiguousData()), Array.from(want.contiguousData()), 'same as a mixer built with those weights');
  t.notDeepEqual(Array.from(after.contiguousData()), Array.from(before.contiguousData()), 'and different from before');
  t.end();
});

test('stackedSelectiveSsm = K single-direction selectiveSsm calls (batched projections, one grouped scan)', async (t) => {
  const B = 2;
  const K = 3;
  const E = 8;
  const N = 4;
  const R = 2;
  const L = 11;
  const w: StackedSsmWeights = {
    xProjWeight: Tensor.randn([K, R + 2 * N, E], 1).mul(0.3),
    dtProjsWeight: Tensor.randn([K, E, R], 2).mul(0.3),
    dtProjsBias: Tensor.randn([K, E], 3).mul(0.5).sub(2),
    aLogs: Tensor.rand([K * E, N], 4, 0, 2),
    Ds: Tensor.randn([K * E], 5),
  };
  const xs = Tensor.randn([B, K, E, L], 6);
  const z = Tensor.randn([B, K, E, L], 7);
  const got = await stackedSelectiveSsm(xs, w, { z });
  for (let k = 0; k < K; k++) {
    const want = await selectiveSsm(xs.slice(null, k).contiguous(), slotWeights(w, k), { z: z.slice(null, k).contiguous() });
    const report = goldenClose(got.slice(null, k), want, 'output');
    t.ok(report.ok, `slot ${k}: ${report.message}`);
  }
  t.end();
});
