import { type Module, Tensor } from '@vssm/core';

/**
 * Straight-line double-precision references for the LocalMamba mixers, written from the spec (localmamba.md §1,
 * §2.2–2.5) with their own scan orders, convs and recurrence — independent of the package code they check.
 */

type Mat = number[][];

const silu = (v: number) => v / (1 + Math.exp(-v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const softplus = (v: number) => (v > 20 ? v : Math.log1p(Math.exp(v)));
function erf(x: number): number {
  // Series for |x| < 3, continued-fraction tail otherwise; plenty for the small activations used here.
  if (Math.abs(x) > 3) return Math.sign(x) * (1 - Math.exp(-x * x) / (Math.abs(x) * Math.sqrt(Math.PI)));
  let sum = 0;
  let term = x;
  for (let n = 0; n < 120; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));

/** Scan order of a built-in direction: position → row-major token, −1 for padding (spec §1.1). */
export function referenceOrder(dir: string, H: number, W: number): number[] {
  const flip = dir.endsWith('_flip');
  const base = flip ? dir.slice(0, -5) : dir;
  const order: number[] = [];
  if (base === 'h') for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) order.push(i * W + j);
  else if (base === 'v') for (let j = 0; j < W; j++) for (let i = 0; i < H; i++) order.push(i * W + j);
  else {
    const K = Number(base.slice(1));
    const Hp = Math.ceil(H / K) * K;
    const Wp = Math.ceil(W / K) * K;
    for (let gi = 0; gi < Hp / K; gi++)
      for (let gj = 0; gj < Wp / K; gj++)
        for (let r = 0; r < K; r++)
          for (let c = 0; c < K; c++) {
            const i = gi * K + r;
            const j = gj * K + c;
            order.push(i < H && j < W ? i * W + j : -1);
          }
  }
  return flip ? order.reverse() : order;
}

const rows = (t: Tensor): Mat => t.toArray() as Mat;
const vec = (t: Tensor): number[] => Array.from(t.contiguousData());

function linear(x: number[], w: Mat, b?: number[]): number[] {
  return w.map((row, o) => row.reduce((s, v, i) => s + v * x[i], b ? b[o] : 0));
}

function layerNorm(x: number[], w?: number[], b?: number[]): number[] {
  const mu = x.reduce((s, v) => s + v, 0) / x.length;
  const va = x.reduce((s, v) => s + (v - mu) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mu) / Math.sqrt(va + 1e-5)) * (w ? w[i] : 1) + (b ? b[i] : 0));
}

/** SCAttn (channel-only) on tokens (L × E). */
function scattn(tokens: Mat, sd: Map<string, Tensor>, prefix: string): Mat {
  const E = tokens[0].length;
  const normed = tokens.map((t) => layerNorm(t, vec(sd.get(`${prefix}norm.weight`)!), vec(sd.get(`${prefix}norm.bias`)!)));
  const mean = Array.from({ length: E }, (_, e) => normed.reduce((s, r) => s + r[e], 0) / tokens.length);
  const g = linear(mean, rows(sd.get(`${prefix}global_reduce.weight`)!), vec(sd.get(`${prefix}global_reduce.bias`)!)).map(gelu);
  const c = linear(g, rows(sd.get(`${prefix}channel_select.weight`)!), vec(sd.get(`${prefix}channel_select.bias`)!)).map(sigmoid);
  return tokens.map((t) => t.map((v, e) => v * c[e]));
}

function merge(branches: Mat[], alpha: number[] | null): Mat {
  const L = branches[0].length;
  const E = branches[0][0].length;
  const out: Mat = Array.from({ length: L }, () => new Array(E).fill(0));
  const z = alpha ? alpha.reduce((s, a) => s + Math.exp(a), 0) : 1;
  branches.forEach((br, k) => {
    for (let l = 0; l < L; l++) {
      const row = alpha ? layerNorm(br[l]) : br[l];
      for (let e = 0; e < E; e++) out[l][e] += alpha ? (Math.exp(alpha[k]) / z) * row[e] : row[e];
    }
  });
  return out;
}

