import { type Module, type Rng, Tensor } from '@vssm/core';
import { Linear2d } from '@vssm/blocks';
import { LayerNorm, LayerNorm2d, Linear, truncNormal } from '@vssm/nn';

/**
 * The official `VSSM._init_weights` pass, applied after construction: every Linear (including Linear2d) gets weight
 * ~ trunc_normal(std 0.02) and bias 0; every LayerNorm weight 1, bias 0. Convolutions and the bare SSM parameters
 * (x_proj_weight, dt_projs_*, A_logs, Ds) keep the values their constructors drew.
 */
export function applyOfficialInit(model: Module, rng: Rng): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Linear || m instanceof Linear2d) {
      const w = m.param('weight');
      w.data.set(truncNormal(w.shape, 0.02, rng).data);
      if (m.hasParam('bias')) m.param('bias').data.fill(0);
    } else if (m instanceof LayerNorm || m instanceof LayerNorm2d) {
      if (m.hasParam('weight')) {
        m.param('weight').data.set(Tensor.ones(m.param('weight').shape).data);
        m.param('bias').data.fill(0);
      }
    }
  }
}
