/**
 * The stacked-direction passes, TypeScript kernels vs the WebAssembly ones (1 and 2 threads, outputs copied out
 * or left in wasm memory inside withScratch), on LocalVMamba-T stage-1 and LocalVim-T shapes (and the 8-direction
 * search supernet). Prints the median ms per call and the ratio to the TypeScript kernel measured in the same run.
 * `search` is the search merge alone (TypeScript twin vs wasm); `search-all` is the whole search-mode direction
 * merge (SCAttn gates + merge), whose 'ts' column is the general path (reverse, SCAttn, searchMerge per direction).
 * Then the end of MSVMamba's MS2D (src/msvmamba/tail-wasm.ts) on MSVMamba stage shapes, the same columns.
 *
 *   node --conditions=source --import tsx bench/stack-kernels.ts [--reps 15]
 */
import { cpus } from 'node:os';
import { Tensor } from '@vssm/core';
import { SCAttn, ScanMerge } from '@vssm/scattn';
import { currentScope, residentTensor, scopeAlloc, WasmRuntime, withScratch } from '@vssm/wasm';
import { type DirectionStack, directionStack } from '../src/common/direction-stack.js';
import { mergeDirections } from '../src/common/gated-sum.js';
import { release } from '../src/common/scratch.js';
import {
  gatherRowsStack,
  gatherTokensStacks,
  mergeGated,
  mergeSearch,
  setStackKernels,
  tokenMeans,
  withStackRuntime,
} from '../src/common/stack-wasm.js';
import { addNormPoolTail, normAddPoolTail, scaleChannelsTail, scaleMulTail, scaleTransposeMulTail } from '../src/msvmamba/tail-wasm.js';

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 15;

interface Shape {
  name: string;
  stack: DirectionStack;
  B: number;
  E: number;
  tokenMajor: boolean;
}

