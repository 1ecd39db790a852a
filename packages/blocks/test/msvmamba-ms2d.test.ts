import test from 'tape';
import { ArgumentError, allClose, goldenClose, Rng, ShapeError, Tensor } from '@vssm/core';
import { MS2D, type MSVMambaBranch, type MSVSSBlock } from '@vssm/blocks';
import { interpolate } from '@vssm/ops';
import { lowResolutionGrid, multiScaleScan } from '@vssm/scan';
import { lowResolutionOrder, ms2dReference, type ReferenceOptions } from './msvmamba-reference.js';

/** Replaces every parameter with random values so no slot, norm or gate sits at a special value. */
function perturb(m: MS2D | MSVSSBlock, seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const sd = new Map<string, Tensor>();
  for (const [k, v] of m.stateDict()) {
    const scale = k.endsWith('A_logs') || k.endsWith('dt_projs_bias') ? 0.7 : k.includes('norm') ? 0.3 : 0.4;
    const base = k.includes('norm.weight') ? 1 : 0;
    sd.set(k, Tensor.randn(v.shape, rng).mul(scale).add(base));
  }
  m.loadStateDict(sd);
  return sd;
}

/** The reference for a batch, in the branch layout. */
function reference(x: Tensor, sd: Map<string, Tensor>, o: ReferenceOptions): Tensor {
  const master = o.branch === 'master';
  const [B, a, b, c] = x.shape;
  const [H, W] = master ? [a, b] : [b, c];
  const parts: number[] = [];
  for (let n = 0; n < B; n++) {
    const get = master
      ? (ch: number, i: number, j: number) => x.get(n, i, j, ch)
      : (ch: number, i: number, j: number) => x.get(n, ch, i, j);
    parts.push(...ms2dReference(get, H, W, sd, o));
  }
  return Tensor.fromData(parts, x.shape);
}

const VARIANTS: { branch: MSVMambaBranch; gate: boolean }[] = [
  { branch: 'master', gate: true },
  { branch: 'v2', gate: false },
  { branch: 'v2', gate: true },
];

test('§1.3 worked example: 4×6 map → 2×3 low-res grid, sequence 5 4 3 2 1 0 | 0 3 1 4 2 5 | 5 2 4 1 3 0', (t) => {
  t.deepEqual(lowResolutionGrid(4, 6), { H: 2, W: 3 });
  const expected = [5, 4, 3, 2, 1, 0, 0, 3, 1, 4, 2, 5, 5, 2, 4, 1, 3, 0];
  t.deepEqual(lowResolutionOrder(2, 3), expected, 'the reference order');
  const ids = Tensor.arange(6).reshape([1, 1, 2, 3]);
  t.deepEqual(Array.from(multiScaleScan(ids).toFloat32Array()), expected, '@vssm/scan order used by MS2D');
  const ms = new MS2D(4, { branch: 'master' });
  const conv = ms.child('conv2d_b1');
  t.deepEqual(conv.stateDictShapes()[0], ['weight', [8, 1, 7, 7]]);
  t.end();
});

test('upsampling of the 2×3 low-res map to 4×6: bilinear (master) vs nearest (v2) source coordinates', (t) => {
  const rows = Tensor.fromArray([
    [
      [
        [0, 0, 0],
        [1, 1, 1],
      ],
    ],
  ]);
  const cols = Tensor.fromArray([
    [
      [
        [0, 1, 2],
        [0, 1, 2],
      ],
    ],
  ]);
  const col = (x: Tensor, mode: 'bilinear' | 'nearest', axis: 'r' | 'c') => {
    const y = interpolate(x, mode === 'bilinear' ? { size: [4, 6], mode, alignCorners: false } : { size: [4, 6], mode });
    return Array.from(axis === 'r' ? y.slice(0, 0, null, 0).toFloat32Array() : y.slice(0, 0, 0).toFloat32Array());
  };
  t.deepEqual(col(rows, 'bilinear', 'r'), [0, 0.25, 0.75, 1], 'rows 0, .25, .75, 1.25→clamped');
  t.deepEqual(col(cols, 'bilinear', 'c'), [0, 0.25, 0.75, 1.25, 1.75, 2], 'columns 0 … 2.25→clamped');
  t.deepEqual(col(rows, 'nearest', 'r'), [0, 0, 1, 1]);
  t.deepEqual(col(cols, 'nearest', 'c'), [0, 0, 1, 1, 2, 2]);
  const master = new MS2D(8, { branch: 'master' });
  const v2 = new MS2D(8, { branch: 'v2' });
  t.equal(master.upsampleMode, 'bilinear');
  t.equal(v2.upsampleMode, 'nearest');
  t.end();
});

