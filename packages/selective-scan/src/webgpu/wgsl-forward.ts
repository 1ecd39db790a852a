import { COMBINE_FN, entryBuiltins, header, rep, SOFTPLUS_FN, storageBindings, workgroupScanFns } from './wgsl-common.js';

/** Compile-time choices baked into a scan shader (one pipeline per distinct value). */
export interface ScanVariant {
  /** Invocations per workgroup. */
  wg: number;
  /** Consecutive time steps each invocation holds in registers. */
  items: number;
  dstate: number;
  subgroups: boolean;
  softplus: boolean;
  hasD: boolean;
  hasZ: boolean;
  hasBias: boolean;
  /** Move the per-(b, d, l) loads and stores through workgroup memory so global accesses are coalesced. */
  stage?: boolean;
}

export function variantKey(kind: string, v: ScanVariant): string {
  return `${kind}:wg${v.wg}:t${v.items}:n${v.dstate}:${v.subgroups ? 'sg' : 'wm'}:${+v.softplus}${+v.hasD}${+v.hasZ}${+v.hasBias}${v.stage ? ':st' : ''}`;
}

/** An element of a per-(b, d, l) array given its index expression. */
export type Access = (index: string) => string;

/**
 * Loads this chunk of a per-(b, d, l) array into per-item registers `dst0..dst{T-1}` (zero past L). Staged: the
 * workgroup reads consecutive addresses into workgroup memory (padded by one float per T, so the blocked read-back
 * has no bank conflicts), then each invocation takes its own T steps. Unstaged: each invocation reads its T steps.
 * Expects `c`, `lid`, `row`, `L`, `l0` (this invocation's first step) and, staged, `sX` in scope.
 */
export function chunkLoad(src: Access, dst: string, wg: number, T: number, stage: boolean): string {
  if (!stage) {
    return rep(T, (i) => `    var ${dst}${i} = 0.0;\n    if (l0 + ${i}u < L) { ${dst}${i} = ${src(`row + l0 + ${i}u`)}; }`);
  }
  return `${rep(T, (k) => `    { let e = ${k * wg}u + lid; var x = 0.0; if (c * ${wg * T}u + e < L) { x = ${src(`row + c * ${wg * T}u + e`)}; } sX[e + e / ${T}u] = x; }`)}
    workgroupBarrier();
${rep(T, (i) => `    var ${dst}${i} = sX[lid * ${T + 1}u + ${i}u];`)}
    workgroupBarrier();`;
}

/** Stores per-item values (expressions of the item index) of this chunk into a per-(b, d, l) array. */
export function chunkStore(dst: Access, value: (i: number) => string, wg: number, T: number, stage: boolean): string {
  if (!stage) {
    return rep(T, (i) => `    if (l0 + ${i}u < L) { ${dst(`row + l0 + ${i}u`)} = ${value(i)}; }`);
  }
  return `${rep(T, (i) => `    sX[lid * ${T + 1}u + ${i}u] = ${value(i)};`)}
    workgroupBarrier();
${rep(T, (k) => `    { let e = ${k * wg}u + lid; if (c * ${wg * T}u + e < L) { ${dst(`row + c * ${wg * T}u + e`)} = sX[e + e / ${T}u]; } }`)}
    workgroupBarrier();`;
}

/**
 * The fused forward (selective-scan.md §3.1, §8.1): one workgroup per (channel, batch), walking the sequence in
 * chunks of wg·items steps. Per state n: the invocation folds its items into one (Π Abar, h) pair, the workgroup
 * scans the pairs, the running state of the previous chunk seeds the prefix, and the re-walk adds C·h to the outputs.
 * Per-item values live in scalar registers (the item loops are unrolled in the generated source, so no array is
 * indexed dynamically and nothing needs a bounds clamp).
 * Chunk-end states go to aux[offX + ((b·D + d)·nChunks + c)·N + n] for the backward; the last chunk's also to
 * aux[offLast + (b·D + d)·N + n].
 * Bindings: u, delta, z, B, C (read), out, aux = [A | D | bias | chunk states | last state] (read-write).
 */
