import test from 'tape';
import { Module, StateDictError, Tensor } from '@vssm/core';

class Linear extends Module {
  constructor(inF: number, outF: number, bias = true) {
    super();
    this.registerParameter('weight', Tensor.zeros([outF, inF]));
    if (bias) this.registerParameter('bias', Tensor.zeros([outF]));
  }
}

class Net extends Module {
  constructor() {
    super();
    this.registerParameter('pos', Tensor.zeros([1, 4]));
    this.registerBuffer('table', Tensor.ones([2]));
    this.registerBuffer('scratch', Tensor.ones([3]), false);
    this.registerModule('fc', new Linear(4, 2));
    this.registerModule('head', new Linear(2, 1, false));
  }
}

test('Module: state-dict names, order, counts', (t) => {
  const net = new Net();
  t.deepEqual([...net.stateDict().keys()], ['pos', 'table', 'fc.weight', 'fc.bias', 'head.weight'], 'params, buffers, then children');
  t.deepEqual(net.namedParameters().map(([n]) => n), ['pos', 'fc.weight', 'fc.bias', 'head.weight']);
  t.equal(net.parameterCount(), 4 + 8 + 2 + 2);
  t.deepEqual(net.stateDictShapes()[2], ['fc.weight', [2, 4]]);
  t.end();
});

test('Module: loadStateDict strict and non-strict', (t) => {
  const net = new Net();
  const sd = new Map(net.stateDict());
  sd.set('fc.weight', Tensor.full([2, 4], 3));
  net.loadStateDict(sd);
  t.equal(net.child('fc').param('weight').get(1, 3), 3, 'weights replaced');
  const bad = new Map(sd);
  bad.delete('pos');
  bad.set('extra', Tensor.zeros([1]));
  bad.set('fc.bias', Tensor.zeros([3]));
  try {
    net.loadStateDict(bad);
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof StateDictError, 'StateDictError');
    const err = e as StateDictError;
    t.deepEqual(err.missing, ['pos']);
    t.deepEqual(err.unexpected, ['extra']);
    t.deepEqual(err.mismatched.map((m) => m.key), ['fc.bias']);
    t.ok(/missing keys \(1\)/.test(err.message) && /unexpected keys \(1\)/.test(err.message), err.message);
  }
  const report = net.loadStateDict(bad, { strict: false });
  t.deepEqual(report.missing, ['pos'], 'non-strict returns the report');
  t.end();
});
