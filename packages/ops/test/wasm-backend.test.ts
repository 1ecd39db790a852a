import { Tensor } from '@vssm/core';
import { WasmRuntime } from '@vssm/wasm';
import fc from 'fast-check';
import test from 'tape';
import {
  applyRope,
  conv1dCausal,
  conv2d,
  gelu,
  interpolate,
  layerNorm,
  layerNorm2d,
  linear,
  matmul,
  ready,
  relu,
  rmsNorm,
  sigmoid,
  silu,
  softplus,
  WASM_BACKEND,
  wasmBackendStatus,
  withBackend,
  lastServedBy,
} from '../src/index.js';
import { withWasmRuntime } from '../src/wasm/context.js';
import { EDGE_SIZES, edgeSize, type Layout, layout, onBoth, productBound, property, randn, U32, withinBound } from './wasm-helpers.js';

/** |A|·|B| per output element (the scale of a product's rounding error), computed on the cpu backend. */
function absProduct(f: (abs: (t: Tensor) => Tensor) => Tensor): Tensor {
  return withBackend('cpu', () => f((t) => t.abs()));
}

test('wasm backend: ready() starts it; its status names the threads', async (t) => {
  const status = await ready();
  t.ok(status.ready, `ready: ${status.detail}`);
  t.ok(status.threads >= 1, `${status.threads} thread(s)`);
  t.deepEqual(wasmBackendStatus(), status, 'wasmBackendStatus agrees');
  const x = Tensor.randn([64, 64], 1);
  withBackend(WASM_BACKEND, () => linear(x, x));
  t.equal(lastServedBy('linear'), WASM_BACKEND, 'a 64×64×64 linear is served by wasm');
  t.end();
});

test('wasm linear = cpu linear within the float32 summation bound (edge sizes, odd strides, two threads)', (t) => {
  property(
    t,
    'linear',
    fc.property(
      edgeSize(),
      edgeSize(),
      edgeSize(),
      fc.boolean(),
      layout,
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (M, K, N, withBias, lx, lw, seed) => {
        const x = randn([M, K], seed, lx);
        const w = randn([N, K], seed + 1, lw);
        const b = withBias ? randn([N], seed + 2) : null;
        const r = onBoth('linear', () => linear(x, w, b));
        if (r.servedBy !== 'wasm') return false;
        const scale = absProduct((abs) => linear(abs(x), abs(w), b ? abs(b) : null)).contiguousData();
        const msg = withinBound(r.wasm, r.cpu, (i, e) => productBound(K + 1, scale[i], e));
        if (msg) throw new Error(`${M}×${K}·${N} (${lx}, ${lw}): ${msg}`);
        return true;
      },
    ),
    80,
  );
  // model shapes: LocalVim-T in_proj / out_proj, a batched 4-D input
  for (const [shape, N] of [
    [[197, 192], 768],
    [[1, 197, 384], 192],
    [[2, 7, 7, 96], 384],
  ] as const) {
    const x = randn(shape, 3);
    const K = shape[shape.length - 1];
    const w = randn([N, K], 4);
    const b = randn([N], 5);
    const r = onBoth('linear', () => linear(x, w, b), 1 << 18);
    const scale = absProduct((abs) => linear(abs(x), abs(w), abs(b))).contiguousData();
    const msg = withinBound(r.wasm, r.cpu, (i, e) => productBound(K + 1, scale[i], e));
    t.ok(r.servedBy === 'wasm' && !msg, `linear [${shape}]·[${N}, ${K}]ᵀ: ${msg || 'within bound'} (${r.servedBy})`);
  }
  t.end();
});

