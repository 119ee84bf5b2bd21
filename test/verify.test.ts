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
