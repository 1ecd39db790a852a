/**
 * A wall-clock profiler for one model forward: collects timed intervals from the ops registry (every kernel
 * dispatch), from the sections that blocks and models mark (`section` / `sectionAsync` of @vssm/blocks: selective
 * scans, scan gathers, whole blocks) and from the Tensor methods that copy or compute (patched on the prototype
 * while the profiler is active), then nests them by time and reports each name's self time (its wall time minus
 * that of the intervals nested inside it), so that the rows add up to the measured forward.
 */
import { setSectionObserver } from '@vssm/blocks';
import { Tensor } from '@vssm/core';
import { setKernelObserver } from '@vssm/ops';

/** A finished interval. */
export interface Interval {
  name: string;
  start: number;
  end: number;
}

/** Tensor methods that allocate and loop over elements (views are free and not patched). */
const TENSOR_METHODS = [
  'contiguous',
  'clone',
  'toFloat32Array',
  'map',
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'sum',
  'mean',
  'max',
  'min',
  'isFinite',
] as const;

/** A short qualifier for ops whose cost depends on more than their name (conv kind, strided operands). */
function opDetail(op: string, inputs: unknown, attrs: unknown): string {
  const ins = (inputs ?? {}) as Record<string, unknown>;
  const tensors = Object.values(ins).filter((v): v is Tensor => v instanceof Tensor);
  const strided = tensors.some((t) => !t.isContiguous) ? ', strided' : '';
  if (op === 'conv2d' && ins.weight instanceof Tensor) {
    const [, , kh, kw] = ins.weight.shape;
    const a = (attrs ?? {}) as { groups?: number; stride?: number[] };
    const kind = a.groups && a.groups > 1 && a.groups === (ins.x as Tensor)?.shape[1] ? 'dw ' : '';
    const s = a.stride && a.stride[0] > 1 ? ` s${a.stride[0]}` : '';
    return ` (${kind}${kh}x${kw}${s}${strided})`;
  }
  return strided ? ` (${strided.slice(2)})` : '';
}

/** `name(shape, shape, …)` of an op's tensor inputs, e.g. `x(1,3136,48) weight(192,48)`. */
function opShapes(inputs: unknown): string {
  const ins = (inputs ?? {}) as Record<string, unknown>;
  return Object.entries(ins)
    .filter((e): e is [string, Tensor] => e[1] instanceof Tensor)
    .map(([k, t]) => `${k}(${t.shape.join(',')})`)
    .join(' ');
}

/** Records intervals while started; `stop()` restores everything it patched. */
export class ForwardProfiler {
  readonly intervals: Interval[] = [];
  private restore: (() => void)[] = [];

  /** With `byShape`, op intervals are named with their input shapes too (one row per op and shape). */
  constructor(private readonly byShape = false) {}

  start(): void {
    const push = (name: string, start: number, ms: number) => this.intervals.push({ name, start, end: start + ms });
    const prevKernel = setKernelObserver((e) => {
      const end = performance.now();
      const shapes = this.byShape ? ` ${opShapes(e.inputs)}` : '';
      push(`op:${e.op}${opDetail(e.op, e.inputs, e.attrs)}${e.backend === 'cpu' ? '' : ` [${e.backend}]`}${shapes}`, end - e.ms, e.ms);
    });
    const prevSection = setSectionObserver((e) => push(e.name, e.start, e.ms));
    this.restore.push(() => {
      setKernelObserver(prevKernel);
      setSectionObserver(prevSection);
    });
    const proto = Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of TENSOR_METHODS) {
      const original = proto[method];
      const name = `tensor.${method}`;
      proto[method] = function (this: Tensor, ...args: unknown[]) {
        const t0 = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          push(name, t0, performance.now() - t0);
        }
      };
      this.restore.push(() => {
        proto[method] = original;
      });
    }
  }

  stop(): void {
    for (const r of this.restore.reverse()) r();
    this.restore = [];
  }
}

/** One node of the nesting tree. */
export interface Node {
  name: string;
  start: number;
  end: number;
  children: Node[];
  parent: Node | null;
}