test('wasm matmul = cpu matmul within the summation bound (batches, broadcasting, transposed operands)', (t) => {
  property(
    t,
    'matmul',
    fc.property(
      edgeSize(33),
      edgeSize(33),
      edgeSize(33),
      fc.constantFrom([], [1], [3], [2, 2]),
      fc.constantFrom('both', 'a-only', 'b-only', 'cross'),
      layout,
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (M, K, N, batch, which, la, lb, seed) => {
        // 'cross': a (2, 1, M, K) against b (1, 3, K, N), batch offsets that are not one stride per operand
        const aBatch = which === 'cross' ? [2, 1] : which === 'b-only' ? [] : batch;
        const bBatch = which === 'cross' ? [1, 3] : which === 'a-only' ? [] : batch;
        const a = randn([...aBatch, M, K], seed, la);
        const b = randn([...bBatch, K, N], seed + 1, lb);
        const r = onBoth('matmul', () => matmul(a, b));
        if (r.servedBy !== 'wasm') return false;
        const scale = absProduct((abs) => matmul(abs(a), abs(b))).contiguousData();
        const msg = withinBound(r.wasm, r.cpu, (i, e) => productBound(K, scale[i], e));
        if (msg) throw new Error(`[${a.shape}]·[${b.shape}] (${la}, ${lb}): ${msg}`);
        return true;
      },
    ),
    80,
  );
  const xProj = randn([44, 384], 7);
  const u = randn([1, 384, 197], 8);
  const r = onBoth('matmul', () => matmul(xProj, u), 1 << 18);
  const scale = absProduct((abs) => matmul(abs(xProj), abs(u))).contiguousData();
  const msg = withinBound(r.wasm, r.cpu, (i, e) => productBound(384, scale[i], e));
  t.ok(r.servedBy === 'wasm' && !msg, `x_proj [44, 384]·[1, 384, 197]: ${msg || 'within bound'}`);
  t.end();
});

/** Checks a conv2d configuration on both backends against the summation bound over its taps. */
function checkConv(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  options: { stride: [number, number]; padding: [number, number]; groups: number },
  perThread = 1,
): string {
  const r = onBoth('conv2d', () => conv2d(x, w, b, options), perThread);
  if (r.servedBy !== 'wasm') return `served by ${r.servedBy}`;
  const scale = absProduct((abs) => conv2d(abs(x), abs(w), b ? abs(b) : null, options)).contiguousData();
  const terms = w.shape[1] * w.shape[2] * w.shape[3] + 1;
  return withinBound(r.wasm, r.cpu, (i, e) => productBound(terms, scale[i], e));
}

test('wasm conv2d = cpu conv2d: dense, 1×1, patch embedding, depthwise (with multiplier), odd sizes and strides', (t) => {
  property(
    t,
    'conv2d (dense and depthwise)',
    fc.property(
      fc.integer({ min: 1, max: 2 }),
      fc.constantFrom(1, 3, 5),
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom('dense', 'depthwise', 'depthwise×2'),
      fc.boolean(),
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (B, C, H, W, kh, kw, sh, sw, ph, pw, kind, withBias, lx, seed) => {
        if (H + 2 * ph < kh || W + 2 * pw < kw) return true;
        const groups = kind === 'dense' ? 1 : C;
        const O = kind === 'dense' ? 1 + (seed % 9) : kind === 'depthwise' ? C : 2 * C;
        const x = randn([B, C, H, W], seed, lx);
        const w = randn([O, C / groups, kh, kw], seed + 1);
        const b = withBias ? randn([O], seed + 2) : null;
        const msg = checkConv(x, w, b, { stride: [sh, sw], padding: [ph, pw], groups });
        if (msg) throw new Error(`${kind} x [${x.shape}] w [${w.shape}] s [${sh},${sw}] p [${ph},${pw}]: ${msg}`);
        return true;
      },
    ),
    120,
  );
  // the model convolutions
  const cases: Array<[string, number[], number[], { stride: [number, number]; padding: [number, number]; groups: number }]> = [
    ['depthwise 3×3 (MSVMamba, 56²)', [1, 96, 56, 56], [96, 1, 3, 3], { stride: [1, 1], padding: [1, 1], groups: 96 }],
    ['depthwise 7×7 stride 2 (MSVMamba low-res)', [1, 96, 56, 56], [96, 1, 7, 7], { stride: [2, 2], padding: [3, 3], groups: 96 }],
    ['depthwise 7×7 stride 2 on 7² (odd)', [1, 24, 7, 7], [24, 1, 7, 7], { stride: [2, 2], padding: [3, 3], groups: 24 }],
    ['1×1 (ConvFFN, 28²)', [1, 96, 28, 28], [192, 96, 1, 1], { stride: [1, 1], padding: [0, 0], groups: 1 }],
    ['patch embedding 16×16 stride 16', [1, 3, 64, 48], [24, 3, 16, 16], { stride: [16, 16], padding: [0, 0], groups: 1 }],
    ['stem 3×3 stride 2', [2, 3, 33, 31], [24, 3, 3, 3], { stride: [2, 2], padding: [1, 1], groups: 1 }],
  ];
  for (const [name, xs, ws, options] of cases) {
    const msg = checkConv(randn(xs, 11), randn(ws, 12), randn([ws[0]], 13), options, 1 << 15);
    t.notOk(msg, `${name}: ${msg || 'within bound'}`);
  }
  t.end();
});

