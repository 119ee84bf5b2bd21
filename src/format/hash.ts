import { HASH_MIN } from './layout.js';

/**
 * Key hashing for the hash indexes of Maps, Sets and shapes (FORMAT.md §5 "Hash index"). The hash is a
 * function of the JavaScript key, not of its stored bytes, so a reader hashes the key it is asked for
 * exactly as the writer hashed the key it stored. Any change here is a format change.
 */

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the high bits that pick a bucket. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units, then fmix32. `Reader.stringHash` computes the same from the bytes. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

export function hashString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}

const NAN_HASH = 0x7fc00000;
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);

/** SameValueZero: -0 hashes as 0 (int32 path) and every NaN alike. */
export function hashNumber(n: number): number {
  if (n === (n | 0)) return fmix32(n ^ 0x9e3779b9);
  if (Number.isNaN(n)) return NAN_HASH;
  float[0] = n;
  return fmix32(words[0]! ^ fmix32(words[1]!));
}

export function hashBigInt(n: bigint): number {
  return fmix32(Number(BigInt.asUintN(32, n)) ^ 0x5bd1e995);
}

/** Hash of a key that is a node compared by identity (objects, arrays, Maps …): its address. */
export function hashAddress(segment: number, offset: number): number {
  return fmix32(offset ^ fmix32(segment + 0x27d4eb2f));
}

const HASH_UNDEFINED = 1;
const HASH_NULL = 2;
const HASH_FALSE = 3;
const HASH_TRUE = 4;

/**
 * The hash of a primitive key, or undefined for an object (objects hash by their node's address, which
 * only the caller knows).
 */
export function hashPrimitive(key: unknown): number | undefined {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      return hashNumber(key);
    case 'bigint':
      return hashBigInt(key);
    case 'boolean':
      return key ? HASH_TRUE : HASH_FALSE;
    case 'undefined':
      return HASH_UNDEFINED;
    default:
      return key === null ? HASH_NULL : undefined;
  }
}

/** Words of a bucket: the key's full hash, then 1 + its entry index (0: empty). */
export const BUCKET_WORDS = 2;

/** Words of the hash index after `count` keys: none below HASH_MIN, else a capacity word and the buckets. */
export function hashIndexWords(count: number): number {
  return count >= HASH_MIN ? 1 + BUCKET_WORDS * hashCapacity(count) : 0;
}

/** Buckets of a hash index for `count` keys: load factor about 3/4. */
export function hashCapacity(count: number): number {
  return count + Math.floor((count + 2) / 3) + 1;
}

/** The home bucket of hash `h` in a table of `capacity` buckets: ⌊(h / 2^32) × capacity⌋, in [0, capacity). */
export function homeBucket(h: number, capacity: number): number {
  return Math.floor((h / 4294967296) * capacity);
}

/** Map and Set key equality: like ===, except that NaN equals NaN. */
export function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
