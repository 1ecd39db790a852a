/// <reference types="@webgpu/types" />

/**
 * Reuses GPU buffers by (usage, size): a released buffer goes back to a free list and is handed out again for the
 * same size. Queue order makes reuse safe once the work that used a buffer has been submitted. `destroyAll` frees
 * everything, handed out or not; `live` counts buffers that exist, `inUse` those not yet released.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly owner = new Map<GPUBuffer, string>();
  private handedOut = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number, usage: number, label = 'vssm-scan'): GPUBuffer {
    const size = Math.max(256, Math.ceil(bytes / 256) * 256);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    const buffer = list?.pop() ?? this.device.createBuffer({ size, usage, label });
    this.owner.set(buffer, key);
    this.handedOut++;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const key = this.owner.get(buffer);
    if (key === undefined) return;
    const list = this.free.get(key) ?? [];
    if (list.includes(buffer)) return;
    list.push(buffer);
    this.free.set(key, list);
    this.handedOut--;
  }

  /** Destroys the free buffers (handed-out ones stay valid). */
  trim(): void {
    for (const [key, list] of this.free) {
      for (const b of list) {
        b.destroy();
        this.owner.delete(b);
      }
      this.free.delete(key);
    }
  }

  destroyAll(): void {
    for (const b of this.owner.keys()) b.destroy();
    this.owner.clear();
    this.free.clear();
    this.handedOut = 0;
  }

  get live(): number {
    return this.owner.size;
  }

  get inUse(): number {
    return this.handedOut;
  }
}
