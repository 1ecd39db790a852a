/** Test helper: a tiny pickle assembler for hand-built inputs (not part of the package). */

export class PickleWriter {
  private readonly out: number[] = [];

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  proto(v = 2): this {
    return this.raw(0x80, v);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(b: boolean): this {
    return this.raw(b ? 0x88 : 0x89);
  }
  int(n: number | bigint): this {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 256) return this.raw(0x4b, n);
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    if (typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31) return this.raw(0x4a, ...this.u32(n >>> 0));
    // LONG1: minimal little-endian two's complement
    let v = BigInt(n);
    const bytes: number[] = [];
    for (;;) {
      const b = Number(v & 0xffn);
      bytes.push(b);
      v >>= 8n;
      if ((v === 0n && !(b & 0x80)) || (v === -1n && b & 0x80)) break;
    }
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  float(x: number): this {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, x, false);
    return this.raw(0x47, ...new Uint8Array(dv.buffer));
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x58, ...this.u32(b.length), ...b);
  }
  shortStr(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.raw(0x8c, b.length, ...b);
  }
  bytes(b: Uint8Array): this {
    return this.raw(0x42, ...this.u32(b.length), ...b);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  stackGlobal(module: string, name: string): this {
    return this.shortStr(module).shortStr(name).raw(0x93);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tupleN(n: 1 | 2 | 3): this {
    return this.raw(0x84 + n);
  }
  list(): this {
    return this.raw(0x6c);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  binput(i: number): this {
    return i < 256 ? this.raw(0x71, i) : this.raw(0x72, ...this.u32(i));
  }
  binget(i: number): this {
    return i < 256 ? this.raw(0x68, i) : this.raw(0x6a, ...this.u32(i));
  }
  memoize(): this {
    return this.raw(0x94);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  /** `OrderedDict()` */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }
  /** A `torch._utils._rebuild_tensor_v2` call on a persistent storage, as torch.save writes it. */
  tensor(t: {
    key: string;
    storageType?: string;
    numel: number;
    offset?: number;
    size: number[];
    stride?: number[];
    location?: string;
  }): this {
    const size = t.size;
    const stride = t.stride ?? contiguousStrides(size);
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark()
      .str('storage')
      .global('torch', t.storageType ?? 'FloatStorage')
      .str(t.key)
      .str(t.location ?? 'cpu')
      .int(t.numel)
      .tuple()
      .binpersid();
    this.int(t.offset ?? 0);
    this.mark();
    for (const d of size) this.int(d);
    this.tuple().mark();
    for (const s of stride) this.int(s);
    this.tuple().bool(false).orderedDict().tuple().reduce();
    return this;
  }
  bytesOut(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export function contiguousStrides(shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/** JS values that `encodePickle` understands (a subset of what unpickle returns). */
export type Plain = null | boolean | number | bigint | string | Uint8Array | Plain[] | Map<string | number, Plain>;

/** Serialises a plain JS value as a protocol-2 pickle, memoizing containers like Python does. */
export function encodePickle(value: Plain): Uint8Array {
  const w = new PickleWriter().proto(2);
  let memo = 0;
  const enc = (v: Plain): void => {
    if (v === null) w.none();
    else if (typeof v === 'boolean') w.bool(v);
    else if (typeof v === 'bigint') w.int(v);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) w.int(v);
      else w.float(v);
    } else if (typeof v === 'string') w.str(v).binput(memo++);
    else if (v instanceof Uint8Array) w.bytes(v);
    else if (Array.isArray(v)) {
      w.emptyList().binput(memo++);
      if (v.length) {
        w.mark();
        for (const x of v) enc(x);
        w.appends();
      }
    } else {
      w.emptyDict().binput(memo++);
      if (v.size) {
        w.mark();
        for (const [k, x] of v) {
          enc(k);
          enc(x);
        }
        w.setitems();
      }
    }
  };
  enc(value);
  return w.stop().bytesOut();
}
