// classify, bench and demo: end-to-end results checked against the library called in-process, and their errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, preprocessImage, saveCheckpoint } from '@vssm/models';
import { getBackend, softmax } from '@vssm/ops';
import { disposeBackends } from '@vssm/selective-scan';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { hasStack, lastJsonLine, pkg, tempDir, vssm } from './helpers.js';

const tmp = tempDir('vssm-models-');
const demoPng = join(pkg, 'assets', 'demo.png');
const jpeg = join(pkg, '..', 'models', 'test', 'fixtures', 'images', 'rgb420.jpg');
const labels = (JSON.parse(readFileSync(join(pkg, 'assets', 'imagenet-classes.json'), 'utf8')) as { labels: string[] }).labels;
const checkpoint = join(tmp, 'nano-seed7.safetensors');
const model = createModel('msvmamba_nano', { seed: 7 });
await saveCheckpoint(model, checkpoint);

interface Ranked {
  index: number;
  label: string;
  probability: number;
}

test('imagenet-classes.json: 1000 labels with their source', (t) => {
  const doc = JSON.parse(readFileSync(join(pkg, 'assets', 'imagenet-classes.json'), 'utf8'));
  t.equal(doc.labels.length, 1000, '1000 labels');
  t.match(doc.source, /pytorch\/hub imagenet_classes\.txt at commit [0-9a-f]{40}/, 'source recorded');
  t.deepEqual([doc.labels[0], doc.labels[281], doc.labels[999]], ['tench', 'tabby', 'toilet tissue'], 'class-index order');
  t.end();
});

