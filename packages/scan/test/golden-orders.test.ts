import { readFileSync } from 'node:fs';
import { Tensor } from '@vssm/core';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { ALL_DIRECTIONS, reverse, scan, scanIndex } from '../src/index.js';

interface GoldenOrders {
  format: string;
  kind: string;
  semantics: string;
  orders: Record<string, number[]>;
}

const golden = JSON.parse(readFileSync(goldenFile('scan-orders.json'), 'utf8')) as GoldenOrders;

function parseKey(key: string): { H: number; W: number; direction: string } {
  const m = /^(\d+)x(\d+)\/(.+)$/.exec(key);
  if (!m) throw new Error(`unexpected golden key ${key}`);
  return { H: Number(m[1]), W: Number(m[2]), direction: m[3] };
}

test('golden file: holds scan orders only (no reverse behaviour is recorded)', (t) => {
  t.equal(golden.kind, 'scan_orders');
  t.deepEqual(Object.keys(golden).sort(), ['format', 'kind', 'orders', 'semantics'], 'no reverse data to check against');
  const keys = Object.keys(golden.orders);
  t.equal(keys.length, 56, '7 grid sizes x 8 directions');
  t.ok(
    keys.every((k) => (ALL_DIRECTIONS as readonly string[]).includes(parseKey(k).direction)),
    'every golden direction is one of ALL_DIRECTIONS',
  );
  t.end();
});

test('scanIndex matches every official order in scan-orders.json', (t) => {
  for (const [key, expected] of Object.entries(golden.orders)) {
    const { H, W, direction } = parseKey(key);
    const index = scanIndex(direction, H, W);
    t.deepEqual(Array.from(index.order), expected, `${key}: order`);
    t.equal(index.length, expected.length, `${key}: length`);
    t.equal(index.padding, expected.filter((v) => v < 0).length, `${key}: padding count`);
  }
  t.end();
});

test('scan gathers every golden order from [B, L, C] and [B, C, H, W] inputs alike', (t) => {
  for (const [key, expected] of Object.entries(golden.orders)) {
    const { H, W, direction } = parseKey(key);
    // token p carries value p + 1 in channel 0 and -(p + 1) in channel 1, so padding (0) is distinguishable
    const L = H * W;
    const tokens = new Float32Array(L * 2);
    for (let p = 0; p < L; p++) {
      tokens[p * 2] = p + 1;
      tokens[p * 2 + 1] = -(p + 1);
    }
    const blc = Tensor.fromData(tokens, [1, L, 2]);
    const bchw = blc.permute(0, 2, 1).reshape([1, 2, H, W]);
    const want0 = expected.map((v) => (v < 0 ? 0 : v + 1));
    const want1 = expected.map((v) => (v < 0 ? 0 : -(v + 1)));
    for (const [name, y] of [
      ['blc', scan(blc, direction, { H, W })],
      ['bchw', scan(bchw, direction)],
    ] as const) {
      t.deepEqual(y.shape, [1, 2, expected.length], `${key} ${name}: shape`);
      t.deepEqual(y.slice(0, 0).toArray(), want0, `${key} ${name}: channel 0`);
      t.deepEqual(y.slice(0, 1).toArray(), want1, `${key} ${name}: channel 1`);
    }
    const back = reverse(scan(blc, direction, { H, W }), direction, { H, W, layout: 'blc' });
    t.deepEqual(Array.from(back.contiguousData()), Array.from(tokens), `${key}: reverse restores the tokens`);
  }
  t.end();
});
