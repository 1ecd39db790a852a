import { Tensor } from '@vssm/core';
import { ready } from '@vssm/ops';
import type { Command } from '../framework/command.js';
import { intOption, stringOption } from '../framework/values.js';
import { presetModel, releaseBackends, resolveBackends } from '../model-setup.js';

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set size of this process so far, in MiB. */
function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** `vssm bench --preset <name> --batch <n> --size <px> [--runs 5] [--warmup 1] [--threads n] [--backend] [--json]`. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'Time the forward pass of a preset (random weights) and report ms per image',
  usage: '--preset <name> [--batch 1] [--size 224] [--runs 5] [--warmup 1] [--threads <n>] [--backend <name>] [--json]',
  details: [
    'Builds the preset with its seeded random initialisation, runs --warmup untimed forward passes on a random',
    '(batch, 3, size, size) input, then --runs timed ones, writing one progress line per pass on stderr. Reports the',
    'median of the timed runs. With --json the last stdout line is',
    '{"preset","backend","batch","ms_per_image","runs","images_per_s","peak_rss_mb",...} (backend = selective-scan',
    'backend; also size, warmup, ops_backend, threads, ms_per_batch, times_ms).',
  ].join('\n'),
  options: [
    { name: 'preset', type: 'string', value: 'name', description: "Model preset (see 'vssm info --presets')" },
    { name: 'batch', type: 'string', value: 'n', description: 'Images per forward pass (default 1)' },
    { name: 'size', type: 'string', value: 'px', description: 'Input height and width (default 224)' },
    { name: 'runs', type: 'string', value: 'n', description: 'Timed runs; the median is reported (default 5)' },
    { name: 'warmup', type: 'string', value: 'n', description: 'Untimed runs first (default 1)' },
    {
      name: 'threads',
      type: 'string',
      value: 'n',
      description: 'Threads of the WebAssembly kernels, main thread included (default: all cores)',
    },
    { name: 'backend', type: 'string', value: 'name', description: 'Selective-scan backend; default: the fastest available' },
    { name: 'seed', type: 'string', value: 'n', description: 'Seed of the weights and the input (default 0)' },
    { name: 'json', type: 'boolean', description: 'End with one JSON line on stdout' },
  ],
  async run(args, io) {
    const command = 'vssm bench';
    const batch = intOption(command, args, 'batch', 1);
    const size = intOption(command, args, 'size', 224);
    const runs = intOption(command, args, 'runs', 5);
    const warmup = intOption(command, args, 'warmup', 1, 0);
    const seed = intOption(command, args, 'seed', 0, 0);
    const threads = args.options.threads === undefined ? undefined : intOption(command, args, 'threads', 1, 1, 16);
    const preset = stringOption(args, 'preset');
    const kernels = await ready({ threads });
    const model = await presetModel(preset, command, seed);
    try {
      const backend = await resolveBackends(stringOption(args, 'backend'));
      const input = Tensor.randn([batch, 3, size, size], seed);
      const label = `${preset}: batch ${batch}, ${size}×${size}, scan backend ${backend.scan}, ops ${backend.ops} (${kernels.detail})`;
      const times: number[] = [];
      for (let i = 0; i < warmup + runs; i++) {
        const t0 = performance.now();
        await model.forward(input, { scanBackend: backend.scan });
        const ms = performance.now() - t0;
        const phase = i < warmup ? `warmup ${i + 1}/${warmup}` : `run ${i - warmup + 1}/${runs}`;
        if (i >= warmup) times.push(ms);
        io.stderr(`bench ${label} | ${phase}: ${ms.toFixed(1)} ms\n`);
      }
      const msPerBatch = median(times);
      const result = {
        preset,
        backend: backend.scan,
        batch,
        ms_per_image: msPerBatch / batch,
        runs,
        images_per_s: (batch * 1000) / msPerBatch,
        peak_rss_mb: peakRssMb(),
        size,
        warmup,
        ops_backend: backend.ops,
        threads: kernels.threads,
        ms_per_batch: msPerBatch,
        times_ms: times,
      };
      if (args.options.json) {
        io.stdout(`${JSON.stringify(result)}\n`);
      } else {
        io.stdout(
          `${label}\n  median of ${runs} runs: ${msPerBatch.toFixed(1)} ms per batch, ${result.ms_per_image.toFixed(1)} ms per image, ` +
            `${result.images_per_s.toFixed(2)} images/s\n  peak RSS ${result.peak_rss_mb.toFixed(0)} MiB\n`,
        );
      }
      return 0;
    } finally {
      await releaseBackends();
    }
  },
};
