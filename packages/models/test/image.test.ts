// Image pre-processing against Pillow + torchvision (fixtures from test/fixtures/make-image-fixtures.py).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, loadSafetensors, ShapeError, Tensor } from '@vssm/core';
import fc from 'fast-check';
import test from 'tape';
import {
  centerCropImage,
  type DecodedImage,
  decodeImage,
  IMAGENET_STD,
  ImageDecodeError,
  imagesToBatch,
  preprocessImage,
  resizeImage,
  shortSideResizeSize,
  sniffImageFormat,
} from '../src/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const expected = await loadSafetensors(join(fixtures, 'image-expected.safetensors'));

interface Setting {
  resize: number | [number, number];
  crop: number | null;
}
interface Case {
  file: string;
  pil_mode: string;
  size: [number, number];
  settings?: Record<string, Setting>;
  decoded_sha256?: string;
  default?: { crop_png: string; sha256_f32: string; samples: Record<string, number> };
}
const cases = JSON.parse(expected.metadata.cases) as Case[];
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(fixtures, 'images', file)));
const isJpeg = (file: string) => file.endsWith('.jpg');

/**
 * JPEG: jpeg-js's IDCT rounds differently from libjpeg's ISLOW, so Y, Cb and Cr may each be off by one level; through
 * R = Y + 1.402·Cr and B = Y + 1.772·Cb (plus one rounding) that is at most 3 levels per channel. Chroma upsampling and
 * colour conversion themselves are libjpeg's, so nothing else may differ.
 */
const JPEG_LEVELS = 3;
/**
 * End to end, a level difference passes through two bicubic passes (sum of |weights| ≤ 1.25 each) and two 8-bit
 * roundings: ≤ 3·1.25² + 1.25 + 1 < 7 levels, i.e. 7 / 255 / min(std) after normalisation.
 */
const JPEG_TENSOR_TOL = 7 / 255 / Math.min(...IMAGENET_STD);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('image fixtures: the metadata lists PNG and JPEG cases', (t) => {
  t.ok(cases.length >= 20, `${cases.length} cases`);
  t.ok(cases.some((c) => c.file.endsWith('.png')) && cases.some((c) => isJpeg(c.file)), 'both formats');
  t.ok(
    cases.some((c) => c.default),
    'one default 256/224 case',
  );
  t.end();
});

