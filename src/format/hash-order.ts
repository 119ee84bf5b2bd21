import { BUCKET_WORDS } from './hash.js';

/**
 * The entries of a hash index (FORMAT.md §5) ordered by stored hash, for `verify`: it compares keys
 * only within a group of one hash, and finds a hash's group by binary search. A radix sort (four
 * passes of 8 bits) makes the order in linear time whatever the hashes, so an index built from
 * colliding keys costs O(n log n) to check, where a probe per key would cost O(n²).
 *
 * Built from buckets that may not have been checked yet (a delta's base): a bucket naming an entry
 * past `count` is left out, and at most `count` entries are taken.
 */
export class HashOrder {
  /** Stored hashes, ascending, and the entry (0-based) of each. */
  readonly hashes: Uint32Array;
  readonly entries: Uint32Array;

  constructor(words: Uint32Array, buckets: number, capacity: number, count: number) {
    let hashes = new Uint32Array(count);
    let entries = new Uint32Array(count);
    let n = 0;
    for (let b = 0; b < capacity && n < count; b++) {
      const entry = words[buckets + BUCKET_WORDS * b + 1]!;
      if (entry === 0 || entry > count) continue;
      hashes[n] = words[buckets + BUCKET_WORDS * b]!;
      entries[n++] = entry - 1;
    }
    hashes = hashes.subarray(0, n);
    entries = entries.subarray(0, n);
    let spareHashes = new Uint32Array(n);
    let spareEntries = new Uint32Array(n);
    const counts = new Uint32Array(257);
    for (let shift = 0; shift < 32; shift += 8) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[((hashes[i]! >>> shift) & 0xff) + 1]!++;
      for (let d = 0; d < 256; d++) counts[d + 1]! += counts[d]!;
      for (let i = 0; i < n; i++) {
        const at = counts[(hashes[i]! >>> shift) & 0xff]!++;
        spareHashes[at] = hashes[i]!;
        spareEntries[at] = entries[i]!;
      }
      [hashes, spareHashes] = [spareHashes, hashes];
      [entries, spareEntries] = [spareEntries, entries];
    }
    this.hashes = hashes;
    this.entries = entries;
  }

  /** The positions [from, to) of the entries with stored hash `hash`. */
  group(hash: number): [from: number, to: number] {
    const from = this.bound(hash);
    return [from, hash === 0xffffffff ? this.hashes.length : this.bound(hash + 1)];
  }

  /** The first position whose hash is `hash` or more. */
  private bound(hash: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
