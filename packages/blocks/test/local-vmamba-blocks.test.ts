import { allClose, ArgumentError, ShapeError, Tensor, UnknownNameError } from '@vssm/core';
import { patchMerging2d } from '@vssm/ops';
import test from 'tape';
import { PatchMerging2D, SS2D, VSSBlock } from '../src/index.js';
import { perturb, referenceSS2D } from './local-reference.js';

const TOL = { rtol: 1e-4, atol: 2e-5 };

test('SS2D: official parameter names, shapes and order (stacked per-direction tensors)', (t) => {
  const ss2d = new SS2D(16, { directions: ['h', 'h_flip', 'w7', 'w7_flip'] });
  t.deepEqual(ss2d.stateDictShapes(), [
    ['x_proj_weight', [4, 33, 32]],
    ['dt_projs_weight', [4, 32, 1]],
    ['dt_projs_bias', [4, 32]],
    ['A_logs', [128, 16]],
    ['Ds', [128]],
    ['out_norm.weight', [32]],
    ['out_norm.bias', [32]],
    ['in_proj.weight', [64, 16]],
    ['conv2d.weight', [32, 1, 3, 3]],
    ['conv2d.bias', [32]],
    ['out_proj.weight', [16, 32]],
    ['multi_scan.attn.norm.weight', [32]],
    ['multi_scan.attn.norm.bias', [32]],
    ['multi_scan.attn.global_reduce.weight', [4, 32]],
    ['multi_scan.attn.global_reduce.bias', [4]],
    ['multi_scan.attn.channel_select.weight', [32, 4]],
    ['multi_scan.attn.channel_select.bias', [32]],
  ]);
  const search = new SS2D(16);
  t.deepEqual(search.stateDictShapes()[11], ['multi_scan.weights', [8, 1, 1, 1]], 'search: α before the SCAttn keys');
  t.deepEqual(search.stateDictShapes()[0], ['x_proj_weight', [8, 33, 32]]);
  t.end();
});

test('SS2D = reference: padding after the conv (u = 0 at pads) on odd and non-square grids, batch 2', async (t) => {
  const cases: [string[] | null, number, number][] = [
    [['h_flip', 'v_flip', 'w2_flip', 'w7_flip'], 7, 7],
    [['w2', 'v', 'w7', 'h_flip'], 3, 5],
    [null, 3, 3],
  ];
  for (const [directions, H, W] of cases) {
    const ss2d = new SS2D(8, { directions, rng: 1 });
    perturb(ss2d, 7, 0.3);
    const x = Tensor.randn([2, H, W, 8], 3);
    const r = allClose(await ss2d.forward(x), referenceSS2D(ss2d, x), TOL);
    t.ok(r.ok, `${directions ? directions.join(',') : 'search (all 8)'} on ${H}x${W}: ${r.message}`);
  }
});

test('SS2D: padding tokens stay in the sequence and decay the state (u = 0 but Δ = softplus(dt_bias) > 0)', async (t) => {
  // w2 on a 3×3 grid visits 0 1 3 4 | 2 P 5 P | 6 7 P P | 8 P P P (P = zero pad). Dropping the pads (same token
  // order, no P) must give a different result, because each pad multiplies the state by exp(Δ·A).
  const ss2d = new SS2D(8, { directions: ['w2'], rng: 2 });
  perturb(ss2d, 9, 0.3);
  const x = Tensor.randn([1, 3, 3, 8], 4);
  const out = await ss2d.forward(x);
  t.ok(allClose(out, referenceSS2D(ss2d, x), TOL).ok, 'equals the reference with pads in the sequence');
  const noPads = referenceSS2D(ss2d, x, { w2: [0, 1, 3, 4, 2, 5, 6, 7, 8] });
  t.notOk(allClose(out, noPads, TOL).ok, 'differs from the same order with the pads removed');
});

test('VSSBlock: x + SS2D(LayerNorm(x)); PatchMerging2D: Swin gather → LayerNorm(4C) → Linear without bias', async (t) => {
  const block = new VSSBlock(8, { ssm: { directions: ['h', 'v'], rng: 3 } });
  perturb(block, 13, 0.2);
  const x = Tensor.randn([2, 4, 3, 8], 5);
  const normed = (block.child('norm') as unknown as { forward(x: Tensor): Tensor }).forward(x);
  const expected = x.add(referenceSS2D(block.op, normed));
  const r = allClose(await block.forward(x), expected, TOL);
  t.ok(r.ok, r.message);
  t.deepEqual(block.stateDictShapes().slice(0, 2), [
    ['norm.weight', [8]],
    ['norm.bias', [8]],
  ]);

  const merge = new PatchMerging2D(8, 12);
  t.deepEqual(merge.stateDictShapes(), [
    ['reduction.weight', [12, 32]],
    ['norm.weight', [32]],
    ['norm.bias', [32]],
  ]);
  perturb(merge, 17);
  const y = merge.forward(x); // 4×3 → 2×2 (odd width padded)
  t.deepEqual(y.shape, [2, 2, 2, 12]);
  const gathered = patchMerging2d(x);
  const lnW = merge.stateDict().get('norm.weight')!;
  const lnB = merge.stateDict().get('norm.bias')!;
  const red = merge.stateDict().get('reduction.weight')!;
  let worst = 0;
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const v = Array.from({ length: 32 }, (_, c) => gathered.get(b, i, j, c));
        const mu = v.reduce((s, a) => s + a, 0) / 32;
        const va = v.reduce((s, a) => s + (a - mu) ** 2, 0) / 32;
        const n = v.map((a, c) => ((a - mu) / Math.sqrt(va + 1e-5)) * lnW.get(c) + lnB.get(c));
        for (let o = 0; o < 12; o++) {
          const e = n.reduce((s, a, c) => s + a * red.get(o, c), 0);
          worst = Math.max(worst, Math.abs(e - y.get(b, i, j, o)));
        }
      }
  t.ok(worst < 1e-5, `PatchMerging2D matches LN + bias-free Linear (max diff ${worst})`);
});

test('SS2D: batch items are independent', async (t) => {
  const ss2d = new SS2D(8, { directions: ['w7_flip', 'v'], rng: 4 });
  perturb(ss2d, 19, 0.3);
  const x = Tensor.randn([3, 5, 4, 8], 6);
  const batched = await ss2d.forward(x);
  for (let b = 0; b < 3; b++) {
    const single = await ss2d.forward(x.slice([b, b + 1]).contiguous());
    const r = allClose(single, batched.slice([b, b + 1]), { rtol: 1e-6, atol: 1e-6 });
    t.ok(r.ok, `item ${b}: ${r.message}`);
  }
});

test('SS2D / PatchMerging2D: typed errors', async (t) => {
  t.throws(() => new SS2D(8, { directions: ['h', 'zigzag'] }), UnknownNameError);
  t.throws(() => new SS2D(8, { dConv: 4 }), ArgumentError, 'even conv kernels would change the map size');
  t.throws(() => new SS2D(8, { act: 'tanh' as never }), ArgumentError);
  t.throws(() => new SS2D(2), /no reduced channels/, 'SCAttn needs E ≥ 8');
  const ss2d = new SS2D(8, { directions: ['h'] });
  try {
    await ss2d.forward(Tensor.zeros([1, 8, 3, 3]));
    t.fail('NCHW input accepted');
  } catch (e) {
    t.ok(e instanceof ShapeError, 'ShapeError for a channel-first map');
  }
  t.throws(() => new PatchMerging2D(8).forward(Tensor.zeros([1, 4, 4, 6])), ShapeError);
});
