import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding the root package.json with workspaces). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

/**
 * The golden-vector folder: $VSSM_GOLDEN_DIR, else `../shared/golden` beside the repository, else
 * `shared/golden` inside it. Throws (so tests fail loudly) when none exists.
 */
export function goldenDir(): string {
  const candidates = [
    process.env.VSSM_GOLDEN_DIR,
    join(repoRoot(), '..', 'shared', 'golden'),
    join(repoRoot(), 'shared', 'golden'),
    '/work/shared/golden',
  ].filter((p): p is string => Boolean(p));
  for (const dir of candidates) if (existsSync(join(dir, 'README.md'))) return dir;
  throw new Error(`golden vectors not found; looked in ${candidates.join(', ')} (set VSSM_GOLDEN_DIR)`);
}

/** Absolute path of a golden file by name, e.g. goldenFile('ops.safetensors'). */
export function goldenFile(name: string): string {
  const p = join(goldenDir(), name);
  if (!existsSync(p)) throw new Error(`golden file ${p} does not exist`);
  return p;
}
