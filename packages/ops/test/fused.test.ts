import { ArgumentError, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import {
  type Activation,
  addLayerNorm,
  addRmsNorm,
  conv1dCausal,
  conv2d,
  fusedConv1dCausal,
  fusedConv2d,
  fusedLinear,
  gelu,
  layerNorm,
  layerNormLinear,
  linear,
  mulSilu,
  relu,
  rmsNorm,
  sigmoid,
  silu,
  withBackend,
} from '../src/index.js';
import { edgeSize, layout, onBoth, productBound, property, randn, U32, withinBound } from './wasm-helpers.js';

const ACTS: Activation[] = ['none', 'silu', 'gelu', 'relu', 'sigmoid'];
const apply = (a: Activation, t: Tensor) =>
  a === 'silu' ? silu(t) : a === 'gelu' ? gelu(t) : a === 'relu' ? relu(t) : a === 'sigmoid' ? sigmoid(t) : t;

/** Bitwise equality of two tensors' values (NaN equal to NaN). */
function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = a.contiguousData();
  const y = b.contiguousData();
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) return false;
  return true;
}

/** The bound of a product-then-activation: the product's summation bound times the activation's slope (≤ 1.13), plus its own error. */
const fusedBound = (terms: number, scale: ArrayLike<number>) => (i: number, e: number) => 1.2 * productBound(terms, scale[i], e) + 1e-6;

test('fused ops on cpu equal the unfused composition of the cpu ops exactly', (t) => {
  withBackend('cpu', () => {
    const x = randn([2, 5, 17], 1);
    const w = randn([9, 17], 2);
    const b = randn([9], 3);
    const r = randn([2, 5, 9], 4);
    for (const a of ACTS) {
      t.ok(sameBits(fusedLinear(x, w, b, { activation: a, residual: r }), apply(a, linear(x, w, b).add(r))), `fusedLinear ${a} + residual`);
      t.ok(sameBits(fusedLinear(x, w, null, { activation: a }), apply(a, linear(x, w))), `fusedLinear ${a}`);
    }
    const img = randn([2, 6, 9, 11], 5);
    const dw = randn([6, 1, 3, 3], 6);
    const db = randn([6], 7);
    const h = randn([2, 6, 9, 11], 8);
    const opts = { padding: 1, groups: 6 };
    t.ok(
      sameBits(fusedConv2d(img, dw, db, { ...opts, activation: 'gelu', residual: h }), gelu(conv2d(img, dw, db, opts).add(h))),
      'fusedConv2d gelu(dw + residual)',
    );
    t.ok(
      sameBits(
        fusedConv2d(img, dw, db, { stride: 2, padding: 1, groups: 6, activation: 'silu' }),
        silu(conv2d(img, dw, db, { stride: 2, padding: 1, groups: 6 })),
      ),
      'fusedConv2d silu, stride 2',
    );
    const pw = randn([4, 6, 1, 1], 9);
    t.ok(sameBits(fusedConv2d(img, pw, null, { activation: 'relu' }), relu(conv2d(img, pw))), 'fusedConv2d 1×1 relu');
    const seq = randn([2, 6, 13], 10);
    const cw = randn([6, 4], 11);
    const cb = randn([6], 12);
    t.ok(sameBits(fusedConv1dCausal(seq, cw, cb, { activation: 'silu' }), silu(conv1dCausal(seq, cw, cb))), 'fusedConv1dCausal silu');
    const z = randn([2, 5, 17], 13);
    t.ok(sameBits(mulSilu(x, z), x.mul(silu(z))), 'mulSilu = x · silu(z)');
    const res = randn([2, 5, 17], 14);
    const nw = randn([17], 15);
    const nb = randn([17], 16);
    const ln = addLayerNorm(x, res, nw, nb, 1e-6);
    t.ok(
      sameBits(ln.sum, x.add(res)) && sameBits(ln.out, layerNorm(x.add(res), nw, nb, 1e-6)),
      'addLayerNorm = layerNorm(x + residual) and the sum',
    );
    const rms = addRmsNorm(x, res, nw, 1e-5);
    t.ok(
      sameBits(rms.sum, x.add(res)) && sameBits(rms.out, rmsNorm(x.add(res), nw, 1e-5)),
      'addRmsNorm = rmsNorm(x + residual) and the sum',
    );
    t.ok(
      sameBits(layerNormLinear(x, nw, nb, w, b, { eps: 1e-6, activation: 'silu' }), silu(linear(layerNorm(x, nw, nb, 1e-6), w, b))),
      'layerNormLinear = silu(linear(layerNorm(x)))',
    );
  });
  t.end();
});

