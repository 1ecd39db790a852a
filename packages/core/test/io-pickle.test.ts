import fc from 'fast-check';
import test from 'tape';
import { UnsafePickleError, unpickle, WeightFileError } from '@vssm/core';
import { encodePickle, type Plain, PickleWriter } from './io-helpers-pickle.js';

const run = (w: PickleWriter, options = {}) => unpickle(w.bytesOut(), { file: 'unit.pkl', ...options });

function throwsWith(t: test.Test, fn: () => unknown, type: new (...args: never[]) => Error, pattern: RegExp, msg: string): void {
  try {
    fn();
    t.fail(`${msg}: did not throw`);
  } catch (err) {
    t.ok(err instanceof type, `${msg}: ${(err as Error).name}`);
    t.match((err as Error).message, pattern, `${msg}: ${(err as Error).message}`);
  }
}

test('pickle: scalars of every opcode family', (t) => {
  t.equal(run(new PickleWriter().proto().none().stop()), null, 'NONE');
  t.equal(run(new PickleWriter().proto().bool(true).stop()), true, 'NEWTRUE');
  t.equal(run(new PickleWriter().proto().bool(false).stop()), false, 'NEWFALSE');
  t.equal(run(new PickleWriter().proto().int(200).stop()), 200, 'BININT1');
  t.equal(run(new PickleWriter().proto().int(60000).stop()), 60000, 'BININT2');
  t.equal(run(new PickleWriter().proto().int(-5).stop()), -5, 'BININT negative');
  t.equal(
    run(
      new PickleWriter()
        .proto()
        .int(2 ** 40 + 3)
        .stop(),
    ),
    2 ** 40 + 3,
    'LONG1 within 2^53 → number',
  );
  t.equal(
    run(
      new PickleWriter()
        .proto()
        .int(-(2n ** 70n))
        .stop(),
    ),
    -(2n ** 70n),
    'LONG1 beyond 2^53 → bigint',
  );
  t.equal(run(new PickleWriter().proto().raw(0x8a, 0).stop()), 0, 'LONG1 of zero bytes');
  t.equal(run(new PickleWriter().proto().raw(0x8b, 2, 0, 0, 0, 0xff, 0x7f).stop()), 32767, 'LONG4');
  t.equal(run(new PickleWriter().proto().float(-0.1).stop()), -0.1, 'BINFLOAT');
  t.equal(run(new PickleWriter().proto().str('héllo ✓').stop()), 'héllo ✓', 'BINUNICODE utf-8');
  t.equal(run(new PickleWriter().proto().shortStr('ab').stop()), 'ab', 'SHORT_BINUNICODE');
  t.equal(run(new PickleWriter().proto().raw(0x8d, 1, 0, 0, 0, 0, 0, 0, 0, 0x41).stop()), 'A', 'BINUNICODE8');
  t.equal(run(new PickleWriter().proto().raw(0x55, 2, 0xe9, 0x41).stop()), 'éA', 'SHORT_BINSTRING as latin-1');
  t.deepEqual(run(new PickleWriter().proto().raw(0x43, 2, 1, 255).stop()), Uint8Array.from([1, 255]), 'SHORT_BINBYTES');
  t.deepEqual(
    run(
      new PickleWriter()
        .proto()
        .raw(0x49, ...new TextEncoder().encode('01\n'))
        .stop(),
    ),
    true,
    'INT 01 is True',
  );
  t.equal(
    run(
      new PickleWriter()
        .proto()
        .raw(0x49, ...new TextEncoder().encode('-12\n'))
        .stop(),
    ),
    -12,
    'INT text',
  );
  t.equal(
    run(
      new PickleWriter()
        .proto()
        .raw(0x46, ...new TextEncoder().encode('2.5\n'))
        .stop(),
    ),
    2.5,
    'FLOAT text',
  );
  t.end();
});

