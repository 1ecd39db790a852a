// Print and draw scan orders: for each direction, the scan position of every token of an H×W grid (padding shown as
// the number of zero tokens the scan inserts), and an SVG drawing of the path.
//
//   npx tsx --conditions=source examples/scan-directions.ts [--h 6] [--w 6] [--svg-dir out/] [directions...]
//
// Directions default to LocalMamba's eight candidates (h, h_flip, v, v_flip, w2, w2_flip, w7, w7_flip); any
// name registered with `registerDirection` works too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_DIRECTIONS, scanIndex, toSVG } from '@vssm/scan';
import { numberOption, parseExampleArgs } from './args.js';

const args = parseExampleArgs(process.argv.slice(2));
const H = numberOption(args, 'h', 6);
const W = numberOption(args, 'w', 6);
const directions = args.positionals.length ? args.positionals : [...ALL_DIRECTIONS];
const svgDir = args.options.get('svg-dir');

for (const direction of directions) {
  const index = scanIndex(direction, H, W);
  // position[p] = when token p is visited
  const position = new Int32Array(H * W);
  index.order.forEach((token, step) => {
    if (token >= 0) position[token] = step;
  });
  const width = String(index.length - 1).length;
  console.log(`\n${direction} on ${H}×${W}: ${index.length} steps, ${index.padding} padding tokens`);
  for (let y = 0; y < H; y++) {
    const row = [];
    for (let x = 0; x < W; x++) row.push(String(position[y * W + x]).padStart(width));
    console.log(`  ${row.join(' ')}`);
  }
  if (typeof svgDir === 'string') {
    mkdirSync(svgDir, { recursive: true });
    const file = join(svgDir, `${direction}-${H}x${W}.svg`);
    writeFileSync(file, toSVG(direction, { H, W }));
    console.log(`  drawing: ${file}`);
  }
}
