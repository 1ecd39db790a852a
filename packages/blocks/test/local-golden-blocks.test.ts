import { goldenClose, loadSafetensors, type SafetensorsFile, type Tensor } from '@vssm/core';
import { concat } from '@vssm/ops';
import { goldenFile } from '@vssm/testing';
import test from 'tape';
import { LocalVimBlock, PatchMerging2D, VSSBlock } from '../src/index.js';

/**
 * Block-level parity with the official code: every LocalVim block and every LocalVMamba block / downsample of the
 * golden models is rebuilt alone, loaded strictly from the golden `param.<path>.*` tensors, fed the golden input
 * of its position and compared with the golden `inter.<path>` outputs (golden tolerance).
 */

const params = (g: SafetensorsFile, path: string) => g.tensors(`param.${path}.`);

for (const file of ['local-vim-rope.safetensors', 'local-vim-midcls.safetensors', 'local-vim-search.safetensors']) {
  test(`${file}: every LocalVim block (hidden, residual) matches the official intermediates`, async (t) => {
    const g = await loadSafetensors(goldenFile(file));
    const cfg = JSON.parse(g.metadata.config) as {
      depth: number;
      embed_dim: number;
      img_size: number;
      patch_size: number;
      directions: string[][] | null;
      use_middle_cls_token?: boolean;
      if_rope?: boolean;
    };
    const side = cfg.img_size / cfg.patch_size;
    const middle = cfg.use_middle_cls_token ?? false;
    const rope = cfg.if_rope ? { cos: g.get('param.rope.freqs_cos'), sin: g.get('param.rope.freqs_sin'), residual: true } : null;
    let x = g.get('inter.patch_embed');
    if (middle) {
      const n = x.shape[1];
      x = concat([x.slice(null, [0, n >> 1]), g.get('param.cls_token'), x.slice(null, [n >> 1, n])], 1);
    }
    let hidden = x.add(g.get('param.pos_embed'));
    let residual: Tensor | null = null;
    for (let i = 0; i < cfg.depth; i++) {
      const block = new LocalVimBlock(cfg.embed_dim, {
        mixer: { directions: cfg.directions ? cfg.directions[i] : null, middleClsToken: middle },
      });
      block.loadStateDict(params(g, `layers.${i}`));
      const [h, r] = await block.forward(hidden, residual, { H: side, W: side, rope });
      const rh = goldenClose(h, g.get(`inter.layers.${i}.0`));
      const rr = goldenClose(r, g.get(`inter.layers.${i}.1`));
      t.ok(rh.ok, `layers.${i}.0 (hidden): ${rh.message}`);
      t.ok(rr.ok, `layers.${i}.1 (residual): ${rr.message}`);
      hidden = g.get(`inter.layers.${i}.0`);
      residual = g.get(`inter.layers.${i}.1`);
    }
  });
}

for (const file of ['local-vmamba.safetensors', 'local-vmamba-search.safetensors']) {
  test(`${file}: every VSSBlock and PatchMerging2D matches the official intermediates`, async (t) => {
    const g = await loadSafetensors(goldenFile(file));
    const cfg = JSON.parse(g.metadata.config) as { dims: number[]; depths: number[]; directions: string[][] | null };
    let x = g.get('inter.patch_embed');
    let b = 0;
    for (let i = 0; i < cfg.dims.length; i++) {
      for (let j = 0; j < cfg.depths[i]; j++, b++) {
        const block = new VSSBlock(cfg.dims[i], { ssm: { directions: cfg.directions ? cfg.directions[b] : null } });
        block.loadStateDict(params(g, `layers.${i}.blocks.${j}`));
        const r = goldenClose(await block.forward(x), g.get(`inter.layers.${i}.blocks.${j}`));
        t.ok(r.ok, `layers.${i}.blocks.${j}: ${r.message}`);
        x = g.get(`inter.layers.${i}.blocks.${j}`);
      }
      if (i < cfg.dims.length - 1) {
        const down = new PatchMerging2D(cfg.dims[i], cfg.dims[i + 1]);
        down.loadStateDict(params(g, `layers.${i}.downsample`));
        const r = goldenClose(down.forward(x), g.get(`inter.layers.${i}.downsample`));
        t.ok(r.ok, `layers.${i}.downsample: ${r.message}`);
        x = g.get(`inter.layers.${i}.downsample`);
      }
    }
  });
}