test('slot order per branch: master full = 1 / low = 0, v2 full = 0 / low = 1', (t) => {
  const master = new MS2D(8, { branch: 'master' });
  const v2 = new MS2D(8, { branch: 'v2' });
  t.deepEqual([master.fullSlot, master.lowSlot], [1, 0]);
  t.deepEqual([v2.fullSlot, v2.lowSlot], [0, 1]);
  t.end();
});

for (const v of VARIANTS) {
  const label = `${v.branch}${v.branch === 'v2' ? (v.gate ? ' (vms)' : ' (vms_noz)') : ''}`;
  for (const [H, W] of [
    [4, 6],
    [5, 7],
    [1, 1],
    [3, 2],
  ]) {
    test(`MS2D ${label} ${H}×${W}, batch 2: equals the independent double-precision reference`, async (t) => {
      const C = 8;
      const ms = new MS2D(C, { branch: v.branch, gate: v.gate, rng: H * 10 + W });
      const sd = perturb(ms, H * 100 + W);
      const x = Tensor.randn(v.branch === 'master' ? [2, H, W, C] : [2, C, H, W], H + W);
      const y = await ms.forward(x);
      t.deepEqual(y.shape, x.shape);
      const ref = reference(x, sd, v);
      const r = goldenClose(y, ref);
      t.ok(r.ok, `matches: ${r.message}`);
      if (H * W > 1) {
        // The same tolerance rejects each plausible mistake, so the parity assertion above can fail.
        const wrong: [string, ReferenceOptions][] = [
          ['swapped slots', { ...v, fullSlot: v.branch === 'master' ? 0 : 1 }],
          ['other upsampling', { ...v, upsample: v.branch === 'master' ? 'nearest' : 'bilinear' }],
          ['other out_norm placement', { ...v, normBeforeMerge: v.branch !== 'master' }],
        ];
        for (const [what, o] of wrong) t.notOk(goldenClose(y, reference(x, sd, o)).ok, `differs from the ${what} variant`);
      }
      const alone = await ms.forward(x.slice([1, 2]).contiguous());
      t.ok(allClose(alone, y.slice([1, 2]), { atol: 1e-6, rtol: 1e-5 }).ok, 'batch item 1 alone = batched');
    });
  }
}