test('wasm conv1dCausal = cpu conv1dCausal (edge lengths and kernel sizes)', (t) => {
  property(
    t,
    'conv1dCausal',
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      edgeSize(),
      edgeSize(),
      fc.integer({ min: 1, max: 7 }),
      fc.boolean(),
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (B, C, L, K, withBias, lx, seed) => {
        const x = randn([B, C, L], seed, lx);
        const w = randn([C, K], seed + 1);
        const b = withBias ? randn([C], seed + 2) : null;
        const r = onBoth('conv1dCausal', () => conv1dCausal(x, w, b));
        if (r.servedBy !== 'wasm') return false;
        const scale = absProduct((abs) => conv1dCausal(abs(x), abs(w), b ? abs(b) : null)).contiguousData();
        const msg = withinBound(r.wasm, r.cpu, (i, e) => productBound(K + 1, scale[i], e));
        if (msg) throw new Error(`x [${x.shape}] K ${K}: ${msg}`);
        return true;
      },
    ),
  );
  t.end();
});

/** Bound for a normalisation over D values of standard-normal data: a few ulps per reduction step, relative to 1 + |e|. */
const normBound = (D: number) => (_i: number, e: number) => 8 * (D + 8) * U32 * (1 + Math.abs(e));

test('wasm layerNorm / rmsNorm / layerNorm2d = cpu (edge sizes, optional affine, strided input)', (t) => {
  property(
    t,
    'layerNorm and rmsNorm',
    fc.property(
      edgeSize(),
      edgeSize(),
      fc.boolean(),
      fc.boolean(),
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (rows, D, withW, withB, lx, seed) => {
        const x = randn([rows, D], seed, lx, 3).add(Tensor.full([1], 0.5));
        const w = withW ? randn([D], seed + 1) : null;
        const b = withB ? randn([D], seed + 2) : null;
        for (const [op, f] of [
          ['layerNorm', () => layerNorm(x, w, b, 1e-5)],
          ['rmsNorm', () => rmsNorm(x, w, 1e-6)],
        ] as const) {
          const r = onBoth(op, f);
          if (r.servedBy !== 'wasm') return false;
          const msg = withinBound(r.wasm, r.cpu, normBound(D));
          if (msg) throw new Error(`${op} [${rows}, ${D}] (${lx}): ${msg}`);
        }
        return true;
      },
    ),
  );
  property(
    t,
    'layerNorm2d',
    fc.property(
      fc.integer({ min: 1, max: 2 }),
      edgeSize(),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.boolean(),
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (B, C, H, W, affine, lx, seed) => {
        const x = randn([B, C, H, W], seed, lx, 2);
        const w = affine ? randn([C], seed + 1) : null;
        const b = affine ? randn([C], seed + 2) : null;
        const r = onBoth('layerNorm2d', () => layerNorm2d(x, w, b));
        if (r.servedBy !== 'wasm') return false;
        const msg = withinBound(r.wasm, r.cpu, normBound(C));
        if (msg) throw new Error(`layerNorm2d [${x.shape}]: ${msg}`);
        return true;
      },
    ),
    40,
  );
  t.end();
});

