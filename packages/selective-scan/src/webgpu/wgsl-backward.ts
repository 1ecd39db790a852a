import { COMBINE_FN, entryBuiltins, header, rep, SOFTPLUS_FN, storageBindings, workgroupScanFns } from './wgsl-common.js';
import { chunkLoad, chunkStore, type ScanVariant } from './wgsl-forward.js';

/** Invocations of the elementwise and reduction kernels. */
export const FLAT_WG = 256;
/** Invocations of the group kernel: (channel slot, state) pairs. */
export const GROUP_WG = 256;

/**
 * Gate pre-pass, only when z is given: gk[offGy + i] = dout·silu(z), gk[offK + i] = dout·σ(z)(1 + z(1 − σ(z))), so
 * that dz = (y + D·u)·k once the chunk kernel has y. Bindings: dout, z (read), gk (read-write).
 */
export function gateShader(): string {
  return `${header(false)}
${storageBindings([
  ['dout_', 'read'],
  ['z_', 'read'],
  ['gk_', 'read_write'],
])}
${SOFTPLUS_FN}
@compute @workgroup_size(${FLAT_WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.gridWidth;
  if (i >= p.total) { return; }
  let g0 = dout_[i];
  let zv = z_[i];
  let s = sigmoid(zv);
  gk_[p.offGy + i] = g0 * zv * s;
  gk_[p.offK + i] = g0 * s * (1.0 + zv * (1.0 - s));
}
`;
}

/**
 * The backward's per-channel kernel (selective-scan.md §2.2): one workgroup per (channel, batch), chunks in reverse.
 * Per chunk and state it re-runs the forward scan from the stored chunk state to recover h, then a reverse scan of
 * (Abar[l+1], C[l]·gy[l]) for dh, carried across chunks in workgroup memory. It writes du, ddelta, dz, the
 * per-batch partials of dA, dD and ddelta_bias (summed over l in a fixed order), and, for the group kernel, h at the
 * end of every tile (HB) and Abar·dh at the start of the next tile (DHB). Item loops are unrolled (scalar registers).
 * Bindings: u, delta, gk, B, C, aux (read), gseq = [du | ddelta | dz], gtile = [HB | DHB | pA | pD | pB] (read-write).
 */