export function forwardShader(v: ScanVariant): string {
  const T = v.items;
  const N = v.dstate;
  const WG = v.wg;
  const stage = v.stage === true;
  const b = entryBuiltins(v.subgroups);
  const sp = (x: string) => (v.softplus ? `softplus(${x} + bias)` : `${x} + bias`);
  return `${header(v.subgroups)}
${storageBindings([
  ['u_', 'read'],
  ['dl_', 'read'],
  ['z_', 'read'],
  ['B_', 'read'],
  ['C_', 'read'],
  ['out_', 'read_write'],
  ['aux_', 'read_write'],
])}
${SOFTPLUS_FN}
${COMBINE_FN}
${workgroupScanFns(WG, v.subgroups)}
var<workgroup> sRun: array<f32, ${2 * N}>;
${stage ? `var<workgroup> sX: array<f32, ${WG * (T + 1)}>;` : ''}

@compute @workgroup_size(${WG})
fn main(${b.params}) {
${b.locals}  let d = wid.x;
  let bi = wid.y;
  let L = p.len;
  let g = d / p.dimPerGroup;
  let row = (bi * p.dim + d) * L;
  let bc = (bi * p.groups + g) * ${N}u * L;
  let xrow = (bi * p.dim + d) * p.nChunks;
  let Dd = ${v.hasD ? 'aux_[p.offD + d]' : '0.0'};
  let bias = ${v.hasBias ? 'aux_[p.offBias + d]' : '0.0'};
  for (var c = 0u; c < p.nChunks; c++) {
    let l0 = c * ${WG * T}u + lid * ${T}u;
${chunkLoad((x) => `u_[${x}]`, 'uu', WG, T, stage)}
${chunkLoad((x) => `dl_[${x}]`, 'dt', WG, T, stage)}
${rep(T, (i) => `    if (l0 + ${i}u < L) { dt${i} = ${sp(`dt${i}`)}; } else { dt${i} = 0.0; }\n    let du${i} = dt${i} * uu${i};\n    var acc${i} = 0.0;`)}
    let rd = (c & 1u) * ${N}u;
    let wr = ${N}u - rd;
    for (var n = 0u; n < ${N}u; n++) {
      let An = aux_[p.offA + d * ${N}u + n];
      let bn = bc + n * L;
      var agg = vec2f(1.0, 0.0);
${rep(T, (i) => `      let a${i} = exp(dt${i} * An);\n      var b${i} = 0.0;\n      if (l0 + ${i}u < L) { b${i} = du${i} * B_[bn + l0 + ${i}u]; }\n      agg = vec2f(a${i} * agg.x, fma(a${i}, agg.y, b${i}));`)}
      let sc = scanFwd(agg, lid, lane, sgs);
      var s0 = 0.0;
      if (c > 0u) { s0 = sRun[rd + n]; }
      var h = fma(sc.excl.x, s0, sc.excl.y);
${rep(T, (i) => `      h = fma(a${i}, h, b${i});\n      if (l0 + ${i}u < L) { acc${i} = fma(C_[bn + l0 + ${i}u], h, acc${i}); }`)}
      if (lid == 0u) {
        let e = fma(sc.total.x, s0, sc.total.y);
        sRun[wr + n] = e;
        aux_[p.offX + (xrow + c) * ${N}u + n] = e;
        if (c + 1u == p.nChunks) { aux_[p.offLast + (bi * p.dim + d) * ${N}u + n] = e; }
      }
    }
${v.hasZ ? chunkLoad((x) => `z_[${x}]`, 'zz', WG, T, stage) : ''}
${chunkStore(
  (x) => `out_[${x}]`,
  (i) => (v.hasZ ? `fma(Dd, uu${i}, acc${i}) * zz${i} * sigmoid(zz${i})` : `fma(Dd, uu${i}, acc${i})`),
  WG,
  T,
  stage,
)}
  }
}
`;
}
