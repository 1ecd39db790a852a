import fc from 'fast-check';
import test from 'tape';
import { firstNonFinite, Tensor } from '../src/index.js';

test('firstNonFinite: −1 for finite arrays, else the first NaN or ±Infinity, at every position and length', (t) => {
  t.equal(firstNonFinite(new Float32Array(0)), -1, 'empty');
  t.equal(firstNonFinite(Float32Array.from([3.4e38, -3.4e38, 0, -0, 1e-45])), -1, 'extremes are finite');
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    for (let n = 1; n <= 9; n++) {
      for (let at = 0; at < n; at++) {
        const x = new Float32Array(n).fill(1);
        x[at] = bad;
        if (firstNonFinite(x) !== at) t.fail(`${bad} at ${at} of ${n}: got ${firstNonFinite(x)}`);
      }
    }
    t.pass(`${bad} is found at every position of lengths 1–9 (tail and unrolled body)`);
  }
  fc.assert(
    fc.property(fc.array(fc.float({ noDefaultInfinity: false }), { maxLength: 40 }), (values) => {
      const x = Float32Array.from(values);
      const expected = x.findIndex((v) => !Number.isFinite(v));
      return firstNonFinite(x) === expected && Tensor.fromData(x, [x.length]).isFinite() === (expected < 0);
    }),
  );
  t.pass('matches findIndex(!isFinite) and Tensor.isFinite on random arrays');
  t.end();
});
