import type { SafetensorsFile, Tensor } from '@vssm/core';

export interface GoldenRunOptions {
  /** Backend to run on (kinds that have a choice), e.g. a selective-scan backend name. */
  backend?: string;
  /** A checkpoint (.pth or .safetensors) to take the weights from instead of the file's `param.*` (kind `model`). */
  weights?: string;
  /** Progress lines (one per case), written to stderr by the CLI. */
  log(line: string): void;
}

/** Recomputes the outputs of a safetensors golden file of one kind; returns the tensors to write, by name. */
export type GoldenRunner = (file: SafetensorsFile, options: GoldenRunOptions) => Promise<Map<string, Tensor>>;

/** Recomputes the outputs of a JSON golden file (`path` for messages); returns the JSON object to write. */
export type JsonGoldenRunner = (
  golden: Record<string, unknown>,
  path: string,
  options: GoldenRunOptions,
) => Promise<Record<string, unknown>>;

/** A golden kind: which container its files use, which options apply, and how to load its runner. */
interface KindOptions {
  /** `--weights` applies (kind model). */
  acceptsWeights?: boolean;
  /** `--backend` (a selective-scan backend) applies. */
  acceptsBackend?: boolean;
}

export type GoldenKind =
  | (KindOptions & { container: 'safetensors'; load(): Promise<GoldenRunner> })
  | (KindOptions & { container: 'json'; load(): Promise<JsonGoldenRunner> });

/**
 * `kind` (from `__metadata__.kind`, or the top-level `kind` of a JSON file) → runner. Add a kind by writing a
 * runner module and listing it here.
 */
export const GOLDEN_KINDS = new Map<string, GoldenKind>([
  [
    'selective_scan',
    { container: 'safetensors', acceptsBackend: true, load: async () => (await import('./selective-scan.js')).runSelectiveScanGolden },
  ],
  [
    'model',
    { container: 'safetensors', acceptsWeights: true, acceptsBackend: true, load: async () => (await import('./model.js')).runModelGolden },
  ],
  ['ops', { container: 'safetensors', load: async () => (await import('./ops.js')).runOpsGolden }],
  ['scan_orders', { container: 'json', load: async () => (await import('./scan-orders.js')).runScanOrdersGolden }],
]);
