import { ArgumentError } from '@vssm/core';
import type { DecodedImage } from './decoded.js';

/**
 * torchvision `Resize(size)` output size for an int size: the short side becomes `size`, the long side
 * `int(size · long / short)` (truncated); returns `{ width, height }`.
 */
export function shortSideResizeSize(width: number, height: number, size: number): { width: number; height: number } {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`shortSideResizeSize: size must be a positive integer, got ${size}`);
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Python's `round` (half to even), which torchvision's `center_crop` uses for the crop offsets. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision `CenterCrop((height, width))`: pads with zeros first when the image is smaller (left/top get
 * ⌊(crop − size)/2⌋), then crops at top = round((H − h)/2), left = round((W − w)/2) with Python's rounding.
 */
export function centerCropImage(image: DecodedImage, height: number, width: number): DecodedImage {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`centerCropImage: ${name} must be a positive integer, got ${v}`);
  }
  const padLeft = width > image.width ? Math.floor((width - image.width) / 2) : 0;
  const padTop = height > image.height ? Math.floor((height - image.height) / 2) : 0;
  const padW = Math.max(image.width, width);
  const padH = Math.max(image.height, height);
  const top = roundHalfEven((padH - height) / 2);
  const left = roundHalfEven((padW - width) / 2);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = y + top - padTop;
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x + left - padLeft;
      if (sx < 0 || sx >= image.width) continue;
      const s = (sy * image.width + sx) * 3;
      const o = (y * width + x) * 3;
      out[o] = image.rgb[s];
      out[o + 1] = image.rgb[s + 1];
      out[o + 2] = image.rgb[s + 2];
    }
  }
  return { width, height, rgb: out };
}

/**
 * torchvision `ToTensor()` + `Normalize(mean, std)` in float32: channel-first values (v / 255 − mean) / std, each
 * step rounded to float32 as PyTorch computes it. Returns (3, H, W) data.
 */
export function normalizeToChw(image: DecodedImage, mean: readonly number[], std: readonly number[]): Float32Array {
  const { width, height, rgb } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let p = 0; p < plane; p++) {
      const x = Math.fround(rgb[p * 3 + c] / 255);
      out[c * plane + p] = Math.fround(x - m) / s;
    }
  }
  return out;
}
