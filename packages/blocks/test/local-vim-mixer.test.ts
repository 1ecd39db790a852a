import { ArgumentError, allClose, ShapeError, Tensor, UnknownNameError } from '@vssm/core';
import { registerDirection, unregisterDirection } from '@vssm/scan';
import test from 'tape';
import { MultiScanMambaMixer } from '../src/index.js';
import { perturb, referenceLocalVimMixer } from './local-reference.js';

const TOL = { rtol: 1e-4, atol: 2e-5 };

test('MultiScanMambaMixer: official parameter names, shapes and order (K = 4)', (t) => {
  const mixer = new MultiScanMambaMixer(16, { directions: ['h', 'v_flip', 'w7', 'w7_flip'] });
  const keys = mixer.stateDictShapes();
  t.deepEqual(
    keys.slice(0, 8).map(([k]) => k),
    ['A_log_0', 'D_0', 'A_log_1', 'D_1', 'A_log_2', 'D_2', 'A_log_3', 'D_3'],
    'own params first',
  );
  t.deepEqual(keys.slice(8, 14), [
    ['in_proj.weight', [64, 16]],
    ['conv1d_0.weight', [32, 1, 4]],
    ['conv1d_0.bias', [32]],
    ['x_proj_0.weight', [33, 32]],
    ['dt_proj_0.weight', [32, 1]],
    ['dt_proj_0.bias', [32]],
  ]);
  t.deepEqual(
    keys.slice(-7).map(([k]) => k),
    [
      'out_proj.weight',
      'attn.norm.weight',
      'attn.norm.bias',
      'attn.global_reduce.weight',
      'attn.global_reduce.bias',
      'attn.channel_select.weight',
      'attn.channel_select.bias',
    ],
  );
  t.equal(keys.length, 8 + 1 + 4 * 5 + 1 + 6);
  t.end();
});

test('MultiScanMambaMixer: search supernet (directions null) has 8 slots and multi_scan.weights after in_proj', (t) => {
  const mixer = new MultiScanMambaMixer(16);
  t.ok(mixer.search);
  t.deepEqual(mixer.directions, ['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip']);
  const names = [...mixer.stateDict().keys()];
  t.equal(names[16], 'in_proj.weight');
  t.equal(names[17], 'multi_scan.weights');
  t.deepEqual(mixer.stateDict().get('multi_scan.weights')!.shape, [8, 1, 1, 1]);
  t.end();
});

test('MultiScanMambaMixer = reference: windowed padding (w7 on 3×3, w2 on 3×5), batch 2', async (t) => {
  const cases: [string[], number, number][] = [
    [['w7', 'w7_flip', 'h'], 3, 3],
    [['w2', 'v', 'w2_flip', 'v_flip'], 3, 5],
  ];
  for (const [directions, H, W] of cases) {
    const mixer = new MultiScanMambaMixer(8, { directions, rng: 1 });
    perturb(mixer, 11);
    const x = Tensor.randn([2, H * W, 8], 5);
    const r = allClose(await mixer.forward(x, { H, W }), referenceLocalVimMixer(mixer, x, H, W), TOL);
    t.ok(r.ok, `${directions.join(',')} on ${H}x${W}: ${r.message}`);
  }
});

test('MultiScanMambaMixer = reference: middle class token kept at (L−1)//2 of every scanned order', async (t) => {
  for (const [H, W] of [
    [3, 3],
    [2, 4],
  ]) {
    const mixer = new MultiScanMambaMixer(8, { directions: ['h_flip', 'v', 'w2', 'w7_flip'], middleClsToken: true, rng: 2 });
    perturb(mixer, 21);
    const x = Tensor.randn([2, H * W + 1, 8], 6);
    const out = await mixer.forward(x, { H, W });
    t.deepEqual(out.shape, [2, H * W + 1, 8]);
    const r = allClose(out, referenceLocalVimMixer(mixer, x, H, W), TOL);
    t.ok(r.ok, `${H}x${W} + cls: ${r.message}`);
  }
});

test('MultiScanMambaMixer = reference: search mode (softmax(α)-weighted, affine-free LayerNorm per branch)', async (t) => {
  const mixer = new MultiScanMambaMixer(8, { rng: 3 });
  perturb(mixer, 31, 0.5);
  const x = Tensor.randn([1, 9, 8], 7);
  const r = allClose(await mixer.forward(x, { H: 3, W: 3 }), referenceLocalVimMixer(mixer, x, 3, 3), TOL);
  t.ok(r.ok, r.message);
});

test('MultiScanMambaMixer: a user-registered direction (and its derived _flip) works like a built-in one', async (t) => {
  const snake = (H: number, W: number) => {
    const order: number[] = [];
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) order.push(i * W + (i % 2 === 0 ? j : W - 1 - j));
    return order;
  };
  registerDirection('lm_test_snake', snake);
  try {
    const mixer = new MultiScanMambaMixer(8, { directions: ['lm_test_snake', 'lm_test_snake_flip', 'h'], rng: 4 });
    perturb(mixer, 41);
    const x = Tensor.randn([2, 12, 8], 8);
    const order = snake(3, 4);
    const ref = referenceLocalVimMixer(mixer, x, 3, 4, { lm_test_snake: order, lm_test_snake_flip: [...order].reverse() });
    const r = allClose(await mixer.forward(x, { H: 3, W: 4 }), ref, TOL);
    t.ok(r.ok, r.message);
  } finally {
    unregisterDirection('lm_test_snake');
  }
});

test('MultiScanMambaMixer: padding tokens are zero in x and z, yet the conv crosses them (§1.4)', async (t) => {
  // On a 3×3 grid, w7 pads the sequence to 49; the reference treats pads as zero (x, z) tokens that stay in the
  // sequence. A variant that drops the pads instead (h order restricted to real tokens) must give another result.
  const mixer = new MultiScanMambaMixer(8, { directions: ['w7'], rng: 5 });
  perturb(mixer, 51);
  const x = Tensor.randn([1, 9, 8], 9);
  const withPads = await mixer.forward(x, { H: 3, W: 3 });
  const r = allClose(withPads, referenceLocalVimMixer(mixer, x, 3, 3), TOL);
  t.ok(r.ok, `matches the padded reference: ${r.message}`);
  const noPads = referenceLocalVimMixer(mixer, x, 3, 3, { w7: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
  t.notOk(allClose(withPads, noPads, TOL).ok, 'differs from skipping the padding tokens');
});

test('MultiScanMambaMixer: typed errors for bad directions, shapes and grids', async (t) => {
  t.throws(() => new MultiScanMambaMixer(8, { directions: ['h', 'diagonal'] }), UnknownNameError);
  t.throws(() => new MultiScanMambaMixer(8, { directions: [] }), ArgumentError);
  t.throws(() => new MultiScanMambaMixer(0), ArgumentError);
  t.throws(() => new MultiScanMambaMixer(8, { reverseMode: 'sideways' as never }), ArgumentError);
  const mixer = new MultiScanMambaMixer(8, { directions: ['h'] });
  try {
    await mixer.forward(Tensor.zeros([1, 10, 8]), { H: 3, W: 3 });
    t.fail('length mismatch accepted');
  } catch (e) {
    t.ok(e instanceof ShapeError && /\(B, 9, 8\)/.test(e.message), `ShapeError naming the expected shape: ${(e as Error).message}`);
  }
  try {
    await mixer.forward(Tensor.zeros([1, 9, 8]), { H: 0, W: 9 });
    t.fail('bad grid accepted');
  } catch (e) {
    t.ok(e instanceof ArgumentError, 'ArgumentError for a non-positive grid');
  }
});
