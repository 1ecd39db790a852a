import test from 'tape';
import { msvmambaFamily, msvmambaV2Family } from '@vssm/models';

function stats(values: Float32Array): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (const v of values) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / values.length;
  return { mean, std: Math.sqrt(s2 / values.length - mean * mean), maxAbs: m };
}

test('official initialisation (§5): Linear/Linear2d ~ N(0, 0.02²) bias 0, LN 1/0, convs default, SSM parameters kept', (t) => {
  const master = msvmambaFamily.normalizeConfig({ dims: [32, 64], depths: [1, 1], numClasses: 50 });
  const v2 = msvmambaV2Family.normalizeConfig({ dims: [32, 64], depths: [1, 1], numClasses: 50, gate: true });
  const builders = [
    { config: master, build: (seed: number) => msvmambaFamily.create(master, { seed }) },
    { config: v2, build: (seed: number) => msvmambaV2Family.create(v2, { seed }) },
  ];
  for (const { config, build } of builders) {
    const model = build(7);
    const sd = model.stateDict();
    const name = config.family;
    const linearKeys = [...sd.keys()].filter((k) => /(in_proj|out_proj|se\.fc\.[02]|reduction|head)\.weight$/.test(k));
    t.ok(linearKeys.length >= 8, `${name}: ${linearKeys.length} Linear weights`);
    const all = new Float32Array(linearKeys.flatMap((k) => Array.from(sd.get(k)!.toFloat32Array())));
    const st = stats(all);
    t.ok(
      Math.abs(st.std - 0.02) < 0.001 && Math.abs(st.mean) < 0.001,
      `${name}: Linear std ${st.std.toFixed(4)}, mean ${st.mean.toFixed(5)}`,
    );
    t.ok(
      sd
        .get('classifier.head.bias')!
        .toFloat32Array()
        .every((v) => v === 0),
      `${name}: head bias 0`,
    );
    const lnWeights = [...sd.keys()].filter((k) => /norm2?\.weight$|patch_embed\.[27]\.weight$|downsample\.3\.weight$/.test(k));
    t.ok(
      lnWeights.every((k) =>
        sd
          .get(k)!
          .toFloat32Array()
          .every((v) => v === 1),
      ),
      `${name}: ${lnWeights.length} LayerNorm weights are 1`,
    );
    const dw = sd.get('layers.0.blocks.0.op.conv2d_b1.weight')!;
    const dwSt = stats(dw.toFloat32Array());
    t.ok(dwSt.maxAbs <= 1 / 7 && dwSt.std > 0.06, `${name}: 7×7 depthwise conv U(±1/7), std ${dwSt.std.toFixed(3)}`);
    t.ok(
      sd
        .get('layers.0.blocks.0.op.A_logs')!
        .toFloat32Array()
        .every((v) => v === 0),
      `${name}: A_logs untouched`,
    );
    t.ok(
      sd
        .get('layers.1.blocks.0.op.Ds')!
        .toFloat32Array()
        .every((v) => v === 1),
      `${name}: Ds untouched`,
    );
    const xp = stats(sd.get('layers.0.blocks.0.op.x_proj_weight')!.toFloat32Array());
    const E = config.family === 'msvmamba' ? 64 : 32;
    t.ok(xp.maxAbs <= E ** -0.5 && xp.std > 0.5 * E ** -0.5 * 0.577, `${name}: x_proj keeps U(±1/√E), not trunc-normal`);
    const again = build(7);
    t.deepEqual(
      Array.from(again.stateDict().get('layers.0.blocks.0.op.in_proj.weight')!.toFloat32Array().slice(0, 8)),
      Array.from(sd.get('layers.0.blocks.0.op.in_proj.weight')!.toFloat32Array().slice(0, 8)),
      `${name}: the same seed gives the same weights`,
    );
  }
  t.end();
});
