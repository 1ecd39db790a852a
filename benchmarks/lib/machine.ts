/** Machine description and small helpers shared by the model benchmarks. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** CPU model, logical cores, Node version, platform. */
export function machine(): { cpu: string; cores: number; node: string; platform: string; totalMemGiB: number } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** 1-minute load average, two decimals. */
export function load1(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/** Peak resident set size of this process so far, MiB. */
export function peakRssMiB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Current resident set size, MiB. */
export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `--name value` / `--flag` options; unknown names are an error listing the known ones. */
export function parseArgs(argv: readonly string[], known: Record<string, 'string' | 'flag'>): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split('=', 2);
    const kind = known[name];
    if (!kind)
      throw new Error(
        `unknown option --${name}; known: ${Object.keys(known)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    if (kind === 'flag') out[name] = true;
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      out[name] = v;
    }
  }
  return out;
}

/**
 * Re-runs the script at `scriptUrl` (its `import.meta.url`) under `node --conditions=source --import tsx` when started
 * without the condition, and exits with its status; returns when the condition is already set. Import the workspace
 * packages dynamically after this call.
 */
export function ensureSourceCondition(scriptUrl: string): void {
  if (process.execArgv.includes('--conditions=source')) return;
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

/** Awaits `run` `warmup` times untimed, then `runs` times timed; returns the wall-clock milliseconds of the timed calls. */
export async function timeRuns(run: () => Promise<unknown>, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times;
}