/** Selective scan for one direction: u, delta (E × T), B, C (T × N), A (E × N), D (E), optional z gate. */
function selectiveScan(u: Mat, delta: Mat, A: Mat, B: Mat, C: Mat, D: number[], z: Mat | null): Mat {
  return u.map((ue, e) => {
    const h = new Array(A[0].length).fill(0);
    return ue.map((uv, t) => {
      let y = 0;
      for (let n = 0; n < h.length; n++) {
        h[n] = Math.exp(delta[e][t] * A[e][n]) * h[n] + delta[e][t] * uv * B[t][n];
        y += h[n] * C[t][n];
      }
      y += D[e] * uv;
      return z ? y * silu(z[e][t]) : y;
    });
  });
}

/** x_proj → dt | B | C, dt_proj + bias, softplus (spec §2.1). u is (E × T). */
function project(u: Mat, xProj: Mat, dtW: Mat, dtB: number[], N: number) {
  const R = dtW[0].length;
  const T = u[0].length;
  const dbl = Array.from({ length: T }, (_, t) =>
    linear(
      u.map((r) => r[t]),
      xProj,
    ),
  );
  const delta = dtW.map((w, e) => dbl.map((d) => softplus(w.reduce((s, v, r) => s + v * d[r], dtB[e]))));
  return { delta, B: dbl.map((d) => d.slice(R, R + N)), C: dbl.map((d) => d.slice(R + N, R + 2 * N)) };
}

/** LocalVim MultiMamba (§2.3), one batch item at a time. `orders` overrides directions (custom ones). */
export function referenceLocalVimMixer(
  mixer: Module & { directions: readonly string[]; dInner: number; dState: number; middleClsToken: boolean; search: boolean },
  x: Tensor,
  H: number,
  W: number,
  orders: Record<string, number[]> = {},
): Tensor {
  const sd = mixer.stateDict();
  const E = mixer.dInner;
  const N = mixer.dState;
  const [Bn, L, Dm] = x.shape;
  const out = Tensor.zeros([Bn, L, Dm]);
  const inW = rows(sd.get('in_proj.weight')!);
  const outW = rows(sd.get('out_proj.weight')!);
  for (let b = 0; b < Bn; b++) {
    let xz: Mat = Array.from({ length: L }, (_, l) =>
      linear(
        Array.from({ length: Dm }, (_, d) => x.get(b, l, d)),
        inW,
      ),
    );
    const cp = (L - 1) >> 1;
    let cls: number[] | null = null;
    if (mixer.middleClsToken) {
      cls = xz[cp];
      xz = xz.filter((_, l) => l !== cp);
    }
    const branches: Mat[] = mixer.directions.map((dir, k) => {
      const order = orders[dir] ?? referenceOrder(dir, H, W);
      const seq: Mat = order.map((p) => (p < 0 ? new Array(2 * E).fill(0) : xz[p]));
      if (cls) seq.splice(cp, 0, cls);
      const T = seq.length;
      const xs = Array.from({ length: E }, (_, e) => seq.map((r) => r[e]));
      const zs = Array.from({ length: E }, (_, e) => seq.map((r) => r[E + e]));
      const convW = sd.get(`conv1d_${k}.weight`)!;
      const cw = rows(convW.reshape([E, convW.shape[2]]));
      const cb = vec(sd.get(`conv1d_${k}.bias`)!);
      const kk = cw[0].length;
      const u = xs.map((row, e) =>
        row.map((_, t) => {
          let acc = cb[e];
          for (let m = 0; m < kk; m++) {
            const s = t - (kk - 1) + m;
            if (s >= 0) acc += cw[e][m] * row[s];
          }
          return silu(acc);
        }),
      );
      const { delta, B, C } = project(
        u,
        rows(sd.get(`x_proj_${k}.weight`)!),
        rows(sd.get(`dt_proj_${k}.weight`)!),
        vec(sd.get(`dt_proj_${k}.bias`)!),
        N,
      );
      const A = rows(sd.get(`A_log_${k}`)!).map((r) => r.map((v) => -Math.exp(v)));
      const y = selectiveScan(u, delta, A, B, C, vec(sd.get(`D_${k}`)!), zs);
      let yCls: number[] | null = null;
      let cols = Array.from({ length: T }, (_, t) => y.map((r) => r[t]));
      if (cls) {
        yCls = cols[cp];
        cols = cols.filter((_, t) => t !== cp);
      }
      const tokens: Mat = new Array(H * W);
      order.forEach((p, s) => {
        if (p >= 0) tokens[p] = cols[s];
      });
      if (yCls) tokens.splice(cp, 0, yCls);
      return scattn(tokens, sd, 'attn.');
    });
    const alpha = mixer.search ? vec(sd.get('multi_scan.weights')!) : null;
    const merged = merge(branches, alpha);
    for (let l = 0; l < L; l++) {
      for (const [d, v] of linear(merged[l], outW).entries()) out.set(v, b, l, d);
    }
  }
  return out;
}

