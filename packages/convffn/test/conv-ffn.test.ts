import test from 'tape';
import { ArgumentError, allClose, ShapeError, Tensor } from '@vssm/core';
import { ConvFFN } from '@vssm/convffn';
import { geluRef } from './helpers.js';

/** ConvFFN by direct loops in double precision on NCHW input. */
function convFfnBrute(ffn: ConvFFN, x: Tensor): Float64Array {
  const [B, C, H, W] = x.shape;
  const R = ffn.hidden;
  const sd = ffn.stateDict();
  const w1 = sd.get('linear1.weight')!;
  const b1 = sd.get('linear1.bias')!;
  const wd = sd.get('dwc.weight')!;
  const bd = sd.get('dwc.bias')!;
  const w2 = sd.get('linear2.weight')!;
  const b2 = sd.get('linear2.bias')!;
  const h = new Float64Array(B * R * H * W);
  const idx = (b: number, c: number, i: number, j: number, CC: number) => ((b * CC + c) * H + i) * W + j;
  for (let b = 0; b < B; b++)
    for (let r = 0; r < R; r++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          let s = b1.get(r);
          for (let c = 0; c < C; c++) s += w1.get(r, c, 0, 0) * x.get(b, c, i, j);
          h[idx(b, r, i, j, R)] = s;
        }
  const g = new Float64Array(h.length);
  for (let b = 0; b < B; b++)
    for (let r = 0; r < R; r++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          let s = bd.get(r);
          for (let di = -1; di <= 1; di++)
            for (let dj = -1; dj <= 1; dj++) {
              const ii = i + di;
              const jj = j + dj;
              if (ii >= 0 && ii < H && jj >= 0 && jj < W) s += wd.get(r, 0, di + 1, dj + 1) * h[idx(b, r, ii, jj, R)];
            }
          g[idx(b, r, i, j, R)] = geluRef(h[idx(b, r, i, j, R)] + s);
        }
  const out = new Float64Array(B * C * H * W);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          let s = b2.get(c);
          for (let r = 0; r < R; r++) s += w2.get(c, r, 0, 0) * g[idx(b, r, i, j, R)];
          out[idx(b, c, i, j, C)] = s;
        }
  return out;
}

test('ConvFFN: official keys, shapes and order for ratio 2 and 4', (t) => {
  t.deepEqual(new ConvFFN(48).stateDictShapes(), [
    ['linear1.weight', [96, 48, 1, 1]],
    ['linear1.bias', [96]],
    ['linear2.weight', [48, 96, 1, 1]],
    ['linear2.bias', [48]],
    ['dwc.weight', [96, 1, 3, 3]],
    ['dwc.bias', [96]],
  ]);
  const v2 = new ConvFFN(96, { expansion: 4 });
  t.equal(v2.hidden, 384);
  t.deepEqual(v2.stateDictShapes()[0], ['linear1.weight', [384, 96, 1, 1]]);
  t.equal(v2.parameterCount(), 4 * 96 * 96 * 2 + 384 + 96 + 384 * 9 + 384, 'parameter count');
  t.end();
});

test('ConvFFN: equals a brute-force double-precision computation (odd sizes, batch 2)', (t) => {
  for (const [C, expansion, H, W, seed] of [
    [3, 2, 5, 7, 1],
    [4, 4, 6, 3, 2],
    [2, 2, 1, 1, 3],
  ] as const) {
    const ffn = new ConvFFN(C, { expansion, rng: seed });
    const x = Tensor.randn([2, C, H, W], seed + 10);
    const y = ffn.forward(x);
    t.deepEqual(y.shape, [2, C, H, W]);
    const ref = Tensor.fromData(convFfnBrute(ffn, x), [2, C, H, W]);
    const r = allClose(y, ref, { atol: 1e-5, rtol: 1e-5 });
    t.ok(r.ok, `C=${C} r=${expansion} ${H}x${W}: ${r.message}`);
  }
  t.end();
});

test('ConvFFN: the depthwise residual contributes (zeroing dwc changes the output)', (t) => {
  const ffn = new ConvFFN(2, { rng: 5 });
  const x = Tensor.randn([1, 2, 4, 4], 6);
  const ref = Tensor.fromData(convFfnBrute(ffn, x), x.shape);
  t.ok(allClose(ffn.forward(x), ref, { atol: 1e-5 }).ok);
  // Zeroing the dwc weight/bias must change the result: the residual is really used.
  const sd = ffn.stateDict();
  sd.set('dwc.weight', Tensor.zeros([4, 1, 3, 3]));
  sd.set('dwc.bias', Tensor.zeros([4]));
  const bare = new ConvFFN(2);
  bare.loadStateDict(sd);
  t.notOk(allClose(bare.forward(x), ref, { atol: 1e-4 }).ok);
  t.end();
});

test('ConvFFN: channel-last entry equals channel-first', (t) => {
  const ffn = new ConvFFN(3, { rng: 7 });
  const x = Tensor.randn([2, 3, 5, 4], 8);
  const cf = ffn.forward(x);
  const cl = ffn.forwardChannelLast(x.permute(0, 2, 3, 1).contiguous());
  t.deepEqual(cl.shape, [2, 5, 4, 3]);
  t.ok(allClose(cl, cf.permute(0, 2, 3, 1), { atol: 0, rtol: 0 }).ok);
  t.end();
});

test('ConvFFN: bad input and options throw typed errors', (t) => {
  const ffn = new ConvFFN(3);
  t.throws(() => ffn.forward(Tensor.zeros([1, 4, 2, 2])), ShapeError, 'wrong channel count');
  t.throws(() => ffn.forward(Tensor.zeros([3, 2, 2])), ShapeError, 'rank 3');
  t.throws(() => ffn.forwardChannelLast(Tensor.zeros([1, 2, 2, 4])), /ConvFFN.*\(B, H, W, 3\)/);
  t.throws(() => new ConvFFN(0), ArgumentError);
  t.throws(() => new ConvFFN(4, { expansion: 1.5 }), ArgumentError);
  t.end();
});
