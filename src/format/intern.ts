import { FNV_OFFSET, FNV_PRIME, fmix32 } from './hash.js';

/**
 * The writer's table of strings already written, by address: each distinct string is stored once.
 * Open addressing on the format's own string hash, which the writer computes in the same pass that
 * checks whether the string is ASCII; a lookup that misses leaves the slot to insert into, so a new
 * string costs one probe sequence (a Map costs a `get` and a `set`, and its own hashing).
 */
export class InternTable {
  /** Per slot: the string's hash, its address + 1 (0: empty), and the string itself. */
  private hashes = new Uint32Array(1024);
  private addresses = new Float64Array(1024);
  private strings: (string | undefined)[] = new Array(1024);
  private count = 0;
  /** The slot the last `find` stopped at; `add` fills it. */
  private slot = 0;

  /** Distinct strings recorded. */
  get size(): number {
    return this.count;
  }

  /** The address of `s` (whose hash is `hash`), or -1 after which `add` may record it. */
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
    const i = this.slot;
    this.hashes[i] = hash;
    this.addresses[i] = address + 1;
    this.strings[i] = s;
    if (++this.count * 2 > this.hashes.length) this.grow();
  }

  /** Forgets every string, keeping the capacity: a table that filled once fills again. */
  clear(): void {
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
