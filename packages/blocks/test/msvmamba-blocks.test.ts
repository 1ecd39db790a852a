import test from 'tape';
import { ArgumentError, allClose, Rng, ShapeError, Tensor } from '@vssm/core';
import { Linear2d, type MS2D, MSVPatchMerging2D, MSVSSBlock, msvConvDownsample, msvPatchEmbedV1, msvPatchEmbedV2 } from '@vssm/blocks';
import type { ConvFFN } from '@vssm/convffn';
import type { Layer } from '@vssm/nn';
import { conv2d, layerNorm, layerNorm2d } from '@vssm/ops';

function randomize(m: { stateDict(): Map<string, Tensor>; loadStateDict(s: Map<string, Tensor>): unknown }, seed: number): void {
  const rng = new Rng(seed);
  m.loadStateDict(
    new Map(
      [...m.stateDict()].map(([k, v]) => [
        k,
        Tensor.randn(v.shape, rng)
          .mul(0.3)
          .add(k.includes('norm') && k.endsWith('weight') ? 1 : 0),
      ]),
    ),
  );
}

test('MSVSSBlock keys: norm, op, convFFN (×2 master, ×4 v2), norm2', (t) => {
  const master = new MSVSSBlock(48, { branch: 'master' }).stateDictShapes();
  t.deepEqual(master.slice(0, 2), [
    ['norm.weight', [48]],
    ['norm.bias', [48]],
  ]);
  t.deepEqual(
    master.slice(-8).map(([k, s]) => `${k} ${s.join('x')}`),
    [
      'convFFN.linear1.weight 96x48x1x1',
      'convFFN.linear1.bias 96',
      'convFFN.linear2.weight 48x96x1x1',
      'convFFN.linear2.bias 48',
      'convFFN.dwc.weight 96x1x3x3',
      'convFFN.dwc.bias 96',
      'norm2.weight 48',
      'norm2.bias 48',
    ],
  );
  t.equal(new MSVSSBlock(48, { branch: 'master' }).parameterCount(), 34_704, 'spec §3.1 Nano stage-0 block formula');
  const v2 = new MSVSSBlock(96, { branch: 'v2', gate: false });
  t.deepEqual(Object.fromEntries(v2.stateDictShapes())['convFFN.linear1.weight'], [384, 96, 1, 1]);
  t.end();
});

test('MSVSSBlock master: pre-norm residuals, channel-last; v2: pre-norm mixer, POST-norm ConvFFN, channel-first', async (t) => {
  for (const branch of ['master', 'v2'] as const) {
    const block = new MSVSSBlock(8, { branch, gate: true });
    randomize(block, branch === 'master' ? 1 : 2);
    const x = Tensor.randn(branch === 'master' ? [2, 5, 3, 8] : [2, 8, 5, 3], 3);
    const y = await block.forward(x);
    const op = block.child<MS2D>('op');
    const norm = block.child<Layer>('norm');
    const norm2 = block.child<Layer>('norm2');
    const ffn = block.child<ConvFFN>('convFFN');
    const mixed = x.add(await op.forward(norm.forward(x)));
    const pre = mixed.add(branch === 'master' ? ffn.forwardChannelLast(norm2.forward(mixed)) : ffn.forward(norm2.forward(mixed)));
    const post = branch === 'master' ? null : mixed.add(norm2.forward(ffn.forward(mixed)));
    const expected = branch === 'master' ? pre : post!;
    const other = branch === 'master' ? mixed.add(norm2.forward(ffn.forwardChannelLast(mixed))) : pre;
    t.ok(allClose(y, expected, { atol: 1e-6, rtol: 1e-6 }).ok, `${branch}: composition`);
    t.notOk(allClose(y, other, { atol: 1e-3 }).ok, `${branch}: differs from the other FFN norm placement`);
  }
});

test('MSVSSBlock: wrong layout throws; drop path is identity at inference and active in training', async (t) => {
  const block = new MSVSSBlock(8, { branch: 'master', dropPath: 0.5, rng: 4 });
  try {
    await block.forward(Tensor.zeros([1, 8, 4, 4]));
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof ShapeError && /MSVSSBlock \(master\)/.test((e as Error).message));
  }
  t.throws(() => new MSVSSBlock(8, { branch: 'v3' as never }), ArgumentError);
  const x = Tensor.randn([8, 3, 3, 8], 5);
  const a = await block.forward(x);
  const b = await block.forward(x);
  t.ok(allClose(a, b, { atol: 0, rtol: 0 }).ok, 'deterministic in eval mode');
  block.train();
  const c = await block.forward(x);
  t.notOk(allClose(a, c, { atol: 1e-6 }).ok, 'training mode drops paths for some samples');
  block.eval();
});