for (const c of cases) {
  test(`decodeImage ${c.file} (PIL mode ${c.pil_mode}) = Image.open().convert('RGB')`, (t) => {
    const image = decodeImage(bytesOf(c.file), { name: c.file });
    t.deepEqual([image.width, image.height], c.size, `size ${c.size.join('×')}`);
    if (c.decoded_sha256) {
      t.equal(createHash('sha256').update(image.rgb).digest('hex'), c.decoded_sha256, 'decoded pixels: SHA-256 equal');
      t.end();
      return;
    }
    const want = expected.raw(`${c.file}.decoded`);
    t.deepEqual(want.shape, [c.size[1], c.size[0], 3], 'expected (H, W, 3)');
    const diff = maxAbsDiff(image.rgb, want.data as Uint8Array);
    if (isJpeg(c.file)) t.ok(diff <= JPEG_LEVELS, `JPEG: max difference ${diff} levels (≤ ${JPEG_LEVELS})`);
    else t.equal(diff, 0, 'PNG: identical pixels');
    t.end();
  });

  for (const [key, s] of Object.entries(c.settings ?? {})) {
    test(`preprocessImage ${c.file} resize ${JSON.stringify(s.resize)} crop ${s.crop} = torchvision`, (t) => {
      const want = expected.get(`${c.file}.pre.${key}`);
      const options = { resize: s.resize, crop: s.crop };
      const got = preprocessImage(bytesOf(c.file), options);
      t.deepEqual(got.shape, [1, ...want.shape], `shape ${got.shape.join('×')}`);
      const diff = maxAbsDiff(got.toFloat32Array(), want.toFloat32Array());
      if (isJpeg(c.file)) {
        t.ok(diff <= JPEG_TENSOR_TOL, `JPEG bytes: max |Δ| ${diff.toExponential(3)} (≤ ${JPEG_TENSOR_TOL.toExponential(3)})`);
        // From PIL's own pixels, resize, crop and normalisation must be exact for JPEG too.
        const pil = expected.raw(`${c.file}.decoded`);
        const fromPil = preprocessImage({ width: c.size[0], height: c.size[1], rgb: pil.data as Uint8Array }, options);
        t.equal(maxAbsDiff(fromPil.toFloat32Array(), want.toFloat32Array()), 0, "from PIL's decoded pixels: bit-identical");
      } else {
        t.equal(diff, 0, 'bit-identical float32');
      }
      t.end();
    });
  }

  if (c.default) {
    const d = c.default;
    test(`preprocessImage ${c.file} with the defaults (256 bicubic, crop 224, ImageNet) = torchvision and timm`, (t) => {
      const got = preprocessImage(bytesOf(c.file));
      t.deepEqual(got.shape, [1, 3, 224, 224], '(1, 3, 224, 224)');
      const data = got.toFloat32Array();
      const hash = createHash('sha256')
        .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
        .digest('hex');
      t.equal(hash, d.sha256_f32, 'float32 tensor: SHA-256 equal to torchvision');
      for (const [at, v] of Object.entries(d.samples)) {
        const [ch, y, x] = at.split(',').map(Number);
        t.equal(got.get(0, ch, y, x), Math.fround(v), `value at (${at})`);
      }
      const decoded = decodeImage(bytesOf(c.file));
      const size = shortSideResizeSize(decoded.width, decoded.height, 256);
      const crop = centerCropImage(resizeImage(decoded, size.width, size.height, 'bicubic'), 224, 224);
      const pilCrop = decodeImage(bytesOf(d.crop_png));
      t.equal(maxAbsDiff(crop.rgb, pilCrop.rgb), 0, '8-bit resized + cropped pixels identical to PIL');
      t.end();
    });
  }
}

test('decodeImage: formats are sniffed from the bytes, not trusted from names', (t) => {
  const png = bytesOf('rgb8.png');
  t.deepEqual(sniffImageFormat(png), { format: 'png' });
  t.deepEqual(sniffImageFormat(bytesOf('rgb444.jpg')), { format: 'jpeg' });
  const asJpegName = decodeImage(png, { name: 'photo.jpg' });
  t.equal(asJpegName.width, 37, 'a PNG named .jpg still decodes as PNG');
  const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));
  const samples: Array<[string, number[]]> = [
    ['GIF', [...ascii('GIF89a'), 1, 0, 1, 0]],
    ['BMP', [...ascii('BM'), 0, 0, 0, 0, 0, 0]],
    ['WebP', [...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8 ')]],
    ['TIFF', [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]],
    ['HEIF/AVIF', [0, 0, 0, 0x18, ...ascii('ftypheic')]],
  ];
  for (const [name, head] of samples) {
    t.throws(
      () => decodeImage(new Uint8Array([...head, ...new Array(32).fill(0)]), { name: `x.${name.toLowerCase()}` }),
      (e: unknown) => e instanceof ImageDecodeError && new RegExp(`is a ${name} image; only PNG and JPEG are supported`).test(e.message),
      `${name}: ImageDecodeError naming the format`,
    );
  }
  t.throws(
    () => decodeImage(new TextEncoder().encode('hello, not an image'), { name: 'notes.png' }),
    (e: unknown) => e instanceof ImageDecodeError && /notes\.png: is not a PNG or JPEG image/.test(e.message),
    'text named .png',
  );
  t.throws(
    () => decodeImage(new Uint8Array(0)),
    (e: unknown) => e instanceof ImageDecodeError && /empty/.test(e.message),
    'empty input',
  );
  t.throws(() => decodeImage('abc' as unknown as Uint8Array), ArgumentError, 'a string is an ArgumentError');
  t.end();
});