export function chunkBackwardShader(v: ScanVariant): string {
  const T = v.items;
  const N = v.dstate;
  const WG = v.wg;
  const stage = v.stage === true;
  const b = entryBuiltins(v.subgroups);
  const sp = (x: string) => (v.softplus ? `softplus(${x} + bias)` : `${x} + bias`);
  const alpha = (i: number) => (i === T - 1 ? 'nextA' : `a${i + 1}`);
  const rev = (f: (i: number) => string) => rep(T, (j) => f(T - 1 - j));
  const ddelta = (i: number) =>
    v.softplus
      ? `select(1.0, sigmoid(dr${i} + bias), dr${i} + bias <= 20.0) * fma(uu${i}, sB${i}, sAa${i})`
      : `fma(uu${i}, sB${i}, sAa${i})`;
  return `${header(v.subgroups)}
${storageBindings([
  ['u_', 'read'],
  ['dl_', 'read'],
  ['gk_', 'read'],
  ['B_', 'read'],
  ['C_', 'read'],
  ['aux_', 'read'],
  ['gseq_', 'read_write'],
  ['gtile_', 'read_write'],
])}
${SOFTPLUS_FN}
${COMBINE_FN}
${workgroupScanFns(WG, v.subgroups)}
var<workgroup> sDh: array<f32, ${2 * N}>;
var<workgroup> sNa: array<f32, ${2 * N}>;
var<workgroup> sEdge: array<f32, ${WG}>;
var<workgroup> sdA: array<f32, ${N}>;
${stage ? `var<workgroup> sX: array<f32, ${WG * (T + 1)}>;` : ''}

@compute @workgroup_size(${WG})
fn main(${b.params}) {
${b.locals}  let d = wid.x;
  let bi = wid.y;
  let L = p.len;
  let Lt = p.tileLen;
  let g = d / p.dimPerGroup;
  let row = (bi * p.dim + d) * L;
  let bc = (bi * p.groups + g) * ${N}u * L;
  let xrow = (bi * p.dim + d) * p.nChunks;
  let trow = (bi * p.dim + d) * p.nTiles;
  let Dd = ${v.hasD ? 'aux_[p.offD + d]' : '0.0'};
  let bias = ${v.hasBias ? 'aux_[p.offBias + d]' : '0.0'};
  var pD = 0.0;
  var pBias = 0.0;
  for (var cc = 0u; cc < p.nChunks; cc++) {
    let c = p.nChunks - 1u - cc;
    let l0 = c * ${WG * T}u + lid * ${T}u;
${chunkLoad((x) => `u_[${x}]`, 'uu', WG, T, stage)}
${chunkLoad((x) => `dl_[${x}]`, 'dr', WG, T, stage)}
${chunkLoad((x) => `gk_[p.offGy + ${x}]`, 'gy', WG, T, stage)}
${v.hasZ ? chunkLoad((x) => `gk_[p.offK + ${x}]`, 'kk', WG, T, stage) : ''}
${rep(
  T,
  (i) => `    var dt${i} = 0.0;
    if (l0 + ${i}u < L) { dt${i} = ${sp(`dr${i}`)}; }
    let du${i} = dt${i} * uu${i};
    var ay${i} = 0.0;
    var sB${i} = 0.0;
    var sAa${i} = 0.0;`,
)}
    let rd = (cc & 1u) * ${N}u;
    let wr = ${N}u - rd;
    for (var n = 0u; n < ${N}u; n++) {
      let An = aux_[p.offA + d * ${N}u + n];
      let bn = bc + n * L;
      var agg = vec2f(1.0, 0.0);
${rep(
  T,
  (i) => `      let a${i} = exp(dt${i} * An);
      var b${i} = 0.0;
      var bv${i} = 0.0;
      var cv${i} = 0.0;
      if (l0 + ${i}u < L) { bv${i} = B_[bn + l0 + ${i}u]; cv${i} = C_[bn + l0 + ${i}u]; b${i} = du${i} * bv${i}; }
      agg = vec2f(a${i} * agg.x, fma(a${i}, agg.y, b${i}));`,
)}
      let sc = scanFwd(agg, lid, lane, sgs);
      var s0 = 0.0;
      if (c > 0u) { s0 = aux_[p.offX + (xrow + c - 1u) * ${N}u + n]; }
      var h = fma(sc.excl.x, s0, sc.excl.y);
${rep(
  T,
  (i) => `      h = fma(a${i}, h, b${i});
      let h${i} = h;${
        v.hasZ
          ? `
      ay${i} = fma(cv${i}, h, ay${i});`
          : ''
      }`,
)}
      sEdge[lid] = a0;
      workgroupBarrier();
      var nextA = 1.0;
      if (lid + 1u < ${WG}u) { nextA = sEdge[lid + 1u]; } else if (cc > 0u) { nextA = sNa[rd + n]; }
${rep(T, (i) => `      let cg${i} = cv${i} * gy${i};`)}
      var ragg = vec2f(1.0, 0.0);
${rev((i) => `      ragg = comb(ragg, vec2f(${alpha(i)}, cg${i}));`)}
      let rs = scanRev(ragg, lid, lane, sgs);
      var carry = 0.0;
      if (cc > 0u) { carry = sDh[rd + n]; }
      var dh = fma(rs.excl.x, carry, rs.excl.y);
      var pa = 0.0;
${rev(
  (i) => `      if (l0 + ${i}u < L) {
        let l = l0 + ${i}u;
        dh = fma(${alpha(i)}, dh, cg${i});
        let prev = h${i} - b${i};
        sB${i} = fma(dh, bv${i}, sB${i});
        sAa${i} = fma(dh * An, prev, sAa${i});
        pa = fma(dt${i} * dh, prev, pa);
        let tl = l % Lt;
        if (tl == Lt - 1u || l + 1u == L) { gtile_[p.offHB + (trow + l / Lt) * ${N}u + n] = h${i}; }
        if (tl == 0u && l > 0u) { gtile_[p.offDHB + (trow + l / Lt - 1u) * ${N}u + n] = a${i} * dh; }
      } else {
        dh = 0.0;
      }`,
)}
      if (lid == 0u) {
        sDh[wr + n] = dh;
        sNa[wr + n] = a0;
      }
      let tot = reduceSum(pa, lid, lane, sgs);
      if (lid == 0u) { sdA[n] = sdA[n] + tot; }
    }
${rep(
  T,
  (i) => `    let dd${i} = ${ddelta(i)};
    pD = fma(gy${i}, uu${i}, pD);
    pBias += dd${i};`,
)}
${chunkStore(
  (x) => `gseq_[p.offDu + ${x}]`,
  (i) => `fma(Dd, gy${i}, dt${i} * sB${i})`,
  WG,
  T,
  stage,
)}
${chunkStore(
  (x) => `gseq_[p.offDdelta + ${x}]`,
  (i) => `dd${i}`,
  WG,
  T,
  stage,
)}
${
  v.hasZ
    ? chunkStore(
        (x) => `gseq_[p.offDz + ${x}]`,
        (i) => `fma(Dd, uu${i}, ay${i}) * kk${i}`,
        WG,
        T,
        stage,
      )
    : ''
}
  }
  let tD = reduceSum(pD, lid, lane, sgs);
  let tB = reduceSum(pBias, lid, lane, sgs);
  if (lid == 0u) {
    gtile_[p.offPD + bi * p.dim + d] = tD;
    gtile_[p.offPB + bi * p.dim + d] = tB;
  }
  for (var n = lid; n < ${N}u; n += ${WG}u) {
    gtile_[p.offPA + (bi * p.dim + d) * ${N}u + n] = sdA[n];
  }
}
`;
}

