// The fused WGSL backend in Node: its probe (no adapter on a CPU-only machine: it must say so), and the device-free
// parts: shader generation within WebGPU's default limits, launch planning, packed layouts. The kernels themselves
// run in headless Chromium (browser-gpu.test.ts) and on the H100 benchmark.
import { ArgumentError } from '@vssm/core';
import test from 'tape';
import {
  chunkBackwardShader,
  chunkKernelBytes,
  createWebgpuBackend,
  forwardShader,
  gateShader,
  groupBackwardShader,
  groupShape,
  packedLayout,
  paramsBlock,
  reduceShader,
  resolveLaunch,
  type ScanDims,
  type ScanVariant,
  SEGMENT_ALIGN,
  WORKGROUP_BYTES,
} from '../src/webgpu/index.js';
import { randomProblem } from './gpu-cases.js';

const dims = (o: Partial<ScanDims> = {}): ScanDims => ({
  batch: 2,
  dim: 8,
  length: 300,
  dstate: 16,
  groups: 2,
  deltaSoftplus: true,
  hasD: true,
  hasZ: true,
  hasBias: true,
  ...o,
});

/** Storage bindings and workgroup bytes a WGSL module declares. */
function resources(code: string): { storage: number; workgroupBytes: number } {
  const storage = (code.match(/var<storage,/g) ?? []).length;
  let workgroupBytes = 0;
  for (const m of code.matchAll(/var<workgroup>\s+\w+:\s*array<(f32|vec2f),\s*(\d+)>/g))
    workgroupBytes += Number(m[2]) * (m[1] === 'vec2f' ? 8 : 4);
  return { storage, workgroupBytes };
}

test('webgpu probe in Node: available, or unavailable with the reason (no adapter on a CPU-only machine)', async (t) => {
  const be = createWebgpuBackend();
  t.equal(be.name, 'webgpu', 'name');
  const s = await be.probe();
  t.ok(typeof s.reason === 'string' && s.reason.length > 0, `webgpu: ${s.available ? 'available' : 'unavailable'} (${s.reason})`);
  if (!s.available) {
    const { problem } = randomProblem(
      { batch: 1, dim: 1, length: 3, dstate: 1, groups: 1, z: false, D: false, bias: false, softplus: false },
      2,
    );
    await be.forward(problem).then(
      () => t.fail('forward ran although the probe said unavailable'),
      (e: Error) => t.equal((e as { code?: string }).code, 'ERR_BACKEND_UNAVAILABLE', `forward rejects: ${e.message}`),
    );
  }
  await be.dispose?.();
});

test('webgpu shaders: every kernel variant stays within 8 storage buffers and 16 KiB of workgroup memory', (t) => {
  let checked = 0;
  for (const dstate of [1, 4, 16, 64, 256]) {
    for (const [wg, items] of [
      [32, 4],
      [64, 4],
      [256, 4],
      [128, 16],
      [256, 8],
      [4, 3],
    ]) {
      for (const subgroups of [true, false]) {
        for (const stage of [true, false]) {
          const d = dims({ dstate });
          const cfg = resolveLaunch(d, { wg, items, stage, stageBackward: stage }, subgroups ? 4 : 0);
          const base = { dstate, subgroups: cfg.subgroups, softplus: true, hasD: true, hasZ: true, hasBias: true };
          for (const [kind, code, bytes] of [
            [
              'forward',
              forwardShader({ ...base, ...cfg.fwd, stage: cfg.stage }),
              chunkKernelBytes('forward', cfg.fwd.wg, cfg.fwd.items, dstate, cfg.stage),
            ],
            [
              'chunk backward',
              chunkBackwardShader({ ...base, ...cfg.bwd, stage: cfg.stageBackward }),
              chunkKernelBytes('backward', cfg.bwd.wg, cfg.bwd.items, dstate, cfg.stageBackward),
            ],
          ] as const) {
            const r = resources(code);
            if (r.storage > 8 || r.workgroupBytes > WORKGROUP_BYTES || r.workgroupBytes !== bytes) {
              t.fail(
                `${kind} N=${dstate} ${wg}x${items}: ${r.storage} storage buffers, ${r.workgroupBytes} workgroup bytes (planned ${bytes})`,
              );
            }
            checked++;
          }
        }
      }
    }
    for (const dimPerGroup of [1, 7, 96, 384]) {
      const shape = groupShape(dstate, dimPerGroup);
      const v: ScanVariant = { wg: shape.wg, items: 1, dstate, subgroups: false, softplus: true, hasD: true, hasZ: true, hasBias: true };
      const r = resources(groupBackwardShader(v, shape));
      t.ok(
        r.storage <= 8 && r.workgroupBytes <= 16384,
        `group kernel N=${dstate} D/G=${dimPerGroup}: ${r.storage} storage, ${r.workgroupBytes} B`,
      );
      t.ok(shape.wg <= 256 && (shape.slots & (shape.slots - 1)) === 0 && shape.tile >= 1, `group shape ${JSON.stringify(shape)}`);
    }
    t.ok(resources(reduceShader(dstate)).storage <= 8, `reduce kernel N=${dstate}`);
  }
  t.ok(resources(gateShader()).storage <= 8, 'gate kernel');
  t.equal(checked, 5 * 6 * 2 * 2 * 2, `${checked} forward/backward variants checked`);
  t.end();
});