test('decodeImage: truncated, corrupt and oversized files are typed errors', (t) => {
  const png = bytesOf('rgb8.png');
  const jpg = bytesOf('rgb444.jpg');
  const cases: Array<[string, Uint8Array, RegExp, object?]> = [
    ['PNG cut after the header', png.slice(0, 40), /PNG does not decode/],
    ['PNG cut in the middle', png.slice(0, Math.floor(png.length / 2)), /PNG does not decode/],
    ['PNG with only the signature', png.slice(0, 12), /no IHDR/],
    ['JPEG cut in the middle', jpg.slice(0, Math.floor(jpg.length / 2)), /JPEG does not decode/],
    ['JPEG with only SOI', jpg.slice(0, 4), /no frame header/],
    ['PNG larger than maxPixels', png, /37×23 = 851 pixels, more than the limit of 800/, { maxPixels: 800 }],
    ['JPEG larger than maxPixels', jpg, /37×23 = 851 pixels, more than the limit of 800/, { maxPixels: 800 }],
  ];
  const flipped = png.slice();
  flipped[50] ^= 0xff; // inside the first IDAT: the CRC no longer matches
  cases.push(['PNG with a corrupted chunk', flipped, /PNG does not decode/]);
  for (const [what, bytes, pattern, options] of cases) {
    t.throws(
      () => decodeImage(bytes, { name: 'in.img', ...options }),
      (e: unknown) =>
        e instanceof ImageDecodeError && e.code === 'ERR_IMAGE_DECODE' && pattern.test(e.message) && /^in\.img: /.test(e.message),
      what,
    );
  }
  t.throws(() => decodeImage(png, { maxPixels: 0 }), ArgumentError, 'maxPixels 0');
  t.throws(() => decodeImage(png, { gray16: 'fancy' as 'pil' }), ArgumentError, 'unknown gray16 mode');
  t.end();
});

test('decodeImage needs no global Buffer (as in a browser)', (t) => {
  const g = globalThis as { Buffer?: unknown };
  const saved = g.Buffer;
  let results: Array<[string, number]> = [];
  try {
    delete g.Buffer;
    results = ['rgb16.png', 'rgb8-interlaced.png', 'rgb420.jpg'].map((f) => [f, decodeImage(bytesOf(f)).rgb.length]);
  } finally {
    g.Buffer = saved;
  }
  for (const [f, n] of results) t.equal(n, 37 * 23 * 3, `${f} decodes`);
  t.end();
});

test("decodeImage: 16-bit grayscale follows PIL's clamp by default, or keeps the high byte", (t) => {
  const bytes = bytesOf('gray16.png');
  const pil = decodeImage(bytes);
  const want = expected.raw('gray16.png.decoded').data as Uint8Array;
  t.equal(maxAbsDiff(pil.rgb, want), 0, "default 'pil' equals PIL");
  const high = decodeImage(bytes, { gray16: 'high-byte' });
  t.ok(
    high.rgb.every((v) => v <= 1),
    'high-byte: the fixture values (< 400) map to 0 or 1',
  );
  t.ok(
    high.rgb.some((v, i) => v !== pil.rgb[i]),
    'the two modes differ',
  );
  t.end();
});

test('preprocessImage and imagesToBatch: options and shapes are validated', (t) => {
  const png = bytesOf('rgb8.png');
  const bad: Array<[string, object]> = [
    ['unknown option', { size: 224 }],
    ['resize 0', { resize: 0 }],
    ['fractional crop', { crop: 12.5 }],
    ['resize with three numbers', { resize: [1, 2, 3] }],
    ['mean of two values', { mean: [0.5, 0.5] }],
    ['std with a zero', { std: [0.2, 0, 0.2] }],
    ['NaN mean', { mean: [Number.NaN, 0, 0] }],
    ['unknown interpolation', { interpolation: 'lanczos' }],
  ];
  for (const [what, options] of bad) {
    t.throws(() => preprocessImage(png, options), ArgumentError, what);
  }
  const a = preprocessImage(png, { resize: 16, crop: 12 });
  const b = preprocessImage(bytesOf('gray8.png'), { resize: 16, crop: 12 });
  const batch = imagesToBatch([a, b.reshape([3, 12, 12]), bytesOf('rgb444.jpg')], { resize: 16, crop: 12 });
  t.deepEqual(batch.shape, [3, 3, 12, 12], 'tensors (1,3,H,W), (3,H,W) and bytes stack into (3, 3, 12, 12)');
  t.deepEqual(Array.from(batch.slice([0, 1]).toFloat32Array()), Array.from(a.toFloat32Array()), 'item 0 is the first image');
  t.throws(() => imagesToBatch([a, preprocessImage(png, { resize: 16, crop: 10 })]), ShapeError, 'different sizes');
  t.throws(() => imagesToBatch([Tensor.zeros([2, 3, 4, 4])]), ShapeError, 'a batch of 2 as one entry');
  t.throws(() => imagesToBatch([]), ArgumentError, 'empty list');
  t.end();
});