test('wasm activations are within ~1e-6 of the cpu kernels (incl. tails, extremes, NaN, ±Infinity)', (t) => {
  const special = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 3, -3, 8, -8, 10, -10, 20, -20, 40, -40, 88, -88, 100, -100];
  const values = Tensor.fromArray([...special, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  const unary: Array<[string, (x: Tensor) => Tensor]> = [
    ['gelu', gelu],
    ['silu', silu],
    ['sigmoid', sigmoid],
    ['relu', relu],
    ['softplus', (x) => softplus(x)],
    ['softplus', (x) => softplus(x, { beta: 2.5, threshold: 7 })],
  ];
  // within ~1e-6 absolute (or a few ulps relative for large values) of the double-precision cpu kernels
  const bound = (_i: number, e: number) => 1e-6 + 4 * 2 ** -23 * Math.abs(e);
  for (const [op, f] of unary) {
    const finite = onBoth(op, () => f(values.slice([0, special.length])));
    t.notOk(withinBound(finite.wasm, finite.cpu, bound), `${op} at special points: ${withinBound(finite.wasm, finite.cpu, bound) || 'ok'}`);
    const nonFinite = onBoth(op, () => f(values.slice([special.length, values.size]))).wasm.toArray() as number[];
    t.ok(Number.isNaN(nonFinite[0]), `${op}(NaN) is NaN`);
    const cpuInf = withBackend('cpu', () =>
      f(Tensor.fromArray([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])).toArray(),
    ) as number[];
    t.deepEqual(
      nonFinite.slice(1).map((v) => (Number.isNaN(v) ? 'NaN' : v)),
      cpuInf.map((v) => (Number.isNaN(v) ? 'NaN' : v)),
      `${op}(±Infinity) as on cpu`,
    );
  }
  property(
    t,
    'activations on random lengths (vector tails) and layouts',
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 5 }),
      layout,
      fc.integer({ min: 1, max: 1000 }),
      (n, m, lx, seed) => {
        const x = randn([n, m], seed, lx, 6);
        for (const [op, f] of unary) {
          const r = onBoth(op, () => f(x));
          if (r.servedBy !== 'wasm') return false;
          const msg = withinBound(r.wasm, r.cpu, bound);
          if (msg) throw new Error(`${op} [${n}, ${m}] (${lx}): ${msg}`);
        }
        return true;
      },
    ),
    40,
  );
  // a dense sweep of GELU over [-12, 12]: the erfc polynomial against the double-precision erf/erfc
  const sweep = Tensor.fromData(
    Float32Array.from({ length: 240001 }, (_, i) => -12 + i * 1e-4),
    [240001],
  );
  const r = onBoth('gelu', () => gelu(sweep), 1 << 15);
  let worst = 0;
  const a = r.wasm.contiguousData();
  const e = r.cpu.contiguousData();
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) - 2 ** -23 * Math.abs(e[i]));
  t.ok(worst <= 1e-6, `gelu on [-12, 12] step 1e-4: max |wasm − cpu| beyond one ulp = ${worst.toExponential(2)}`);
  t.end();
});

test('wasm interpolate = cpu interpolate (bilinear, nearest, bicubic; up and down)', (t) => {
  property(
    t,
    'interpolate',
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 41 }),
      fc.integer({ min: 1, max: 41 }),
      fc.constantFrom('bilinear', 'nearest', 'bicubic'),
      fc.boolean(),
      fc.integer({ min: 1, max: 1000 }),
      (C, H, W, Ho, Wo, mode, alignCorners, seed) => {
        const x = randn([1, C, H, W], seed);
        const options =
          mode === 'nearest' ? { size: [Ho, Wo] as [number, number], mode } : { size: [Ho, Wo] as [number, number], mode, alignCorners };
        const r = onBoth('interpolate', () => interpolate(x, options));
        if (r.servedBy !== 'wasm') return false;
        const taps = mode === 'bicubic' ? 16 : mode === 'bilinear' ? 4 : 1;
        const scale = withBackend('cpu', () => interpolate(x.abs(), options));
        const s = scale.contiguousData();
        // the weights may be negative (bicubic): bound by Σ|w|·|x| ≤ 2·Σ w·|x| is not exact, so take max|x|·Σ|w| ≤ 2·max|x|
        const maxAbs = Math.max(...x.abs().contiguousData());
        const msg = withinBound(r.wasm, r.cpu, (i, ev) => productBound(taps, Math.max(s[i], 2 * maxAbs), ev));
        if (msg) throw new Error(`${mode} [${H}, ${W}] → [${Ho}, ${Wo}]: ${msg}`);
        return true;
      },
    ),
  );
  t.end();
});

