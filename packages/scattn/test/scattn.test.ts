import { ArgumentError, allClose, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import { SCAttn } from '../src/index.js';

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse here; integrate the series instead (|x| is small in these tests).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const geluRef = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
const sigmoidRef = (v: number) => 1 / (1 + Math.exp(-v));

function linearRef(x: number[], w: Tensor, b: Tensor | null): number[] {
  const [out, inp] = w.shape;
  const y: number[] = [];
  for (let o = 0; o < out; o++) {
    let acc = b ? b.get(o) : 0;
    for (let i = 0; i < inp; i++) acc += w.get(o, i) * x[i];
    y.push(acc);
  }
  return y;
}

/** Straight-line double-precision SCAttn, written from the spec (§2.2) independently of the module code. */
function scattnRef(attn: SCAttn, x: Tensor): Tensor {
  const [B, L, E] = x.shape;
  const sd = attn.stateDict();
  const out = Tensor.zeros([B, L, E]);
  for (let b = 0; b < B; b++) {
    const normed: number[][] = [];
    for (let l = 0; l < L; l++) {
      const row = Array.from({ length: E }, (_, e) => x.get(b, l, e));
      const mu = row.reduce((s, v) => s + v, 0) / E;
      const varc = row.reduce((s, v) => s + (v - mu) ** 2, 0) / E;
      normed.push(row.map((v, e) => ((v - mu) / Math.sqrt(varc + 1e-5)) * sd.get('norm.weight')!.get(e) + sd.get('norm.bias')!.get(e)));
    }
    const mean = Array.from({ length: E }, (_, e) => normed.reduce((s, r) => s + r[e], 0) / L);
    const g = linearRef(mean, sd.get('global_reduce.weight')!, sd.get('global_reduce.bias')!).map(geluRef);
    const c = linearRef(g, sd.get('channel_select.weight')!, sd.get('channel_select.bias')!).map(sigmoidRef);
    for (let l = 0; l < L; l++) {
      let s = 1;
      if (attn.spatial) {
        const local = linearRef(normed[l], sd.get('local_reduce.weight')!, sd.get('local_reduce.bias')!).map(geluRef);
        s = sigmoidRef(linearRef([...local, ...g], sd.get('spatial_select.weight')!, sd.get('spatial_select.bias')!)[0]);
      }
      for (let e = 0; e < E; e++) out.set(x.get(b, l, e) * c[e] * s, b, l, e);
    }
  }
  return out;
}

/** Moves every parameter away from its default so nothing sits at a special value. */
function perturb(attn: SCAttn, seed: number): void {
  const state = new Map<string, Tensor>();
  for (const [k, t] of attn.stateDict()) state.set(k, t.add(Tensor.randn(t.shape, seed++, 0, 0.3)));
  attn.loadStateDict(state);
}

test('SCAttn (released): official keys, shapes and order', (t) => {
  const attn = new SCAttn(32);
  t.equal(attn.reducedChannels, 4);
  t.deepEqual(attn.stateDictShapes(), [
    ['norm.weight', [32]],
    ['norm.bias', [32]],
    ['global_reduce.weight', [4, 32]],
    ['global_reduce.bias', [4]],
    ['channel_select.weight', [32, 4]],
    ['channel_select.bias', [32]],
  ]);
  t.equal(new SCAttn(384).reducedChannels, 48, 'E/8 = 48 for LocalVim-T');
  t.end();
});

test('SCAttn (spatial option): extra local_reduce / spatial_select layers', (t) => {
  const attn = new SCAttn(16, { spatial: true });
  t.deepEqual(attn.stateDictShapes(), [
    ['norm.weight', [16]],
    ['norm.bias', [16]],
    ['global_reduce.weight', [2, 16]],
    ['global_reduce.bias', [2]],
    ['local_reduce.weight', [2, 16]],
    ['local_reduce.bias', [2]],
    ['channel_select.weight', [16, 2]],
    ['channel_select.bias', [16]],
    ['spatial_select.weight', [1, 4]],
    ['spatial_select.bias', [1]],
  ]);
  t.end();
});

test('SCAttn forward equals a straight-line reference (released and spatial, batch 2)', (t) => {
  for (const spatial of [false, true]) {
    const attn = new SCAttn(24, { spatial, rng: 3 });
    perturb(attn, 10);
    const x = Tensor.randn([2, 7, 24], 4);
    const report = allClose(attn.forward(x), scattnRef(attn, x), { rtol: 1e-5, atol: 1e-6 });
    t.ok(report.ok, `spatial=${spatial}: ${report.message}`);
  }
  t.end();
});

test('SCAttn gates the un-normalised input: released attention is one value per (batch, channel)', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 6 }), (seed, L) => {
      const attn = new SCAttn(16, { rng: seed });
      perturb(attn, seed);
      const x = Tensor.randn([2, L, 16], seed + 1, 0.5, 2);
      const gate = attn.attention(x);
      if (gate.shape.join() !== '2,1,16') return false;
      const y = attn.forward(x);
      // y = x ⊙ gate exactly (the gate multiplies x, not LN(x)).
      return allClose(y, x.mul(gate), { rtol: 0, atol: 0 }).ok && gate.min().item() > 0 && gate.max().item() < 1;
    }),
    { numRuns: 25 },
  );
  t.pass('gate is (B, 1, E), in (0, 1), and y = x ⊙ gate');
  t.end();
});

test('SCAttn batch items are independent', (t) => {
  const attn = new SCAttn(16, { spatial: true, rng: 1 });
  perturb(attn, 2);
  const x = Tensor.randn([3, 5, 16], 9);
  const batched = attn.forward(x);
  for (let b = 0; b < 3; b++) {
    const single = attn.forward(x.slice([b, b + 1]).contiguous());
    const r = allClose(single, batched.slice([b, b + 1]), { rtol: 1e-6, atol: 1e-7 });
    t.ok(r.ok, `item ${b}: ${r.message}`);
  }
  t.end();
});

test('SCAttn rejects bad sizes and inputs with typed errors', (t) => {
  t.throws(() => new SCAttn(0), ArgumentError);
  t.throws(() => new SCAttn(4), /no reduced channels/, 'int(4 · 0.125) = 0');
  t.throws(() => new SCAttn(16, { actRatio: Number.NaN }), ArgumentError);
  const attn = new SCAttn(16);
  t.throws(() => attn.forward(Tensor.zeros([1, 4, 8])), ShapeError, 'wrong channel count');
  t.throws(() => attn.forward(Tensor.zeros([4, 16])), ShapeError, 'rank 2');
  t.throws(() => attn.forward(Tensor.zeros([1, 0, 16])), ShapeError, 'no tokens');
  t.end();
});
