// Runs the CLI as a user would: a child process from src/ under tsx (the `source` condition), or from dist/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repo = join(pkg, '..', '..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

const env = () => ({ ...process.env, NODE_OPTIONS: '' });

function argvFor(args: readonly string[], fromDist: boolean): string[] {
  return fromDist ? [join(pkg, 'dist/bin.js'), ...args] : ['--conditions=source', '--import', 'tsx', join(pkg, 'src/bin.ts'), ...args];
}

/** `vssm <args>` to completion (synchronously). */
export function vssm(args: readonly string[], options: { fromDist?: boolean; timeout?: number } = {}): Run {
  const r = spawnSync(process.execPath, argvFor(args, options.fromDist ?? false), {
    cwd: pkg,
    encoding: 'utf8',
    timeout: options.timeout ?? 180_000,
    env: env(),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** `vssm <args>` as a promise, so that independent runs can overlap. */
export function vssmAsync(args: readonly string[], timeout = 180_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argvFor(args, false), { cwd: pkg, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, signal });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time; results in job order. */
export async function inParallel<T>(jobs: Array<() => Promise<T>>, limit = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** A temporary folder removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The last non-empty stdout line parsed as JSON. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return JSON.parse(lines[lines.length - 1]);
}

/** True when stderr shows a JavaScript stack trace. */
export const hasStack = (stderr: string) => /\n\s+at .+\(.*:\d+:\d+\)/.test(stderr);
