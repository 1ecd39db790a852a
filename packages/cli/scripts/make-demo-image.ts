// Draws assets/demo.png, the synthetic picture `vssm demo` classifies: a sky gradient, a sun, two mountain ridges and
// a lake with the sun's reflection, computed from formulas only (no photograph, no third-party art).
//
//   npx tsx scripts/make-demo-image.ts        (from packages/cli)
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const W = 320;
const H = 240;
const HORIZON = 160;

type RGB = [number, number, number];
const mix = (a: RGB, b: RGB, t: number): RGB => [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * t) as RGB;

function ridge(x: number, base: number, amp: number, phase: number): number {
  return base - amp * (0.6 * Math.sin(x / 37 + phase) + 0.3 * Math.sin(x / 13 + 2 * phase) + 0.1 * Math.sin(x / 5 + phase));
}

function sky(x: number, y: number): RGB {
  const base = mix([40, 90, 170], [250, 190, 120], y / HORIZON);
  const d = Math.hypot(x - 230, y - 70);
  if (d < 22) return [255, 236, 150];
  return mix(base, [255, 220, 140], Math.max(0, 1 - (d - 22) / 60) * 0.6);
}

function pixel(x: number, y: number): RGB {
  if (y < HORIZON) {
    if (y > ridge(x, 150, 10, 0.5)) return mix([40, 70, 50], [25, 45, 35], (y - 130) / 30);
    if (y > ridge(x, 125, 35, 2.1)) return mix([95, 90, 120], [60, 60, 85], (y - 90) / 70);
    return sky(x, y);
  }
  const mirrored = sky(x, 2 * HORIZON - y);
  const ripple = 0.08 * Math.sin(y * 1.7 + Math.sin(x / 9));
  return mix(mix(mirrored, [20, 50, 90], 0.45), [230, 240, 255], Math.max(0, ripple));
}

const png = new PNG({ width: W, height: H, colorType: 2 });
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const [r, g, b] = pixel(x, y);
    const o = (y * W + x) * 4;
    png.data[o] = Math.round(r);
    png.data[o + 1] = Math.round(g);
    png.data[o + 2] = Math.round(b);
    png.data[o + 3] = 255;
  }
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'demo.png');
writeFileSync(out, PNG.sync.write(png, { colorType: 2 }));
console.log(`wrote ${out} (${W}×${H})`);