test('wasm applyRope = cpu applyRope (batches, odd L, D ≡ 2 mod 4, strided input)', (t) => {
  property(
    t,
    'applyRope',
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      edgeSize(),
      fc.constantFrom(2, 6, 8, 14, 192),
      layout,
      fc.integer({ min: 1, max: 999 }),
      (B, L, D, lx, seed) => {
        const x = randn([B, L, D], seed, lx);
        const cos = randn([L, D], seed + 1);
        const sin = randn([L, D], seed + 2);
        const r = onBoth('rope', () => applyRope(x, cos, sin));
        if (r.servedBy !== 'wasm') return false;
        // per element |x[2m]·table| + |x[2m+1]·table|: the two products and the add each round once
        const xs = x.contiguousData();
        const cs = cos.contiguousData();
        const ss = sin.contiguousData();
        const table = L * D;
        const scale = (i: number) => {
          const pair = i - (i % 2);
          const tt = i % table;
          return Math.abs(xs[pair] * (i % 2 ? ss[tt] : cs[tt])) + Math.abs(xs[pair + 1] * (i % 2 ? cs[tt] : ss[tt]));
        };
        const msg = withinBound(r.wasm, r.cpu, (i, e) => 3 * U32 * scale(i) + U32 * Math.abs(e) + 1e-30);
        if (msg) throw new Error(`[${B}, ${L}, ${D}] (${lx}): ${msg}`);
        return true;
      },
    ),
  );
  t.end();
});

test('wasm kernels on a single-threaded runtime with unshared memory (the plain module variant)', async (t) => {
  const rt = WasmRuntime.createSync({ threads: 1 });
  t.equal(rt.shared, false, `a plain memory: ${rt.describe()}`);
  try {
    withWasmRuntime(rt, () => {
      const x = randn([33, 65], 1);
      const w = randn([17, 65], 2);
      const lin = onBoth('linear', () => linear(x, w));
      const scale = absProduct((abs) => linear(abs(x), abs(w))).contiguousData();
      t.notOk(
        withinBound(lin.wasm, lin.cpu, (i, e) => productBound(66, scale[i], e)),
        `linear on the plain variant (${lin.servedBy})`,
      );
      t.equal(lin.servedBy, 'wasm');
      const img = randn([1, 5, 17, 13], 3);
      const dw = randn([5, 1, 3, 3], 4);
      const conv = onBoth('conv2d', () => conv2d(img, dw, null, { padding: 1, groups: 5 }));
      const cs = absProduct((abs) => conv2d(abs(img), abs(dw), null, { padding: 1, groups: 5 })).contiguousData();
      t.notOk(
        withinBound(conv.wasm, conv.cpu, (i, e) => productBound(10, cs[i], e)),
        'depthwise conv on the plain variant',
      );
      // growing an unshared memory detaches its old views: run something large after many small calls
      const big = randn([512, 512], 5);
      const g = onBoth('gelu', () => gelu(big));
      t.notOk(
        withinBound(g.wasm, g.cpu, (_i, e) => 1e-6 + 4 * 2 ** -23 * Math.abs(e)),
        'gelu after the memory grew',
      );
      t.ok(rt.memory.buffer.byteLength > 1 << 20, `memory grew to ${rt.memory.buffer.byteLength} bytes`);
    });
  } finally {
    await rt.shutdown();
  }
});

/** Keeps the list of layouts exercised visible in the test output. */
test('wasm test layouts', (t) => {
  const layouts: Layout[] = ['contiguous', 'transposed', 'strided', 'flipped'];
  for (const how of layouts) {
    const v = randn([3, 5], 9, how);
    t.deepEqual(v.toArray(), randn([3, 5], 9).toArray(), `${how} layout holds the same values (strides [${v.strides}])`);
  }
  t.ok(EDGE_SIZES.includes(65) && EDGE_SIZES.includes(17), 'edge sizes include 17 and 65');
  t.end();
});