/** Shape of the dB/dC kernel: channel slots (a power of two), tile length, invocations = slots · dstate. */
export interface GroupShape {
  slots: number;
  tile: number;
  wg: number;
}

/** Floats of the slot-reduction scratch; the staging of Δ, Δ·u, gy, B and C gets the rest of 15 KiB. */
const RED_FLOATS = 1024;
const STAGE_FLOATS = 3072;

/**
 * Picks the slots so that a tile is at least 16 steps where possible (at most 256 invocations, no more slots than
 * the group has channels), then the longest tile (≤ 32) whose staging fits in workgroup memory.
 */
export function groupShape(dstate: number, dimPerGroup: number): GroupShape {
  const N = dstate;
  let slots = 1;
  const cap = Math.min(Math.floor(GROUP_WG / N), 2 ** Math.ceil(Math.log2(Math.max(1, dimPerGroup))));
  while (slots * 2 <= cap && (3 * slots * 2 + 2 * N) * 16 <= STAGE_FLOATS) slots *= 2;
  const tile = Math.max(1, Math.min(32, Math.floor(STAGE_FLOATS / (3 * slots + 2 * N))));
  return { slots, tile, wg: slots * N };
}

/**
 * dB and dC without float atomics (selective-scan.md §2.3 option b): one workgroup per (tile, group, batch) owns
 * every channel of the group; (channel slot, state) invocations re-walk the tile from HB and DHB, accumulate their
 * channels' terms in registers (tile loops unrolled), and the slots are summed by a fixed tree at the end, so the
 * result is deterministic.
 * Bindings: u, delta, gk, B, C, aux, gtile (read), dbc = [dB | dC | dA | dD | dbias] (read-write).
 */
