/** Weight-file formats told apart by their first bytes (never by file extension). */
export type WeightFormat = 'safetensors' | 'zip' | 'torch-legacy' | 'pickle' | 'unknown';

export interface DetectedFormat {
  format: WeightFormat;
  /** What the bytes look like, for error messages. */
  description: string;
}

/** Bytes of the start of a file that `detectWeightFormat` needs. */
export const FORMAT_SNIFF_BYTES = 512;

// torch.save before 1.6 wrote a raw pickle stream starting with this magic number (a LONG1).
const LEGACY_TORCH_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function startsWith(head: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (head.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[at + i] !== sig[i]) return false;
  return true;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** Identifies a weight file from its first bytes (pass at least `FORMAT_SNIFF_BYTES` when available). */
export function detectWeightFormat(head: Uint8Array): DetectedFormat {
  if (head.length === 0) return { format: 'unknown', description: 'an empty file' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return { format: 'zip', description: 'a zip archive' };
  }
  if (startsWith(head, LEGACY_TORCH_MAGIC)) {
    return {
      format: 'torch-legacy',
      description:
        'a legacy (pre-1.6, non-zip) torch.save file, which is not supported; re-save it with a current PyTorch (torch.save(torch.load(f), g)) or convert it to safetensors',
    };
  }
  // safetensors: u64 little-endian header length (far below 4 GiB), then the JSON header's '{'.
  if (head.length >= 9 && head[8] === 0x7b && startsWith(head, [0, 0, 0, 0], 4))
    return { format: 'safetensors', description: 'a safetensors file' };
  if (head[0] === 0x80 && head.length > 1 && head[1] >= 2 && head[1] <= 5) {
    return { format: 'pickle', description: `a bare pickle stream (protocol ${head[1]}), not a torch.save zip archive` };
  }
  if (startsWith(head, ascii('ustar'), 257))
    return { format: 'unknown', description: 'a tar archive (the pre-1.0 torch.save tar format is not supported)' };
  if (startsWith(head, [0x1f, 0x8b])) return { format: 'unknown', description: 'a gzip-compressed file (decompress it first)' };
  if (startsWith(head, [0x89, ...ascii('HDF')]))
    return { format: 'unknown', description: 'an HDF5 file (e.g. Keras .h5), not a PyTorch or safetensors file' };
  if (startsWith(head, [0x93, ...ascii('NUMPY')])) return { format: 'unknown', description: 'a NumPy .npy file' };
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return {
    format: 'unknown',
    description: `an unrecognised format (first bytes ${hex}); expected safetensors or a torch.save zip archive`,
  };
}
