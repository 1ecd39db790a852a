/**
 * First-fit allocator over the heap of a WebAssembly memory, growing the memory when nothing fits.
 * Blocks are 16-byte aligned (enough for v128); freed blocks are coalesced with their neighbours.
 */
export class Allocator {
  private readonly free: Array<{ ptr: number; size: number }> = [];
  private readonly used = new Map<number, number>();
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    private readonly maxBytes: number,
  ) {
    this.top = base;
  }

  /** Bytes currently allocated. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  /** Returns the address of `bytes` fresh (not zeroed) bytes, 16-byte aligned. Throws RangeError past the maximum. */
  alloc(bytes: number): number {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.used.set(ptr, size);
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.used.set(ptr, size);
    return ptr;
  }

  /** Releases a block returned by alloc (a no-op for 0). */
  release(ptr: number): void {
    if (ptr === 0) return;
    const size = this.used.get(ptr);
    if (size === undefined) throw new RangeError(`Allocator.release: ${ptr} is not an allocated block`);
    this.used.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // the block below the new top may be free too
      const last = this.free[this.free.length - 1];
      if (last && last.ptr + last.size === this.top) {
        this.top = last.ptr;
        this.free.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, size });
    const next = this.free[i + 1];
    if (next && ptr + size === next.ptr) {
      this.free[i].size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free[i].size;
      this.free.splice(i, 1);
    }
  }

  private ensure(end: number): void {
    if (end > this.maxBytes) {
      throw new RangeError(`WebAssembly memory limit: ${end} bytes needed, at most ${this.maxBytes} available`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // grow at least 1/8 of the current size to keep the number of grow calls small
    const needPages = Math.ceil((end - have) / 65536);
    const extraPages = Math.max(needPages, Math.ceil(have / 65536 / 8));
    const maxPages = Math.floor(this.maxBytes / 65536);
    const pages = Math.min(extraPages, maxPages - have / 65536);
    this.memory.grow(Math.max(pages, needPages));
  }
}
