import type { Tensor } from '@vssm/core';

/**
 * An independent double-precision MS2D written straight from the official code (YuHengsss/MSVMamba `SS2D.forward`
 * on master, `SS2Dv2.forwardv2` + `forward_corev2` 'vms' on v2): explicit loops, no @vssm/scan or @vssm/ops.
 * Knobs let tests build the *wrong* variants (swapped slots, other upsampling, other norm placement) to show that
 * the parity assertions can fail.
 */
export interface ReferenceOptions {
  branch: 'master' | 'v2';
  gate: boolean;
  fullSlot?: number;
  upsample?: 'bilinear' | 'nearest';
  normBeforeMerge?: boolean;
}

type Grid = Float64Array[]; // [channel][i * W + j]

const silu = (v: number) => v / (1 + Math.exp(-v));
const softplus = (v: number) => (v > 20 ? v : Math.log1p(Math.exp(v)));

function depthwise(u: Grid, H: number, W: number, w: Tensor, b: Tensor | undefined, k: number, stride: number, pad: number) {
  const Ho = Math.floor((H + 2 * pad - k) / stride) + 1;
  const Wo = Math.floor((W + 2 * pad - k) / stride) + 1;
  const out = u.map((plane, e) => {
    const o = new Float64Array(Ho * Wo);
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) {
        let s = b ? b.get(e) : 0;
        for (let di = 0; di < k; di++)
          for (let dj = 0; dj < k; dj++) {
            const ii = i * stride + di - pad;
            const jj = j * stride + dj - pad;
            if (ii >= 0 && ii < H && jj >= 0 && jj < W) s += w.get(e, 0, di, dj) * plane[ii * W + jj];
          }
        o[i * Wo + j] = silu(s);
      }
    return o;
  });
  return { out, Ho, Wo };
}

/** One selective scan (N from A_logs) of seq[e][t] with parameter slot k. */
function ssm(seq: Grid, sd: Map<string, Tensor>, k: number): Grid {
  const xProj = sd.get('x_proj_weight')!;
  const dtProj = sd.get('dt_projs_weight')!;
  const dtBias = sd.get('dt_projs_bias')!;
  const aLogs = sd.get('A_logs')!;
  const Ds = sd.get('Ds')!;
  const E = seq.length;
  const L = seq[0].length;
  const N = aLogs.shape[1];
  const R = dtProj.shape[2];
  const proj = (row: number, t: number) => {
    let s = 0;
    for (let e = 0; e < E; e++) s += xProj.get(k, row, e) * seq[e][t];
    return s;
  };
  const dtLow = Array.from({ length: R }, (_, r) => Float64Array.from({ length: L }, (_, t) => proj(r, t)));
  const Bm = Array.from({ length: N }, (_, n) => Float64Array.from({ length: L }, (_, t) => proj(R + n, t)));
  const Cm = Array.from({ length: N }, (_, n) => Float64Array.from({ length: L }, (_, t) => proj(R + N + n, t)));
  return seq.map((u, e) => {
    const y = new Float64Array(L);
    const h = new Float64Array(N);
    for (let t = 0; t < L; t++) {
      let dt = dtBias.get(k, e);
      for (let r = 0; r < R; r++) dt += dtProj.get(k, e, r) * dtLow[r][t];
      dt = softplus(dt);
      let acc = 0;
      for (let n = 0; n < N; n++) {
        const A = -Math.exp(aLogs.get(k * E + e, n));
        h[n] = Math.exp(dt * A) * h[n] + dt * Bm[n][t] * u[t];
        acc += Cm[n][t] * h[n];
      }
      y[t] = acc + Ds.get(k * E + e) * u[t];
    }
    return y;
  });
}

/** LayerNorm over channels at each position of seq[e][t] (eps 1e-5). */
function channelNorm(seq: Grid, w: Tensor, b: Tensor): Grid {
  const E = seq.length;
  const L = seq[0].length;
  const out = seq.map(() => new Float64Array(L));
  for (let t = 0; t < L; t++) {
    let mean = 0;
    for (let e = 0; e < E; e++) mean += seq[e][t];
    mean /= E;
    let v = 0;
    for (let e = 0; e < E; e++) v += (seq[e][t] - mean) ** 2;
    v /= E;
    for (let e = 0; e < E; e++) out[e][t] = ((seq[e][t] - mean) / Math.sqrt(v + 1e-5)) * w.get(e) + b.get(e);
  }
  return out;
}

