import { ArgumentError, Tensor, UnknownNameError } from '@vssm/core';
import test from 'tape';
import {
  customDirections,
  registerDirection,
  reverse,
  reverseIndex,
  scan,
  scanIndex,
  scanMany,
  toSVG,
  unregisterDirection,
} from '../src/index.js';
import { sameTensor } from './helpers.js';

/** Boustrophedon: even rows left to right, odd rows right to left. */
const snake = (H: number, W: number) => {
  const order: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) order.push(i * W + (i % 2 === 0 ? j : W - 1 - j));
  return order;
};

test('a registered direction works wherever a built-in name does', (t) => {
  registerDirection('test-snake', snake);
  try {
    t.ok(customDirections().includes('test-snake'), 'listed');
    t.deepEqual(Array.from(scanIndex('test-snake', 3, 3).order), [0, 1, 2, 5, 4, 3, 6, 7, 8]);
    t.deepEqual(Array.from(scanIndex('test-snake_flip', 3, 3).order), [8, 7, 6, 3, 4, 5, 2, 1, 0], '_flip is derived');
    const x = Tensor.randn([2, 4, 3, 5], 3);
    const y = scan(x, 'test-snake');
    t.deepEqual(y.shape, [2, 4, 15]);
    t.equal(y.get(1, 2, 5), x.get(1, 2, 1, 4), 'position 5 reads (1, 4)');
    t.ok(sameTensor(reverse(y, 'test-snake', { H: 3, W: 5, layout: 'bchw' }), x), 'reverse');
    t.ok(sameTensor(reverse(scan(x, 'test-snake_flip'), 'test-snake_flip', { H: 3, W: 5, layout: 'bchw' }), x), 'flip reverse');
    t.deepEqual(scanMany(x, ['h', 'test-snake']).shape, [2, 2, 4, 15], 'scanMany');
    t.ok(toSVG('test-snake', { H: 3, W: 5 }).includes('test-snake on 3×5'), 'toSVG');
    t.deepEqual(Array.from(reverseIndex('test-snake', 2, 2).positions), [0, 1, 3, 2], 'reverseIndex');
  } finally {
    unregisterDirection('test-snake');
  }
  t.throws(() => scanIndex('test-snake', 3, 3), UnknownNameError, 'gone after unregister (cache dropped)');
  t.throws(() => scanIndex('test-snake_flip', 3, 3), UnknownNameError, 'derived flip gone too');
  t.end();
});

test('a custom direction may contain padding tokens (-1)', (t) => {
  // every row followed by one padding token
  registerDirection('test-padded-rows', (H, W) => {
    const order: number[] = [];
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) order.push(i * W + j);
      order.push(-1);
    }
    return Int32Array.from(order);
  });
  try {
    const index = scanIndex('test-padded-rows', 2, 3);
    t.deepEqual([index.length, index.padding, index.cells], [8, 2, null], 'padding tokens have no grid cell');
    const x = Tensor.arange(1, 7).reshape([1, 1, 2, 3]);
    t.deepEqual(scan(x, 'test-padded-rows').toArray(), [[[1, 2, 3, 0, 4, 5, 6, 0]]]);
    t.deepEqual(reverse(scan(x, 'test-padded-rows'), 'test-padded-rows', { H: 2, W: 3, layout: 'bchw' }).toArray(), x.toArray());
    t.ok(toSVG('test-padded-rows', { H: 2, W: 3 }).includes('padding tokens without a grid cell'), 'drawn off-grid');
  } finally {
    unregisterDirection('test-padded-rows');
  }
  t.end();
});

test('invalid custom orders raise ArgumentError naming the direction and the problem', (t) => {
  const cases: [string, (H: number, W: number) => number[] | Int32Array, RegExp][] = [
    ['test-dup', () => [0, 1, 1, 3], /token 1 appears more than once \(scan positions 1 and 2\)/],
    ['test-missing', () => [0, 1, 2, -1], /tokens missing from the 2x2 order: 3/],
    ['test-short', () => [0, 1, 2], /order has 3 entries but the 2x2 grid has 4 tokens/],
    ['test-range', () => [0, 1, 2, 4], /entry 3 is 4; entries must be integers in \[0, 4\)/],
    ['test-negative', () => [0, 1, 2, 3, -2], /entry 4 is -2/],
    ['test-fraction', () => [0, 1, 2.5, 3], /entry 2 is 2.5/],
    ['test-nan', () => [0, 1, Number.NaN, 3], /entry 2 is NaN/],
    [
      'test-throws',
      () => {
        throw new Error('boom');
      },
      /on 2x2: its generator threw: boom/,
    ],
    ['test-not-array', () => 42 as unknown as number[], /must be an Int32Array or an array/],
  ];
  for (const [name, generator, message] of cases) {
    registerDirection(name, generator);
    try {
      t.throws(() => scanIndex(name, 2, 2), ArgumentError, `${name}: ArgumentError`);
      t.throws(() => scan(Tensor.zeros([1, 1, 2, 2]), name), message, `${name}: ${message}`);
      t.throws(() => scanIndex(name, 2, 2), new RegExp(`scan direction '${name}' on 2x2`), `${name}: message names the direction`);
    } finally {
      unregisterDirection(name);
    }
  }
  t.end();
});

test('registration rules', (t) => {
  for (const name of ['h', 'v_flip', 'w3', 'w12_flip']) {
    t.throws(() => registerDirection(name, snake), /built-in direction name/, `${name} cannot be redefined`);
  }
  for (const name of ['', '9lives', 'a b', 'x/y', 'x#y']) {
    t.throws(() => registerDirection(name, snake), /invalid name/, `name ${JSON.stringify(name)} rejected`);
  }
  t.throws(() => registerDirection('test-nofn', 5 as never), /must be a function/);
  registerDirection('test-replace', snake);
  try {
    t.throws(() => registerDirection('test-replace', snake), /already registered/);
    const before = scanIndex('test-replace', 2, 2);
    registerDirection('test-replace', (H, W) => Array.from({ length: H * W }, (_, i) => H * W - 1 - i), { replace: true });
    const after = scanIndex('test-replace', 2, 2);
    t.deepEqual(Array.from(before.order), [0, 1, 3, 2]);
    t.deepEqual(Array.from(after.order), [3, 2, 1, 0], 'replacing drops the cached map');
  } finally {
    unregisterDirection('test-replace');
  }
  t.notOk(unregisterDirection('never-registered'), 'unregister of an unknown name returns false');
  t.end();
});

test('raw orders and hand-made index maps are validated', (t) => {
  const x = Tensor.arange(4).reshape([1, 1, 2, 2]);
  t.deepEqual(scan(x, [3, 1, 2, 0]).toArray(), [[[3, 1, 2, 0]]], 'array order');
  t.deepEqual(scan(x, Int32Array.from([2, -1, 0, 1, 3])).toArray(), [[[2, 0, 0, 1, 3]]], 'Int32Array order with padding');
  t.throws(() => scan(x, [0, 0, 1, 2]), /token 0 appears more than once/);
  const forged = { ...scanIndex('h', 2, 2), order: Int32Array.from([0, 1, 2, 7]) };
  t.throws(() => scan(x, forged), /entry 3 is 7/, 'a hand-made map is checked, not trusted');
  t.throws(() => scan(x, scanIndex('h', 3, 3)), /is for a 3x3 grid, not 2x2/);
  t.end();
});
