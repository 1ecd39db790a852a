/**
 * Cross-check: vssm on the official model's random weights, input and logits written by bench_official.py
 * (`--save-weights w.safetensors --save-input x.npy --save-logits y.npy`). Builds the vssm preset, loads the weights
 * strictly, runs the input and compares the logits under the golden output tolerance. Not a test.
 *
 *   npx tsx benchmarks/pytorch/crosscheck-vssm.ts --preset msvmamba_nano --weights w.safetensors \
 *     --input x.npy --logits y.npy
 *
 * Workspace packages resolve to their TypeScript sources through the "source" export condition; when started
 * without it, the script re-runs itself with it, so no build is needed.
 */
import { readFileSync } from 'node:fs';
import { ensureSourceCondition } from '../lib/machine.js';

ensureSourceCondition(import.meta.url);

const { ArgumentError, goldenClose, Tensor, WeightFileError } = await import('@vssm/core');
const { createModel, loadCheckpoint } = await import('@vssm/models');

/** Reads a little-endian float32 C-order .npy file (what numpy.save writes for the baseline's arrays). */
function readNpyFloat32(path: string): InstanceType<typeof Tensor> {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new WeightFileError(path, 'not a .npy file');
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new WeightFileError(path, `expected little-endian float32 in C order, header ${header.trim()}`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new WeightFileError(path, `no shape in header ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  return Tensor.fromData(data, shape);
}

function option(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? undefined : process.argv[i + 1];
  if (!value) throw new ArgumentError(`crosscheck-vssm: --${name} is required`);
  return value;
}

const preset = option('preset');
const model = createModel(preset);
const match = await loadCheckpoint(model, option('weights'));
const input = readNpyFloat32(option('input'));
const expected = readNpyFloat32(option('logits'));
const started = performance.now();
const logits = await model.forward(input);
const seconds = (performance.now() - started) / 1000;
const report = goldenClose(logits, expected, 'output');
console.log(`${preset}: weights loaded strictly (state dict match ok: ${match.ok}); vssm forward ${seconds.toFixed(2)} s`);
console.log(`${report.ok ? 'MATCH' : 'MISMATCH'} against the official logits: ${report.message}`);
process.exit(report.ok ? 0 : 1);
