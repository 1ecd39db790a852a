import { WeightFileError } from '../errors.js';
import { PickleObject } from './pickle-values.js';

type Container = unknown[] | Map<unknown, unknown> | Set<unknown> | PickleObject;

function isContainer(v: unknown): v is Container {
  return Array.isArray(v) || v instanceof Map || v instanceof Set || v instanceof PickleObject;
}

function childrenOf(node: Container): unknown[] {
  if (Array.isArray(node)) return node;
  if (node instanceof Map) return [...node.keys(), ...node.values()];
  if (node instanceof Set) return [...node];
  return [node.args, node.state];
}

function replaceLeaves(node: Container, replace: (v: unknown) => unknown): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (!isContainer(node[i])) node[i] = replace(node[i]);
    }
  } else if (node instanceof Map) {
    for (const [k, v] of node) if (!isContainer(v)) node.set(k, replace(v));
  } else if (node instanceof Set) {
    const items = [...node];
    node.clear();
    for (const it of items) node.add(isContainer(it) ? it : replace(it));
  } else if (!isContainer(node.state)) {
    node.state = replace(node.state) as PickleObject['state'];
  }
}

/**
 * Walks an unpickled tree without recursion, rejecting reference cycles and trees deeper than `maxDepth`, and
 * replaces every leaf (non-container value) in place by `replace(leaf)`. Shared sub-trees are visited once.
 * Returns the (possibly replaced) root.
 */
export function mapPickleLeaves(root: unknown, replace: (v: unknown) => unknown, maxDepth: number, file: string): unknown {
  if (!isContainer(root)) return replace(root);
  // height of a finished container, or -1 while it is on the current path
  const state = new Map<Container, number>([[root, -1]]);
  const frames: { node: Container; children: unknown[]; next: number; height: number }[] = [
    { node: root, children: childrenOf(root), next: 0, height: 1 },
  ];
  while (frames.length) {
    const f = frames[frames.length - 1];
    if (f.next < f.children.length) {
      const child = f.children[f.next++];
      if (!isContainer(child)) continue;
      const h = state.get(child);
      if (h === -1) throw new WeightFileError(file, 'pickle builds a reference cycle (a container inside itself); checkpoints never do');
      if (h !== undefined) {
        f.height = Math.max(f.height, h + 1);
        continue;
      }
      if (frames.length >= maxDepth) throw new WeightFileError(file, `pickle values nest deeper than the limit of ${maxDepth} levels`);
      state.set(child, -1);
      frames.push({ node: child, children: childrenOf(child), next: 0, height: 1 });
      continue;
    }
    frames.pop();
    replaceLeaves(f.node, replace);
    if (f.height > maxDepth) throw new WeightFileError(file, `pickle values nest deeper than the limit of ${maxDepth} levels`);
    state.set(f.node, f.height);
    if (frames.length) {
      const parent = frames[frames.length - 1];
      parent.height = Math.max(parent.height, f.height + 1);
    }
  }
  return root;
}
