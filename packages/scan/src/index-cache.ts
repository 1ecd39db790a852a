import { ArgumentError } from '@vssm/core';

export interface CacheLimits {
  /** Most maps kept (default 256). */
  maxEntries: number;
  /** Most Int32 entries kept over all maps (default 2^24, i.e. 64 MiB). */
  maxIndices: number;
}

export interface CacheInfo extends CacheLimits {
  entries: number;
  indices: number;
  hits: number;
  misses: number;
}

/**
 * A least-recently-used cache of index maps, bounded both by entry count and by the total number of indices it
 * holds. A map larger than the whole index budget is returned to its caller but not stored.
 */
export class IndexCache<V> {
  private readonly map = new Map<string, { value: V; size: number }>();
  private limits: CacheLimits = { maxEntries: 256, maxIndices: 1 << 24 };
  private indices = 0;
  private hits = 0;
  private misses = 0;

  /** The cached value for `key`, or the one `build` makes (then stored, evicting the least recently used). */
  getOrBuild(key: string, build: () => V, sizeOf: (v: V) => number): V {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.map.delete(key);
      this.map.set(key, hit);
      return hit.value;
    }
    this.misses++;
    const value = build();
    const size = sizeOf(value);
    if (size <= this.limits.maxIndices && this.limits.maxEntries > 0) {
      this.map.set(key, { value, size });
      this.indices += size;
      this.evict();
    }
    return value;
  }

  /** Drops every entry whose key satisfies `predicate`. */
  deleteWhere(predicate: (key: string) => boolean): void {
    for (const [key, entry] of this.map) {
      if (predicate(key)) {
        this.map.delete(key);
        this.indices -= entry.size;
      }
    }
  }

  clear(): void {
    this.map.clear();
    this.indices = 0;
    this.hits = 0;
    this.misses = 0;
  }

  setLimits(limits: Partial<CacheLimits>): void {
    const next = { ...this.limits, ...limits };
    for (const [k, v] of Object.entries(next)) {
      if (!Number.isSafeInteger(v) || v < 0)
        throw new ArgumentError(`configureScanIndexCache: ${k} must be a non-negative integer, got ${v}`);
    }
    this.limits = next;
    this.evict();
  }

  info(): CacheInfo {
    return { ...this.limits, entries: this.map.size, indices: this.indices, hits: this.hits, misses: this.misses };
  }

  private evict(): void {
    for (const [key, entry] of this.map) {
      if (this.map.size <= this.limits.maxEntries && this.indices <= this.limits.maxIndices) break;
      this.map.delete(key);
      this.indices -= entry.size;
    }
  }
}
