import test from 'tape';
import { ArgumentError, allClose, ShapeError, Tensor } from '@vssm/core';
import { SE } from '@vssm/convffn';

function seBrute(se: SE, x: Tensor): Float64Array {
  const [B, C, H, W] = x.shape;
  const w0 = se.stateDict().get('fc.0.weight')!;
  const w2 = se.stateDict().get('fc.2.weight')!;
  const out = new Float64Array(B * C * H * W);
  for (let b = 0; b < B; b++) {
    const mean = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) mean[c] += x.get(b, c, i, j);
      mean[c] /= H * W;
    }
    const hid = new Float64Array(se.hidden);
    for (let r = 0; r < se.hidden; r++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += w0.get(r, c) * mean[c];
      hid[r] = Math.max(s, 0);
    }
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let r = 0; r < se.hidden; r++) s += w2.get(c, r) * hid[r];
      const g = 1 / (1 + Math.exp(-s));
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) out[((b * C + c) * H + i) * W + j] = x.get(b, c, i, j) * g;
    }
  }
  return out;
}

test('SE: official keys fc.0 / fc.2, no biases, hidden = C // 8', (t) => {
  t.deepEqual(new SE(96).stateDictShapes(), [
    ['fc.0.weight', [12, 96]],
    ['fc.2.weight', [96, 12]],
  ]);
  t.equal(new SE(20).hidden, 2, 'integer division');
  t.equal(new SE(16, { reduction: 4 }).hidden, 4);
  t.end();
});

test('SE: equals a brute-force computation (batch 3, odd grid)', (t) => {
  const se = new SE(16, { rng: 3 });
  // Larger weights so the gates are far from 0.5 and a wrong pooling would show.
  const sd = se.stateDict();
  se.loadStateDict(new Map([...sd].map(([k, v]) => [k, v.mul(20)])));
  const x = Tensor.randn([3, 16, 5, 3], 4);
  const y = se.forward(x);
  const ref = Tensor.fromData(seBrute(se, x), x.shape);
  const r = allClose(y, ref, { atol: 1e-6, rtol: 1e-5 });
  t.ok(r.ok, r.message);
  t.notOk(allClose(y, x.mul(0.5), { atol: 1e-3 }).ok, 'gates are not trivially 0.5');
  t.end();
});

test('SE: channel-last entry equals channel-first; batch items are independent', (t) => {
  const se = new SE(8, { rng: 9 });
  const x = Tensor.randn([2, 8, 4, 6], 10);
  const cf = se.forward(x);
  const cl = se.forwardChannelLast(x.permute(0, 2, 3, 1).contiguous());
  t.ok(allClose(cl, cf.permute(0, 2, 3, 1), { atol: 1e-6 }).ok);
  const single = se.forward(x.slice([1, 2]).contiguous());
  t.ok(allClose(single, cf.slice([1, 2]), { atol: 0, rtol: 0 }).ok);
  t.end();
});

test('SE: bad input and options throw typed errors', (t) => {
  const se = new SE(8);
  t.throws(() => se.forward(Tensor.zeros([1, 4, 2, 2])), ShapeError);
  t.throws(() => se.forwardChannelLast(Tensor.zeros([1, 2, 2, 4])), ShapeError);
  t.throws(() => new SE(4), ArgumentError, '4 // 8 = 0 hidden units');
  t.throws(() => new SE(8, { reduction: 0 }), ArgumentError);
  t.end();
});
