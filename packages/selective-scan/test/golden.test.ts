import test from 'tape';
import { backends, getBackend } from '../src/index.js';
import type { SelectiveScanBackend } from '../src/types.js';
import { compareGolden, cpuVariants, goldenCases } from './cpu-helpers.js';

async function checkBackend(t: test.Test, label: string, backend: SelectiveScanBackend): Promise<void> {
  for (const c of await goldenCases()) {
    const fwd = await backend.forward(c.problem);
    const grads = await backend.backward(c.problem, fwd, c.dout);
    for (const [what, r] of compareGolden(c, fwd, grads)) t.ok(r.ok, `${label} ${c.name} ${what}: ${r.message}`);
  }
}

test('golden selective-scan cases on every registered backend available here', async (t) => {
  const list = await backends();
  const byName = new Map(list.map((b) => [b.name, b]));
  t.ok(byName.get('cpu-f64')?.available, `cpu-f64 is available: ${byName.get('cpu-f64')?.reason}`);
  t.ok(byName.get('cpu')?.available, `cpu is available: ${byName.get('cpu')?.reason}`);
  for (const info of list) {
    if (!info.available) {
      t.comment(`backend ${info.name} not available here: ${info.reason}`);
      continue;
    }
    t.comment(`backend ${info.name}: ${info.reason}`);
    await checkBackend(t, info.name, getBackend(info.name));
  }
});

test('golden selective-scan cases on each CPU variant (wasm 1 and 2 threads, TypeScript), with small chunks too', async (t) => {
  for (const chunkSize of [undefined, 16]) {
    for (const { label, backend } of cpuVariants(chunkSize)) {
      const status = await backend.probe();
      t.ok(status.available, `${label}: ${status.reason}`);
      await checkBackend(t, `${label}${chunkSize ? ` chunk ${chunkSize}` : ''}`, backend);
      await backend.dispose?.();
    }
  }
});
