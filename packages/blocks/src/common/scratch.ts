/**
 * Reusable Float32Array buffers for the large temporaries of a forward pass (the stacked (B, K, E, L) scan inputs,
 * merged direction outputs): every layer of a model needs the same few sizes, and allocating them anew each time
 * costs page faults and, above all, major garbage collections (V8 collects after every few tens of MB of new
 * ArrayBuffers).
 *
 * Ownership is explicit: `acquire` hands out a buffer nobody else holds, and the caller gives it back with
 * `release` once nothing reads it any more (typically right after the op or the selective scan that consumed it
 * returned — every op returns a new tensor, so no result aliases its input). A buffer that is never released is
 * simply garbage collected. Concurrent forwards are safe: a buffer is in one caller's hands at a time.
 */
import { Tensor } from '@vssm/core';
import { isResident } from '@vssm/ops';

const MAX_FREE_PER_SIZE = 4;
const MAX_FREE_BYTES = 256 * 2 ** 20;

const free = new Map<number, Float32Array[]>();
let freeBytes = 0;

/** A buffer of exactly `length` floats, contents undefined (zero-filled when `zero` is set). */
export function acquire(length: number, zero = false): Float32Array {
  const list = free.get(length);
  const buf = list?.pop();
  if (!buf) return new Float32Array(length);
  freeBytes -= buf.byteLength;
  if (zero) buf.fill(0);
  return buf;
}

/**
 * Gives a buffer back for reuse. The caller must not touch it afterwards. Only plain arrays that own their whole
 * ArrayBuffer are pooled: views (of WebAssembly memory inside `withScratch`, of a shared buffer, of a larger
 * array) are ignored.
 */
export function release(buf: Float32Array): void {
  if (!(buf.buffer instanceof ArrayBuffer) || buf.byteOffset !== 0 || buf.length !== buf.buffer.byteLength / 4) return;
  if (isResident(Tensor.fromData(buf, [buf.length]))) return; // WebAssembly memory (unshared runtime)
  if (freeBytes + buf.byteLength > MAX_FREE_BYTES) return;
  let list = free.get(buf.length);
  if (!list) {
    list = [];
    free.set(buf.length, list);
  }
  if (list.length >= MAX_FREE_PER_SIZE || list.includes(buf)) return;
  list.push(buf);
  freeBytes += buf.byteLength;
}

/** Empties the pool (for tests and memory-sensitive callers). */
export function clearScratch(): void {
  free.clear();
  freeBytes = 0;
}

/** Bytes held by the pool now. */
export function scratchBytes(): number {
  return freeBytes;
}
