import test from 'tape';
import { countFlops, getPreset } from '../src/index.js';

test('countFlops: without a size, LocalVim counts at its own imgSize, the other families at 224×224', (t) => {
  const small = { ...getPreset('local_vim_tiny'), imgSize: [32, 32] };
  const at32 = countFlops(small, { height: 32, width: 32 }).flops;
  t.equal(countFlops(small).flops, at32, 'LocalVim with imgSize 32: the default is 32×32');
  t.ok(at32 < countFlops(small, { height: 224, width: 224 }).flops, 'which is fewer FLOPs than at 224×224');
  const preset = getPreset('local_vim_tiny');
  t.equal(countFlops(preset).flops, countFlops(preset, { height: 224, width: 224 }).flops, 'the preset (imgSize 224) is unchanged');
  for (const name of ['local_vssm_tiny', 'msvmamba_nano', 'msvmambav3_tiny']) {
    const c = getPreset(name);
    t.equal(countFlops(c).flops, countFlops(c, { height: 224, width: 224 }).flops, `${name}: 224×224`);
  }
  t.end();
});