export function groupBackwardShader(v: ScanVariant, shape: GroupShape): string {
  const N = v.dstate;
  const CS = shape.slots;
  const LT = shape.tile;
  const WG = shape.wg;
  const LB = Math.max(1, Math.floor(RED_FLOATS / (CS * N)));
  const rounds = Math.ceil(LT / LB);
  const reduce = (acc: string, off: string, r: number) => {
    const m = Math.min(LB, LT - r * LB);
    return `
    workgroupBarrier();
${rep(m, (j) => `    sRed[(${j * CS}u + cs) * ${N}u + n] = ${acc}${r * LB + j};`)}
    workgroupBarrier();
    for (var o = ${Math.floor(CS / 2)}u; o > 0u; o = o >> 1u) {
      if (cs < o) {
        for (var j = 0u; j < ${m}u; j++) {
          let a = (j * ${CS}u + cs) * ${N}u + n;
          sRed[a] = sRed[a] + sRed[a + o * ${N}u];
        }
      }
      workgroupBarrier();
    }
    for (var j = cs; j < ${m}u; j += ${CS}u) {
      let l = l0 + ${r * LB}u + j;
      if (l < L) { dbc_[${off} + bc + n * L + l] = sRed[j * ${CS * N}u + n]; }
    }`;
  };
  const fwd = rep(
    LT,
    (i) =>
      `      let a${i} = exp(sDt[cs * ${LT}u + ${i}u] * An);\n      h = fma(a${i}, h, sDu[cs * ${LT}u + ${i}u] * sBt[n * ${LT}u + ${i}u]);\n      accC${i} = fma(sGy[cs * ${LT}u + ${i}u], h, accC${i});`,
  );
  const back = rep(LT, (j) => {
    const i = LT - 1 - j;
    const decay = i + 1 < LT ? `      dh = dh * a${i + 1};\n` : '';
    return `${decay}      dh = fma(sCt[n * ${LT}u + ${i}u], sGy[cs * ${LT}u + ${i}u], dh);\n      accB${i} = fma(dh, sDu[cs * ${LT}u + ${i}u], accB${i});`;
  });
  return `${header(false)}
${storageBindings([
  ['u_', 'read'],
  ['dl_', 'read'],
  ['gk_', 'read'],
  ['B_', 'read'],
  ['C_', 'read'],
  ['aux_', 'read'],
  ['gtile_', 'read'],
  ['dbc_', 'read_write'],
])}
${SOFTPLUS_FN}
var<workgroup> sDt: array<f32, ${CS * LT}>;
var<workgroup> sDu: array<f32, ${CS * LT}>;
var<workgroup> sGy: array<f32, ${CS * LT}>;
var<workgroup> sBt: array<f32, ${N * LT}>;
var<workgroup> sCt: array<f32, ${N * LT}>;
var<workgroup> sRed: array<f32, ${LB * CS * N}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x;
  let g = wid.y;
  let bi = wid.z;
  let L = p.len;
  let l0 = t * ${LT}u;
  let DG = p.dimPerGroup;
  let bc = (bi * p.groups + g) * ${N}u * L;
  for (var k = lid; k < ${N * LT}u; k += ${WG}u) {
    let l = l0 + k % ${LT}u;
    let off = bc + (k / ${LT}u) * L + l;
    var bv = 0.0;
    var cv = 0.0;
    if (l < L) {
      bv = B_[off];
      cv = C_[off];
    }
    sBt[k] = bv;
    sCt[k] = cv;
  }
  let cs = lid / ${N}u;
  let n = lid % ${N}u;
${rep(LT, (i) => `  var accB${i} = 0.0;\n  var accC${i} = 0.0;`)}
  for (var d0 = 0u; d0 < DG; d0 += ${CS}u) {
    workgroupBarrier();
    for (var k = lid; k < ${CS * LT}u; k += ${WG}u) {
      let dl = d0 + k / ${LT}u;
      let l = l0 + k % ${LT}u;
      var s = 0.0;
      var x = 0.0;
      var gv = 0.0;
      if (dl < DG && l < L) {
        let dd = g * DG + dl;
        let off = (bi * p.dim + dd) * L + l;
        let bias = ${v.hasBias ? 'aux_[p.offBias + dd]' : '0.0'};
        s = ${v.softplus ? 'softplus(dl_[off] + bias)' : 'dl_[off] + bias'};
        x = u_[off];
        gv = gk_[p.offGy + off];
      }
      sDt[k] = s;
      sDu[k] = s * x;
      sGy[k] = gv;
    }
    workgroupBarrier();
    let dl = d0 + cs;
    if (dl < DG) {
      let dd = g * DG + dl;
      let An = aux_[p.offA + dd * ${N}u + n];
      let trow = (bi * p.dim + dd) * p.nTiles;
      var h = 0.0;
      if (t > 0u) { h = gtile_[p.offHB + (trow + t - 1u) * ${N}u + n]; }
      var dh = 0.0;
      if (t + 1u < p.nTiles) { dh = gtile_[p.offDHB + (trow + t) * ${N}u + n]; }
${fwd}
${back}
    }
  }
${rep(rounds, (r) => `  {${reduce('accB', 'p.offDB', r)}${reduce('accC', 'p.offDC', r)}\n  }`)}
}
`;
}

/** Sums the per-batch partials of dA, dD and ddelta_bias over the batch. Bindings: gtile (read), dbc (read-write). */
export function reduceShader(dstate: number): string {
  const N = dstate;
  return `${header(false)}
${storageBindings([
  ['gtile_', 'read'],
  ['dbc_', 'read_write'],
])}
@compute @workgroup_size(${FLAT_WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.gridWidth;
  let D = p.dim;
  let DN = D * ${N}u;
  if (i < DN) {
    var s = 0.0;
    for (var b = 0u; b < p.batch; b++) { s += gtile_[p.offPA + b * DN + i]; }
    dbc_[p.offDA + i] = s;
  } else if (i < DN + D) {
    let d = i - DN;
    var s = 0.0;
    for (var b = 0u; b < p.batch; b++) { s += gtile_[p.offPD + b * D + d]; }
    dbc_[p.offDD + d] = s;
  } else if (i < DN + 2u * D) {
    let d = i - DN - D;
    var s = 0.0;
    for (var b = 0u; b < p.batch; b++) { s += gtile_[p.offPB + b * D + d]; }
    dbc_[p.offDBias + d] = s;
  }
}
`;
}
