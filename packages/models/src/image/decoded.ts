/** A decoded image: 8-bit RGB, row-major, 3 bytes per pixel (what PIL's `Image.open(f).convert('RGB')` holds). */
export interface DecodedImage {
  width: number;
  height: number;
  /** width · height · 3 bytes, R G B per pixel, rows top to bottom. */
  rgb: Uint8Array;
}

/** What 16-bit grayscale PNGs become. */
export type Gray16Mode = 'pil' | 'high-byte';

export interface DecodeImageOptions {
  /** Name used in error messages (e.g. the file path); default `<bytes>`. */
  name?: string;
  /** Largest accepted width · height, checked before decoding (default 100 megapixels). */
  maxPixels?: number;
  /**
   * 16-bit grayscale PNGs: `'pil'` (default) does what PIL's `convert('RGB')` does with its `I;16` mode, i.e. clamps
   * every value above 255 to 255 (so most such images turn white); `'high-byte'` keeps the top 8 bits, as PIL
   * does for every other 16-bit PNG type.
   */
  gray16?: Gray16Mode;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