function upsample(map: Float64Array, h1: number, w1: number, H: number, W: number, mode: 'bilinear' | 'nearest'): Float64Array {
  const out = new Float64Array(H * W);
  const src = (d: number, n: number, m: number): [number, number, number] => {
    if (mode === 'nearest') {
      const i = Math.min(Math.floor((d * n) / m), n - 1);
      return [i, i, 0];
    }
    const s = Math.max((d + 0.5) * (n / m) - 0.5, 0);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, n - 1), s - i0];
  };
  for (let i = 0; i < H; i++) {
    const [r0, r1, a] = src(i, h1, H);
    for (let j = 0; j < W; j++) {
      const [c0, c1, b] = src(j, w1, W);
      const top = (1 - b) * map[r0 * w1 + c0] + b * map[r0 * w1 + c1];
      const bottom = (1 - b) * map[r1 * w1 + c0] + b * map[r1 * w1 + c1];
      out[i * W + j] = (1 - a) * top + a * bottom;
    }
  }
  return out;
}

/** The official low-resolution sequence [hori_r | vert | vert_r] of a map (H1, W1) as cell indices, and its length. */
export function lowResolutionOrder(H1: number, W1: number): number[] {
  const L1 = H1 * W1;
  const horiR = Array.from({ length: L1 }, (_, t) => L1 - 1 - t);
  const vert = Array.from({ length: L1 }, (_, t) => (t % H1) * W1 + Math.floor(t / H1));
  const vertR = vert.slice().reverse();
  return [...horiR, ...vert, ...vertR];
}

/**
 * MS2D for one batch item. x is read as master (H, W, C) or v2 (C, H, W) through `get(c, i, j)`; the state dict is
 * the MS2D's own (keys without the `op.` prefix). Returns the output in the branch layout, flattened.
 */
export function ms2dReference(
  get: (c: number, i: number, j: number) => number,
  H: number,
  W: number,
  sd: Map<string, Tensor>,
  o: ReferenceOptions,
): Float64Array {
  const inW = sd.get('in_proj.weight')!;
  const [P, C] = inW.shape;
  const E = sd.get('Ds')!.shape[0] / 2;
  const L = H * W;
  const xz: Grid = Array.from({ length: P }, (_, p) => {
    const plane = new Float64Array(L);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += inW.get(p, c) * get(c, i, j);
        plane[i * W + j] = s;
      }
    return plane;
  });
  const u = xz.slice(0, E);
  const z = o.gate ? xz.slice(E, 2 * E).map((p) => p.map(silu)) : null;
  const dConv = sd.get('conv2d.weight')!.shape[2];
  const x0 = depthwise(u, H, W, sd.get('conv2d.weight')!, sd.get('conv2d.bias'), dConv, 1, (dConv - 1) / 2).out;
  const { out: x1, Ho: H1, Wo: W1 } = depthwise(u, H, W, sd.get('conv2d_b1.weight')!, sd.get('conv2d_b1.bias'), 7, 2, 3);
  const order = lowResolutionOrder(H1, W1);
  const lowSeq = x1.map((plane) => Float64Array.from(order, (cell) => plane[cell]));
  const fullSlot = o.fullSlot ?? (o.branch === 'master' ? 1 : 0);
  let yFull = ssm(x0, sd, fullSlot);
  let yLow = ssm(lowSeq, sd, 1 - fullSlot);
  const normBefore = o.normBeforeMerge ?? o.branch === 'master';
  const nw = sd.get('out_norm.weight')!;
  const nb = sd.get('out_norm.bias')!;
  if (normBefore) {
    yFull = channelNorm(yFull, nw, nb);
    yLow = channelNorm(yLow, nw, nb);
  }
  const L1 = H1 * W1;
  let y: Grid = yFull.map((full, e) => {
    const map = new Float64Array(L1);
    order.forEach((cell, t) => {
      map[cell] += yLow[e][t];
    });
    const up = upsample(map, H1, W1, H, W, o.upsample ?? (o.branch === 'master' ? 'bilinear' : 'nearest'));
    return full.map((v, p) => v + up[p]);
  });
  if (!normBefore) y = channelNorm(y, nw, nb);
  if (sd.has('se.fc.0.weight')) {
    const f0 = sd.get('se.fc.0.weight')!;
    const f2 = sd.get('se.fc.2.weight')!;
    const mean = y.map((plane) => plane.reduce((s, v) => s + v, 0) / L);
    const hid = Array.from({ length: f0.shape[0] }, (_, r) =>
      Math.max(
        0,
        mean.reduce((s, m, e) => s + f0.get(r, e) * m, 0),
      ),
    );
    y = y.map((plane, e) => {
      const g = 1 / (1 + Math.exp(-hid.reduce((s, h, r) => s + f2.get(e, r) * h, 0)));
      return plane.map((v) => v * g);
    });
  }
  if (z) y = y.map((plane, e) => plane.map((v, p) => v * z[e][p]));
  const outW = sd.get('out_proj.weight')!;
  const out = new Float64Array(C * L);
  for (let c = 0; c < C; c++)
    for (let p = 0; p < L; p++) {
      let s = 0;
      for (let e = 0; e < E; e++) s += outW.get(c, e) * y[e][p];
      out[o.branch === 'master' ? p * C + c : c * L + p] = s;
    }
  return out;
}
