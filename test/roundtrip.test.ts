// Every corpus case packs, opens and copies back to exactly what structuredClone gives, in one segment
// and in many; verify accepts every image the writer makes; and packing is deterministic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Image } from '../src/index.js';
import { open, pack, toJS, verify } from '../src/index.js';
import { corpus, HOLE, holey } from './support/corpus.js';
import { assertSameAsClone, cloneOf } from './support/equal.js';

function imageBytes(image: Image): Uint8Array[] {
  return image.segments.map((segment) => new Uint8Array(segment));
}

function assertSameBytes(a: Image, b: Image, what: string): void {
  assert.equal(a.segments.length, b.segments.length, `${what}: segment count`);
  const aa = imageBytes(a);
  const bb = imageBytes(b);
  aa.forEach((bytes, i) => {
    const other = bb[i]!;
    assert.equal(bytes.length, other.length, `${what}: segment ${i} length`);
    const at = Buffer.from(bytes).compare(Buffer.from(other));
    if (at !== 0) {
      const first = bytes.findIndex((byte, j) => other[j] !== byte);
      assert.fail(`${what}: segment ${i} differs at byte ${first}`);
    }
  });
}

describe('assertSameAsClone (the comparator itself)', () => {
  const fails = (actual: unknown, expected: unknown, pattern: RegExp): void => {
    assert.throws(
      () => assertSameAsClone(actual, expected),
      (error: unknown) => error instanceof Error && pattern.test(error.message),
    );
  };

  test('accepts a structured clone of a rich value', () => {
    const shared = { s: 1 };
    const cyclic: Record<string, unknown> = {
      shared,
      again: shared,
      m: new Map([[shared, holey(1, HOLE, 3)]]),
    };
    cyclic.self = cyclic;
    assertSameAsClone(structuredClone(cyclic), cyclic);
  });

  test('-0 versus 0 and NaN', () => {
    fails(0, -0, /^\$: expected -0, got 0/);
    fails({ a: [1, -0] }, { a: [1, 0] }, /^\$\.a\[1\]: expected 0, got -0/);
    assertSameAsClone(NaN, NaN);
    fails(NaN, 0, /expected 0, got NaN/);
  });

  test('a hole versus undefined', () => {
    fails([undefined], holey(HOLE), /own keys differ/);
    fails(holey(HOLE, 1), [undefined, 1], /own keys differ/);
  });

  test('broken or extra sharing', () => {
    const shared = { s: 1 };
    fails([{ s: 1 }, { s: 1 }], [shared, shared], /^\$\[1\]: aliasing differs/);
    fails([shared, shared], [{ s: 1 }, { s: 1 }], /^\$\[1\]: aliasing differs/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    fails({ self: {} }, cyclic, /^\$\.self/);
  });

  test('key order and names in the path', () => {
    fails({ b: 1, a: 2 }, { a: 2, b: 1 }, /own keys differ/);
    fails({ 'we ird': { x: 1 } }, { 'we ird': { x: 2 } }, /^\$\["we ird"\]\.x: expected 2, got 1/);
  });

  test('types, prototypes and bytes', () => {
    fails(new ArrayBuffer(4), new SharedArrayBuffer(4), /expected a SharedArrayBuffer, got a ArrayBuffer/);
    fails(new Uint8Array([1, 2]), new Int8Array([1, 2]), /prototype differs/);
    fails(new Uint8Array([1, 3]), new Uint8Array([1, 2]), /bytes differ at offset 1/);
    fails(new Date(NaN), new Date(0), /getTime\(\): expected 0, got NaN/);
    fails(new Map([[1, 'a']]), new Map([[1, 'b']]), /\.get\(1\): expected "b", got "a"/);
    fails(/a/g, /a/i, /flags/);
    fails(new RangeError('x'), new Error('x'), /prototype differs/);
    fails(new Number(1), 1, /expected 1, got \[object Number\]/);
    fails(new Uint8Array(new ArrayBuffer(8), 4, 2), new Uint8Array(new ArrayBuffer(8), 2, 2), /byteOffset/);
    fails(1n, 2n, /expected 2n, got 1n/);
  });
});

describe('round trip: toJS(open(pack(v))) is structuredClone(v)', () => {
  for (const c of corpus) {
    test(c.name, () => {
      const value = c.make();
      const image = pack(value);
      assertSameAsClone(toJS(open(image)), cloneOf(value));
    });
  }
});

describe('round trip through many small segments (segmentSize 4096)', () => {
  for (const c of corpus) {
    if (c.large) continue;
    test(c.name, () => {
      const value = c.make();
      const image = pack(value, { segmentSize: 4096 });
      assertSameAsClone(toJS(open(image)), cloneOf(value));
      assertSameAsClone(toJS(open(image, { verify: true })), cloneOf(value));
    });
  }

  test('a big value really spans many segments', () => {
    const value = Array.from({ length: 5000 }, (_, i) => ({ i, s: `string ${i}` }));
    const image = pack(value, { segmentSize: 4096 });
    assert.ok(image.segments.length > 10, `only ${image.segments.length} segments`);
    for (const segment of image.segments) {
      assert.ok(segment instanceof SharedArrayBuffer);
      assert.equal(segment.byteLength % 8, 0);
    }
    verify(image);
    assertSameAsClone(toJS(open(image)), cloneOf(value));
  });

  test('segmentSize 65536', () => {
    const value = new Map(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, [i, -i, i / 3]]));
    const image = pack(value, { segmentSize: 65536 });
    assert.ok(image.segments.length > 1);
    assertSameAsClone(toJS(open(image)), cloneOf(value));
  });
});