test('classify --json: top-k equals preprocessImage + forward + softmax in-process', async (t) => {
  const r = vssm([
    'classify',
    demoPng,
    jpeg,
    '--preset',
    'msvmamba_nano',
    '--weights',
    checkpoint,
    '--topk',
    '3',
    '--json',
    '--backend',
    'cpu',
  ]);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  const out = JSON.parse(r.stdout);
  t.equal(out.preset, 'msvmamba_nano');
  t.equal(out.weights, checkpoint);
  t.deepEqual(out.backend, { scan: 'cpu', ops: getBackend() }, `backends that ran (ops: ${getBackend()})`);
  t.deepEqual(
    out.images.map((i: { image: string }) => i.image),
    [demoPng, jpeg],
    'one entry per image, in order',
  );
  for (const [k, path] of [demoPng, jpeg].entries()) {
    const entry = out.images[k];
    const logits = await model.forward(preprocessImage(new Uint8Array(readFileSync(path))), { scanBackend: 'cpu' });
    const p = Array.from(softmax(logits, -1).toFloat32Array());
    const want = p
      .map((probability, index) => ({ index, probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
    t.deepEqual(
      entry.topk.map((x: Ranked) => x.index),
      want.map((x) => x.index),
      `${path}: same top-3 classes`,
    );
    entry.topk.forEach((x: Ranked, i: number) => {
      t.ok(
        Math.abs(x.probability - want[i].probability) < 1e-5,
        `${x.label}: p ${x.probability.toFixed(6)} vs ${want[i].probability.toFixed(6)}`,
      );
      t.equal(x.label, labels[x.index], `label of class ${x.index}`);
    });
    t.ok(entry.ms > 0, `time per image ${entry.ms.toFixed(0)} ms`);
    t.ok(entry.width > 0 && entry.height > 0, `${entry.width}×${entry.height}`);
  }
  await disposeBackends();
});

test('classify: the table form', (t) => {
  const r = vssm(['classify', demoPng, '--preset', 'msvmamba_nano', '--weights', checkpoint, '--backend', 'cpu']);
  t.equal(r.code, 0, 'exit 0');
  t.match(r.stdout, /^msvmamba_nano, .*nano-seed7\.safetensors\nbackend: selective scan cpu \(.+\), ops \S+$/m, 'header');
  t.match(r.stdout, /demo\.png \(320×240\): \d+ ms/, 'image line with time');
  t.equal((r.stdout.match(/^ +\d\. [01]\.\d{4} {2}.+ \(\d+\)$/gm) ?? []).length, 5, 'five ranked rows by default');
  t.end();
});

test('classify: refusals and errors, with exit codes and no stack traces', (t) => {
  const bad = join(tmp, 'notes.png');
  writeFileSync(bad, 'these are not pixels');
  const cut = join(tmp, 'cut.png');
  writeFileSync(cut, readFileSync(demoPng).subarray(0, 500));
  const cases: Array<[string, string[], number, RegExp]> = [
    [
      'no --weights',
      [demoPng, '--preset', 'msvmamba_nano'],
      2,
      /refusing to classify without --weights <checkpoint>: random weights give meaningless labels/,
    ],
    ['both weights options', [demoPng, '--preset', 'msvmamba_nano', '--weights', checkpoint, '--random-weights'], 2, /not both/],
    ['no image', ['--preset', 'msvmamba_nano', '--weights', checkpoint], 2, /expected at least 1 image, got 0/],
    ['no preset', [demoPng, '--weights', checkpoint], 2, /--preset <name> is required \(local_vim_tiny, /],
    ['unknown preset', [demoPng, '--preset', 'resnet50', '--weights', checkpoint], 2, /unknown preset 'resnet50'; known: /],
    [
      '--topk 0',
      [demoPng, '--preset', 'msvmamba_nano', '--weights', checkpoint, '--topk', '0'],
      2,
      /--topk must be an integer ≥ 1, got '0'/,
    ],
    [
      'unknown backend',
      [demoPng, '--preset', 'msvmamba_nano', '--weights', checkpoint, '--backend', 'tpu'],
      2,
      /unknown selective-scan backend 'tpu'/,
    ],
    [
      'text named .png',
      [bad, '--preset', 'msvmamba_nano', '--weights', checkpoint],
      1,
      /notes\.png: is not a PNG or JPEG image; only PNG and JPEG are supported/,
    ],
    ['truncated PNG', [cut, '--preset', 'msvmamba_nano', '--weights', checkpoint], 1, /cut\.png: PNG does not decode/],
    ['missing image', [join(tmp, 'nope.jpg'), '--preset', 'msvmamba_nano', '--weights', checkpoint], 1, /nope\.jpg: cannot read file/],
    ['missing checkpoint', [demoPng, '--preset', 'msvmamba_nano', '--weights', join(tmp, 'nope.pth')], 1, /nope\.pth/],
    [
      'weights of another model',
      [demoPng, '--preset', 'msvmamba_nano', '--weights', goldenFile('local-vim-rope.model.pth')],
      1,
      /the weights in .*local-vim-rope\.model\.pth do not fit preset 'msvmamba_nano'/,
    ],
  ];
  for (const [what, args, code, pattern] of cases) {
    const r = vssm(['classify', ...args]);
    t.equal(r.code, code, `${what}: exit ${code}`);
    t.match(r.stderr, pattern, `${what}: ${r.stderr.trim().split('\n')[0].slice(0, 160)}`);
    t.notOk(hasStack(r.stderr), `${what}: no stack trace`);
  }
  const random = vssm(['classify', demoPng, '--preset', 'msvmamba_nano', '--random-weights', '--topk', '2', '--backend', 'cpu']);
  t.equal(random.code, 0, '--random-weights runs');
  t.match(random.stdout, /random weights \(seed 0\): the labels below are meaningless/, 'and says the labels are meaningless');
  t.end();
});

test('bench --json: the last stdout line, progress on stderr, the median of the timed runs', (t) => {
  const r = vssm([
    'bench',
    '--preset',
    'msvmamba_nano',
    '--batch',
    '2',
    '--size',
    '64',
    '--runs',
    '3',
    '--warmup',
    '1',
    '--json',
    '--backend',
    'cpu',
  ]);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  const result = lastJsonLine(r.stdout);
  t.deepEqual(
    Object.keys(result).slice(0, 7),
    ['preset', 'backend', 'batch', 'ms_per_image', 'runs', 'images_per_s', 'peak_rss_mb'],
    'the keys compare-cpu reads, first',
  );
  t.equal(result.preset, 'msvmamba_nano');
  t.equal(result.backend, 'cpu');
  t.equal(result.batch, 2);
  t.equal(result.runs, 3);
  const times = result.times_ms as number[];
  t.equal(times.length, 3, 'three timed runs');
  const median = [...times].sort((a, b) => a - b)[1];
  t.equal(result.ms_per_batch, median, 'ms_per_batch is the median');
  t.ok(Math.abs((result.ms_per_image as number) - median / 2) < 1e-9, 'ms_per_image = median / batch');
  t.ok(Math.abs((result.images_per_s as number) - 2000 / median) < 1e-9, 'images_per_s = batch · 1000 / median');
  t.ok((result.peak_rss_mb as number) > 10, `peak RSS ${(result.peak_rss_mb as number).toFixed(0)} MiB`);
  const progress = r.stderr.split('\n').filter((l) => l.startsWith('bench msvmamba_nano: batch 2, 64×64'));
  t.equal(progress.length, 4, 'one progress line per pass (1 warmup + 3 runs)');
  t.match(progress[0], /warmup 1\/1: [\d.]+ ms$/, progress[0]);
  const human = vssm(['bench', '--preset', 'msvmamba_nano', '--size', '32', '--runs', '1', '--warmup', '0', '--backend', 'cpu']);
  t.equal(human.code, 0, 'without --json: exit 0');
  t.match(human.stdout, /median of 1 runs: [\d.]+ ms per batch, [\d.]+ ms per image/, 'summary line');
  const oneThread = vssm([
    'bench',
    '--preset',
    'msvmamba_nano',
    '--size',
    '32',
    '--runs',
    '1',
    '--warmup',
    '0',
    '--threads',
    '1',
    '--json',
  ]);
  t.equal(oneThread.code, 0, `--threads 1: exit 0${oneThread.code ? `: ${oneThread.stderr}` : ''}`);
  t.equal(lastJsonLine(oneThread.stdout).threads, 1, '--threads 1: the kernels ran on one thread');
  t.match(oneThread.stderr, /single-threaded|1 thread/, 'and the progress lines say so');
  const zeroThreads = vssm(['bench', '--preset', 'msvmamba_nano', '--threads', '0']);
  t.equal(zeroThreads.code, 2, '--threads 0: exit 2');
  t.match(zeroThreads.stderr, /--threads/, zeroThreads.stderr.trim());
  const runs = vssm(['bench', '--preset', 'msvmamba_nano', '--runs', '0']);
  t.equal(runs.code, 2, '--runs 0: exit 2');
  const preset = vssm(['bench', '--json']);
  t.equal(preset.code, 2, 'no preset: exit 2');
  t.end();
});

test('demo: the bundled image through msvmamba_nano, every step printed', (t) => {
  const r = vssm(['demo', '--backend', 'cpu']);
  t.equal(r.code, 0, `exit 0${r.code ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /^vssm demo: msvmamba_nano with random weights \(seed 0\)$/m, 'title');
  t.match(r.stdout, /^image +.*demo\.png \(320×240\)$/m, 'image');
  t.match(r.stdout, /^input +\(1, 3, 224, 224\) float32/m, 'input shape');
  t.match(r.stdout, /^parameters +6,864,136$/m, 'parameters');
  t.match(r.stdout, /^FLOPs +0\.88 G at 224×224/m, 'FLOPs');
  t.match(r.stdout, new RegExp(`^backend +selective scan cpu \\(.+\\), ops ${getBackend()}$`, 'm'), 'backends');
  t.match(r.stdout, /^forward +\d+ ms$/m, 'time');
  t.match(r.stdout, /^logits +\(1, 1000\)$/m, 'logits shape');
  t.match(r.stdout, /^top-5 \(random weights: these labels mean nothing/m, 'random weights noted');
  t.equal((r.stdout.match(/^ +\d\. 0\.\d{4} {2}.+ \(\d+\)$/gm) ?? []).length, 5, 'five ranked labels');
  const own = vssm(['demo', '--image', jpeg, '--weights', checkpoint, '--backend', 'cpu']);
  t.equal(own.code, 0, '--image and --weights: exit 0');
  t.match(own.stdout, /weights from .*nano-seed7\.safetensors/, 'names the weights');
  t.match(own.stdout, /rgb420\.jpg \(37×23\)/, 'the chosen image');
  const unknown = vssm(['demo', '--preset', 'nope']);
  t.equal(unknown.code, 2, 'unknown preset: exit 2');
  t.end();
});
