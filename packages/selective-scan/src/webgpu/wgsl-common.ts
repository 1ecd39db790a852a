/**
 * WGSL shared by the fused selective-scan kernels: the uniform block, the accurate softplus of
 * selective-scan.md §6.2, the affine pair operator of the scan and the workgroup scans built on it.
 */

/** Repeats a code template for i = 0..n-1 (the generator's loop unrolling: items get literal indices). */
export function rep(n: number, f: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => f(i)).join('\n');
}

/** Field order of the uniform block; `paramsLayout` in params.ts writes the same order. */
export const PARAM_FIELDS = [
  'batch',
  'dim',
  'len',
  'dstate',
  'groups',
  'dimPerGroup',
  'nChunks',
  'chunkLen',
  'tileLen',
  'nTiles',
  'total',
  'gridWidth',
  'offA',
  'offD',
  'offBias',
  'offX',
  'offGy',
  'offK',
  'offDu',
  'offDdelta',
  'offDz',
  'offHB',
  'offDHB',
  'offPA',
  'offPD',
  'offPB',
  'offDB',
  'offDC',
  'offDA',
  'offDD',
  'offDBias',
  'offLast',
] as const;

export type ParamField = (typeof PARAM_FIELDS)[number];

export const PARAMS_STRUCT = `struct Params {\n${PARAM_FIELDS.map((f) => `  ${f}: u32,`).join('\n')}\n}`;

/**
 * softplus with threshold 20; for x < 0 it evaluates log1p(t), t = exp(x), as 2·atanh(t / (2 + t)) by its series,
 * because WGSL's log near 1 only promises an absolute error of 2^-21 (up to 1e-3 relative error in a small Δ).
 */
export const SOFTPLUS_FN = `
fn softplus(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  let t = exp(x);
  if (x >= 0.0) { return log(1.0 + t); }
  let s = t / (2.0 + t);
  let s2 = s * s;
  let q = 1.0 + s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * (0.11111111 + s2 * (0.09090909 + s2 * (0.07692308 + s2 * 0.06666667))))));
  return 2.0 * s * q;
}
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
`;

/** The scan operator on (a, b) pairs, x earlier and y later: h ↦ y.a·(x.a·h + x.b) + y.b. */
export const COMBINE_FN = `
fn comb(x: vec2f, y: vec2f) -> vec2f { return vec2f(y.x * x.x, fma(y.x, x.y, y.y)); }
struct ScanOut { excl: vec2f, total: vec2f }
`;

/**
 * Workgroup exclusive scans of one (a, b) pair per invocation, forward (lid order) and reverse. `excl` composes the
 * pairs of the invocations before this one (after it, for the reverse scan), `total` all of them. The subgroup
 * version runs Kogge–Stone with subgroupShuffleUp/Down inside each subgroup and combines the subgroup totals through
 * workgroup memory; it assumes subgroup k holds invocations [k·size, (k+1)·size), which context.ts verifies on the
 * device before enabling it. The fallback is Hillis–Steele in workgroup memory.
 */