const shapes: Shape[] = [
  {
    name: 'LocalVMamba-T stage 1 (56x56, E 192, K 4)',
    stack: directionStack(['h', 'v_flip', 'w7', 'w2_flip'], 56, 56),
    B: 1,
    E: 192,
    tokenMajor: false,
  },
  {
    name: 'LocalVMamba-T stage 3 (14x14, E 768, K 4)',
    stack: directionStack(['h_flip', 'v', 'w7', 'w2'], 14, 14),
    B: 1,
    E: 768,
    tokenMajor: false,
  },
  {
    name: 'LocalVim-T search (14x14 + cls, E 384, K 8)',
    stack: directionStack(['h', 'h_flip', 'v', 'v_flip', 'w2', 'w2_flip', 'w7', 'w7_flip'], 14, 14, { classToken: true }),
    B: 1,
    E: 384,
    tokenMajor: true,
  },
  {
    name: 'LocalVim-T (14x14 + cls, E 384, K 4)',
    stack: directionStack(['h', 'v_flip', 'w2', 'w7_flip'], 14, 14, { classToken: true }),
    B: 1,
    E: 384,
    tokenMajor: true,
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time(fn: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

type Pass = (ys: Tensor, gates: Tensor) => void;

/** A copy of `t` in wasm memory, owned by the current withScratch scope of `rt`. */
function residentCopy(rt: WasmRuntime, t: Tensor): Tensor {
  const scope = currentScope(rt);
  const ptr = scope ? scopeAlloc(scope, t.size) : undefined;
  if (!scope || ptr === undefined) throw new Error('bench: no scope room');
  rt.f32(ptr, t.size).set(t.contiguousData());
  return residentTensor(scope, ptr, t.size, t.shape);
}

function passes(s: Shape): Record<string, Pass> {
  const { stack, B, E } = s;
  const attn = new SCAttn(E, { rng: 4 });
  const merge = new ScanMerge(stack.K, { search: true, rng: 5 });
  const weights = merge.branchWeights();
  const src = s.tokenMajor ? Tensor.randn([B, stack.T, 2 * E], 1) : Tensor.randn([B, E, stack.T], 1);
  return {
    gather: () => {
      if (s.tokenMajor)
        for (const t of gatherTokensStacks(
          src,
          [
            [0, E],
            [E, E],
          ],
          stack,
        ))
          release(t.data);
      else release(gatherRowsStack(src, stack).data);
    },
    stats: (ys) => {
      tokenMeans(ys, stack, 1e-5);
    },
    merge: (ys, gates) => release(mergeGated(ys, stack, gates).data),
    search: (ys, gates) => release(mergeSearch(ys, stack, gates, weights, merge.eps).data),
    'search-all': (ys) => release(mergeDirections(ys, stack, attn, merge).data),
  };
}

console.log(
  `# stack kernels: ${cpus()[0]?.model ?? '?'}, ${cpus().length} logical cores, Node ${process.version}; median of ${REPS} calls`,
);
const runtimes = [WasmRuntime.createSync({ threads: 1 }), WasmRuntime.createSync({ threads: 2 })];
for (const s of shapes) {
  const { stack, B, E } = s;
  const ys = Tensor.randn([B, stack.K, E, stack.Lmax], 2);
  const gates = Tensor.rand([B * stack.K, 1, E], 3);
  console.log(`\n${s.name}`);
  for (const [name, pass] of Object.entries(passes(s))) {
    setStackKernels('ts');
    const base = await time(() => pass(ys, gates));
    setStackKernels('wasm');
    const cols = [`ts ${base.toFixed(2)} ms`];
    for (const rt of runtimes) {
      const copied = await time(() => withStackRuntime(rt, () => pass(ys, gates)));
      cols.push(`wasm ${rt.threads}t ${copied.toFixed(2)} ms (${(base / copied).toFixed(1)}x)`);
    }
    const rt = runtimes[1];
    if (rt.shared) {
      // inside a scope: ys read in place (a resident copy), outputs left in wasm memory
      const times: number[] = [];
      await withScratch(async () => {
        const ysRes = residentCopy(rt, ys);
        const gatesRes = residentCopy(rt, gates);
        for (let i = 0; i < REPS + 3; i++) {
          const t0 = performance.now();
          await withScratch(() => withStackRuntime(rt, () => pass(ysRes, gatesRes)), rt);
          if (i >= 3) times.push(performance.now() - t0);
        }
      }, rt);
      cols.push(`wasm 2t in scope ${median(times).toFixed(2)} ms (${(base / median(times)).toFixed(1)}x)`);
    }
    console.log(`  ${name.padEnd(10)} ${cols.join('   ')}`);
  }
}

/** The MS2D tail inputs of one stage: channel-first y, up and g (B, E, H, W), channel-last z, the norm's w and b. */
type TailInputs = Record<'y' | 'up' | 'g' | 'z' | 'w' | 'b', Tensor>;
type TailPass = (x: TailInputs) => void;

const tailShapes: { name: string; B: number; E: number; H: number; W: number }[] = [
  { name: 'MSVMamba stage 1 (56x56, E 96)', B: 1, E: 96, H: 56, W: 56 },
  { name: 'MSVMamba stage 2 (28x28, E 192)', B: 1, E: 192, H: 28, W: 28 },
  { name: 'MSVMamba stage 3 (14x14, E 384)', B: 1, E: 384, H: 14, W: 14 },
];
for (const { name, B, E, H, W } of tailShapes) {
  const x: TailInputs = {
    y: Tensor.randn([B, E, H * W], 11),
    up: Tensor.randn([B, E, H, W], 12),
    g: Tensor.randn([B, E, H, W], 13),
    z: Tensor.randn([B, H, W, E], 14),
    w: Tensor.randn([E], 15),
    b: Tensor.randn([E], 16),
  };
  const gate = Tensor.rand([B, E], 17).toFloat32Array();
  const tailPasses: Record<string, TailPass> = {
    'norm+add+pool': (t) => release(normAddPoolTail(t.y, t.up, t.w, t.b, 1e-5).out.data),
    'add+norm+pool': (t) => release(addNormPoolTail(t.y, t.up, t.w, t.b, 1e-5).out.data),
    'scale+transpose+gate': (t) => release(scaleTransposeMulTail(t.y, gate, t.z).data),
    'scale+gate': (t) => release(scaleMulTail(t.y, gate, t.g).data),
    scale: (t) => release(scaleChannelsTail(t.y, gate).data),
  };
  console.log(`\nMS2D tail, ${name}`);
  for (const [pname, pass] of Object.entries(tailPasses)) {
    setStackKernels('ts');
    const base = await time(() => pass(x));
    setStackKernels('wasm');
    const cols = [`ts ${base.toFixed(2)} ms`];
    for (const rt of runtimes) {
      const copied = await time(() => withStackRuntime(rt, () => pass(x)));
      cols.push(`wasm ${rt.threads}t ${copied.toFixed(2)} ms (${(base / copied).toFixed(1)}x)`);
    }
    const rt = runtimes[1];
    if (rt.shared) {
      const times: number[] = [];
      await withScratch(async () => {
        const res = Object.fromEntries(Object.entries(x).map(([k, t]) => [k, residentCopy(rt, t)])) as TailInputs;
        for (let i = 0; i < REPS + 3; i++) {
          const t0 = performance.now();
          await withScratch(() => withStackRuntime(rt, () => pass(res)), rt);
          if (i >= 3) times.push(performance.now() - t0);
        }
      }, rt);
      cols.push(`wasm 2t in scope ${median(times).toFixed(2)} ms (${(base / median(times)).toFixed(1)}x)`);
    }
    console.log(`  ${pname.padEnd(20)} ${cols.join('   ')}`);
  }
}
setStackKernels('auto');
for (const rt of runtimes) await rt.shutdown();