test('fused ops on wasm = fused ops on cpu (edge sizes, layouts, every activation)', (t) => {
  property(
    t,
    'fusedLinear',
    fc.property(
      edgeSize(),
      edgeSize(),
      edgeSize(),
      fc.constantFrom(...ACTS),
      fc.boolean(),
      fc.boolean(),
      layout,
      fc.integer({ min: 1, max: 999 }),
      (M, K, N, a, withB, withR, lx, seed) => {
        const x = randn([M, K], seed, lx);
        const w = randn([N, K], seed + 1);
        const b = withB ? randn([N], seed + 2) : null;
        const r = withR ? randn([M, N], seed + 3, lx) : null;
        const both = onBoth('fusedLinear', () => fusedLinear(x, w, b, { activation: a, residual: r }));
        if (both.servedBy !== 'wasm') return false;
        const scale = withBackend('cpu', () => {
          let s = linear(x.abs(), w.abs(), b ? b.abs() : null);
          if (r) s = s.add(r.abs());
          return s.contiguousData();
        });
        const msg = withinBound(both.wasm, both.cpu, fusedBound(K + 2, scale));
        if (msg) throw new Error(`${M}×${K}·${N} ${a}: ${msg}`);
        return true;
      },
    ),
  );
  property(
    t,
    'fusedConv2d (depthwise with residual, dense)',
    fc.property(
      fc.constantFrom(1, 3, 5),
      fc.integer({ min: 1, max: 17 }),
      fc.integer({ min: 1, max: 17 }),
      fc.constantFrom(1, 3, 7),
      fc.constantFrom(1, 2),
      fc.constantFrom('depthwise', 'dense'),
      fc.constantFrom(...ACTS),
      fc.boolean(),
      fc.integer({ min: 1, max: 999 }),
      (C, H, W, k, s, kind, a, withR, seed) => {
        const p = (k - 1) / 2;
        const groups = kind === 'depthwise' ? C : 1;
        const O = kind === 'depthwise' ? C : 4;
        const x = randn([1, C, H, W], seed);
        const w = randn([O, C / groups, k, k], seed + 1);
        const b = randn([O], seed + 2);
        const Ho = Math.floor((H + 2 * p - k) / s) + 1;
        const Wo = Math.floor((W + 2 * p - k) / s) + 1;
        const r = withR ? randn([1, O, Ho, Wo], seed + 3) : null;
        const opts = { stride: s, padding: p, groups };
        const both = onBoth('fusedConv2d', () => fusedConv2d(x, w, b, { ...opts, activation: a, residual: r }));
        if (both.servedBy !== 'wasm') return false;
        const scale = withBackend('cpu', () => {
          let v = conv2d(x.abs(), w.abs(), b.abs(), opts);
          if (r) v = v.add(r.abs());
          return v.contiguousData();
        });
        const msg = withinBound(both.wasm, both.cpu, fusedBound((C / groups) * k * k + 2, scale));
        if (msg) throw new Error(`${kind} C ${C} ${H}×${W} k ${k} s ${s} ${a}: ${msg}`);
        return true;
      },
    ),
  );
  property(
    t,
    'fusedConv1dCausal, mulSilu, addLayerNorm, addRmsNorm, layerNormLinear',
    fc.property(edgeSize(), edgeSize(), fc.constantFrom(...ACTS), layout, fc.integer({ min: 1, max: 999 }), (R, D, a, lx, seed) => {
      const x = randn([2, R, D], seed, lx);
      const w = randn([R, 4], seed + 1);
      const c1 = onBoth('fusedConv1dCausal', () => fusedConv1dCausal(x, w, null, { activation: a }));
      const c1s = withBackend('cpu', () => conv1dCausal(x.abs(), w.abs()).contiguousData());
      const m1 = withinBound(c1.wasm, c1.cpu, fusedBound(5, c1s));
      const z = randn([2, R, D], seed + 2, lx, 4);
      const g = onBoth('mulSilu', () => mulSilu(x, z));
      const m2 = withinBound(g.wasm, g.cpu, (_i, e) => 2e-6 * (1 + Math.abs(e)));
      const res = randn([2, R, D], seed + 3);
      const nw = randn([D], seed + 4);
      const nb = randn([D], seed + 5);
      const ln = onBoth('addLayerNorm', () => addLayerNorm(x, res, nw, nb));
      const normB = (_i: number, e: number) => 8 * (D + 8) * U32 * (1 + Math.abs(e));
      const m3 = withinBound(ln.wasm.out, ln.cpu.out, normB) || withinBound(ln.wasm.sum, ln.cpu.sum, (_i, e) => U32 * Math.abs(e) + 1e-30);
      const rms = onBoth('addRmsNorm', () => addRmsNorm(x, res, nw));
      const m4 = withinBound(rms.wasm.out, rms.cpu.out, normB);
      const lw = randn([5, D], seed + 6);
      const ll = onBoth('layerNormLinear', () => layerNormLinear(x, nw, nb, lw, null, { activation: a }));
      const lls = withBackend('cpu', () => linear(layerNorm(x, nw, nb).abs(), lw.abs()).contiguousData());
      const m5 = withinBound(ll.wasm, ll.cpu, (i, e) => fusedBound(D + 2, lls)(i, e) + 8 * (D + 8) * U32 * lls[i]);
      const served = [c1, g, ln, rms, ll].every((r) => r.servedBy === 'wasm');
      const msg = m1 || m2 || m3 || m4 || m5;
      if (msg || !served) throw new Error(`[2, ${R}, ${D}] ${a}: ${msg || 'not all served by wasm'}`);
      return true;
    }),
  );
  t.end();
});

