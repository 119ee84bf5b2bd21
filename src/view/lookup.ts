import { corrupt } from '../errors.js';
import { BUCKET_WORDS, hashAddress, hashPrimitive, homeBucket, sameValueZero } from '../format/hash.js';
import { KIND_MASK, Kind, TAG_MASK, Tag } from '../format/layout.js';
import { nodeOf } from '../format/node-ref.js';
import { type Address, offsetOfAddress, type Reader, segmentOfAddress } from '../format/reader.js';

/** A key that cannot be in any image (an object that is not a node of this reader). */
const NOWHERE = -1;

/**
 * The hash of a key being looked up (FORMAT.md §5 "Hash index"), or NOWHERE. Object keys match by
 * identity, which in an image is the node address (hashed as the node it replaces, in a layer).
 */
function hashQuery(reader: Reader, key: unknown): number {
  const hash = hashPrimitive(key);
  if (hash !== undefined) return hash;
  const node = nodeOf(key);
  if (node === undefined || node.reader !== reader) return NOWHERE;
  const identity = reader.identity(node.address);
  return hashAddress(segmentOfAddress(identity), offsetOfAddress(identity));
}

/** Whether a stored key slot equals `key` under SameValueZero (object keys by node identity). */
function slotMatches(reader: Reader, segment: number, slot: number, key: unknown): boolean {
  if ((slot & 1) === 1) return key === slot >> 1;
  if ((slot & TAG_MASK) === Tag.Constant) {
    return sameValueZero(reader.constant(slot), key);
  }
  const address = reader.slotAddress(segment, slot); // through redirects: a key node may be replaced
  const kind = reader.header(address) & KIND_MASK;
  switch (typeof key) {
    case 'string':
      return (kind === Kind.StringAscii || kind === Kind.StringUtf16) && reader.stringEquals(address, key);
    case 'number':
      return kind === Kind.Float64 && sameValueZero(reader.float(address), key);
    case 'bigint':
      return (
        (kind === Kind.BigIntPositive || kind === Kind.BigIntNegative) &&
        reader.bigint(address, kind === Kind.BigIntNegative) === key
      );
    case 'object': {
      const node = nodeOf(key);
      return node !== undefined && node.reader === reader && node.address === address;
    }
    default:
      return false;
  }
}

/**
 * The index of `key` among `count` keys stored every `stride` words from word `first`, using the hash
 * index at word `hashAt` (capacity word, then buckets) or a scan when there is none (hashAt < 0).
 * Probing stops at an empty bucket, and after `capacity` buckets at most, so a damaged table cannot loop.
 * A string key, the hot case, is compared with a near ASCII key's bytes in place (`slotIsString`).
 */
export function findKey(
  reader: Reader,
  owner: Address,
  first: number,
  stride: number,
  count: number,
  hashAt: number,
  key: unknown,
): number {
  const segment = segmentOfAddress(owner);
  const words = reader.words[segment]!;
  const isString = typeof key === 'string';
  const matches = (slot: number): boolean =>
    isString ? reader.slotIsString(segment, slot, key) : slotMatches(reader, segment, slot, key);
  if (hashAt < 0) {
    for (let i = 0; i < count; i++) if (matches(words[first + stride * i]!)) return i;
    return -1;
  }
  const hash = hashQuery(reader, key);
  if (hash === NOWHERE) return -1;
  const capacity = words[hashAt]!;
  const buckets = hashAt + 1;
  let b = homeBucket(hash, capacity);
  for (let probes = 0; probes < capacity; probes++) {
    const entry = words[buckets + BUCKET_WORDS * b + 1]!;
    if (entry === 0) return -1;
    if (entry > count) throw corrupt(reader.where(owner), 'hash bucket out of range');
    // The stored hash settles most mismatches without touching the entry or its key.
    if (words[buckets + BUCKET_WORDS * b] === hash && matches(words[first + stride * (entry - 1)]!)) {
      return entry - 1;
    }
    b = b + 1 === capacity ? 0 : b + 1;
  }
  return -1;
}
