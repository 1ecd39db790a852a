import type { Tensor } from '../tensor.js';

/** A Python global allowed as a plain value, such as `torch.float16` or a class used as an argument. */
export class PickleGlobal {
  readonly module: string;
  readonly name: string;
  constructor(module: string, name: string) {
    this.module = module;
    this.name = name;
  }
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
  toString(): string {
    return this.qualname;
  }
}

/**
 * An allow-listed Python object kept as inert data (e.g. `argparse.Namespace`, `torch.device`): its class,
 * the arguments it was constructed with and the state set on it. Nothing of it is executed.
 */
export class PickleObject {
  readonly className: string;
  readonly args: PickleValue[];
  state: PickleValue | undefined;
  constructor(className: string, args: PickleValue[], state?: PickleValue) {
    this.className = className;
    this.args = args;
    this.state = state;
  }
}

/**
 * A value of an unpickled checkpoint. dict → Map (insertion order, any key), list and tuple → Array,
 * set → Set, bytes → Uint8Array, int → number (bigint beyond ±2^53), None → null, tensors → `Tensor`.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Tensor
  | PickleGlobal
  | PickleObject
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>;
