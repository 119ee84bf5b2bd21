/**
 * A Map without V8's limit of 2^24 entries ("Map maximum size exceeded"): when the current Map holds
 * `limit` entries it is kept aside and a new one started. `pack` remembers every node of an image's
 * views it packs again, and an image can hold far more nodes than that. Values must not be undefined
 * (undefined means absent). A lookup that misses asks each full Map: one per 8M entries.
 */
export class BigMap<K, V> {
  private readonly full: Map<K, V>[] = [];
  private current = new Map<K, V>();

  constructor(private readonly limit = 2 ** 23) {}

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined || this.full.length === 0) return value;
    for (const map of this.full) {
      const found = map.get(key);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Records `key`, which must not be present yet. */
  set(key: K, value: V): void {
    if (this.current.size === this.limit) {
      this.full.push(this.current);
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  clear(): void {
    this.full.length = 0;
    this.current.clear();
  }
}
