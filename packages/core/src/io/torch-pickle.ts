import { UnsafePickleError, WeightFileError } from '../errors.js';
import { formatShape } from '../shape.js';
import { describePickleValue, type PickleHooks } from './pickle.js';
import { PickleGlobal, PickleObject, type PickleValue } from './pickle-values.js';
import { TORCH_DTYPE_BYTES, TORCH_STORAGE_DTYPES, TorchStorageType, type TorchStorageRef, TorchTensorRef } from './torch-types.js';
import type { ZipArchive } from './zip.js';

/**
 * The allow-list for `torch.save` pickles and what each allowed global does. Everything here builds inert
 * data; no name outside this list can be resolved, so a checkpoint cannot run code.
 */

export interface TorchPickleContext {
  file: string;
  archive: ZipArchive;
  /** Entry-name prefix of the records, e.g. `archive/`. */
  prefix: string;
  maxTensorElements: number;
  /** Every tensor reference created, in pickle order. */
  tensors: TorchTensorRef[];
}

/** A global the reader resolves: how REDUCE (`call`) and NEWOBJ (`construct`) treat it, when they may. */
class AllowedGlobal extends PickleGlobal {
  readonly call?: (args: unknown[]) => unknown;
  readonly construct?: (args: unknown[]) => unknown;
  constructor(qualname: string, behaviour: { call?: (args: unknown[]) => unknown; construct?: (args: unknown[]) => unknown } = {}) {
    const dot = qualname.lastIndexOf('.');
    super(qualname.slice(0, dot), qualname.slice(dot + 1));
    this.call = behaviour.call;
    this.construct = behaviour.construct;
  }
}

/** numpy dtype, as far as decoding a pickled numpy scalar needs. */
class NumpyDType {
  readonly descr: string;
  byteorder = '=';
  constructor(descr: string) {
    this.descr = descr;
  }
}

/** Torch dtype objects (pickled as plain globals such as `torch.float16`). */
const TORCH_DTYPE_NAMES = [
  'float64',
  'float32',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
  'double',
  'float',
  'half',
  'long',
  'int',
  'short',
  'complex64',
  'complex128',
];

