import { ArgumentError } from './errors.js';
import { matchStateDict, type StateDictMatch } from './io/match.js';
import { Tensor } from './tensor.js';

/**
 * A container of named parameters, persistent buffers and child modules, with PyTorch's state-dict naming:
 * keys are dotted paths, and the order is own parameters, own buffers, then each child in registration order
 * (the order `torch.nn.Module.state_dict()` produces when modules register in the official order).
 * Forward code reads weights through `param(name)`/`buffer(name)`, so `loadStateDict` can swap tensors in.
 */
export class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, { tensor: Tensor; persistent: boolean }>();
  private readonly ownChildren = new Map<string, Module>();
  /** True while training (dropout/drop-path active); inference by default. */
  training = false;

  protected registerParameter(name: string, tensor: Tensor): Tensor {
    this.assertFreeName(name);
    this.ownParams.set(name, tensor);
    return tensor;
  }

  protected registerBuffer(name: string, tensor: Tensor, persistent = true): Tensor {
    this.assertFreeName(name);
    this.ownBuffers.set(name, { tensor, persistent });
    return tensor;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.assertFreeName(name);
    this.ownChildren.set(name, module);
    return module;
  }

  private assertFreeName(name: string): void {
    if (!name || name.includes('.')) throw new ArgumentError(`Module: invalid member name '${name}'`);
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.ownChildren.has(name)) {
      throw new ArgumentError(`Module: '${name}' is already registered`);
    }
  }

  /** An own parameter by name. */
  param(name: string): Tensor {
    const t = this.ownParams.get(name);
    if (!t) throw new ArgumentError(`${this.constructor.name}: no parameter '${name}'`);
    return t;
  }

  hasParam(name: string): boolean {
    return this.ownParams.has(name);
  }

  /** An own buffer by name. */
  buffer(name: string): Tensor {
    const b = this.ownBuffers.get(name);
    if (!b) throw new ArgumentError(`${this.constructor.name}: no buffer '${name}'`);
    return b.tensor;
  }

  /** An own child module by name. */
  child<M extends Module = Module>(name: string): M {
    const m = this.ownChildren.get(name);
    if (!m) throw new ArgumentError(`${this.constructor.name}: no submodule '${name}'`);
    return m as M;
  }

  /** Direct children in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.ownChildren];
  }

  /** Every parameter, recursively, with dotted names, in state-dict order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.ownParams) out.push([prefix + n, t]);
    for (const [n, m] of this.ownChildren) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every module, recursively (this one first, named by `prefix` without the trailing dot). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.ownChildren) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /** Parameters and persistent buffers with official names, in PyTorch's state_dict order. */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.collectState(prefix, out);
    return out;
  }

  private collectState(prefix: string, out: Map<string, Tensor>): void {
    for (const [n, t] of this.ownParams) out.set(prefix + n, t);
    for (const [n, b] of this.ownBuffers) if (b.persistent) out.set(prefix + n, b.tensor);
    for (const [n, m] of this.ownChildren) m.collectState(`${prefix}${n}.`, out);
  }

  /** (name, shape) pairs of the state dict, for strict matching and for `vssm info`. */
  stateDictShapes(): [string, number[]][] {
    return [...this.stateDict()].map(([k, t]) => [k, t.shape.slice()]);
  }

  /** Total number of parameter elements (buffers excluded). */
  parameterCount(): number {
    let n = 0;
    for (const [, t] of this.namedParameters()) n += t.size;
    return n;
  }

  /**
   * Replaces parameters and persistent buffers from a name → tensor map. Strict (default): every key present,
   * no extra keys, every shape equal, else one StateDictError listing all problems. Non-strict: loads what
   * matches by name and shape and returns the report.
   */
  loadStateDict(
    state: Map<string, Tensor> | Record<string, Tensor>,
    options: { strict?: boolean } = {},
  ): StateDictMatch {
    const strict = options.strict ?? true;
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    const slots = new Map<string, { owner: Module; name: string; kind: 'param' | 'buffer' }>();
    for (const [path, m] of this.namedModules()) {
      const p = path ? `${path}.` : '';
      for (const n of m.ownParams.keys()) slots.set(p + n, { owner: m, name: n, kind: 'param' });
      for (const [n, b] of m.ownBuffers) if (b.persistent) slots.set(p + n, { owner: m, name: n, kind: 'buffer' });
    }
    const expected = [...slots].map(([k, slot]): [string, readonly number[]] => [k, slot.owner.slotTensor(slot.name, slot.kind).shape]);
    const report = matchStateDict(incoming, expected, { strict });
    const { mismatched } = report;
    const bad = new Set(mismatched.map((m) => m.key));
    for (const [k, slot] of slots) {
      const t = incoming.get(k);
      if (!t || bad.has(k)) continue;
      if (!(t instanceof Tensor)) throw new ArgumentError(`loadStateDict: '${k}' is not a Tensor`);
      const value = t.contiguous();
      if (slot.kind === 'param') slot.owner.ownParams.set(slot.name, value);
      else slot.owner.ownBuffers.get(slot.name)!.tensor = value;
    }
    return report;
  }

  private slotTensor(name: string, kind: 'param' | 'buffer'): Tensor {
    return kind === 'param' ? this.ownParams.get(name)! : this.ownBuffers.get(name)!.tensor;
  }

  /** Sets training mode on this module and every descendant. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}
