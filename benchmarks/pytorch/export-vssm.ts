/**
 * The other direction of the cross-check: vssm writes a seeded random model with `saveCheckpoint` (official names,
 * safetensors), an input and its logits, for `check_vssm_export.py` to load into the official PyTorch model
 * (`load_state_dict(strict=True)`) and compare. Not a test.
 *
 *   npx tsx benchmarks/pytorch/export-vssm.ts --preset msvmamba_nano --out /tmp/export [--size 224] [--seed 0]
 *
 * Writes <out>/<preset>.safetensors, <out>/<preset>.input.npy and <out>/<preset>.logits.npy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSourceCondition } from '../lib/machine.js';

ensureSourceCondition(import.meta.url);

const { ArgumentError, Tensor } = await import('@vssm/core');
const { createModel, saveCheckpoint } = await import('@vssm/models');

function option(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : process.argv[i + 1];
  if (value === undefined) throw new ArgumentError(`export-vssm: --${name} is required`);
  return value;
}

/** A little-endian float32 C-order .npy file. */
function npyBytes(t: InstanceType<typeof Tensor>): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${t.shape.join(', ')}${t.rank === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = t.contiguousData();
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const preset = option('preset');
const out = option('out');
const size = Number(option('size', '224'));
const seed = Number(option('seed', '0'));
mkdirSync(out, { recursive: true });
const model = createModel(preset, { seed });
const input = Tensor.randn([1, 3, size, size], seed + 1);
const logits = await model.forward(input);
await saveCheckpoint(model, join(out, `${preset}.safetensors`));
writeFileSync(join(out, `${preset}.input.npy`), npyBytes(input));
writeFileSync(join(out, `${preset}.logits.npy`), npyBytes(logits));
console.log(`${preset}: wrote ${model.stateDict().size} tensors, input (1, 3, ${size}, ${size}) and logits to ${out}`);
