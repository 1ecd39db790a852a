import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeightFileError } from '@vssm/core';

/** This module's folder: src/ under tsx, dist/ when built (ESM or CJS). */
function hereDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

/** Absolute path of a bundled asset (`packages/cli/assets/<name>`), found from src/ or dist/. */
export function assetPath(name: string): string {
  let dir = hereDir();
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'assets', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new WeightFileError(join('assets', name), 'bundled asset not found next to the vssm CLI (is the package installed completely?)');
}

let imagenet: string[] | undefined;

/** The 1000 ImageNet-1k class names in class-index order (source: assets/imagenet-classes.json, `source` field). */
export function imagenetLabels(): string[] {
  if (!imagenet) {
    const doc = JSON.parse(readFileSync(assetPath('imagenet-classes.json'), 'utf8')) as { labels: string[] };
    imagenet = doc.labels;
  }
  return imagenet;
}

/**
 * Class names from a file: a JSON array, a JSON object with a `labels` array, or text with one name per line.
 * Returns undefined for no file.
 */
export function readLabels(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WeightFileError(path, `cannot read file: ${(error as Error).message}`);
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new WeightFileError(path, `is not valid JSON: ${(error as Error).message}`);
    }
    const labels = Array.isArray(doc) ? doc : (doc as { labels?: unknown })?.labels;
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
      throw new WeightFileError(path, 'expected a JSON array of class names or {"labels": [...]}');
    }
    return labels;
  }
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}