test('fused ops: bad input is a typed error naming the op', (t) => {
  const x = Tensor.zeros([2, 3]);
  const w = Tensor.zeros([4, 3]);
  t.throws(
    () => fusedLinear(x, w, null, { activation: 'tanh' as Activation }),
    (e: unknown) => e instanceof ArgumentError && /fusedLinear: activation must be one of/.test((e as Error).message),
  );
  t.throws(
    () => fusedLinear(x, w, null, { residual: Tensor.zeros([2, 3]) }),
    (e: unknown) => e instanceof ShapeError && /fusedLinear: residual \[2, 3\]/.test((e as Error).message),
  );
  t.throws(
    () => fusedLinear(x, Tensor.zeros([4, 5])),
    (e: unknown) => e instanceof ShapeError && /fusedLinear: x \[2, 3\] has 3 input features/.test((e as Error).message),
  );
  t.throws(
    () => fusedLinear(x, w, null, { actvation: 'silu' } as never),
    (e: unknown) => e instanceof ArgumentError && /unknown option 'actvation'/.test((e as Error).message),
  );
  const img = Tensor.zeros([1, 2, 5, 5]);
  t.throws(
    () => fusedConv2d(img, Tensor.zeros([2, 1, 3, 3]), null, { groups: 2, residual: Tensor.zeros([1, 2, 5, 5]) }),
    (e: unknown) =>
      e instanceof ShapeError &&
      /fusedConv2d: residual \[1, 2, 5, 5\] must have the output's shape \[1, 2, 3, 3\]/.test((e as Error).message),
  );
  t.throws(
    () => fusedConv2d(img, Tensor.zeros([2, 1, 3, 3]), null, { groups: 3 }),
    (e: unknown) => e instanceof ArgumentError && /fusedConv2d: groups=3/.test((e as Error).message),
  );
  t.throws(
    () => fusedConv1dCausal(Tensor.zeros([1, 2, 5]), Tensor.zeros([3, 4])),
    (e: unknown) => e instanceof ShapeError && /fusedConv1dCausal/.test((e as Error).message),
  );
  t.throws(
    () => mulSilu(x, Tensor.zeros([3, 2])),
    (e: unknown) => e instanceof ShapeError && /mulSilu: x \[2, 3\] and z \[3, 2\]/.test((e as Error).message),
  );
  t.throws(
    () => addLayerNorm(x, Tensor.zeros([2, 4])),
    (e: unknown) => e instanceof ShapeError && /addLayerNorm: x \[2, 3\] and residual \[2, 4\]/.test((e as Error).message),
  );
  t.throws(
    () => addRmsNorm(x, x, Tensor.zeros([4])),
    (e: unknown) => e instanceof ShapeError && /addRmsNorm: weight must have shape \[3\]/.test((e as Error).message),
  );
  t.throws(
    () => addRmsNorm(x, x, null, Number.NaN),
    (e: unknown) => e instanceof ArgumentError && /addRmsNorm: eps/.test((e as Error).message),
  );
  t.throws(
    () => layerNormLinear(x, Tensor.zeros([4]), null, w),
    (e: unknown) => e instanceof ShapeError && /layerNormLinear: normWeight/.test((e as Error).message),
  );
  t.end();
});
