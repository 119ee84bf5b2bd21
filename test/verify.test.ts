// verify against hand-made corruptions of a hashed Map: each must be reported, and a sound image not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CowshareError, type Image, pack, verify } from '../src/index.js';

const ENTRIES = 16; // above HASH_MIN, so the Map carries a hash index

/** A packed Map of string keys, and the word indices of its parts (FORMAT.md §5, one segment). */
function mapImage() {
  const image = pack(new Map(Array.from({ length: ENTRIES }, (_, i) => [`key ${i}`, i])));
  const words = new Uint32Array(image.segments[0]!);
  const root = words[7]! >>> 2; // header word 7: the root slot, a near reference to the MAP node
  assert.equal(words[root]! & 0xff, 0x0b, 'the root is a MAP');
  const first = root + 1; // pairs of (key slot, value slot)
  const hashAt = first + 2 * ENTRIES; // capacity word, then buckets of (hash, entry + 1)
  return { image, words, first, hashAt, capacity: words[hashAt]! };
}

function corruptWith(image: Image, why: RegExp): void {
  assert.throws(
    () => verify(image),
    (error: unknown) => error instanceof CowshareError && error.code === 'CORRUPT' && why.test(error.message),
  );
}

test('a sound hashed Map verifies', () => {
  verify(mapImage().image);
});

test('a key written twice is found (the second key slot points at the first key)', () => {
  const { image, words, first } = mapImage();
  words[first + 2 * 5] = words[first + 2 * 3]!;
  corruptWith(image, /duplicate keys|cannot be found|wrong stored hash/);
});

test('a stored hash that is not the key’s hash is found', () => {
  const { image, words, hashAt, capacity } = mapImage();
  for (let b = 0; b < capacity; b++) {
    if (words[hashAt + 1 + 2 * b + 1] !== 0) {
      words[hashAt + 1 + 2 * b] = words[hashAt + 1 + 2 * b]! ^ 1;
      break;
    }
  }
  corruptWith(image, /wrong stored hash|cannot be found/);
});

test('an empty bucket that carries a hash is found', () => {
  const { image, words, hashAt, capacity } = mapImage();
  for (let b = 0; b < capacity; b++) {
    if (words[hashAt + 1 + 2 * b + 1] === 0) {
      words[hashAt + 1 + 2 * b] = 12345;
      break;
    }
  }
  corruptWith(image, /empty bucket with a hash/);
});

test('an entry moved past an empty bucket after its home cannot be found, and is found out', () => {
  const { image, words, hashAt, capacity } = mapImage();
  const bucket = (b: number) => hashAt + 1 + 2 * b;
  // An occupied bucket followed (after an empty one) by another empty one: move the entry there.
  for (let b = 0; b < capacity; b++) {
    const empty1 = (b + 1) % capacity;
    const empty2 = (b + 2) % capacity;
    if (words[bucket(b) + 1] !== 0 && words[bucket(empty1) + 1] === 0 && words[bucket(empty2) + 1] === 0) {
      words.copyWithin(bucket(empty2), bucket(b), bucket(b) + 2);
      words.fill(0, bucket(b), bucket(b) + 2);
      corruptWith(image, /cannot be found/);
      return;
    }
  }
  assert.fail('no such bucket in the sample');
});

// Keys whose hashes collide, made on purpose: BigInts hash by their low 32 bits (FORMAT.md §5), so
// k·2^32 for every k has one hash. A probe per key, or a comparison of every pair met on the way,
// would make verify quadratic in such a Map; it must stay linear (n log n), or an untrusted image of
// a few MB would hang it.
const colliding = (n: number, from = 1) => Array.from({ length: n }, (_, k) => BigInt(from + k) << 32n);

test('keys of one hash: verify stays fast, and still finds a duplicate among them', () => {
  const n = 20_000;
  const image = pack(new Map(colliding(n).map((key, i) => [key, i])));
  const started = performance.now();
  verify(image);
  const ms = performance.now() - started;
  // Quadratic would be 2·10^8 probes and key decodings: minutes. Linear is a few ms per thousand.
  assert.ok(ms < 2000, `verify took ${ms.toFixed(0)} ms`);
  // A duplicate in that group: key slot 7000 made to refer to key 3's node.
  const words = new Uint32Array(image.segments[0]!);
  const first = (words[7]! >>> 2) + 1; // the MAP's header, then (key, value) pairs
  words[first + 2 * 7000] = words[first + 2 * 3]!;
  corruptWith(image, /duplicate keys/);
});

test('a delta appending keys of a hash its base has many of: verify stays fast', async () => {
  const { commit, fork, open } = await import('../src/index.js');
  const base = pack(new Map(colliding(20_000).map((key, i) => [key, i])));
  const draft = fork(open(base)) as Map<bigint, number>;
  for (const key of colliding(2_000, 1_000_000)) draft.set(key, -1);
  const layer = commit(draft);
  const started = performance.now();
  verify(layer);
  const ms = performance.now() - started;
  assert.ok(ms < 2000, `verify took ${ms.toFixed(0)} ms`);
});
