import { Module, type Tensor } from '@vssm/core';
import { ropeTables } from '@vssm/ops';

/**
 * `VisionRotaryEmbeddingFast(dim = D/2, pt_seq_len, ft_seq_len = n)` as LocalVim builds it: persistent buffers
 * `freqs_cos` / `freqs_sin` of shape (n², D) (rows = tokens of the n×n native grid).
 */
export class VisionRotaryEmbedding extends Module {
  constructor(embedDim: number, gridSide: number, ptSeqLen: number) {
    super();
    const { cos, sin } = ropeTables({ dim: embedDim / 2, ptSeqLen, ftSeqLen: gridSide });
    this.registerBuffer('freqs_cos', cos);
    this.registerBuffer('freqs_sin', sin);
  }

  get cos(): Tensor {
    return this.buffer('freqs_cos');
  }

  get sin(): Tensor {
    return this.buffer('freqs_sin');
  }
}
