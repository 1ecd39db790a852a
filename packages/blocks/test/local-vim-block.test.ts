import { allClose, ShapeError, Tensor } from '@vssm/core';
import { applyRope, ropeTables } from '@vssm/ops';
import test from 'tape';
import { LocalVimBlock } from '../src/index.js';
import { perturb } from './local-reference.js';

const H = 3;
const W = 3;

function setup(seed: number) {
  const block = new LocalVimBlock(16, { mixer: { directions: ['h', 'w2_flip'], rng: seed } });
  perturb(block, seed);
  const { cos, sin } = ropeTables({ dim: 8, ptSeqLen: 14, ftSeqLen: 3 });
  return { block, cos, sin };
}

test('LocalVimBlock, first layer: residual = (rotated) input, hidden = mixer(RMSNorm(residual))', async (t) => {
  const { block, cos, sin } = setup(1);
  const x = Tensor.randn([2, 9, 16], 2);
  const [hidden, residual] = await block.forward(x, null, { H, W, rope: { cos, sin, residual: true } });
  const rotated = applyRope(x, cos, sin);
  t.ok(allClose(residual, rotated, { rtol: 0, atol: 0 }).ok, 'residual is the rotated input');
  const normed = block.child('norm') as unknown as { forward(x: Tensor): Tensor };
  const expected = await block.mixer.forward(normed.forward(rotated), { H, W });
  t.ok(allClose(hidden, expected, { rtol: 0, atol: 0 }).ok, 'hidden is the mixer of the normed residual');
  t.deepEqual(block.stateDictShapes().at(-1), ['norm.weight', [16]], 'RMSNorm weight only, after the mixer keys');
});

test('LocalVimBlock: RoPE rotates hidden AND residual at every layer, so the residual rotation accumulates', async (t) => {
  const { block, cos, sin } = setup(3);
  const h = Tensor.randn([1, 9, 16], 4);
  const r = Tensor.randn([1, 9, 16], 5);
  const [, withResidualRope] = await block.forward(h, r, { H, W, rope: { cos, sin, residual: true } });
  const expected = applyRope(r, cos, sin).add(applyRope(h, cos, sin));
  t.ok(allClose(withResidualRope, expected, { rtol: 1e-6, atol: 1e-7 }).ok, 'residual = rope(r) + rope(h)');
  const [, hiddenOnly] = await block.forward(h, r, { H, W, rope: { cos, sin, residual: false } });
  t.ok(allClose(hiddenOnly, r.add(applyRope(h, cos, sin)), { rtol: 1e-6, atol: 1e-7 }).ok, 'if_rope_residual off: residual = r + rope(h)');
  // Two layers: the first layer's residual is rotated again at the second layer's input (cumulative).
  const [h1, r1] = await block.forward(h, null, { H, W, rope: { cos, sin, residual: true } });
  const [, r2] = await block.forward(h1, r1, { H, W, rope: { cos, sin, residual: true } });
  const twice = applyRope(applyRope(h, cos, sin), cos, sin).add(applyRope(h1, cos, sin));
  t.ok(allClose(r2, twice, { rtol: 1e-6, atol: 1e-6 }).ok, 'layer-0 input rotated twice by layer 1');
  t.notOk(allClose(r2, applyRope(h, cos, sin).add(applyRope(h1, cos, sin)), { rtol: 1e-4, atol: 1e-5 }).ok, 'not rotated only once');
});

test('LocalVimBlock: LayerNorm variant and shape errors', async (t) => {
  const block = new LocalVimBlock(16, { norm: 'layer', mixer: { directions: ['v'] } });
  t.deepEqual(block.stateDictShapes().slice(-2), [
    ['norm.weight', [16]],
    ['norm.bias', [16]],
  ]);
  try {
    await block.forward(Tensor.zeros([1, 9, 16]), Tensor.zeros([1, 8, 16]), { H, W });
    t.fail('mismatched residual accepted');
  } catch (e) {
    t.ok(e instanceof ShapeError, 'ShapeError for a residual of another shape');
  }
  t.throws(() => new LocalVimBlock(16, { norm: 'batch' as never }), /norm must be/);
});
