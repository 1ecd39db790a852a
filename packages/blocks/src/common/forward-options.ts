import type { Tensor } from '@vssm/core';

/** Options threaded through every block's forward pass. */
export interface ForwardOptions {
  /** Selective-scan backend (`cpu`, `cpu-f64`, `webgpu`, …); the fastest available one when omitted. */
  scanBackend?: string;
  /**
   * When given, models record submodule outputs here under their official module paths (the golden files'
   * `inter.<path>` names, e.g. `layers.0.blocks.1`), for locating mismatches.
   */
  capture?: Map<string, Tensor>;
}