test('pickle: containers, memo, frames and protocol 4 opcodes', (t) => {
  const tuple = run(new PickleWriter().proto().int(1).int(2).int(3).tupleN(3).stop());
  t.deepEqual(tuple, [1, 2, 3], 'TUPLE3 → array');
  const nested = run(new PickleWriter().proto().mark().int(1).mark().str('a').tuple().tuple().stop());
  t.deepEqual(nested, [1, ['a']], 'TUPLE with MARK, nested');
  const dict = run(
    new PickleWriter().proto().emptyDict().binput(0).mark().str('b').int(1).str('a').int(2).int(3).str('int key').setitems().stop(),
  );
  t.ok(dict instanceof Map, 'dict → Map');
  t.deepEqual(
    [...(dict as Map<unknown, unknown>).entries()],
    [
      ['b', 1],
      ['a', 2],
      [3, 'int key'],
    ],
    'insertion order and non-string keys kept',
  );
  const shared = run(new PickleWriter().proto().emptyList().binput(7).mark().int(1).appends().binget(7).tupleN(2).stop()) as unknown[][];
  t.equal(shared[0], shared[1], 'BINGET returns the same object');
  const memoized = run(new PickleWriter().proto(4).raw(0x95, 8, 0, 0, 0, 0, 0, 0, 0).shortStr('x').memoize().raw(0x68, 0).tupleN(2).stop());
  t.deepEqual(memoized, ['x', 'x'], 'FRAME, MEMOIZE and BINGET of the memoized value');
  const set = run(new PickleWriter().proto(4).raw(0x8f).mark().int(1).int(2).raw(0x90).stop());
  t.deepEqual([...(set as Set<number>)], [1, 2], 'EMPTY_SET + ADDITEMS');
  const list = run(new PickleWriter().proto().mark().int(1).int(2).list().int(3).append().stop());
  t.deepEqual(list, [1, 2, 3], 'LIST + APPEND');
  const popped = run(new PickleWriter().proto().int(1).int(2).raw(0x30).mark().int(9).raw(0x31).raw(0x32).tupleN(2).stop());
  t.deepEqual(popped, [1, 1], 'POP, POP_MARK, DUP');
  const sdict = run(new PickleWriter().proto().mark().str('k').int(1).raw(0x64).str('j').int(2).setitem().stop());
  t.deepEqual(
    [...(sdict as Map<string, number>)],
    [
      ['k', 1],
      ['j', 2],
    ],
    'DICT + SETITEM',
  );
  t.end();
});

const plainValue: fc.Arbitrary<Plain> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.maxSafeInteger(),
    fc
      .bigInt({ min: -(2n ** 80n), max: 2n ** 80n })
      .filter((b) => b < BigInt(Number.MIN_SAFE_INTEGER) || b > BigInt(Number.MAX_SAFE_INTEGER)),
    fc.double({ noNaN: true }).filter((x) => !Number.isSafeInteger(x)),
    fc.string(),
    fc.uint8Array({ maxLength: 8 }),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('list'), tie('dict')),
  list: fc.array(tie('node') as fc.Arbitrary<Plain>, { maxLength: 5 }),
  dict: fc
    .array(fc.tuple(fc.string(), tie('node') as fc.Arbitrary<Plain>), { maxLength: 5 })
    .map((pairs) => new Map<string | number, Plain>(pairs)),
})).node as fc.Arbitrary<Plain>;

test('pickle: property — protocol-2 encodings of random plain values round-trip', (t) => {
  fc.assert(
    fc.property(plainValue, (v) => {
      t.deepEqual(unpickle(encodePickle(v)), v);
    }),
    { numRuns: 200 },
  );
  t.end();
});

