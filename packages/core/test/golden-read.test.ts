import test from 'tape';
import { loadSafetensors } from '@vssm/core';
import { goldenFile } from '@vssm/testing';

test('reads the golden ops file', async (t) => {
  const f = await loadSafetensors(goldenFile('ops.safetensors'));
  t.ok(f.names().length > 10, `${f.names().length} tensors`);
  t.ok(typeof f.metadata.cases === 'string', 'has cases metadata');
  const first = f.get(f.names()[0]);
  t.ok(first.size > 0);
});
