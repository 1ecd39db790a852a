import test from 'tape';
import { ArgumentError, matchStateDict, StateDictError, Tensor } from '@vssm/core';

const expected: [string, number[]][] = [
  ['stem.weight', [8, 3, 4, 4]],
  ['stem.bias', [8]],
  ['head.weight', [10, 8]],
  ['head.bias', [10]],
];

test('matchStateDict: an exact match passes in strict mode', (t) => {
  const actual = new Map(expected.map(([k, s]) => [k, Tensor.zeros(s)]));
  const report = matchStateDict(actual, expected);
  t.deepEqual(report, { missing: [], unexpected: [], mismatched: [], ok: true });
  t.ok(
    matchStateDict(new Map(expected.map(([k, s]) => [k, { shape: s }])), new Map(expected)).ok,
    'plain {shape} values and a Map of expected shapes',
  );
  t.end();
});

test('matchStateDict: reports missing, unexpected and mis-shaped keys in order', (t) => {
  const actual = new Map<string, { shape: number[] }>([
    ['extra.b', { shape: [1] }],
    ['head.weight', { shape: [10, 16] }],
    ['stem.weight', { shape: [8, 3, 4, 4] }],
    ['extra.a', { shape: [2, 2] }],
  ]);
  const report = matchStateDict(actual, expected, { strict: false });
  t.deepEqual(report.missing, ['stem.bias', 'head.bias'], 'missing, in expected order');
  t.deepEqual(report.unexpected, ['extra.b', 'extra.a'], 'unexpected, in state-dict order');
  t.deepEqual(report.mismatched, [{ key: 'head.weight', expected: [10, 8], actual: [10, 16] }], 'mismatched shapes');
  t.equal(report.ok, false);
  try {
    matchStateDict(actual, expected);
    t.fail('strict mode did not throw');
  } catch (err) {
    t.ok(err instanceof StateDictError, 'StateDictError');
    const e = err as StateDictError;
    t.deepEqual([e.missing, e.unexpected, e.mismatched], [report.missing, report.unexpected, report.mismatched], 'error carries the lists');
    t.equal(
      e.message,
      [
        'state dict does not match the model: 2 missing, 2 unexpected, 1 with mismatched shapes',
        '  missing keys (2):',
        '    stem.bias (expected [8])',
        '    head.bias (expected [10])',
        '  unexpected keys (2):',
        '    extra.b (shape [1])',
        '    extra.a (shape [2, 2])',
        '  shape mismatches (1):',
        '    head.weight: expected [10, 8], got [10, 16]',
      ].join('\n'),
      'readable message',
    );
  }
  t.end();
});

test('matchStateDict: long lists are cut with "... and N more"; prefix hint', (t) => {
  const many: [string, number[]][] = Array.from({ length: 45 }, (_, i) => [`blocks.${i}.w`, [i + 1]]);
  const actual = new Map(many.map(([k, s]) => [`backbone.${k}`, { shape: s }]));
  try {
    matchStateDict(actual, many);
    t.fail('did not throw');
  } catch (err) {
    const msg = (err as Error).message;
    t.match(msg, /45 missing, 45 unexpected, 0 with mismatched shapes/, 'counts');
    t.ok(msg.includes('    blocks.19.w (expected [20])') && !msg.includes('    blocks.20.w (expected'), 'first 20 missing listed');
    t.equal((msg.match(/\.\.\. and 25 more/g) ?? []).length, 2, '"... and 25 more" for both lists');
    t.match(
      msg,
      /hint: 45 unexpected keys are missing keys with the prefix 'backbone\.'; try stripPrefixes: \['backbone\.'\]/,
      'prefix hint',
    );
  }
  try {
    matchStateDict(new Map(), many, { maxListed: 3 });
    t.fail('did not throw');
  } catch (err) {
    t.match((err as Error).message, /blocks\.2\.w \(expected \[3\]\)\n {4}\.\.\. and 42 more/, 'maxListed');
    t.doesNotMatch((err as Error).message, /hint/, 'no hint without unexpected keys');
  }
  t.end();
});

test('matchStateDict: bad arguments are ArgumentErrors', (t) => {
  t.throws(
    () =>
      matchStateDict(new Map(), [
        ['a', [1]],
        ['a', [2]],
      ]),
    ArgumentError,
    'duplicate expected key',
  );
  t.throws(() => matchStateDict(new Map([['a', {} as never]]), [['a', [1]]]), /entry 'a' has no shape/, 'value without shape');
  t.throws(() => matchStateDict(new Map(), [['a', 3 as never]]), /expected shape for 'a' is not an array/, 'shape not an array');
  t.throws(() => matchStateDict(new Map(), [5 as never]), /must be \[name, value\] pairs/, 'not pairs');
  t.end();
});