describe('verify accepts every image the writer makes', () => {
  for (const c of corpus) {
    test(c.name, () => {
      const value = c.make();
      verify(pack(value));
      if (!c.large) verify(pack(value, { segmentSize: 4096 }));
    });
  }
});

describe('packing is deterministic', () => {
  for (const c of corpus) {
    test(c.name, () => {
      // Both values are made at the same call site, so even their error stacks are equal.
      const [one, two] = [0, 1].map(() => c.make());
      assertSameBytes(pack(one), pack(two), c.name);
      if (!c.large) {
        assertSameBytes(pack(one, { segmentSize: 4096 }), pack(two, { segmentSize: 4096 }), c.name);
      }
    });
  }

  test('packing the same object twice gives the same bytes', () => {
    const value = { a: [1, 2, { b: 'c' }], m: new Map([[1, 2]]) };
    assertSameBytes(pack(value), pack(value), 'same object');
  });
});

describe('images', () => {
  test('an Image is a plain object holding SharedArrayBuffers', () => {
    const image = pack({ a: 1 });
    assert.equal(Object.getPrototypeOf(image), Object.prototype);
    assert.ok(Array.isArray(image.segments));
    assert.ok(image.segments.length >= 1);
    for (const segment of image.segments) assert.ok(segment instanceof SharedArrayBuffer);
  });

  test('structuredClone(image) opens to the same value and shares the memory', () => {
    const value = { list: [1, 'two', { three: 3n }], when: new Date(7) };
    const image = pack(value);
    const copy = structuredClone(image);
    assertSameAsClone(toJS(open(copy)), cloneOf(value));
    // The clone's segments are the same memory: a byte written to one is seen in the other.
    const original = new Uint8Array(image.segments[0]!);
    const cloned = new Uint8Array(copy.segments[0]!);
    const last = original.length - 1;
    const before = original[last]!;
    original[last] = before ^ 0xa5;
    assert.equal(cloned[last], before ^ 0xa5);
    original[last] = before;
  });

  test('pack of a view of an image packs the value it shows', () => {
    const value = { a: [1, { b: new Set(['x']) }], m: new Map([[1n, -0]]) };
    const view = open(pack(value));
    assertSameAsClone(toJS(open(pack(view))), cloneOf(value));
  });

  test('pack of a view packs the value it shows, for every corpus case', () => {
    for (const c of corpus) {
      if (c.large || c.name === 'error cause cycle') continue; // (Node 20 cannot clone that one)
      const value = c.make();
      assertSameAsClone(toJS(open(pack(open(pack(value))))), cloneOf(value));
    }
  });

  test('pack of a view packs typed arrays with their own buffer, not the image segment they lie in', () => {
    const buffer = new ArrayBuffer(64);
    const value = {
      filler: 'x'.repeat(10_000),
      bytes: new Uint8Array(buffer, 8, 4).fill(7),
      words: new Uint32Array(buffer, 16, 2).fill(9),
      alone: new Float64Array([1.5, -2]),
    };
    const image = pack(value);
    const view = open<typeof value>(image);
    const again = pack({ bytes: view.bytes, words: view.words, alone: view.alone });
    const size = again.segments.reduce((n, s) => n + s.byteLength, 0);
    assert.ok(size < 1000, `repacked typed arrays take ${size} bytes: the image segment was copied`);
    assertSameAsClone(
      toJS(open(again)),
      cloneOf({ bytes: value.bytes, words: value.words, alone: value.alone }),
    );
  });

  test('toJS of a non-view value returns it unchanged', () => {
    const plain = { a: 1 };
    assert.equal(toJS(plain), plain);
    assert.equal(toJS(5), 5);
    assert.equal(toJS('s'), 's');
    assert.equal(toJS(null), null);
  });

  test('toJS returns a fresh copy each time', () => {
    const view = open<{ a: number[] }>(pack({ a: [1] }));
    const one = toJS(view);
    const two = toJS(view);
    assert.notEqual(one, two);
    assert.notEqual(one.a, two.a);
    one.a.push(2);
    assert.deepEqual(toJS(view), { a: [1] });
  });
});
