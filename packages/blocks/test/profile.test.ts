import { Tensor } from '@vssm/core';
import test from 'tape';
import { MultiScanMambaMixer, type SectionEvent, section, sectionAsync, setSectionObserver } from '../src/index.js';

test('section / sectionAsync: timed only while an observer is installed; nested sections report inner first', async (t) => {
  t.equal(
    section('x', () => 42),
    42,
    'a plain call without an observer',
  );
  const events: SectionEvent[] = [];
  const previous = setSectionObserver((e) => events.push(e));
  t.equal(previous, undefined);
  const value = await sectionAsync('outer', async () => section('inner', () => 7));
  t.equal(value, 7);
  t.deepEqual(
    events.map((e) => e.name),
    ['inner', 'outer'],
  );
  t.ok(events[1].start <= events[0].start && events[0].ms <= events[1].ms, 'inner lies within outer');
  t.throws(
    () =>
      section('throws', () => {
        throw new Error('boom');
      }),
    /boom/,
  );
  t.equal(events[events.length - 1].name, 'throws', 'a section that throws is still reported');
  t.equal(typeof setSectionObserver(undefined), 'function', 'returns the observer it replaces');
  section('after', () => 0);
  t.equal(events[events.length - 1].name, 'throws', 'nothing reported once removed');
  t.end();
});

test('a mixer forward reports its gather, selective scan and merge sections', async (t) => {
  const mixer = new MultiScanMambaMixer(8, { directions: ['h', 'v'], rng: 1 });
  const names = new Set<string>();
  setSectionObserver((e) => names.add(e.name));
  try {
    await mixer.forward(Tensor.randn([1, 9, 8], 2), { H: 3, W: 3 });
  } finally {
    setSectionObserver(undefined);
  }
  for (const name of ['scan.gather', 'selectiveScan', 'SCAttn.stats', 'scan.reverse+gate+sum']) t.ok(names.has(name), name);
  t.end();
});
