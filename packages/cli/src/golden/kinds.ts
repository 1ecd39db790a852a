import type { SafetensorsFile, Tensor } from '@vssm/core';

export interface GoldenRunOptions {
  /** Backend to run on (kinds that have a choice), e.g. a selective-scan backend name. */
  backend?: string;
  /** Progress lines (one per case), written to stderr by the CLI. */
  log(line: string): void;
}

/** Recomputes the outputs of a golden file of one kind; returns the tensors to write, by name. */
export type GoldenRunner = (file: SafetensorsFile, options: GoldenRunOptions) => Promise<Map<string, Tensor>>;

/**
 * `__metadata__.kind` → runner. Add a kind (model, ops, scan_orders...) by writing a runner module and
 * listing it here.
 */
export const GOLDEN_KINDS = new Map<string, () => Promise<GoldenRunner>>([
  ['selective_scan', async () => (await import('./selective-scan.js')).runSelectiveScanGolden],
]);
