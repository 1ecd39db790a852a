import { ArgumentError, ShapeError, Tensor, UnknownNameError } from '@vssm/core';
import test from 'tape';
import { MAX_SCAN_TOKENS, reverse, reverseIndex, scan, scanIndex } from '../src/index.js';

test('unknown direction names list the known ones and the wK pattern', (t) => {
  for (const name of ['d', 'w0', 'w02', 'w', 'wx', 'h_flip_flip', 'H', 'w2flip', '_flip']) {
    try {
      scanIndex(name, 4, 4);
      t.fail(`${name} accepted`);
    } catch (err) {
      t.ok(err instanceof UnknownNameError, `${name}: UnknownNameError`);
      const message = (err as Error).message;
      t.ok(message.includes(`'${name}'`) && message.includes('h_flip') && message.includes('wK'), `${name}: ${message}`);
    }
  }
  t.deepEqual(Array.from(scanIndex('w1', 2, 3).order), [0, 1, 2, 3, 4, 5], 'w1 is accepted (1x1 windows = row-major)');
  t.equal(scanIndex('w13_flip', 2, 3).length, 169, 'any K parses');
  t.end();
});

test('bad grids and huge windows are refused before allocating', (t) => {
  t.throws(() => scanIndex('h', 0, 4), ArgumentError);
  t.throws(() => scanIndex('h', 2.5, 4), ArgumentError);
  t.throws(() => scanIndex('h', -1, 4), ArgumentError);
  t.throws(() => scanIndex('h', 1 << 14, 1 << 14), /more than the limit/);
  t.throws(() => scanIndex('w100000', 3, 3), /padded to multiples of 100000 has 10000000000 tokens/);
  t.ok(MAX_SCAN_TOKENS >= 1 << 24);
  t.throws(() => scanIndex(42 as never, 2, 2), /a direction must be a name/);
  t.end();
});

test('scan: shape, layout and option errors', (t) => {
  const x3 = Tensor.zeros([2, 6, 4]);
  t.throws(() => scan(x3, 'h'), /needs the grid size/, 'rank 3 without H, W');
  t.throws(() => scan(x3, 'h', { H: 2, W: 2 }), /has 6 tokens but the grid 2x2 has 4/);
  t.throws(() => scan(x3, 'h', { H: 2, W: 3, layout: 'bcl' }), /has 4 tokens but the grid 2x3 has 6/, 'bcl reads L from axis 2');
  t.throws(() => scan(x3, 'h', { H: 2, W: 3, layout: 'bchw' }), ShapeError, 'rank-4 layout on rank 3');
  t.throws(() => scan(Tensor.zeros([1, 2, 3, 4]), 'h', { layout: 'blc' }), ShapeError, 'rank-3 layout on rank 4');
  t.throws(() => scan(Tensor.zeros([1, 2, 3, 4]), 'h', { H: 4, W: 3 }), /options say H=4, W=3 but the bchw input \[1, 2, 3, 4\] is 3x4/);
  t.throws(() => scan(Tensor.zeros([6, 4]), 'h', { H: 2, W: 3 }), ShapeError, 'rank 2');
  t.throws(() => scan(x3, 'h', { H: 2, W: 3, layout: 'nchw' as never }), /layout must be one of/);
  t.throws(() => scan(x3, 'h', { H: 2, W: 3, reverseMode: 'exact' } as never), /unknown option 'reverseMode'/);
  t.throws(() => scan([1, 2, 3] as never, 'h', { H: 1, W: 3 }), /expected a Tensor/);
  t.end();
});

test('reverse: length, grid, mode and option errors', (t) => {
  const y = Tensor.zeros([1, 2, 9]);
  t.throws(() => reverse(y, 'w2', { H: 3, W: 3 }), /direction 'w2' on 3x3 has length 16, but the sequence \[1, 2, 9\] has 9/);
  t.throws(() => reverse(y, 'h'), /grid size \{ H, W \} is required/);
  t.throws(() => reverse(Tensor.zeros([2, 9]), 'h', { H: 3, W: 3 }), ShapeError, 'rank 2');
  t.throws(() => reverse(y, 'h', { H: 3, W: 3, reverseMode: 'official' as never }), /reverseMode must be 'exact' or 'official-v-bug'/);
  t.throws(() => reverse(y, 'h', { H: 3, W: 3, revereMode: 'exact' } as never), /unknown option 'revereMode'/);
  t.throws(() => reverseIndex('v', 3, 3, { reverseMode: 'bug' as never }), ArgumentError);
  t.deepEqual(reverse(Tensor.arange(9).reshape([1, 1, 9]), scanIndex('v', 3, 3)).shape, [1, 1, 9], 'grid taken from an index map');
  t.end();
});
