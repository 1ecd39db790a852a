import { UnsafePickleError, WeightFileError } from '../errors.js';

/**
 * A restricted pickle virtual machine (protocols 0–5, the opcodes that data pickles use). It never imports or
 * calls anything by itself: every GLOBAL goes through `hooks.global`, every REDUCE/NEWOBJ/BUILD through the
 * matching hook, so what a pickle can construct is exactly what the hooks allow. It is iterative (no recursion)
 * and bounded by `PickleLimits`, so hostile input fails fast with a typed error.
 *
 * Values: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number, str → string,
 * bytes/bytearray → Uint8Array, list and tuple → Array, dict → Map (keeps insertion order and non-string
 * keys), set/frozenset → Set; anything else is whatever the hooks return.
 */

export interface PickleLimits {
  /** Deepest container nesting accepted. */
  maxDepth: number;
  /** Most memo entries. */
  maxMemo: number;
  /** Most values pushed on the stack over the whole run. */
  maxItems: number;
}

export const DEFAULT_PICKLE_LIMITS: Readonly<PickleLimits> = { maxDepth: 1000, maxMemo: 10_000_000, maxItems: 50_000_000 };

export interface PickleHooks {
  /** Resolves GLOBAL / STACK_GLOBAL; must throw `UnsafePickleError` for anything not allowed. */
  global(module: string, name: string): unknown;
  /** REDUCE: `callable(*args)`. */
  reduce(callable: unknown, args: unknown[]): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args)`. */
  newObject(cls: unknown, args: unknown[]): unknown;
  /** BUILD: `obj.__setstate__(state)`; returns the object to leave on the stack. */
  build(obj: unknown, state: unknown): unknown;
  /** BINPERSID / PERSID. */
  persistentLoad(pid: unknown): unknown;
}

export interface UnpickleOptions {
  /** Name used in error messages. */
  file?: string;
  /** Behaviour for globals and object construction (default: plain data only, every global refused). */
  hooks?: Partial<PickleHooks>;
  limits?: Partial<PickleLimits>;
}

/** Describes a value for error messages. */
export function describePickleValue(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return `a list/tuple of ${v.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (v instanceof Set) return `a set of ${v.size}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'unknown'})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function plainHooks(file: string): PickleHooks {
  return {
    global(module, name) {
      throw new UnsafePickleError(file, `${module}.${name}`);
    },
    reduce(callable) {
      throw new WeightFileError(file, `pickle REDUCE on ${describePickleValue(callable)}, which is not callable`);
    },
    newObject(cls) {
      throw new WeightFileError(file, `pickle NEWOBJ on ${describePickleValue(cls)}, which is not a class`);
    },
    build(obj) {
      throw new WeightFileError(file, `pickle BUILD on ${describePickleValue(obj)} is not supported`);
    },
    persistentLoad() {
      throw new WeightFileError(file, 'pickle uses persistent ids, but no persistent loader was given');
    },
  };
}

const OP_NAMES = new Map<number, string>([
  [0x28, 'MARK'],
  [0x2e, 'STOP'],
  [0x30, 'POP'],
  [0x31, 'POP_MARK'],
  [0x32, 'DUP'],
  [0x46, 'FLOAT'],
  [0x49, 'INT'],
  [0x4a, 'BININT'],
  [0x4b, 'BININT1'],
  [0x4c, 'LONG'],
  [0x4d, 'BININT2'],
  [0x4e, 'NONE'],
  [0x50, 'PERSID'],
  [0x51, 'BINPERSID'],
  [0x52, 'REDUCE'],
  [0x53, 'STRING'],
  [0x54, 'BINSTRING'],
  [0x55, 'SHORT_BINSTRING'],
  [0x56, 'UNICODE'],
  [0x58, 'BINUNICODE'],
  [0x61, 'APPEND'],
  [0x62, 'BUILD'],
  [0x63, 'GLOBAL'],
  [0x64, 'DICT'],
  [0x7d, 'EMPTY_DICT'],
  [0x65, 'APPENDS'],
  [0x67, 'GET'],
  [0x68, 'BINGET'],
  [0x69, 'INST'],
  [0x6a, 'LONG_BINGET'],
  [0x6c, 'LIST'],
  [0x5d, 'EMPTY_LIST'],
  [0x6f, 'OBJ'],
  [0x70, 'PUT'],
  [0x71, 'BINPUT'],
  [0x72, 'LONG_BINPUT'],
  [0x73, 'SETITEM'],
  [0x74, 'TUPLE'],
  [0x29, 'EMPTY_TUPLE'],
  [0x75, 'SETITEMS'],
  [0x47, 'BINFLOAT'],
  [0x80, 'PROTO'],
  [0x81, 'NEWOBJ'],
  [0x82, 'EXT1'],
  [0x83, 'EXT2'],
  [0x84, 'EXT4'],
  [0x85, 'TUPLE1'],
  [0x86, 'TUPLE2'],
  [0x87, 'TUPLE3'],
  [0x88, 'NEWTRUE'],
  [0x89, 'NEWFALSE'],
  [0x8a, 'LONG1'],
  [0x8b, 'LONG4'],
  [0x42, 'BINBYTES'],
  [0x43, 'SHORT_BINBYTES'],
  [0x8c, 'SHORT_BINUNICODE'],
  [0x8d, 'BINUNICODE8'],
  [0x8e, 'BINBYTES8'],
  [0x8f, 'EMPTY_SET'],
  [0x90, 'ADDITEMS'],
  [0x91, 'FROZENSET'],
  [0x92, 'NEWOBJ_EX'],
  [0x93, 'STACK_GLOBAL'],
  [0x94, 'MEMOIZE'],
  [0x95, 'FRAME'],
  [0x96, 'BYTEARRAY8'],
  [0x97, 'NEXT_BUFFER'],
  [0x98, 'READONLY_BUFFER'],
]);

/** Longest LONG4 integer accepted, in bytes (a real checkpoint never comes near). */
const MAX_LONG_BYTES = 4096;

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Little-endian two's-complement integer → number when it is exactly representable, else bigint. */
export function decodePickleLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Runs a pickle and returns the value left by STOP. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  const file = options.file ?? '<pickle>';
  const hooks: PickleHooks = { ...plainHooks(file), ...options.hooks };
  const limits: PickleLimits = { ...DEFAULT_PICKLE_LIMITS, ...options.limits };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const heights = new WeakMap<object, number>();
  let pos = 0;
  let opPos = 0;
  let op = 0;
  let pushed = 0;

  const fail = (problem: string): never => {
    throw new WeightFileError(file, `pickle ${OP_NAMES.get(op) ?? `opcode 0x${op.toString(16)}`} at byte ${opPos}: ${problem}`);
  };
  const need = (k: number): void => {
    if (k > n - pos) fail(`needs ${k} more bytes but the pickle ends after ${n - pos}; it is truncated or corrupt`);
  };
  const take = (k: number): Uint8Array => {
    need(k);
    const out = bytes.subarray(pos, pos + k);
    pos += k;
    return out;
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const i32 = (): number => {
    need(4);
    pos += 4;
    return view.getInt32(pos - 4, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(n)) fail(`length ${v} is larger than the whole pickle (${n} bytes)`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('text argument has no terminating newline; the pickle is truncated');
    const s = utf8.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };

  const heightOf = (v: unknown): number => (typeof v === 'object' && v !== null ? (heights.get(v) ?? 0) : 0);
  const raise = (container: object, h: number): void => {
    if (h > limits.maxDepth) fail(`values nest deeper than the limit of ${limits.maxDepth} levels`);
    if (h > (heights.get(container) ?? 0)) heights.set(container, h);
  };
  const newContainer = <T extends object>(c: T, children: Iterable<unknown> = []): T => {
    let h = 1;
    for (const ch of children) h = Math.max(h, heightOf(ch) + 1);
    raise(c, h);
    return c;
  };
  const push = (v: unknown): void => {
    if (++pushed > limits.maxItems) fail(`more than ${limits.maxItems} values; the pickle is too large or hostile`);
    stack.push(v);
  };
  const pop = (): unknown => {
    if (stack.length <= (marks.length ? marks[marks.length - 1] : 0)) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length <= (marks.length ? marks[marks.length - 1] : 0)) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    return stack.splice(m as number);
  };
  const memoPut = (index: number): void => {
    if (!memo.has(index) && memo.size >= limits.maxMemo) fail(`more than ${limits.maxMemo} memo entries`);
    if (stack.length === 0) fail('nothing on the stack to memoize');
    memo.set(index, stack[stack.length - 1]);
  };
  const memoGet = (index: number): void => {
    if (!memo.has(index)) fail(`memo index ${index} does not exist`);
    push(memo.get(index));
  };
  const appendTo = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) fail(`cannot append to ${describePickleValue(target)}`);
    const list = target as unknown[];
    for (const it of items) {
      raise(list, heightOf(it) + 1);
      list.push(it);
    }
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail(`cannot set items on ${describePickleValue(target)}`);
    if (items.length % 2) fail('odd number of items for key/value pairs');
    const map = target as Map<unknown, unknown>;
    for (let i = 0; i < items.length; i += 2) {
      raise(map, Math.max(heightOf(items[i]), heightOf(items[i + 1])) + 1);
      map.set(items[i], items[i + 1]);
    }
  };
  const addItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Set)) fail(`cannot add items to ${describePickleValue(target)}`);
    const set = target as Set<unknown>;
    for (const it of items) {
      raise(set, heightOf(it) + 1);
      set.add(it);
    }
  };
  const asArgs = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) fail(`expected an argument tuple, got ${describePickleValue(v)}`);
    return v as unknown[];
  };
  const inherit = (result: unknown, from: unknown): unknown => {
    if (typeof result === 'object' && result !== null) raise(result, heightOf(from));
    return result;
  };

  while (pos < n) {
    opPos = pos;
    op = bytes[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`protocol ${bytes[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: frames only group opcodes; their content follows inline
        if (u64() > n - pos) fail('frame runs past the end of the pickle');
        break;
      case 0x2e: // STOP
        if (stack.length === 0) fail('empty stack');
        return stack[stack.length - 1];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x8a: // LONG1
        push(decodePickleLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const k = i32();
        if (k < 0 || k > MAX_LONG_BYTES) fail(`integer of ${k} bytes is out of the accepted range (0..${MAX_LONG_BYTES})`);
        push(decodePickleLong(take(k)));
        break;
      }
      case 0x49: {
        // INT (text; "00"/"01" are the protocol-0 booleans)
        const s = line();
        if (s === '00' || s === '01') push(s === '01');
        else if (/^[+-]?\d+$/.test(s)) push(Number.isSafeInteger(Number(s)) ? Number(s) : BigInt(s));
        else fail(`bad integer ${JSON.stringify(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(s)) fail(`bad integer ${JSON.stringify(s)}`);
        push(Number.isSafeInteger(Number(s)) ? Number(s) : BigInt(s));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) fail(`bad float ${JSON.stringify(s)}`);
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8.decode(take(u64())));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str, read as latin-1 text)
        const k = i32();
        if (k < 0) fail(`negative length ${k}`);
        push(latin1.decode(take(k)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT
        push(newContainer(new Map()));
        break;
      case 0x5d: // EMPTY_LIST
        push(newContainer([]));
        break;
      case 0x29: // EMPTY_TUPLE
        push(newContainer([]));
        break;
      case 0x8f: // EMPTY_SET
        push(newContainer(new Set()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const k = op - 0x84;
        if (stack.length - (marks.length ? marks[marks.length - 1] : 0) < k) fail('stack underflow');
        const items = stack.splice(stack.length - k, k);
        push(newContainer(items, items));
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: {
        // LIST
        const items = popMark();
        push(newContainer(items, items));
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        push(newContainer(new Set(items), items));
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        const map = newContainer(new Map());
        setItems(map, items);
        push(map);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        appendTo(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendTo(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        addItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x70: {
        // PUT (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail(`bad memo index ${JSON.stringify(s)}`);
        memoPut(Number(s));
        break;
      }
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET
        memoGet(u8());
        break;
      case 0x6a: // LONG_BINGET
        memoGet(u32());
        break;
      case 0x67: {
        // GET (text)
        const s = line();
        if (!/^\d+$/.test(s)) fail(`bad memo index ${JSON.stringify(s)}`);
        memoGet(Number(s));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        push(hooks.global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        push(hooks.global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = asArgs(pop());
        const callable = pop();
        push(inherit(hooks.reduce(callable, args), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = asArgs(pop());
        const cls = pop();
        push(inherit(hooks.newObject(cls, args), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = asArgs(pop());
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail('keyword arguments to __new__ are not supported');
        push(inherit(hooks.newObject(cls, args), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        push(inherit(hooks.build(obj, state), state));
        break;
      }
      case 0x51: // BINPERSID
        push(hooks.persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        push(hooks.persistentLoad(line()));
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        fail('the copyreg extension registry is not supported');
        break;
      case 0x69: // INST
      case 0x6f: // OBJ
        fail('protocol-0/1 class instantiation is not supported');
        break;
      case 0x53: // STRING
      case 0x56: // UNICODE
        fail('protocol-0 quoted strings are not supported');
        break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        fail('out-of-band buffers are not supported');
        break;
      default:
        fail('unknown opcode; this is not a pickle or it is corrupt');
    }
  }
  throw new WeightFileError(file, `pickle ends at byte ${n} without a STOP opcode; it is truncated or corrupt`);
}
