import { ArgumentError } from '@vssm/core';
import test from 'tape';
import { clearScanIndexCache, configureScanIndexCache, reverseIndex, scanIndex, scanIndexCacheInfo } from '../src/index.js';

test('index maps are cached per (direction, H, W) and shared', (t) => {
  clearScanIndexCache();
  const a = scanIndex('w7_flip', 9, 11);
  const b = scanIndex('w7_flip', 9, 11);
  t.equal(a, b, 'same object on a hit');
  t.notEqual(scanIndex('w7_flip', 11, 9), a, 'another grid is another entry');
  const info = scanIndexCacheInfo().scan;
  t.deepEqual([info.entries, info.hits, info.misses], [2, 1, 2]);
  t.equal(info.indices, 14 * 14 * 2, 'indices counted (two 14x14 padded maps)');
  t.equal(reverseIndex('v', 3, 4), reverseIndex('v', 3, 4), 'reverse maps cached too');
  t.notEqual(reverseIndex('v', 3, 4), reverseIndex('v', 3, 4, { reverseMode: 'official-v-bug' }), 'keyed by mode');
  t.end();
});

test('the cache is bounded by entries and by indices (LRU)', (t) => {
  clearScanIndexCache();
  configureScanIndexCache({ maxEntries: 3, maxIndices: 1000 });
  try {
    const h1 = scanIndex('h', 1, 1);
    scanIndex('h', 2, 2);
    scanIndex('h', 3, 3);
    t.equal(scanIndex('h', 1, 1), h1, 'touch 1x1 so 2x2 becomes least recently used');
    scanIndex('h', 4, 4);
    let info = scanIndexCacheInfo().scan;
    t.equal(info.entries, 3, 'never more than maxEntries');
    const misses = info.misses;
    scanIndex('h', 2, 2);
    t.equal(scanIndexCacheInfo().scan.misses, misses + 1, '2x2 was evicted');
    scanIndex('h', 40, 40);
    info = scanIndexCacheInfo().scan;
    t.ok(info.indices <= 1000, `index budget respected (${info.indices})`);
    const big1 = scanIndex('h', 40, 40);
    t.notEqual(scanIndex('h', 40, 40), big1, 'a map over the whole budget is built but not kept');
  } finally {
    configureScanIndexCache({ maxEntries: 256, maxIndices: 1 << 24 });
    clearScanIndexCache();
  }
  t.throws(() => configureScanIndexCache({ maxEntries: -1 }), ArgumentError);
  t.throws(() => configureScanIndexCache({ maxIndices: 1.5 }), ArgumentError);
  t.end();
});
