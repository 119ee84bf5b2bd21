import { FNV_OFFSET, FNV_PRIME, fmix32 } from './hash.js';

/**
 * The writer's table of strings already written, by address: a string found in it is not stored again.
 * Open addressing on the format's own string hash (the writer computes it in the pass that checks for
 * ASCII, and a Map or DICT key reuses it), each slot's hash compared before its string, so that a slot
 * holding another string costs no cache miss. Bounded: once it holds `limit` strings it starts over,
 * empty. An unbounded table of every distinct string was a third of `pack`'s time on a Map of a
 * million records — cache misses in a table far larger than the CPU's caches, for names and keys that
 * never repeat — while strings that repeat often (tags, enum values, keys) are back in a table soon
 * after it starts over. (A direct-mapped cache of `limit` slots was as fast, but let two strings of
 * one slot evict each other on every use, and cost its whole size for the smallest pack.)
 */
export class InternTable {
  /** Per slot: the string's hash, its address + 1 (0: empty), and the string itself. */
  private hashes = new Uint32Array(INITIAL_SLOTS);
  private addresses = new Float64Array(INITIAL_SLOTS);
  private strings: (string | undefined)[] = new Array(INITIAL_SLOTS);
  private count = 0;
  /** The slot the last `find` stopped at; `add` fills it. */
  private slot = 0;

  /** A table that holds at most `limit` strings (0: none). */
  constructor(private readonly limit: number) {}

  /** The address of `s` (whose hash is `hash`), or -1, after which `add` may record it. */
  find(s: string, hash: number): number {
    const mask = this.hashes.length - 1;
    let i = hash & mask;
    for (;;) {
      const address = this.addresses[i]!;
      if (address === 0) break;
      if (this.hashes[i] === hash && this.strings[i] === s) return address - 1;
      i = (i + 1) & mask;
    }
    this.slot = i;
    return -1;
  }

  /** Records `s` at `address`; call right after a `find` of `s` that returned -1. */
  add(s: string, hash: number, address: number): void {
    if (this.limit === 0) return;
    if (this.count === this.limit) {
      this.clear();
      this.find(s, hash);
    }
    const i = this.slot;
    this.hashes[i] = hash;
    this.addresses[i] = address + 1;
    this.strings[i] = s;
    if (++this.count * 2 > this.hashes.length) this.grow();
  }

  /** Forgets every string, keeping the capacity: a table that filled once fills again. */
  private clear(): void {
    this.hashes.fill(0);
    this.addresses.fill(0);
    this.strings.fill(undefined);
    this.count = 0;
  }

  /** Doubles the table, keeping the load at most 1/2. */
  private grow(): void {
    const { hashes, addresses, strings } = this;
    const capacity = hashes.length * 2;
    this.hashes = new Uint32Array(capacity);
    this.addresses = new Float64Array(capacity);
    this.strings = new Array(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < hashes.length; j++) {
      if (addresses[j] === 0) continue;
      let i = hashes[j]! & mask;
      while (this.addresses[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = hashes[j]!;
      this.addresses[i] = addresses[j]!;
      this.strings[i] = strings[j];
    }
  }
}

/** Slots a table starts with: the smallest pack pays for these only. */
const INITIAL_SLOTS = 1024;

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