test('MSVPatchMerging2D: order [0::2,0::2 | 1::2,0::2 | 0::2,1::2 | 1::2,1::2], zero-pad odd sizes, LN then reduction', (t) => {
  const pm = new MSVPatchMerging2D(2, 3);
  t.deepEqual(pm.stateDictShapes(), [
    ['reduction.weight', [3, 8]],
    ['norm.weight', [8]],
    ['norm.bias', [8]],
  ]);
  randomize(pm, 6);
  const x = Tensor.randn([2, 5, 3, 2], 7);
  const y = pm.forward(x);
  t.deepEqual(y.shape, [2, 3, 2, 3]);
  // Brute-force gather for one output cell with padding: (2, 1) reads rows 4/5, cols 2/3 (5 and 3 are padding).
  const cell = (b: number, i: number, j: number) => {
    const v = (r: number, c: number, ch: number) => (r < 5 && c < 3 ? x.get(b, r, c, ch) : 0);
    const parts = [
      [2 * i, 2 * j],
      [2 * i + 1, 2 * j],
      [2 * i, 2 * j + 1],
      [2 * i + 1, 2 * j + 1],
    ];
    return parts.flatMap(([r, c]) => [v(r, c, 0), v(r, c, 1)]);
  };
  const gathered = Tensor.fromArray([[[cell(1, 2, 1)]]]);
  const sd = pm.stateDict();
  const ln = layerNorm(gathered, sd.get('norm.weight'), sd.get('norm.bias'));
  const ref = ln.reshape([8]);
  const w = sd.get('reduction.weight')!;
  for (let o = 0; o < 3; o++) {
    let s = 0;
    for (let k = 0; k < 8; k++) s += w.get(o, k) * ref.get(k);
    t.ok(Math.abs(y.get(1, 2, 1, o) - s) < 1e-5, `output channel ${o}`);
  }
  t.end();
});

test('v2 downsample (3×3 s2 p1 conv + LN2d, keys 1.* / 3.*) and stems (v1: 0/2, v2: 0/2/5/7) on odd sizes', (t) => {
  const down = msvConvDownsample(4);
  t.deepEqual(
    down.stateDictShapes().map(([k]) => k),
    ['1.weight', '1.bias', '3.weight', '3.bias'],
  );
  randomize(down, 8);
  const x = Tensor.randn([2, 4, 7, 5], 9);
  const y = down.forward(x);
  t.deepEqual(y.shape, [2, 8, 4, 3], '7×5 → 4×3');
  const sd = down.stateDict();
  const ref = layerNorm2d(
    conv2d(x, sd.get('1.weight')!, sd.get('1.bias'), { stride: 2, padding: 1 }),
    sd.get('3.weight'),
    sd.get('3.bias'),
  );
  t.ok(allClose(y, ref, { atol: 1e-6 }).ok);
  const v1 = msvPatchEmbedV1(3, 8, 4);
  t.deepEqual(
    v1.stateDictShapes().map(([k, s]) => `${k} ${s.join('x')}`),
    ['0.weight 8x3x4x4', '0.bias 8', '2.weight 8', '2.bias 8'],
  );
  t.deepEqual(v1.forward(Tensor.randn([1, 3, 37, 30], 1)).shape, [1, 9, 7, 8], 'v1 stem floors, channel-last');
  const v2 = msvPatchEmbedV2(3, 96, 4);
  t.deepEqual(
    v2.stateDictShapes().map(([k, s]) => `${k} ${s.join('x')}`),
    ['0.weight 48x3x3x3', '0.bias 48', '2.weight 48', '2.bias 48', '5.weight 96x48x3x3', '5.bias 96', '7.weight 96', '7.bias 96'],
  );
  t.deepEqual(
    msvPatchEmbedV2(3, 8, 4).forward(Tensor.randn([1, 3, 37, 30], 2)).shape,
    [1, 8, 10, 8],
    'v2 stem ceil-halves twice, channel-first',
  );
  t.throws(() => msvPatchEmbedV2(3, 8, 3), ArgumentError);
  t.end();
});

test('Linear2d: a 1×1 conv with a 2-D (out, in) weight', (t) => {
  const l = new Linear2d(5, 3, { rng: 1 });
  t.deepEqual(l.stateDictShapes(), [
    ['weight', [3, 5]],
    ['bias', [3]],
  ]);
  const x = Tensor.randn([2, 5, 3, 4], 2);
  const ref = conv2d(x, l.param('weight').reshape([3, 5, 1, 1]), l.param('bias'));
  t.ok(allClose(l.forward(x), ref, { atol: 1e-6 }).ok);
  t.throws(() => l.forward(Tensor.zeros([1, 4, 2, 2])), ShapeError);
  t.end();
});
