import { ArgumentError, formatShape, ShapeError, Tensor } from '@vssm/core';
import { decodeImage } from './decode.js';
import type { DecodedImage, DecodeImageOptions } from './decoded.js';
import { RESAMPLE_FILTERS, type ResampleFilter, resizeImage } from './resample.js';
import { centerCropImage, normalizeToChw, shortSideResizeSize } from './transforms.js';

/** ImageNet channel means and standard deviations (RGB), as timm and torchvision use them. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export interface PreprocessOptions {
  /** Short side after resizing (torchvision `Resize(int)`), or an exact `[height, width]`. Default 256. */
  resize?: number | readonly [number, number];
  /** Centre crop size, a number or `[height, width]`; `null` skips cropping. Default 224. */
  crop?: number | readonly [number, number] | null;
  /** Per-channel mean (RGB, 0–1 scale). Default ImageNet. */
  mean?: readonly number[];
  /** Per-channel standard deviation. Default ImageNet. */
  std?: readonly number[];
  /** PIL resampling filter for the resize. Default `'bicubic'` (what both papers evaluate with). */
  interpolation?: ResampleFilter;
  /** Options for decoding bytes (name for messages, pixel limit, 16-bit grayscale handling). */
  decode?: DecodeImageOptions;
}

const OPTION_KEYS = ['resize', 'crop', 'mean', 'std', 'interpolation', 'decode'];

/** An image as bytes (PNG/JPEG) or already decoded to 8-bit RGB. */
export type ImageInput = Uint8Array | ArrayBuffer | DecodedImage;

function isDecoded(x: unknown): x is DecodedImage {
  return typeof x === 'object' && x !== null && 'rgb' in x && 'width' in x && 'height' in x;
}

function sizePair(name: string, v: number | readonly [number, number]): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : undefined;
  if (!pair?.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new ArgumentError(`preprocessImage: ${name} must be a positive integer or [height, width], got ${JSON.stringify(v)}`);
  }
  return [pair[0], pair[1]];
}

function channelStats(name: string, v: readonly number[]): readonly number[] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new ArgumentError(`preprocessImage: ${name} must be 3 finite numbers (R, G, B), got ${JSON.stringify(v)}`);
  }
  if (name === 'std' && v.some((n) => n === 0))
    throw new ArgumentError(`preprocessImage: std must not contain 0, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The evaluation transform of both papers (timm / torchvision, on a PIL image): decode → RGB, resize the short
 * side to 256 with PIL's bicubic (antialiased) → centre crop 224 → /255 → normalise with the ImageNet mean and std.
 * Returns a float32 (1, 3, crop, crop) NCHW tensor, bit-identical to PyTorch's for PNG input.
 */
export function preprocessImage(input: ImageInput, options: PreprocessOptions = {}): Tensor {
  const unknown = Object.keys(options ?? {}).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length) throw new ArgumentError(`preprocessImage: unknown option(s) ${unknown.join(', ')}; known: ${OPTION_KEYS.join(', ')}`);
  const interpolation = options.interpolation ?? 'bicubic';
  if (!RESAMPLE_FILTERS.includes(interpolation)) {
    throw new ArgumentError(`preprocessImage: unknown interpolation '${interpolation}'; known: ${RESAMPLE_FILTERS.join(', ')}`);
  }
  const mean = channelStats('mean', options.mean ?? IMAGENET_MEAN);
  const std = channelStats('std', options.std ?? IMAGENET_STD);
  const resize = options.resize ?? 256;
  const crop = options.crop === undefined ? 224 : options.crop;
  const image = isDecoded(input) ? input : decodeImage(input, options.decode);
  let size: { width: number; height: number };
  if (typeof resize === 'number') {
    sizePair('resize', resize);
    size = shortSideResizeSize(image.width, image.height, resize);
  } else {
    const [height, width] = sizePair('resize', resize);
    size = { width, height };
  }
  let out = resizeImage(image, size.width, size.height, interpolation);
  if (crop !== null) {
    const [h, w] = sizePair('crop', crop);
    out = centerCropImage(out, h, w);
  }
  return new Tensor(normalizeToChw(out, mean, std), [1, 3, out.height, out.width]);
}

/**
 * Stacks images into one (B, 3, H, W) batch. Entries may be tensors of shape (3, H, W) or (1, 3, H, W), or images
 * (bytes or decoded), which are run through `preprocessImage(…, options)` first. Every entry must end up the same size.
 */
export function imagesToBatch(images: ReadonlyArray<Tensor | ImageInput>, options: PreprocessOptions = {}): Tensor {
  if (!Array.isArray(images) || images.length === 0) throw new ArgumentError('imagesToBatch: expected a non-empty array of images');
  const tensors = images.map((img, i) => {
    const t = img instanceof Tensor ? img : preprocessImage(img, options);
    if (t.rank === 3 && t.shape[0] === 3) return t.unsqueeze(0);
    if (t.rank === 4 && t.shape[0] === 1 && t.shape[1] === 3) return t;
    throw new ShapeError(`imagesToBatch: image ${i} has shape ${formatShape(t.shape)}; expected (3, H, W) or (1, 3, H, W)`);
  });
  const [, , H, W] = tensors[0].shape;
  const data = new Float32Array(tensors.length * 3 * H * W);
  tensors.forEach((t, i) => {
    if (t.shape[2] !== H || t.shape[3] !== W) {
      throw new ShapeError(
        `imagesToBatch: image ${i} is ${formatShape(t.shape)} but image 0 is ${formatShape(tensors[0].shape)}; all must match`,
      );
    }
    data.set(t.contiguousData(), i * 3 * H * W);
  });
  return new Tensor(data, [tensors.length, 3, H, W]);
}
