import { ArgumentError, formatShape, Module, type Rng, ShapeError, shapesEqual, Tensor } from '@vssm/core';
import { layerNorm, softmax } from '@vssm/ops';
import { toRng } from '@vssm/nn';

export interface ScanMergeOptions {
  /**
   * Search mode (LocalMamba's supernet): an architecture parameter `weights` α of shape (K, 1, 1, 1), initialised
   * 1e-3·N(0, 1), and the merge Σ_k softmax(α)_k · LayerNorm_noaffine(x_k). Off: the plain sum Σ_k x_k.
   */
  search?: boolean;
  /** Epsilon of the affine-free LayerNorms of search mode (default 1e-5). */
  eps?: number;
  /** Seed or generator for α. */
  rng?: Rng | number;
}

function assertBranches(op: string, branches: readonly Tensor[], expected: number): void {
  if (!Array.isArray(branches) || branches.length !== expected) {
    throw new ArgumentError(
      `${op}: expected ${expected} branch tensors, got ${Array.isArray(branches) ? branches.length : typeof branches}`,
    );
  }
  for (const b of branches) {
    if (!shapesEqual(b.shape, branches[0].shape)) {
      throw new ShapeError(`${op}: branch shapes differ: ${branches.map((x) => formatShape(x.shape)).join(', ')}`);
    }
  }
}

/** Σ_k x_k, accumulated in float32 in order k = 0…K−1 (LocalMamba's non-search merge). */
export function sumBranches(branches: readonly Tensor[]): Tensor {
  if (!Array.isArray(branches) || branches.length === 0) throw new ArgumentError('sumBranches: expected a non-empty list of branches');
  assertBranches('sumBranches', branches, branches.length);
  let acc = branches[0];
  for (let k = 1; k < branches.length; k++) acc = acc.add(branches[k]);
  return acc;
}

/**
 * LocalMamba's search-mode merge: Σ_k softmax(α)_k · LayerNorm_noaffine(x_k) over the last axis, with α of K
 * entries (any shape holding K values, e.g. (K, 1, 1, 1)).
 */
export function searchMerge(branches: readonly Tensor[], alpha: Tensor, eps = 1e-5): Tensor {
  const K = alpha.size;
  assertBranches('searchMerge', branches, K);
  if (!alpha.isFinite()) throw new ArgumentError('searchMerge: the architecture weights α contain NaN or infinite values');
  const w = softmax(alpha.reshape([K]), 0).contiguousData();
  let acc: Tensor | null = null;
  for (let k = 0; k < K; k++) {
    const term = layerNorm(branches[k], null, null, eps).mul(w[k]);
    acc = acc === null ? term : acc.add(term);
  }
  return acc as Tensor;
}

/**
 * The merge of K direction branches (LocalMamba's `MultiScan.forward`): a plain sum, or in search mode the
 * softmax(α)-weighted sum of affine-free LayerNormed branches with α registered as `weights` (K, 1, 1, 1).
 */
export class ScanMerge extends Module {
  readonly branches: number;
  readonly search: boolean;
  readonly eps: number;

  constructor(branches: number, options: ScanMergeOptions = {}) {
    super();
    if (!Number.isInteger(branches) || branches <= 0)
      throw new ArgumentError(`ScanMerge: branches must be a positive integer, got ${branches}`);
    this.branches = branches;
    this.search = options.search ?? false;
    this.eps = options.eps ?? 1e-5;
    if (this.search) this.registerParameter('weights', Tensor.randn([branches, 1, 1, 1], toRng(options.rng), 0, 1e-3));
  }

  /** softmax(α) in search mode, else all ones (the plain sum). */
  branchWeights(): Float32Array {
    if (!this.search) return new Float32Array(this.branches).fill(1);
    return softmax(this.param('weights').reshape([this.branches]), 0).toFloat32Array();
  }

  forward(branches: readonly Tensor[]): Tensor {
    if (!this.search) {
      assertBranches('ScanMerge', branches, this.branches);
      return sumBranches(branches);
    }
    return searchMerge(branches, this.param('weights'), this.eps);
  }
}