test('MS2D official state-dict keys, shapes and order (spec §4.2 master Nano stage 0, §4.3 v2 Tiny / Base)', (t) => {
  t.deepEqual(new MS2D(48, { branch: 'master' }).stateDictShapes(), [
    ['x_proj_weight', [2, 5, 96]],
    ['dt_projs_weight', [2, 96, 3]],
    ['dt_projs_bias', [2, 96]],
    ['A_logs', [192, 1]],
    ['Ds', [192]],
    ['out_norm.weight', [96]],
    ['out_norm.bias', [96]],
    ['se.fc.0.weight', [12, 96]],
    ['se.fc.2.weight', [96, 12]],
    ['in_proj.weight', [192, 48]],
    ['conv2d.weight', [96, 1, 3, 3]],
    ['conv2d.bias', [96]],
    ['conv2d_b1.weight', [96, 1, 7, 7]],
    ['conv2d_b1.bias', [96]],
    ['out_proj.weight', [48, 96]],
  ]);
  const v2 = new MS2D(96, { branch: 'v2', gate: false }).stateDictShapes();
  t.deepEqual(
    v2.map(([k]) => k),
    [
      'x_proj_weight',
      'dt_projs_weight',
      'dt_projs_bias',
      'A_logs',
      'Ds',
      'out_norm.weight',
      'out_norm.bias',
      'se.fc.0.weight',
      'se.fc.2.weight',
      'conv2d_b1.weight',
      'conv2d_b1.bias',
      'in_proj.weight',
      'conv2d.weight',
      'conv2d.bias',
      'out_proj.weight',
    ],
  );
  t.deepEqual(Object.fromEntries(v2)['in_proj.weight'], [96, 96], 'vms_noz: in_proj C→E');
  t.deepEqual(Object.fromEntries(v2).x_proj_weight, [2, 8, 96]);
  t.deepEqual(Object.fromEntries(new MS2D(128, { branch: 'v2', gate: true }).stateDictShapes())['in_proj.weight'], [256, 128], 'vms: C→2E');
  t.deepEqual(
    new MS2D(16, { branch: 'master', se: false }).stateDictShapes().filter(([k]) => k.startsWith('se.')),
    [],
    'se: false has no SE keys',
  );
  t.end();
});

test('MS2D official initialisation: A = −1 (A_logs 0 for N = 1), D = 1, softplus(dt bias) in [1e−3, 1e−1], x_proj/dt bounds', (t) => {
  const ms = new MS2D(32, { branch: 'master', rng: 3 });
  const sd = ms.stateDict();
  t.ok(
    sd
      .get('A_logs')!
      .toFloat32Array()
      .every((v) => v === 0),
  );
  t.ok(
    sd
      .get('Ds')!
      .toFloat32Array()
      .every((v) => v === 1),
  );
  const dt = sd
    .get('dt_projs_bias')!
    .toFloat32Array()
    .map((v) => Math.log1p(Math.exp(v)));
  t.ok(
    dt.every((v) => v >= 1e-3 * 0.999 && v <= 0.1 * 1.001),
    'softplus(dt bias) in range',
  );
  t.ok(Math.max(...dt) > 0.05 && Math.min(...dt) < 0.002, 'spread over the log-uniform range');
  const R = 2;
  t.ok(
    sd
      .get('dt_projs_weight')!
      .toFloat32Array()
      .every((v) => Math.abs(v) <= R ** -0.5),
    'dt_proj U(±R^-1/2)',
  );
  t.ok(
    sd
      .get('x_proj_weight')!
      .toFloat32Array()
      .every((v) => Math.abs(v) <= 64 ** -0.5),
    'x_proj U(±1/√E)',
  );
  const N3 = new MS2D(16, { branch: 'v2', dState: 3 }).stateDict().get('A_logs')!;
  t.deepEqual(Array.from(N3.slice(5).toFloat32Array()), [0, Math.fround(Math.log(2)), Math.fround(Math.log(3))], 'A_logs = log(1..N)');
  t.end();
});

test('MS2D: bad options and inputs throw typed errors', async (t) => {
  t.throws(() => new MS2D(8, {} as never), ArgumentError, 'branch is required');
  t.throws(() => new MS2D(8, { branch: 'master', gate: false }), ArgumentError, 'master always gates');
  t.throws(() => new MS2D(8, { branch: 'v2', dConv: 4 }), ArgumentError);
  t.throws(() => new MS2D(0, { branch: 'v2' }), ArgumentError);
  const master = new MS2D(8, { branch: 'master' });
  const v2 = new MS2D(8, { branch: 'v2' });
  for (const [m, x] of [
    [master, Tensor.zeros([1, 8, 4, 4])],
    [v2, Tensor.zeros([1, 4, 4, 8])],
    [master, Tensor.zeros([4, 4, 8])],
  ] as const) {
    try {
      await m.forward(x);
      t.fail('should throw');
    } catch (e) {
      t.ok(e instanceof ShapeError && /MS2D/.test((e as Error).message), (e as Error).message);
    }
  }
});