/** Nests intervals by time (an interval inside another's span is its descendant). */
export function buildTree(intervals: readonly Interval[], total: Interval): Node {
  const eps = 1e-6;
  const sorted = [...intervals].sort((a, b) => a.start - b.start || b.end - a.end);
  const root: Node = { ...total, children: [], parent: null };
  const stack: Node[] = [root];
  for (const iv of sorted) {
    while (stack.length > 1 && iv.start >= stack[stack.length - 1].end - eps) stack.pop();
    const parent = stack[stack.length - 1];
    const node: Node = { ...iv, children: [], parent };
    parent.children.push(node);
    stack.push(node);
  }
  return root;
}

/** Wall time of a node minus that of its children. */
export function selfMs(node: Node): number {
  let child = 0;
  for (const c of node.children) child += c.end - c.start;
  return Math.max(0, node.end - node.start - child);
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) walk(c, visit);
}

/** The nearest enclosing block section (`block:*`), or '(model)'. */
function blockOf(node: Node): string {
  for (let p = node.parent; p; p = p.parent) if (p.name.startsWith('block:')) return p.name.slice('block:'.length);
  return '(model)';
}

export interface Row {
  name: string;
  calls: number;
  ms: number;
}

/** Self time per interval name (block sections contribute their un-attributed glue as `(other)`). */
export function selfTimes(root: Node): Row[] {
  const rows = new Map<string, Row>();
  walk(root, (n) => {
    const name = n === root ? '(other, outside any block)' : n.name.startsWith('block:') ? '(other, inside blocks)' : n.name;
    const row = rows.get(name) ?? { name, calls: 0, ms: 0 };
    row.calls += n === root || n.name.startsWith('block:') ? 0 : 1;
    row.ms += selfMs(n);
    rows.set(name, row);
  });
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

/** Self time per (name, enclosing block type). */
export function selfTimesByBlock(root: Node): Row[] {
  const rows = new Map<string, Row>();
  walk(root, (n) => {
    if (n === root || n.name.startsWith('block:')) return;
    const key = `${blockOf(n)} / ${n.name}`;
    const row = rows.get(key) ?? { name: key, calls: 0, ms: 0 };
    row.calls++;
    row.ms += selfMs(n);
    rows.set(key, row);
  });
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

/** Inclusive wall time per block type (outermost block sections only). */
export function blockTimes(root: Node): Row[] {
  const rows = new Map<string, Row>();
  const visit = (n: Node) => {
    if (n !== root && n.name.startsWith('block:')) {
      const name = n.name.slice('block:'.length);
      const row = rows.get(name) ?? { name, calls: 0, ms: 0 };
      row.calls++;
      row.ms += n.end - n.start;
      rows.set(name, row);
      return;
    }
    for (const c of n.children) visit(c);
  };
  visit(root);
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

/** A fixed-width text table of rows with share of `total`. */
export function formatRows(title: string, rows: readonly Row[], total: number, limit = rows.length): string {
  const shown = rows.slice(0, limit);
  const width = Math.max(title.length, ...shown.map((r) => r.name.length));
  const lines = [`${title.padEnd(width)}  ${'calls'.padStart(6)}  ${'ms'.padStart(9)}  ${'share'.padStart(6)}`];
  for (const r of shown) {
    lines.push(
      `${r.name.padEnd(width)}  ${String(Math.round(r.calls * 10) / 10).padStart(6)}  ${r.ms.toFixed(2).padStart(9)}  ${((100 * r.ms) / total).toFixed(1).padStart(5)}%`,
    );
  }
  if (rows.length > shown.length) {
    const rest = rows.slice(limit).reduce((s, r) => s + r.ms, 0);
    lines.push(
      `${`(${rows.length - shown.length} more)`.padEnd(width)}  ${''.padStart(6)}  ${rest.toFixed(2).padStart(9)}  ${((100 * rest) / total).toFixed(1).padStart(5)}%`,
    );
  }
  return lines.join('\n');
}

/** Rows of several runs merged by name, divided by `runs` (calls and ms per run), sorted by time. */
export function averageRows(perRun: readonly (readonly Row[])[], runs: number): Row[] {
  const rows = new Map<string, Row>();
  for (const list of perRun) {
    for (const r of list) {
      const row = rows.get(r.name) ?? { name: r.name, calls: 0, ms: 0 };
      row.calls += r.calls / runs;
      row.ms += r.ms / runs;
      rows.set(r.name, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}
