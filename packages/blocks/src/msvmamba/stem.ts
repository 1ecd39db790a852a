import { ArgumentError, type Rng } from '@vssm/core';
import { Conv2d, GELU, Identity, LayerNorm, LayerNorm2d, Permute, Sequential, toRng } from '@vssm/nn';

/**
 * Patch embedding "v1" (MSVMamba master): Conv2d(inChans→dim, k = stride = patchSize, bias) → Permute to channel-last →
 * LayerNorm(dim); keys `0.*`, `2.*`. (B, inChans, H, W) → (B, ⌊H/p⌋, ⌊W/p⌋, dim).
 */
export function msvPatchEmbedV1(inChans: number, dim: number, patchSize = 4, options: { rng?: Rng | number } = {}): Sequential {
  const rng = toRng(options.rng);
  return new Sequential(new Conv2d(inChans, dim, patchSize, { stride: patchSize, rng }), Permute(0, 2, 3, 1), new LayerNorm(dim));
}

/**
 * Patch embedding "v2" (MSVMambav3, channel-first): Conv2d(inChans→⌊dim/2⌋, k = s+1, stride s = p/2, pad 1) →
 * LayerNorm2d → GELU → Conv2d(⌊dim/2⌋→dim, same geometry) → LayerNorm2d, with Identity at indices 1, 3, 6 as in the
 * official channel-first build; keys `0.*`, `2.*`, `5.*`, `7.*`. With p = 4: two 3×3 stride-2 convs.
 */
export function msvPatchEmbedV2(inChans: number, dim: number, patchSize = 4, options: { rng?: Rng | number } = {}): Sequential {
  if (!Number.isInteger(patchSize) || patchSize < 2 || patchSize % 2 !== 0) {
    throw new ArgumentError(`msvPatchEmbedV2: patchSize must be an even integer >= 2, got ${patchSize}`);
  }
  const half = Math.floor(dim / 2);
  if (half < 1) throw new ArgumentError(`msvPatchEmbedV2: dim must be at least 2, got ${dim}`);
  const stride = patchSize / 2;
  const kernel = stride + 1;
  const rng = toRng(options.rng);
  return new Sequential(
    new Conv2d(inChans, half, kernel, { stride, padding: 1, rng }),
    Identity(),
    new LayerNorm2d(half),
    Identity(),
    GELU(),
    new Conv2d(half, dim, kernel, { stride, padding: 1, rng }),
    Identity(),
    new LayerNorm2d(dim),
  );
}
