import { open, readFile, writeFile } from 'node:fs/promises';
import { loadSafetensors, saveSafetensorsFile, WeightFileError } from '@vssm/core';
import type { Command } from '../framework/command.js';
import { UsageError } from '../framework/errors.js';
import { expectPositionals, stringOption } from '../framework/values.js';
import { type GoldenKind, GOLDEN_KINDS } from '../golden/kinds.js';

const RESULT_FORMAT = 'vssm-golden-result/1';

/** Reads the first bytes of a file: a JSON golden file starts with `{`, a safetensors file with its header length. */
async function isJsonFile(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new WeightFileError(path, `cannot open file: ${(error as Error).message}`);
  }
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(64), 0, 64, 0);
    const head = buffer.subarray(0, bytesRead).toString('latin1').trimStart();
    return head.startsWith('{');
  } finally {
    await handle.close();
  }
}

function kindOf(kind: string | undefined, path: string): GoldenKind {
  const known = [...GOLDEN_KINDS.keys()].join(', ');
  if (kind === undefined) throw new UsageError(`vssm golden: ${path} names no kind (__metadata__.kind or "kind") (known kinds: ${known})`);
  const entry = GOLDEN_KINDS.get(kind);
  if (!entry) throw new UsageError(`vssm golden: no runner for golden kind '${kind}' (known kinds: ${known})`);
  return entry;
}

/** `vssm golden <file> --out <result> [--weights <checkpoint>] [--backend <name>]`: recompute a golden file with vssm. */
export const goldenCommand: Command = {
  name: 'golden',
  summary: 'Recompute the outputs of a golden vector file with vssm and save them',
  usage: '<file> --out <result> [--weights <checkpoint>] [--backend <name>]',
  details: [
    `Reads the file's kind (safetensors __metadata__.kind, or "kind" of a JSON file) and runs its cases. Kinds: ${[...GOLDEN_KINDS.keys()].join(', ')}.`,
    '  selective_scan  writes caseK.out, caseK.last_state and caseK.grad.<input> (gradients of sum(out * caseK.dout)).',
    '  model           builds the official model from metadata family + config, loads param.* (or --weights, strict),',
    '                  runs the forward on `input` and writes `output` and every captured submodule output as',
    '                  inter.<module path>. No grad.* tensors: models have no backward yet.',
    '  ops             runs each case of metadata `cases` on @vssm/ops and writes NAME.out (forward only).',
    '  scan_orders     (JSON) computes every "HxW/direction" order with @vssm/scan and writes {"orders": {...}} as JSON.',
    'Results are safetensors (JSON for scan_orders) with metadata {format, kind, source[, backend, weights]}.',
  ].join('\n'),
  options: [
    { name: 'out', type: 'string', value: 'file', description: 'Where to write the results' },
    {
      name: 'weights',
      type: 'string',
      value: 'checkpoint',
      description: 'kind model: take the weights from a .pth or .safetensors checkpoint (strict) instead of param.*',
    },
    {
      name: 'backend',
      type: 'string',
      value: 'name',
      description: "kinds model, selective_scan: selective-scan backend (see 'vssm info --backends'); default: the fastest available",
    },
  ],
  async run(args, io) {
    const [path] = expectPositionals('vssm golden', args, 'golden file', 1);
    const out = stringOption(args, 'out');
    if (out === undefined || out === '') throw new UsageError('vssm golden: --out <file> is required');
    const backend = stringOption(args, 'backend');
    const weights = stringOption(args, 'weights');
    const log = (line: string) => io.stderr(`${line}\n`);
    const extra = { ...(backend ? { backend } : {}), ...(weights ? { weights } : {}) };
    if (await isJsonFile(path)) {
      let golden: Record<string, unknown>;
      try {
        golden = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new WeightFileError(path, `is not valid JSON: ${(error as Error).message}`);
      }
      const kind = kindOf(typeof golden?.kind === 'string' ? golden.kind : undefined, path);
      if (kind.container !== 'json') throw new UsageError(`vssm golden: kind '${golden.kind}' expects a safetensors file, ${path} is JSON`);
      checkOptions(kind, String(golden.kind), weights, backend);
      const result = await (await kind.load())(golden, path, { backend, weights, log });
      await writeFile(out, `${JSON.stringify({ format: RESULT_FORMAT, kind: golden.kind, source: path, ...extra, ...result })}\n`);
      io.stderr(`wrote ${Object.keys(result).join(', ')} to ${out}\n`);
      return 0;
    }
    const file = await loadSafetensors(path);
    const kindName = file.metadata.kind;
    const kind = kindOf(kindName, path);
    if (kind.container !== 'safetensors')
      throw new UsageError(`vssm golden: kind '${kindName}' expects a JSON file, ${path} is safetensors`);
    checkOptions(kind, kindName, weights, backend);
    const tensors = await (await kind.load())(file, { backend, weights, log });
    await saveSafetensorsFile(out, tensors, { metadata: { format: RESULT_FORMAT, kind: kindName, source: path, ...extra } });
    io.stderr(`wrote ${tensors.size} tensors to ${out}\n`);
    return 0;
  },
};

function checkOptions(kind: GoldenKind, name: string, weights: string | undefined, backend: string | undefined): void {
  if (weights !== undefined && !kind.acceptsWeights)
    throw new UsageError(`vssm golden: --weights applies to kind 'model' only, not '${name}'`);
  if (backend !== undefined && !kind.acceptsBackend) {
    throw new UsageError(`vssm golden: --backend (a selective-scan backend) applies to kinds model and selective_scan, not '${name}'`);
  }
}
