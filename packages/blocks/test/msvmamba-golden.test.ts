import test from 'tape';
import { goldenClose, loadSafetensors, type SafetensorsFile, type Tensor } from '@vssm/core';
import { type MSVMambaBranch, MSVPatchMerging2D, MSVSSBlock, msvConvDownsample, msvPatchEmbedV1, msvPatchEmbedV2 } from '@vssm/blocks';
import { goldenFile } from '@vssm/testing';

/**
 * Block-level parity with the official code: each stem, block and downsample of the golden models is rebuilt alone,
 * loaded strictly from the golden `param.*` tensors under its module path, fed the golden input of that position
 * (the previous `inter.*` output) and compared with the golden `inter.*` output.
 */

interface Case {
  file: string;
  branch: MSVMambaBranch;
  gate: boolean;
}

const CASES: Case[] = [
  { file: 'msvmamba.safetensors', branch: 'master', gate: true },
  { file: 'msvmamba-v2.safetensors', branch: 'v2', gate: false },
  { file: 'msvmamba-v2-gated.safetensors', branch: 'v2', gate: true },
];

function paramsUnder(g: SafetensorsFile, prefix: string): Map<string, Tensor> {
  return g.tensors(`param.${prefix}.`);
}

for (const c of CASES) {
  test(`${c.file}: stem, every block and every downsample match the official intermediates`, async (t) => {
    const g = await loadSafetensors(goldenFile(c.file));
    const config = JSON.parse(g.metadata.config) as { dims: number; depths: number[]; conv_ffn_ratio?: number };
    const dims = [0, 1, 2, 3].map((i) => config.dims * 2 ** i);
    const stem = c.branch === 'master' ? msvPatchEmbedV1(3, dims[0], 4) : msvPatchEmbedV2(3, dims[0], 4);
    stem.loadStateDict(paramsUnder(g, 'patch_embed'));
    let x = stem.forward(g.get('input'));
    let r = goldenClose(x, g.get('inter.patch_embed'));
    t.ok(r.ok, `patch_embed: ${r.message}`);
    x = g.get('inter.patch_embed');
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < config.depths[i]; j++) {
        const path = `layers.${i}.blocks.${j}`;
        const block = new MSVSSBlock(dims[i], { branch: c.branch, gate: c.gate, convFfnRatio: config.conv_ffn_ratio });
        block.loadStateDict(paramsUnder(g, path));
        const y = await block.forward(x);
        const expected = g.get(`inter.${path}`);
        r = goldenClose(y, expected);
        t.ok(r.ok, `${path}: ${r.message}`);
        x = expected;
      }
      if (i < 3) {
        const path = `layers.${i}.downsample`;
        const down = c.branch === 'master' ? new MSVPatchMerging2D(dims[i]) : msvConvDownsample(dims[i]);
        down.loadStateDict(paramsUnder(g, path));
        const expected = g.get(`inter.${path}`);
        r = goldenClose(down.forward(x), expected);
        t.ok(r.ok, `${path}: ${r.message}`);
        x = expected;
      }
    }
  });
}
