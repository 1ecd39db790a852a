/**
 * Regenerates the scan-order drawings under docs/images/scan/ (run: `npm run draw-docs` in packages/scan).
 * Output is deterministic, so re-running it on unchanged code leaves the files byte-identical.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_DIRECTIONS, CROSS_SCAN_DIRECTIONS, type Drawable, multiScaleIndex, registerDirection, toSVG } from '../src/index.js';

const outDir = fileURLToPath(new URL('../../../docs/images/scan/', import.meta.url));
mkdirSync(outDir, { recursive: true });

function write(file: string, what: Drawable | readonly Drawable[], options: Parameters<typeof toSVG>[1]): void {
  writeFileSync(join(outDir, file), toSVG(what, options));
  console.log(`wrote docs/images/scan/${file}`);
}

for (const direction of ALL_DIRECTIONS) {
  write(`localmamba-${direction}-14x14.svg`, direction, { H: 14, W: 14, cellSize: 32, idPrefix: `lm-${direction.replace('_', '-')}` });
}

write('padding-w2-3x3.svg', 'w2', { H: 3, W: 3, cellSize: 40, idPrefix: 'pad-w2' });
write('padding-w2_flip-3x3.svg', 'w2_flip', { H: 3, W: 3, cellSize: 40, idPrefix: 'pad-w2f' });
write('padding-w7-4x4.svg', 'w7', { H: 4, W: 4, cellSize: 34, idPrefix: 'pad-w7' });
write('padding-w2-7x7.svg', 'w2', { H: 7, W: 7, cellSize: 34, idPrefix: 'pad-w2-7' });

write('msvmamba-full-8x8.svg', 'h', {
  H: 8,
  W: 8,
  cellSize: 34,
  title: 'MSVMamba full resolution (8×8): row-major h, L = 64',
  idPrefix: 'ms-full',
});
write('msvmamba-low-4x4.svg', multiScaleIndex(4, 4), {
  H: 4,
  W: 4,
  cellSize: 40,
  columns: 3,
  title: 'MSVMamba low resolution (4×4): [h_flip | v | v_flip] as one sequence, L = 48',
  idPrefix: 'ms-low',
});

write('vmamba-cross-scan-6x6.svg', [...CROSS_SCAN_DIRECTIONS], {
  H: 6,
  W: 6,
  cellSize: 34,
  columns: 4,
  title: 'VMamba cross-scan (6×6): k = 0 h, 1 v, 2 h_flip, 3 v_flip',
  idPrefix: 'cross',
});

registerDirection('snake', (H, W) => {
  const order: number[] = [];
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) order.push(i * W + (i % 2 === 0 ? j : W - 1 - j));
  return order;
});
write('custom-snake-6x6.svg', 'snake', {
  H: 6,
  W: 6,
  cellSize: 34,
  title: "Custom direction 'snake' (registerDirection), 6×6",
  idPrefix: 'snake',
});
