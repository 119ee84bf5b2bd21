import { FNV_OFFSET, FNV_PRIME, fmix32 } from './hash.js';

/**
 * The writer's cache of strings already written, by address: a string found in it is not stored again.
 * Direct-mapped on the format's own string hash and bounded: a string takes the slot of its hash, and
 * evicts whatever was there. Strings that repeat often (tags, enum values, keys) stay in it; unique ones
 * (names, ids) only pass through. An unbounded table of every distinct string was a third of `pack`'s
 * time on a Map of a million records — cache misses in a table far larger than the CPU's caches, for
 * strings that never repeat — and a V8 Map bounded the same way costs a second hash of every string
 * (V8's own), where this one shares the format's hash with the Map key that needs it.
 */
export class InternCache {
  private readonly strings: (string | undefined)[];
  /** Each slot's string's hash: a slot holding another string is told so without touching it. */
  private readonly hashes: Uint32Array;
  private readonly addresses: Float64Array;
  private readonly mask: number;

  /** A cache of at most `limit` strings (rounded down to a power of two); 0 stores none. */
  constructor(private readonly limit: number) {
    const size = limit === 0 ? 1 : 2 ** Math.floor(Math.log2(limit));
    this.strings = new Array(size).fill(undefined);
    this.hashes = new Uint32Array(size);
    this.addresses = new Float64Array(size);
    this.mask = size - 1;
  }

  /** The address `s` (whose hash is `hash`) was written at, or -1. */
  find(s: string, hash: number): number {
    const i = hash & this.mask;
    return this.hashes[i] === hash && this.strings[i] === s ? this.addresses[i]! : -1;
  }

  /** Records that `s` (whose hash is `hash`) was written at `address`. */
  add(s: string, hash: number, address: number): void {
    if (this.limit === 0) return;
    const i = hash & this.mask;
    this.strings[i] = s;
    this.hashes[i] = hash;
    this.addresses[i] = address;
  }
}

/** `hashString(s)`, and whether every code unit of `s` is below 0x80, in one pass. */
export function hashAndAscii(s: string): { hash: number; ascii: boolean } {
  let h = FNV_OFFSET;
  let high = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    high |= c;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return { hash: fmix32(h), ascii: high < 0x80 };
}