/** LocalVMamba SS2D (§2.5), channel-last (B, H, W, C), SiLU activation, odd depthwise conv. */
export function referenceSS2D(
  ss2d: Module & { directions: readonly string[]; dInner: number; dState: number; search: boolean },
  x: Tensor,
  orders: Record<string, number[]> = {},
): Tensor {
  const sd = ss2d.stateDict();
  const E = ss2d.dInner;
  const N = ss2d.dState;
  const [Bn, H, W, Cm] = x.shape;
  const out = Tensor.zeros([Bn, H, W, Cm]);
  const inW = rows(sd.get('in_proj.weight')!);
  const convW = sd.get('conv2d.weight')!;
  const convB = vec(sd.get('conv2d.bias')!);
  const k = convW.shape[2];
  const pad = (k - 1) >> 1;
  const xProj = sd.get('x_proj_weight')!;
  const dtW = sd.get('dt_projs_weight')!;
  const dtB = sd.get('dt_projs_bias')!;
  const aLogs = rows(sd.get('A_logs')!);
  const Ds = vec(sd.get('Ds')!);
  for (let b = 0; b < Bn; b++) {
    const xz = Array.from({ length: H * W }, (_, p) =>
      linear(
        Array.from({ length: Cm }, (_, c) => x.get(b, Math.floor(p / W), p % W, c)),
        inW,
      ),
    );
    const z = xz.map((r) => r.slice(E).map(silu));
    const conv: Mat = Array.from({ length: H * W }, (_, p) => {
      const i = Math.floor(p / W);
      const j = p % W;
      return Array.from({ length: E }, (_, e) => {
        let acc = convB[e];
        for (let di = 0; di < k; di++)
          for (let dj = 0; dj < k; dj++) {
            const ii = i + di - pad;
            const jj = j + dj - pad;
            if (ii >= 0 && ii < H && jj >= 0 && jj < W) acc += convW.get(e, 0, di, dj) * xz[ii * W + jj][e];
          }
        return silu(acc);
      });
    });
    const branches = ss2d.directions.map((dir, kk) => {
      const order = orders[dir] ?? referenceOrder(dir, H, W);
      const u = Array.from({ length: E }, (_, e) => order.map((p) => (p < 0 ? 0 : conv[p][e])));
      const { delta, B, C } = project(u, rows(xProj.slice(kk)), rows(dtW.slice(kk)), vec(dtB.slice(kk)), N);
      const y = selectiveScan(
        u,
        delta,
        aLogs.slice(kk * E, (kk + 1) * E).map((r) => r.map((v) => -Math.exp(v))),
        B,
        C,
        Ds.slice(kk * E, (kk + 1) * E),
        null,
      );
      const tokens: Mat = new Array(H * W);
      order.forEach((p, s) => {
        if (p >= 0) tokens[p] = y.map((r) => r[s]);
      });
      return scattn(tokens, sd, 'multi_scan.attn.');
    });
    const alpha = ss2d.search ? vec(sd.get('multi_scan.weights')!) : null;
    const merged = merge(branches, alpha);
    const outW = rows(sd.get('out_proj.weight')!);
    const nw = vec(sd.get('out_norm.weight')!);
    const nb = vec(sd.get('out_norm.bias')!);
    for (let p = 0; p < H * W; p++) {
      const y = layerNorm(merged[p], nw, nb).map((v, e) => v * z[p][e]);
      for (const [c, v] of linear(y, outW).entries()) out.set(v, b, Math.floor(p / W), p % W, c);
    }
  }
  return out;
}

/** Moves every parameter of a module away from its initial value (0.3·N(0,1) noise) so nothing is special. */
export function perturb(module: Module, seed: number, scale = 0.3): void {
  const state = new Map<string, Tensor>();
  let s = seed;
  for (const [k, t] of module.stateDict()) state.set(k, t.add(Tensor.randn(t.shape, s++, 0, scale)));
  module.loadStateDict(state);
}
