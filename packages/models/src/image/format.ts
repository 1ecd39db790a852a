/** The image formats `decodeImage` reads. */
export type ImageFormat = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Formats that are recognised only to name them in the error message. */
const UNSUPPORTED: ReadonlyArray<[name: string, test: (b: Uint8Array) => boolean]> = [
  ['GIF', (b) => startsWith(b, ascii('GIF8'))],
  ['BMP', (b) => startsWith(b, ascii('BM'))],
  ['WebP', (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)],
  ['TIFF', (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])],
  ['HEIF/AVIF', (b) => startsWith(b, ascii('ftyp'), 4)],
  ['JPEG 2000', (b) => startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])],
  ['ICO', (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00])],
];

/**
 * The image format from the leading bytes ("magic numbers"): `{ format }` for PNG and JPEG, otherwise
 * `{ unsupported }` naming what it looks like (`'GIF'`, `'WebP'`, … or `'unknown'`).
 */
export function sniffImageFormat(bytes: Uint8Array): { format: ImageFormat } | { unsupported: string } {
  if (startsWith(bytes, PNG_MAGIC)) return { format: 'png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  for (const [name, test] of UNSUPPORTED) if (test(bytes)) return { unsupported: name };
  return { unsupported: 'unknown' };
}
