/** What the JPEG headers say about the frame, read before decoding. */
export interface JpegHeader {
  width: number;
  height: number;
  components: Array<{ id: number; h: number; v: number }>;
  /** APP14 "Adobe" marker: its colour transform code (0 none/CMYK, 1 YCbCr, 2 YCCK), if present. */
  adobeTransform?: number;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the marker segments up to the first start-of-frame; undefined when none is found. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  let adobeTransform: number | undefined;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return undefined;
    const marker = bytes[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    const length = (bytes[p + 2] << 8) | bytes[p + 3];
    const body = p + 4;
    if (length < 2 || body + length - 2 > bytes.length) return undefined;
    if (marker === 0xee && length >= 14 && String.fromCharCode(...bytes.subarray(body, body + 5)) === 'Adobe') {
      adobeTransform = bytes[body + 11];
    }
    if (SOF_MARKERS.has(marker)) {
      const height = (bytes[body + 1] << 8) | bytes[body + 2];
      const width = (bytes[body + 3] << 8) | bytes[body + 4];
      const n = bytes[body + 5];
      const components = [];
      for (let i = 0; i < n; i++) {
        const c = body + 6 + i * 3;
        components.push({ id: bytes[c], h: bytes[c + 1] >> 4, v: bytes[c + 1] & 15 });
      }
      return { width, height, components, adobeTransform };
    }
    p += 2 + length;
  }
  return undefined;
}