test('torchvision size arithmetic: short side, truncation, centre crop rounding and padding', (t) => {
  t.deepEqual(shortSideResizeSize(500, 375, 256), { width: 341, height: 256 }, '500×375 → 341×256 (int(341.33))');
  t.deepEqual(shortSideResizeSize(375, 500, 256), { width: 256, height: 341 }, 'portrait');
  t.deepEqual(shortSideResizeSize(300, 300, 256), { width: 256, height: 256 }, 'square');
  const ramp = (w: number, h: number): DecodedImage => {
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) rgb.set([i % 256, Math.floor(i / w), i % w], i * 3);
    return { width: w, height: h, rgb };
  };
  // (7 − 4)/2 = 1.5 rounds to 2 and (9 − 4)/2 = 2.5 rounds to 2 (Python rounds half to even).
  const crop = centerCropImage(ramp(9, 7), 4, 4);
  t.equal(crop.rgb[1], 2, 'top offset round(1.5) = 2');
  t.equal(crop.rgb[2], 2, 'left offset round(2.5) = 2');
  const padded = centerCropImage(ramp(3, 2), 5, 6);
  t.deepEqual([padded.width, padded.height], [6, 5], 'crop larger than the image');
  // torchvision pads left ⌊(6−3)/2⌋ = 1, top ⌊(5−2)/2⌋ = 1, then crops at 0.
  t.deepEqual(Array.from(padded.rgb.subarray(0, 3)), [0, 0, 0], 'zero padding at the corner');
  t.deepEqual(Array.from(padded.rgb.subarray((1 * 6 + 1) * 3, (1 * 6 + 1) * 3 + 3)), [0, 0, 0], 'first image pixel at (1, 1)');
  t.deepEqual(Array.from(padded.rgb.subarray((1 * 6 + 2) * 3, (1 * 6 + 2) * 3 + 3)), [1, 0, 1], 'second image pixel at (1, 2)');
  t.throws(() => resizeImage(ramp(3, 2), 0, 2), ArgumentError, 'resize to width 0');
  t.throws(() => resizeImage({ width: 3, height: 2, rgb: new Uint8Array(5) }, 2, 2), ArgumentError, 'rgb of the wrong length');
  t.end();
});

test('property: resizing keeps a constant image constant and the same size is a copy', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('bicubic', 'bilinear', 'box' as const),
      (w, h, ow, oh, value, filter) => {
        const image = { width: w, height: h, rgb: new Uint8Array(w * h * 3).fill(value) };
        const out = resizeImage(image, ow, oh, filter);
        return out.rgb.length === ow * oh * 3 && out.rgb.every((v) => v === value);
      },
    ),
    { numRuns: 200 },
  );
  t.pass('constant images stay constant for every size and filter (200 cases)');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1000 }), (w, h, seed) => {
      const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7919 + seed) % 256);
      const out = resizeImage({ width: w, height: h, rgb }, w, h);
      return out.rgb !== rgb && out.rgb.every((v, i) => v === rgb[i]);
    }),
    { numRuns: 100 },
  );
  t.pass('same-size resize returns an equal copy (100 cases)');
  t.end();
});
