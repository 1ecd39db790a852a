import { VssmError } from '@vssm/core';

/**
 * An image could not be decoded: not a PNG or JPEG (the format is sniffed from the bytes, never from the file
 * name), truncated or corrupt data, or dimensions beyond the allowed pixel count.
 */
export class ImageDecodeError extends VssmError {
  /** The file name or `<bytes>` when decoding a buffer. */
  readonly source: string;
  constructor(source: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_IMAGE_DECODE', `${source}: ${problem}`, options);
    this.source = source;
  }
}
