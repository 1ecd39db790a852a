/**
 * Gather/scatter throughput of @vssm/scan against baselines measured in the same run (run: `npm run bench`).
 * Baselines: a core Tensor view + contiguous() copy (what the official einops/transposes become), and plain
 * loops that recompute each source index on the fly without an index map or channel tiling.
 */
import { Tensor } from '@vssm/core';
import { clearScanIndexCache, reverse, scan, scanIndex } from '../src/index.js';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median milliseconds per call over `runs` calls after `warmup` calls. */
function time(fn: () => unknown, runs = 15, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

function report(title: string, rows: [string, number][]): void {
  const base = rows[0][1];
  console.log(`\n${title}`);
  for (const [name, ms] of rows)
    console.log(`  ${name.padEnd(58)} ${ms.toFixed(3).padStart(9)} ms   ${(base / ms).toFixed(2)}x vs first row`);
}

/** Column-major scan of token-major input, recomputing (i, j) per element, channel loop outermost. */
function naiveVTokens(x: Float32Array, L: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(C * L);
  for (let c = 0; c < C; c++) for (let s = 0; s < L; s++) out[c * L + s] = x[((s % H) * W + Math.floor(s / H)) * C + c];
  return out;
}

/** Windowed scan of a channel-first map, recomputing window coordinates per element. */
function naiveWindow(x: Float32Array, C: number, H: number, W: number, K: number): Float32Array {
  const Hp = Math.ceil(H / K) * K;
  const Wp = Math.ceil(W / K) * K;
  const Wg = Wp / K;
  const L = Hp * Wp;
  const out = new Float32Array(C * L);
  for (let c = 0; c < C; c++) {
    for (let s = 0; s < L; s++) {
      const win = Math.floor(s / (K * K));
      const inner = s % (K * K);
      const i = Math.floor(win / Wg) * K + Math.floor(inner / K);
      const j = (win % Wg) * K + (inner % K);
      out[c * L + s] = i < H && j < W ? x[c * H * W + i * W + j] : 0;
    }
  }
  return out;
}

console.log(`@vssm/scan benchmark — Node ${process.version}, ${process.platform}/${process.arch}`);

{
  // LocalVim-T layer at 224: tokens [1, 196, 2E = 768]; LocalVMamba stage 1: [1, 96·2, 56, 56]
  const [H, W, C] = [56, 56, 192];
  const L = H * W;
  const x = Tensor.randn([1, L, C], 1);
  const data = x.contiguousData();
  report(`v scan of token-major [1, ${L}, ${C}] -> [1, ${C}, ${L}]`, [
    ['baseline: Tensor view reshape/permute + contiguous()', time(() => x.reshape([1, H, W, C]).permute(0, 3, 2, 1).contiguous())],
    ['baseline: naive loop, index recomputed, no tiling', time(() => naiveVTokens(data, L, C, H, W))],
    ["scan(x, 'v') (cached index map, channel-tiled)", time(() => scan(x, 'v', { H, W }))],
  ]);
  const y = scan(x, 'v', { H, W });
  report(`v reverse to token-major [1, ${C}, ${L}] -> [1, ${L}, ${C}]`, [
    ['baseline: Tensor view reshape/permute + contiguous()', time(() => y.reshape([1, C, W, H]).permute(0, 3, 2, 1).contiguous())],
    ["reverse(y, 'v', { layout: 'blc' })", time(() => reverse(y, 'v', { H, W, layout: 'blc' }))],
  ]);
}

{
  const [C, H, W, K] = [192, 56, 56, 7];
  const x = Tensor.randn([1, C, H, W], 2);
  const data = x.contiguousData();
  report(`w7 scan of a feature map [1, ${C}, ${H}, ${W}]`, [
    ['baseline: naive loop, window coordinates per element', time(() => naiveWindow(data, C, H, W, K))],
    ["scan(x, 'w7') (cached index map)", time(() => scan(x, 'w7'))],
  ]);
  const [C2, H2, W2] = [768, 7, 7];
  const x2 = Tensor.randn([1, C2, H2, W2], 3);
  const d2 = x2.contiguousData();
  report(`w2 scan with padding, stage-4 map [1, ${C2}, ${H2}, ${W2}] -> L' = 64`, [
    ['baseline: naive loop, window coordinates per element', time(() => naiveWindow(d2, C2, H2, W2, 2), 200, 20)],
    ["scan(x, 'w2')", time(() => scan(x2, 'w2'), 200, 20)],
  ]);
}

{
  const build = time(
    () => {
      clearScanIndexCache();
      return scanIndex('w7_flip', 56, 56);
    },
    50,
    5,
  );
  scanIndex('w7_flip', 56, 56);
  const hit = time(() => scanIndex('w7_flip', 56, 56), 2000, 100);
  report('scanIndex(w7_flip, 56, 56)', [
    ['build (cache cleared each call)', build],
    ['cache hit', hit],
  ]);
}
