import test from 'tape';
import { allClose, Tensor } from '@vssm/core';
import { conv2d, linear } from '@vssm/ops';
import {
  aLogInit,
  CausalConv1d,
  Conv2d,
  DropPath,
  dtBiasInit,
  GELU,
  LayerNorm,
  LayerNorm2d,
  Linear,
  Permute,
  RMSNorm,
  Sequential,
  truncNormal,
} from '@vssm/nn';

test('layers carry official parameter names and shapes', (t) => {
  t.deepEqual(new Linear(4, 3).stateDictShapes(), [
    ['weight', [3, 4]],
    ['bias', [3]],
  ]);
  t.deepEqual(new Linear(4, 3, { bias: false }).stateDictShapes(), [['weight', [3, 4]]]);
  t.deepEqual(new Conv2d(6, 6, 3, { groups: 6, padding: 1 }).stateDictShapes(), [
    ['weight', [6, 1, 3, 3]],
    ['bias', [6]],
  ]);
  t.deepEqual(new CausalConv1d(5, 4).stateDictShapes(), [
    ['weight', [5, 1, 4]],
    ['bias', [5]],
  ]);
  t.deepEqual(new LayerNorm(8, { affine: false }).stateDictShapes(), []);
  t.deepEqual(new RMSNorm(8).stateDictShapes(), [['weight', [8]]]);
  const stem = new Sequential(new Conv2d(3, 8, 4, { stride: 4 }), Permute(0, 2, 3, 1), new LayerNorm(8));
  t.deepEqual(
    stem.stateDictShapes().map(([k]) => k),
    ['0.weight', '0.bias', '2.weight', '2.bias'],
    'Sequential keeps indices of parameter-free layers',
  );
  t.end();
});

test('layers compute what the functional ops compute', (t) => {
  const lin = new Linear(4, 3, { rng: 1 });
  const x = Tensor.randn([2, 5, 4], 2);
  t.ok(allClose(lin.forward(x), linear(x, lin.param('weight'), lin.param('bias'))).ok);
  const conv = new Conv2d(4, 8, 3, { stride: 2, padding: 1, rng: 3 });
  const img = Tensor.randn([1, 4, 9, 9], 4);
  const y = conv.forward(img);
  t.deepEqual(y.shape, [1, 8, 5, 5]);
  t.ok(allClose(y, conv2d(img, conv.param('weight'), conv.param('bias'), { stride: 2, padding: 1 })).ok);
  const ln2 = new LayerNorm2d(4).forward(img);
  const ln = new LayerNorm(4).forward(img.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
  t.ok(allClose(ln2, ln, { atol: 1e-6 }).ok, 'LayerNorm2d == LayerNorm over channel-last');
  t.ok(allClose(GELU().forward(Tensor.fromArray([0])), Tensor.fromArray([0])).ok);
  t.end();
});

test('initialisers follow PyTorch distributions', (t) => {
  const w = new Linear(100, 50, { rng: 7 }).param('weight').contiguousData();
  const bound = 1 / Math.sqrt(100);
  t.ok(
    w.every((v) => Math.abs(v) <= bound),
    'kaiming-uniform default bound 1/sqrt(fan_in)',
  );
  const tn = truncNormal([10000], 1, 3).contiguousData();
  t.ok(
    tn.every((v) => v >= -2 && v <= 2),
    'trunc_normal within absolute [-2, 2]',
  );
  const bias = dtBiasInit(1000, 5).contiguousData();
  const dt = Array.from(bias, (b) => Math.log1p(Math.exp(b)));
  t.ok(
    dt.every((v) => v >= 1e-4 - 1e-9 && v <= 0.1 + 1e-6),
    'softplus(dt bias) in [1e-4, 0.1]',
  );
  t.deepEqual(Array.from(aLogInit(2, 3).contiguousData()), [
    0,
    Math.fround(Math.log(2)),
    Math.fround(Math.log(3)),
    0,
    Math.fround(Math.log(2)),
    Math.fround(Math.log(3)),
  ]);
  t.end();
});

test('DropPath is the identity in eval mode and rescales in training', (t) => {
  const dp = new DropPath(0.5, { rng: 1 });
  const x = Tensor.ones([64, 3]);
  t.equal(dp.forward(x), x, 'eval: same tensor');
  dp.train();
  const y = dp.forward(x).contiguousData();
  const kept = y.filter((v) => v === 2).length / 3;
  t.ok(
    y.every((v) => v === 0 || v === 2),
    'survivors scaled by 1/(1-p)',
  );
  t.ok(kept > 16 && kept < 48, `about half the samples kept (${kept}/64)`);
  t.throws(() => new DropPath(1), /probability/);
  t.end();
});