export function workgroupScanFns(wg: number, subgroups: boolean): string {
  if (subgroups) {
    return `
var<workgroup> sScan: array<vec2f, ${wg}>;
fn scanFwd(v0: vec2f, lid: u32, lane: u32, sgs: u32) -> ScanOut {
  var v = v0;
  for (var o = 1u; o < sgs; o = o << 1u) {
    let t = subgroupShuffleUp(v, o);
    if (lane >= o) { v = comb(t, v); }
  }
  let sg = lid / sgs;
  let nsg = ${wg}u / sgs;
  if (lane == sgs - 1u) { sScan[sg] = v; }
  let up = subgroupShuffleUp(v, 1u);
  workgroupBarrier();
  var pre = vec2f(1.0, 0.0);
  for (var k = 0u; k < sg; k++) { pre = comb(pre, sScan[k]); }
  var tot = pre;
  for (var k = sg; k < nsg; k++) { tot = comb(tot, sScan[k]); }
  var ex = pre;
  if (lane > 0u) { ex = comb(pre, up); }
  workgroupBarrier();
  return ScanOut(ex, tot);
}
fn scanRev(v0: vec2f, lid: u32, lane: u32, sgs: u32) -> ScanOut {
  var v = v0;
  for (var o = 1u; o < sgs; o = o << 1u) {
    let t = subgroupShuffleDown(v, o);
    if (lane + o < sgs) { v = comb(t, v); }
  }
  let sg = lid / sgs;
  let nsg = ${wg}u / sgs;
  if (lane == 0u) { sScan[sg] = v; }
  let down = subgroupShuffleDown(v, 1u);
  workgroupBarrier();
  var pre = vec2f(1.0, 0.0);
  for (var k = nsg - 1u; k > sg; k--) { pre = comb(pre, sScan[k]); }
  var tot = pre;
  for (var k = sg + 1u; k > 0u; k--) { tot = comb(tot, sScan[k - 1u]); }
  var ex = pre;
  if (lane + 1u < sgs) { ex = comb(pre, down); }
  workgroupBarrier();
  return ScanOut(ex, tot);
}
fn reduceSum(v0: f32, lid: u32, lane: u32, sgs: u32) -> f32 {
  let s = subgroupAdd(v0);
  let sg = lid / sgs;
  if (lane == 0u) { sScan[sg] = vec2f(s, 0.0); }
  workgroupBarrier();
  var tot = 0.0;
  for (var k = 0u; k < ${wg}u / sgs; k++) { tot += sScan[k].x; }
  workgroupBarrier();
  return tot;
}
`;
  }
  return `
var<workgroup> sScan: array<vec2f, ${wg}>;
fn scanFwd(v0: vec2f, lid: u32, lane: u32, sgs: u32) -> ScanOut {
  sScan[lid] = v0;
  workgroupBarrier();
  for (var o = 1u; o < ${wg}u; o = o << 1u) {
    var t = vec2f(1.0, 0.0);
    if (lid >= o) { t = sScan[lid - o]; }
    workgroupBarrier();
    if (lid >= o) { sScan[lid] = comb(t, sScan[lid]); }
    workgroupBarrier();
  }
  var ex = vec2f(1.0, 0.0);
  if (lid > 0u) { ex = sScan[lid - 1u]; }
  let tot = sScan[${wg - 1}u];
  workgroupBarrier();
  return ScanOut(ex, tot);
}
fn scanRev(v0: vec2f, lid: u32, lane: u32, sgs: u32) -> ScanOut {
  let r = ${wg - 1}u - lid;
  sScan[r] = v0;
  workgroupBarrier();
  for (var o = 1u; o < ${wg}u; o = o << 1u) {
    var t = vec2f(1.0, 0.0);
    if (r >= o) { t = sScan[r - o]; }
    workgroupBarrier();
    if (r >= o) { sScan[r] = comb(t, sScan[r]); }
    workgroupBarrier();
  }
  var ex = vec2f(1.0, 0.0);
  if (r > 0u) { ex = sScan[r - 1u]; }
  let tot = sScan[${wg - 1}u];
  workgroupBarrier();
  return ScanOut(ex, tot);
}
fn reduceSum(v0: f32, lid: u32, lane: u32, sgs: u32) -> f32 {
  sScan[lid] = vec2f(v0, 0.0);
  workgroupBarrier();
  for (var o = ${wg / 2}u; o > 0u; o = o >> 1u) {
    if (lid < o) { sScan[lid].x = sScan[lid].x + sScan[lid + o].x; }
    workgroupBarrier();
  }
  let tot = sScan[0].x;
  workgroupBarrier();
  return tot;
}
`;
}

/** Entry-point builtins: the subgroup ones only when the shader enables subgroups. */
export function entryBuiltins(subgroups: boolean): { params: string; locals: string } {
  if (subgroups) {
    return {
      params:
        '@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgs: u32',
      locals: '',
    };
  }
  return {
    params: '@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32',
    locals: '  let lane = 0u;\n  let sgs = 1u;\n',
  };
}

/**
 * Declarations of the shader's f32 storage arrays, bound in order from 1 (binding 0 is the params uniform of `header`):
 * one `@group(0) @binding(i) var<storage, access> name: array<f32>;` line each.
 */
export function storageBindings(arrays: ReadonlyArray<readonly [name: string, access: 'read' | 'read_write']>): string {
  return arrays.map(([name, access], i) => `@group(0) @binding(${i + 1}) var<storage, ${access}> ${name}: array<f32>;`).join('\n');
}

export function header(subgroups: boolean): string {
  return `${subgroups ? 'enable subgroups;\n' : ''}${PARAMS_STRUCT}\n@group(0) @binding(0) var<uniform> p: Params;\n`;
}