const MODULE_ALIASES: Record<string, string> = {
  __builtin__: 'builtins',
  'numpy.core.multiarray': 'numpy._core.multiarray',
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

export function torchPickleHooks(ctx: TorchPickleContext): PickleHooks {
  const { file } = ctx;
  const fail = (problem: string): never => {
    throw new WeightFileError(file, problem);
  };
  const storages = new Map<string, TorchStorageRef>();

  const rebuildTensor = (args: unknown[], isParameter = false): TorchTensorRef => {
    if (args.length < 6 || args.length > 7) fail(`torch._utils._rebuild_tensor_v2 expects 6 or 7 arguments, got ${args.length}`);
    const [storage, offset, size, stride, requiresGrad] = args;
    if (typeof storage !== 'object' || storage === null || !('entry' in storage)) {
      fail(`_rebuild_tensor_v2: first argument is ${describePickleValue(storage)}, not a storage`);
    }
    const st = storage as TorchStorageRef;
    if (!isInt(offset) || offset < 0) fail(`_rebuild_tensor_v2: invalid storage offset ${describePickleValue(offset)}`);
    if (!Array.isArray(size) || !size.every((d) => isInt(d) && d >= 0))
      fail(`_rebuild_tensor_v2: invalid size ${describePickleValue(size)}`);
    if (!Array.isArray(stride) || stride.length !== (size as unknown[]).length || !stride.every((d) => isInt(d) && d >= 0)) {
      fail(`_rebuild_tensor_v2: invalid stride ${describePickleValue(stride)} for size ${formatShape(size as number[])}`);
    }
    const shape = size as number[];
    const strides = stride as number[];
    const ref = new TorchTensorRef(st, offset as number, shape.slice(), strides.slice(), requiresGrad === true, isParameter);
    const numel = ref.numel;
    if (numel > ctx.maxTensorElements) {
      fail(`tensor of shape ${formatShape(shape)} has ${numel} elements, more than the limit of ${ctx.maxTensorElements}`);
    }
    let last = ref.storageOffset;
    for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * strides[i];
    const needed = numel === 0 ? ref.storageOffset : last + 1;
    if (needed > st.numel) {
      fail(
        `tensor of shape ${formatShape(shape)}, stride ${formatShape(strides)} and storage offset ${ref.storageOffset} ` +
          `needs ${needed} elements but storage '${st.key}' holds ${st.numel}`,
      );
    }
    ctx.tensors.push(ref);
    return ref;
  };

  const asTensor = (v: unknown, fn: string): TorchTensorRef => {
    if (!(v instanceof TorchTensorRef)) fail(`${fn}: expected a tensor, got ${describePickleValue(v)}`);
    return v as TorchTensorRef;
  };
  const asParameter = (t: TorchTensorRef, requiresGrad: unknown): TorchTensorRef => {
    t.isParameter = true;
    t.requiresGrad = requiresGrad === true;
    return t;
  };

  const pairsToMap = (items: unknown, fn: string): Map<unknown, unknown> => {
    const map = new Map<unknown, unknown>();
    if (items === undefined) return map;
    if (!Array.isArray(items)) fail(`${fn}: expected a list of pairs, got ${describePickleValue(items)}`);
    for (const pair of items as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) fail(`${fn}: expected (key, value) pairs, got ${describePickleValue(pair)}`);
      map.set((pair as unknown[])[0], (pair as unknown[])[1]);
    }
    return map;
  };

  const toBytes = (args: unknown[], fn: string): Uint8Array => {
    const [text, encoding = 'latin1'] = args;
    if (text instanceof Uint8Array) return text.slice();
    if (typeof text !== 'string') fail(`${fn}: expected a string, got ${describePickleValue(text)}`);
    const s = text as string;
    if (encoding === 'utf-8' || encoding === 'utf8') return new TextEncoder().encode(s);
    if (encoding !== 'latin1' && encoding !== 'latin-1') fail(`${fn}: unsupported encoding ${describePickleValue(encoding)}`);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) fail(`${fn}: character U+${c.toString(16)} does not fit latin-1`);
      out[i] = c;
    }
    return out;
  };

  const numpyScalar = (args: unknown[]): number | bigint | boolean => {
    const [dtype, data] = args;
    if (!(dtype instanceof NumpyDType) || !(data instanceof Uint8Array)) fail('numpy scalar: expected (dtype, bytes)');
    const dt = dtype as NumpyDType;
    const bytes = data as Uint8Array;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = dt.byteorder !== '>';
    const sizes: Record<string, number> = { f8: 8, f4: 4, f2: 2, i8: 8, i4: 4, i2: 2, i1: 1, u8: 8, u4: 4, u2: 2, u1: 1, b1: 1 };
    const size = sizes[dt.descr];
    if (size === undefined) fail(`numpy scalar of dtype '${dt.descr}' is not supported`);
    if (bytes.byteLength !== size) fail(`numpy scalar of dtype '${dt.descr}' has ${bytes.byteLength} bytes, expected ${size}`);
    const small = (v: bigint): number | bigint =>
      v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    switch (dt.descr) {
      case 'f8':
        return view.getFloat64(0, le);
      case 'f4':
        return view.getFloat32(0, le);
      case 'f2': {
        const h = view.getUint16(0, le);
        const exp = (h >> 10) & 0x1f;
        const frac = h & 0x3ff;
        const sign = h & 0x8000 ? -1 : 1;
        if (exp === 0) return sign * frac * 2 ** -24;
        if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
        return sign * (1 + frac / 1024) * 2 ** (exp - 15);
      }
      case 'i8':
        return small(view.getBigInt64(0, le));
      case 'u8':
        return small(view.getBigUint64(0, le));
      case 'i4':
        return view.getInt32(0, le);
      case 'u4':
        return view.getUint32(0, le);
      case 'i2':
        return view.getInt16(0, le);
      case 'u2':
        return view.getUint16(0, le);
      case 'i1':
        return view.getInt8(0);
      case 'u1':
        return view.getUint8(0);
      default:
        return view.getUint8(0) !== 0;
    }
  };

  const table = new Map<string, AllowedGlobal>();
  const allow = (qualname: string, behaviour?: ConstructorParameters<typeof AllowedGlobal>[1]): void => {
    table.set(qualname, new AllowedGlobal(qualname, behaviour));
  };

  allow('collections.OrderedDict', {
    call: (args) => pairsToMap(args[0], 'OrderedDict'),
    construct: () => new Map(),
  });
  allow('torch._utils._rebuild_tensor_v2', { call: (args) => rebuildTensor(args) });
  allow('torch._utils._rebuild_parameter', {
    call: (args) => asParameter(asTensor(args[0], '_rebuild_parameter'), args[1]),
  });
  allow('torch._utils._rebuild_parameter_with_state', {
    call: (args) => asParameter(asTensor(args[0], '_rebuild_parameter_with_state'), args[1]),
  });
  allow('torch._tensor._rebuild_from_type_v2', {
    call: (args) => {
      const [fn, type, fnArgs] = args;
      const typeName = type instanceof PickleGlobal ? type.qualname : '';
      if (!['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter'].includes(typeName)) {
        fail(`_rebuild_from_type_v2: tensor subclass ${describePickleValue(type)} is not supported`);
      }
      if (!(fn instanceof AllowedGlobal) || !fn.call || !Array.isArray(fnArgs)) fail('_rebuild_from_type_v2: malformed arguments');
      const tensor = asTensor((fn as AllowedGlobal).call!(fnArgs as unknown[]), '_rebuild_from_type_v2');
      return typeName.endsWith('Parameter') ? asParameter(tensor, tensor.requiresGrad) : tensor;
    },
  });
  for (const name of ['torch.Tensor', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter']) allow(name);
  allow('torch.Size', { call: (args) => (Array.isArray(args[0]) ? (args[0] as unknown[]).slice() : fail('torch.Size: expected a tuple')) });
  allow('torch.device', { call: (args) => new PickleObject('torch.device', args as PickleValue[]) });
  for (const name of TORCH_DTYPE_NAMES) allow(`torch.${name}`);
  allow('argparse.Namespace', { construct: (args) => new PickleObject('argparse.Namespace', args as PickleValue[]) });
  allow('builtins.set', { call: (args) => new Set((args[0] as unknown[] | undefined) ?? []) });
  allow('builtins.frozenset', { call: (args) => new Set((args[0] as unknown[] | undefined) ?? []) });
  allow('builtins.bytearray', { call: (args) => (args.length ? toBytes(args, 'bytearray') : new Uint8Array(0)) });
  allow('builtins.bytes', { call: (args) => (args.length ? toBytes(args, 'bytes') : new Uint8Array(0)) });
  allow('_codecs.encode', { call: (args) => toBytes(args, '_codecs.encode') });
  allow('numpy.dtype', {
    call: (args) =>
      typeof args[0] === 'string' ? new NumpyDType(args[0]) : fail(`numpy.dtype: unsupported descriptor ${describePickleValue(args[0])}`),
  });
  allow('numpy._core.multiarray.scalar', { call: numpyScalar });

  const storageTypes = new Map<string, TorchStorageType>();
  for (const [name, dtype] of Object.entries(TORCH_STORAGE_DTYPES)) {
    for (const module of ['torch', 'torch.cuda']) storageTypes.set(`${module}.${name}`, new TorchStorageType(`${module}.${name}`, dtype));
  }

  return {
    global(module, name) {
      const qualname = `${MODULE_ALIASES[module] ?? module}.${name}`;
      const allowed = table.get(qualname) ?? storageTypes.get(qualname);
      if (allowed) return allowed;
      if ((module === 'torch' || module === 'torch.cuda') && name.endsWith('Storage')) {
        fail(`storage type ${module}.${name} is not supported (supported: ${Object.keys(TORCH_STORAGE_DTYPES).join(', ')})`);
      }
      throw new UnsafePickleError(file, `${module}.${name}`);
    },
    reduce(callable, args) {
      if (callable instanceof AllowedGlobal && callable.call) return callable.call(args);
      return fail(
        `pickle calls ${describePickleValue(callable)}${callable instanceof PickleGlobal ? ` (${callable.qualname})` : ''}, which is not callable here`,
      );
    },
    newObject(cls, args) {
      if (cls instanceof AllowedGlobal && cls.construct) return cls.construct(args);
      return fail(
        `pickle constructs ${cls instanceof PickleGlobal ? cls.qualname : describePickleValue(cls)} with NEWOBJ, which is not supported`,
      );
    },
    build(obj, state) {
      if (obj instanceof PickleObject) {
        obj.state = state as PickleValue;
        return obj;
      }
      // Instance attributes of a dict subclass, e.g. a state dict's `_metadata` (module versions): not kept.
      if (obj instanceof Map && (state instanceof Map || state === null)) return obj;
      if (obj instanceof NumpyDType && Array.isArray(state)) {
        if (typeof state[1] === 'string') obj.byteorder = state[1];
        return obj;
      }
      return fail(`pickle sets state on ${describePickleValue(obj)}, which is not supported`);
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length !== 5) {
        fail(`unsupported persistent id ${describePickleValue(pid)}; expected ('storage', type, key, location, numel)`);
      }
      const [, type, key, location, numel] = pid as unknown[];
      if (!(type instanceof TorchStorageType)) fail(`persistent id names ${describePickleValue(type)}, not a storage type`);
      if (typeof key !== 'string' || typeof location !== 'string' || !isInt(numel) || (numel as number) < 0) {
        fail(`malformed storage persistent id (key ${describePickleValue(key)}, numel ${describePickleValue(numel)})`);
      }
      const dtype = (type as TorchStorageType).dtype;
      const seen = storages.get(key as string);
      if (seen) {
        if (seen.dtype !== dtype) fail(`storage '${key}' is used as both ${seen.dtype} and ${dtype}`);
        return seen;
      }
      const entryName = `${ctx.prefix}data/${key}`;
      const entry = ctx.archive.get(entryName);
      if (!entry) fail(`storage '${key}' (${entryName}) is missing from the archive`);
      const bytes = (numel as number) * TORCH_DTYPE_BYTES[dtype];
      if (entry!.uncompressedSize !== bytes) {
        fail(
          `storage '${key}' should hold ${numel} ${dtype} elements (${bytes} bytes) but ${entryName} has ${entry!.uncompressedSize} bytes; the archive is corrupt`,
        );
      }
      const ref: TorchStorageRef = { key: key as string, dtype, numel: numel as number, location: location as string, entry: entry! };
      storages.set(ref.key, ref);
      return ref;
    },
  };
}
