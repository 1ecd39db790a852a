import { type Module, StateDictError } from '@vssm/core';
import type { VisionModel } from '@vssm/models';
import { UsageError } from './framework/errors.js';

/** What ran: the selective-scan backend (with its probe's description) and the active ops backend. */
export interface BackendReport {
  scan: string;
  scanDetail: string;
  ops: string;
}

/** Resolves the selective-scan backend to run (validating a given name: exit 2 when unknown or unavailable). */
export async function resolveBackends(scanBackend: string | undefined): Promise<BackendReport> {
  const { probeBackend, resolveBackend } = await import('@vssm/selective-scan');
  const { getBackend } = await import('@vssm/ops');
  const backend = await resolveBackend(scanBackend);
  const status = await probeBackend(backend);
  return { scan: backend.name, scanDetail: status.reason ?? '', ops: getBackend() };
}

/** Builds a preset's model (official initialisation, seeded); UnknownNameError listing the presets otherwise. */
export async function presetModel(preset: string | undefined, command: string, seed = 0): Promise<VisionModel> {
  if (preset === undefined || preset === '') {
    const { presetNames } = await import('@vssm/models');
    throw new UsageError(`${command}: --preset <name> is required (${presetNames().join(', ')})`);
  }
  const { createModel, getPreset } = await import('@vssm/models');
  getPreset(preset);
  return createModel(preset, { seed });
}

/**
 * Loads a checkpoint strictly into a preset's model. A mismatch says which preset and file disagree, then the
 * state-dict report (missing, unexpected and mis-shaped keys).
 */
export async function loadWeights(model: Module, preset: string, path: string): Promise<void> {
  const { loadCheckpoint } = await import('@vssm/models');
  try {
    await loadCheckpoint(model, path, { strict: true });
  } catch (error) {
    if (error instanceof StateDictError) {
      throw new StateDictError(
        `the weights in ${path} do not fit preset '${preset}' (is it the checkpoint of another model?): ${error.message}`,
        error.missing,
        error.unexpected,
        error.mismatched,
      );
    }
    throw error;
  }
}

/** Stops selective-scan workers and GPU devices so that the process can exit. */
export async function releaseBackends(): Promise<void> {
  const { disposeBackends } = await import('@vssm/selective-scan');
  await disposeBackends();
}