test('pickle: every global is refused unless a hook allows it, before anything runs', (t) => {
  for (const [module, name] of [
    ['os', 'system'],
    ['posix', 'system'],
    ['nt', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['__builtin__', 'getattr'],
    ['subprocess', 'Popen'],
  ]) {
    const w = new PickleWriter().proto().global(module, name).str('echo pwned').tupleN(1).reduce().stop();
    throwsWith(t, () => run(w), UnsafePickleError, new RegExp(`'${module}\\.${name}'`), `${module}.${name} via REDUCE`);
  }
  const viaStack = new PickleWriter().proto(4).stackGlobal('os', 'system').stop();
  throwsWith(t, () => run(viaStack), UnsafePickleError, /'os\.system'/, 'STACK_GLOBAL os.system');
  const err = (() => {
    try {
      run(new PickleWriter().proto().global('os', 'system').stop());
    } catch (e) {
      return e as UnsafePickleError;
    }
  })();
  t.equal(err?.global, 'os.system', 'error names the global');
  t.equal(err?.code, 'ERR_UNSAFE_PICKLE', 'error code');
  t.end();
});

test('pickle: malformed and hostile streams fail fast with typed errors', (t) => {
  const deepLists = new PickleWriter().proto();
  for (let i = 0; i < 100_000; i++) deepLists.emptyList();
  for (let i = 0; i < 99_999; i++) deepLists.append();
  deepLists.stop();
  const t0 = performance.now();
  throwsWith(t, () => run(deepLists), WeightFileError, /nest deeper than the limit of 1000/, '100k nested lists (APPEND)');
  t.ok(performance.now() - t0 < 2000, 'nesting is rejected quickly');

  const deepMarks = new PickleWriter().proto();
  for (let i = 0; i < 100_000; i++) deepMarks.mark();
  for (let i = 0; i < 100_000; i++) deepMarks.list();
  throwsWith(t, () => run(deepMarks.stop()), WeightFileError, /nest deeper/, '100k nested lists (MARK/LIST)');

  const deepTuples = new PickleWriter().proto().emptyTuple();
  for (let i = 0; i < 100_000; i++) deepTuples.tupleN(1);
  throwsWith(t, () => run(deepTuples.stop()), WeightFileError, /nest deeper/, '100k nested tuples');

  const dictChain = new PickleWriter().proto();
  for (let i = 0; i < 5000; i++) dictChain.emptyDict().str('k');
  dictChain.none();
  for (let i = 0; i < 5000; i++) dictChain.setitem();
  throwsWith(t, () => run(dictChain.stop()), WeightFileError, /nest deeper/, 'deeply nested dicts');

  throwsWith(
    t,
    () => run(new PickleWriter().proto().str('x').binput(0).binget(1).stop()),
    WeightFileError,
    /memo index 1 does not exist/,
    'missing memo index',
  );
  throwsWith(
    t,
    () => run(new PickleWriter().proto().raw(0x6a, 0xff, 0xff, 0xff, 0x7f).stop()),
    WeightFileError,
    /memo index 2147483647 does not exist/,
    'missing LONG_BINGET',
  );
  throwsWith(t, () => run(new PickleWriter().proto().emptyList().mark().int(1).appends()), WeightFileError, /without a STOP/, 'no STOP');
  throwsWith(
    t,
    () => run(new PickleWriter().proto().raw(0x58, 0xff, 0, 0, 0, 0x41).stop()),
    WeightFileError,
    /BINUNICODE at byte 2: needs 255 more bytes/,
    'BINUNICODE past the end',
  );
  throwsWith(
    t,
    () => run(new PickleWriter().proto().raw(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10).stop()),
    WeightFileError,
    /larger than the whole pickle/,
    'BINUNICODE8 absurd length',
  );
  throwsWith(
    t,
    () => run(new PickleWriter().proto().raw(0x8b, 0xff, 0xff, 0xff, 0x7f).stop()),
    WeightFileError,
    /out of the accepted range/,
    'LONG4 absurd length',
  );
  throwsWith(t, () => run(new PickleWriter().proto().append().stop()), WeightFileError, /stack underflow/, 'stack underflow');
  throwsWith(t, () => run(new PickleWriter().proto().int(1).tuple().stop()), WeightFileError, /no MARK/, 'TUPLE without MARK');
  throwsWith(t, () => run(new PickleWriter().proto().mark().tupleN(1).stop()), WeightFileError, /stack underflow/, 'TUPLE1 across a MARK');
  throwsWith(
    t,
    () => run(new PickleWriter().proto().int(1).int(2).append().stop()),
    WeightFileError,
    /cannot append to number/,
    'APPEND to a non-list',
  );
  throwsWith(t, () => run(new PickleWriter().proto().raw(0xff)), WeightFileError, /unknown opcode/, 'unknown opcode');
  throwsWith(t, () => run(new PickleWriter().proto(9)), WeightFileError, /protocol 9/, 'future protocol');
  throwsWith(t, () => run(new PickleWriter().proto().raw(0x82, 1)), WeightFileError, /extension registry/, 'EXT1');
  throwsWith(t, () => run(new PickleWriter().proto().raw(0x69)), WeightFileError, /instantiation/, 'INST');
  throwsWith(t, () => run(new PickleWriter().proto().raw(0x63, 0x6f, 0x73)), WeightFileError, /no terminating newline/, 'GLOBAL cut short');
  throwsWith(
    t,
    () => run(new PickleWriter().proto().str('pid').binpersid().stop()),
    WeightFileError,
    /persistent/,
    'persistent id without loader',
  );
  throwsWith(t, () => run(new PickleWriter().proto().stop()), WeightFileError, /empty stack/, 'STOP on an empty stack');
  throwsWith(
    t,
    () => unpickle(new Uint8Array(0), { file: 'unit.pkl' }),
    WeightFileError,
    /unit\.pkl: pickle ends at byte 0 without a STOP/,
    'empty input names the file',
  );
  t.end();
});

test('pickle: limits on memo size and value count', (t) => {
  const memo = new PickleWriter().proto().int(1);
  for (let i = 0; i < 20; i++) memo.binput(i);
  throwsWith(t, () => run(memo.stop(), { limits: { maxMemo: 10 } }), WeightFileError, /more than 10 memo entries/, 'maxMemo');
  const many = new PickleWriter().proto().emptyList().mark();
  for (let i = 0; i < 200; i++) many.int(i);
  many.appends().stop();
  throwsWith(t, () => run(many, { limits: { maxItems: 100 } }), WeightFileError, /more than 100 values/, 'maxItems');
  t.equal((run(many) as number[]).length, 200, 'the same pickle passes under default limits');
  const deep = new PickleWriter().proto().emptyTuple();
  for (let i = 0; i < 10; i++) deep.tupleN(1);
  throwsWith(t, () => run(deep.stop(), { limits: { maxDepth: 5 } }), WeightFileError, /limit of 5 levels/, 'custom maxDepth');
  t.end();
});

test('pickle: hooks decide what globals, REDUCE, NEWOBJ, BUILD and persistent ids produce', (t) => {
  const calls: string[] = [];
  const hooks = {
    global: (m: string, n: string) => `${m}.${n}`,
    reduce: (c: unknown, a: unknown[]) => {
      calls.push(`reduce ${c}`);
      return { called: c, args: a };
    },
    newObject: (c: unknown) => ({ cls: c }),
    build: (o: unknown, s: unknown) => ({ ...(o as object), state: s }),
    persistentLoad: (pid: unknown) => ({ pid }),
  };
  const v = run(new PickleWriter().proto().global('m', 'f').int(1).tupleN(1).reduce().stop(), { hooks });
  t.deepEqual(v, { called: 'm.f', args: [1] }, 'REDUCE goes through the hook');
  const o = run(new PickleWriter().proto().global('m', 'C').emptyTuple().newobj().str('s').build().stop(), { hooks });
  t.deepEqual(o, { cls: 'm.C', state: 's' }, 'NEWOBJ + BUILD');
  const p = run(new PickleWriter().proto().str('key').binpersid().stop(), { hooks });
  t.deepEqual(p, { pid: 'key' }, 'BINPERSID');
  t.deepEqual(calls, ['reduce m.f'], 'hooks called once');
  t.end();
});
