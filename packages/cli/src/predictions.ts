import type { Tensor } from '@vssm/core';

export interface Prediction {
  index: number;
  label: string;
  probability: number;
}

/** The k most probable classes of one row of logits (softmax in double precision), best first. */
export function topK(logits: Tensor, k: number, labels: readonly string[] | undefined): Prediction[] {
  const z = logits.toFloat32Array();
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  const p = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) sum += p[i] = Math.exp(z[i] - max);
  const order = Array.from(z.keys()).sort((a, b) => p[b] - p[a] || a - b);
  return order.slice(0, Math.min(k, z.length)).map((index) => ({
    index,
    label: labels?.[index] ?? `class ${index}`,
    probability: p[index] / sum,
  }));
}

/** Labels for a model's classes: ImageNet for 1000 classes, else none (shown as `class <i>`). */
export function defaultLabels(numClasses: number, imagenet: () => string[]): string[] | undefined {
  return numClasses === 1000 ? imagenet() : undefined;
}

/** "  1. 0.8123  tabby (281)" lines. */
export function formatPredictions(predictions: readonly Prediction[]): string {
  return predictions.map((p, r) => `  ${String(r + 1).padStart(2)}. ${p.probability.toFixed(4)}  ${p.label} (${p.index})\n`).join('');
}