test('webgpu shaders: item loops are unrolled (no dynamic indexing of per-item arrays)', (t) => {
  const v: ScanVariant = { wg: 256, items: 4, dstate: 16, subgroups: true, softplus: true, hasD: true, hasZ: false, hasBias: true };
  for (const [kind, code] of [
    ['forward', forwardShader(v)],
    ['chunk backward', chunkBackwardShader(v)],
    ['group backward', groupBackwardShader(v, groupShape(16, 64))],
  ] as const) {
    t.notOk(/var \w+: array<f32, \d+>;/.test(code.replace(/var<workgroup>[^;]*;/g, '')), `${kind}: no private arrays`);
    t.ok(code.includes('enable subgroups') === (kind !== 'group backward'), `${kind}: subgroups enabled only where used`);
  }
  t.end();
});

test('webgpu launch plans: defaults, overrides and their validation', (t) => {
  const short = resolveLaunch(dims({ length: 197 }), {}, 32);
  t.deepEqual([short.fwd.wg, short.fwd.items, short.plan.chunkLen, short.plan.nChunks], [64, 4, 256, 1], 'L=197: 64 × 4, one chunk');
  const long = resolveLaunch(dims({ length: 3136 }), {}, 32);
  t.deepEqual([long.fwd.wg, long.fwd.items, long.plan.nChunks], [256, 4, 4], 'L=3136: 256 × 4, four chunks');
  t.ok(long.subgroups, 'subgroups used when the device has them');
  t.notOk(resolveLaunch(dims(), {}, 0).subgroups, 'no subgroups without device support');
  t.notOk(resolveLaunch(dims(), { subgroups: false }, 32).subgroups, 'subgroups can be switched off');
  t.notOk(resolveLaunch(dims(), { wg: 32 }, 64).subgroups, 'a workgroup smaller than the subgroup falls back');
  const big = resolveLaunch(dims(), { wg: 128, items: 16 }, 32);
  t.deepEqual([big.bwd.wg, big.bwd.items], [256, 8], 'backward keeps the chunk with at most 8 items per invocation');
  t.equal(big.plan.tileLen, groupShape(16, 4).tile, 'tile length from the group kernel shape');
  t.throws(() => resolveLaunch(dims(), { wg: 48 }, 0), ArgumentError, 'wg must be a power of two');
  t.throws(() => resolveLaunch(dims(), { wg: 512 }, 0), ArgumentError, 'wg at most 256');
  t.throws(() => resolveLaunch(dims(), { items: 0 }, 0), ArgumentError, 'items at least 1');
  t.ok(resolveLaunch(dims(), { stage: true }, 32).stage, 'staging on request');
  t.notOk(
    resolveLaunch(dims({ dstate: 256 }), { wg: 256, items: 8, stageBackward: true }, 32).stageBackward,
    'staging dropped where it would pass 16 KiB',
  );
  t.end();
});

test('webgpu packed layouts: every segment starts on a 256-byte boundary and segments do not overlap', (t) => {
  for (const d of [dims(), dims({ hasZ: false, length: 1, dstate: 1 }), dims({ batch: 3, dim: 12, groups: 4, length: 2049, dstate: 4 })]) {
    const plan = resolveLaunch(d, {}, 0).plan;
    const l = packedLayout(d, plan);
    for (const [name, seg] of Object.entries(l)) {
      const offs = Object.entries(seg)
        .filter(([k]) => k !== 'length')
        .map(([, v]) => v as number);
      t.ok(
        offs.every((o) => o % SEGMENT_ALIGN === 0),
        `${name}: offsets ${offs.join(', ')} aligned`,
      );
      t.ok(
        offs.every((o) => o <= seg.length),
        `${name}: offsets inside length ${seg.length}`,
      );
    }
    const seq = d.batch * d.dim * d.length;
    t.ok(l.gseq.offDdelta >= seq && l.gseq.offDz >= l.gseq.offDdelta + seq, 'du, ddelta, dz do not overlap');
    t.ok(l.aux.offLast >= l.aux.offX + d.batch * d.dim * plan.nChunks * d.dstate, 'chunk states end before the last state');
  }
  t.throws(() => paramsBlock({ len: -1 }), RangeError, 'a negative uniform is rejected');
  t.throws(() => paramsBlock({ len: 2 ** 32 }), RangeError, 'a uniform above u32 is rejected');
  t.equal(paramsBlock({ len: 7 })[2], 7, 'len is the third u32');
  t.end();
});
