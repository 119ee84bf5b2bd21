// ImageBuilder (cowshare) and ImageFileBuilder (cowshare/node) against native expectations: random
// entries with repeated keys, number keys (-0 and 0, NaN, floats, small and large integers) and strings
// (lone surrogates, non-ASCII, empty, __proto__, array-index-like) for all three roots, compared with a
// native Map (Map#set), a plain array, and for the object root with JSON.parse of the same members
// (last value wins, first place kept, array-index keys first). Small segments (many segments, far
// references, keys read back from spilled segments and from the file), a small intern table; misuse,
// refused values and recovery after them; atomic files (abort and failures leave nothing); and memory
// that stays bounded while ~150 MB of records stream to a file.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run counts.
import assert from 'node:assert/strict';
import fs, {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, mock, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { hashString } from '../src/format/hash.js';
import type { SegmentSink } from '../src/format/writer.js';
import {
  type BuilderOptions,
  type BuilderRoot,
  CowshareError,
  type Image,
  ImageBuilder,
  ImageFileBuilder,
  loadImage,
  open,
  openFile,
  toJS,
  verify,
  writeImage,
} from '../src/node/index.js';
import { keyArb, numberArb, stringArb, treeArb } from './support/arbitrary.js';
import { assertSameAsClone, cloneOf } from './support/equal.js';
import { params } from './support/runs.js';

const MB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'cowshare-builder-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const newPath = (name = 'built'): string => join(dir, `${name}-${++fileNumber}.cow`);
/** Temporary files of ImageFileBuilder left in `where`. */
const litter = (where = dir): string[] => readdirSync(where).filter((name) => name.endsWith('.tmp'));

// --- Entries and their native expectations ------------------------------------------------------------

type Key = string | number;
type Entry = readonly [Key, unknown];

const numberKeyArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -4, max: 4 }),
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0.5,
    -2.25,
    1e-310,
    2 ** 30 - 1, // the largest small integer stored inline, and the first that is not
    2 ** 30,
    -(2 ** 30),
    -(2 ** 30) - 1,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
  ),
  numberArb,
);
const stringKeyArb: fc.Arbitrary<string> = fc.oneof(
  stringArb,
  keyArb,
  fc.constantFrom(
    '',
    '\uD800',
    '\uDFFF',
    'a\uDC00b',
    'é',
    'ü'.repeat(40),
    '日本語',
    '😀',
    '0',
    '-0',
    'NaN',
    '1',
  ),
);
/** Object keys: with array indices ('0', '7', '4294967294') and almost-indices ('01', '-1', '4294967295'). */
const objectKeyArb: fc.Arbitrary<string> = fc.oneof(
  stringKeyArb,
  fc.nat(20).map(String),
  fc.constantFrom('4294967294', '4294967295', '01', '-1', '1.5', '1e3', ' 1'),
);

/** Values that take room, so that a 4 KB segment fills after a few entries. */
const bulkyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ minLength: 300, maxLength: 3000 }),
  fc.array(fc.double(), { minLength: 50, maxLength: 400 }),
  fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 20, maxLength: 120 }),
);
const valueArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: treeArb }, bulkyArb);

/**
 * Entries whose keys come from a small pool, so that keys come again: the pool's first key, say, set
 * early, spilled to disk, then set again far later.
 */
function entriesArb(key: fc.Arbitrary<Key>, maxLength: number): fc.Arbitrary<Entry[]> {
  return fc
    .record({
      pool: fc.array(key, { minLength: 1, maxLength: 24 }),
      picks: fc.array(fc.tuple(fc.nat(), valueArb), { maxLength }),
    })
    .map(({ pool, picks }) => picks.map(([i, value]) => [pool[i % pool.length]!, value] as const));
}

/** Options that make many segments and a tiny intern table, or none of that. */
const optionsArb: fc.Arbitrary<BuilderOptions> = fc.record(
  {
    segmentSize: fc.constantFrom(4096, 8192),
    internLimit: fc.constantFrom(0, 1, 3, 50),
  },
  { requiredKeys: [] },
);

/** What Map#set makes of the entries (-0 becomes 0, NaN is one key, the first place is kept). */
const expectedMap = (entries: readonly Entry[]): Map<Key, unknown> => {
  const map = new Map<Key, unknown>();
  for (const [key, value] of entries) map.set(key, value);
  return map;
};

/**
 * What JSON.parse makes of an object with these members, by asking it: a document whose values are
 * entry numbers, parsed, then each number replaced by its value (defined, so that __proto__ is data).
 */
function expectedObject(entries: readonly Entry[]): Record<string, unknown> {
  const document = `{${entries.map(([key], i) => `${JSON.stringify(key)}:${i}`).join(',')}}`;
  const numbers = JSON.parse(document) as Record<string, number>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(numbers)) {
    Object.defineProperty(out, key, {
      value: entries[numbers[key]!]![1],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

/** The native value the builder's root must equal, and how many distinct entries it has. */
function expectedOf(root: BuilderRoot, entries: readonly Entry[]): { value: unknown; size: number } {
  if (root === 'array') return { value: entries.map(([, value]) => value), size: entries.length };
  if (root === 'map') {
    const map = expectedMap(entries);
    return { value: map, size: map.size };
  }
  const object = expectedObject(entries);
  return { value: object, size: Object.keys(object).length };
}

/** Feeds the entries to a builder as its root wants them. */
function feed(builder: ImageBuilder | ImageFileBuilder, root: BuilderRoot, entries: readonly Entry[]): void {
  for (const [key, value] of entries) {
    if (root === 'array') builder.push(value);
    else builder.set(key, value);
  }
}

/** Checks an image (or a file's view) against the native expectation, reading it two ways. */
function assertBuilt(root: BuilderRoot, view: unknown, expected: unknown, probes: readonly Key[]): void {
  assertSameAsClone(toJS(view), cloneOf(expected));
  if (root === 'map') {
    const map = expected as Map<Key, unknown>;
    const mapView = view as ReadonlyMap<Key, unknown>;
    assert.equal(mapView.size, map.size);
    // Keys as the view hands them out: Object.is, so -0 must have become 0 as Map#set makes it.
    const keys = [...mapView.keys()];
    for (const [i, key] of [...map.keys()].entries()) {
      assert.ok(Object.is(keys[i], key), `key ${i}: ${String(keys[i])}`);
    }
    for (const probe of probes) assert.equal(mapView.has(probe), map.has(probe), `has(${String(probe)})`);
  } else if (root === 'object') {
    const object = expected as Record<string, unknown>;
    // The view's own order, not only toJS's (which a plain object would reorder by itself).
    assert.deepEqual(Object.keys(view as object), Object.keys(object));
    for (const probe of probes) {
      assert.equal(
        Object.hasOwn(view as object, probe),
        Object.hasOwn(object, probe),
        `hasOwn(${String(probe)})`,
      );
    }
  } else {
    assert.equal((view as unknown[]).length, (expected as unknown[]).length);
  }
}

const ROOTS: readonly { root: BuilderRoot; key: fc.Arbitrary<Key> }[] = [
  { root: 'map', key: fc.oneof(numberKeyArb, stringKeyArb) },
  { root: 'object', key: objectKeyArb },
  { root: 'array', key: fc.constant(0) },
];

describe('ImageBuilder: the image is the native value built from the same entries', () => {
  for (const { root, key } of ROOTS) {
    test(`${root} root: random entries, repeated keys, with and without small segments and intern table`, () => {
      fc.assert(
        fc.property(entriesArb(key, 40), optionsArb, (entries, options) => {
          const builder = new ImageBuilder(root, options);
          feed(builder, root, entries);
          const expected = expectedOf(root, entries);
          assert.equal(builder.size, expected.size);
          assert.equal(builder.duplicates, entries.length - expected.size);
          const image = builder.finish();
          verify(image);
          assertBuilt(
            root,
            open(image),
            expected.value,
            entries.map(([k]) => k),
          );
        }),
        params(root === 'array' ? 150 : 300),
      );
    });
  }

  test('many entries in 4 KB segments: far references, and keys set again long after they were written', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BuilderRoot>('map', 'object'),
        fc.array(fc.tuple(fc.nat(399), fc.nat()), { minLength: 500, maxLength: 1500 }),
        fc.constantFrom(0, 10, 1_000_000),
        (root, picks, internLimit) => {
          // Keys of every stored form: inline integers, FLOAT64 nodes, constants, ASCII and UTF-16.
          const keyOf = (i: number): Key =>
            root === 'object' || i % 3 === 0 ? `k${i % 2 ? 'é' : ''}${i}` : i % 3 === 1 ? i : i + 0.5;
          // Values of their own (no string in common), so that the entries fill many segments.
          const entries = picks.map(
            ([i, n], at) => [keyOf(i), { n, text: `value ${at} `.repeat(4) }] as const,
          );
          const builder = new ImageBuilder(root, { segmentSize: 4096, internLimit });
          feed(builder, root, entries);
          const image = builder.finish();
          assert.ok(image.segments.length > 3, `${image.segments.length} segments`);
          verify(image);
          const expected = expectedOf(root, entries);
          assertBuilt(root, open(image), expected.value, [...entries.map(([k]) => k), 'k400', 400, 0.5]);
        },
      ),
      params(40),
    );
  });

  test('number keys that Map#set treats as one: -0 and 0, every NaN; and 1 is not "1"', () => {
    const builder = new ImageBuilder('map');
    builder
      .set(-0, 'minus zero')
      .set(0, 'zero')
      .set(Number.NaN, 'nan')
      .set(0 / 0, 'nan again');
    builder.set(1, 'number').set('1', 'string').set(-0, 'last');
    const image = builder.finish();
    const view = open<ReadonlyMap<Key, string>>(image);
    assert.deepEqual(builder.duplicates, 3);
    assert.deepEqual(
      [...view.entries()],
      [
        ...expectedMap([
          [-0, 'minus zero'],
          [0, 'zero'],
          [Number.NaN, 'nan'],
          [Number.NaN, 'nan again'],
          [1, 'number'],
          ['1', 'string'],
          [-0, 'last'],
        ]).entries(),
      ],
    );
    assert.ok(Object.is([...view.keys()][0], 0), 'the key -0 is stored as 0');
    assert.equal(view.get(-0), 'last');
  });

  test('an object root lists array-index keys first, in order, as JSON.parse does (OBJECT and DICT)', () => {
    for (const count of [5, 5000]) {
      // Named keys, then indices in descending order, interleaved with near-indices that are names.
      const entries: Entry[] = [];
      for (let i = count; i > 0; i--) {
        entries.push([`name${i}`, i], [String(i * 3), -i]);
        if (i % 7 === 0) entries.push([`0${i}`, 'leading zero'], ['4294967295', 'not an index']);
      }
      entries.push(['4294967294', 'the largest index'], ['0', 'zero'], ['name1', 'again']);
      const builder = new ImageBuilder('object');
      feed(builder, 'object', entries);
      const image = builder.finish();
      verify(image);
      const expected = expectedObject(entries);
      assertBuilt('object', open(image), expected, ['1', '3', 'name1', '4294967295']);
      assert.equal(JSON.stringify(open(image)), JSON.stringify(expected));
    }
  });

  test('distinct keys whose format hash is equal are kept apart (the key is read back)', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const key = `collide-${i}`;
      const other = seen.get(hashString(key));
      if (other !== undefined) pair = [other, key];
      seen.set(hashString(key), key);
    }
    const [a, b] = pair;
    for (const root of ['map', 'object'] as const) {
      const entries: Entry[] = [
        [a, 1],
        [b, 2],
        ...Array.from({ length: 20 }, (_, i): Entry => [`filler ${i}`, 'x'.repeat(400)]),
        [b, 3],
        [a, 4],
      ];
      const builder = new ImageBuilder(root, { segmentSize: 4096 });
      feed(builder, root, entries);
      assert.equal(builder.duplicates, 2);
      const image = builder.finish();
      verify(image);
      assertBuilt(root, open(image), expectedOf(root, entries).value, [a, b]);
    }
  });

  test('finiteNumbers refuses ±Infinity and NaN, naming the path; without it they are packed', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      const builder = new ImageBuilder('array', { finiteNumbers: true });
      builder.push({ fine: [1e308, -0] });
      assert.throws(
        () => builder.push({ nested: [1, bad] }),
        (error: unknown) =>
          error instanceof CowshareError &&
          error.code === 'UNPACKABLE' &&
          error.message.startsWith(`$[1].nested[1]: ${bad}: a number out of range`),
      );
      const lenient = new ImageBuilder('array');
      lenient.push(bad);
      assertSameAsClone(toJS(open(lenient.finish())), [bad]);
    }
  });

  test('an empty builder of each root', () => {
    for (const [root, expected] of [
      ['map', new Map()],
      ['object', {}],
      ['array', []],
    ] as const) {
      const image = new ImageBuilder(root, { segmentSize: 4096 }).finish();
      verify(image);
      assertSameAsClone(toJS(open(image)), expected);
    }
  });
});

/** An in-memory SegmentSink that counts reads back. */
class MemorySink implements SegmentSink {
  bytes = new Uint8Array(0);
  written = 0;
  reads = 0;

  write(position: number, bytes: Uint8Array): void {
    if (position + bytes.length > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(2 * this.bytes.length, position + bytes.length));
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes.set(bytes, position);
    this.written = Math.max(this.written, position + bytes.length);
  }

  read(position: number, length: number): Uint8Array {
    assert.ok(position + length <= this.written, `read of ${length} at ${position} past ${this.written}`);
    this.reads++;
    return this.bytes.slice(position, position + length);
  }
}

describe('ImageBuilder with a sink: segments are written out as they fill', () => {
  test('keys set again after their segment was written out are read back from the sink', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BuilderRoot>('map', 'object'),
        entriesArb(objectKeyArb, 60),
        (root, entries) => {
          // The first entries of all again at the end, with bulk between: their keys are on the sink.
          const all: Entry[] = [
            ...entries,
            ...Array.from({ length: 30 }, (_, i): Entry => [`bulk ${i}`, 'b'.repeat(300 + i)]),
            ...entries.map(([k]): Entry => [k, 'again']),
          ];
          const sink = new MemorySink();
          const builder = new ImageBuilder(root, { segmentSize: 4096, internLimit: 2 }, sink);
          feed(builder, root, all);
          assert.throws(() => builder.finish(), /a builder with a sink ends with finishToSink/);
          const { bytes, segments } = builder.finishToSink();
          assert.equal(bytes, sink.written);
          assert.ok(segments > 1);
          // A key that is a node (not '', which is a constant) was set again after its segment went out.
          if (entries.some(([k]) => k !== '')) assert.ok(sink.reads > 0, 'no key was read back');
          const path = newPath('sink');
          writeFileSync(path, sink.bytes.subarray(0, sink.written));
          const image = loadImage(path, { backing: 'read' });
          assert.equal(image.segments.length, segments);
          verify(image);
          assertBuilt(
            root,
            openFile(path),
            expectedOf(root, all).value,
            all.map(([k]) => k),
          );
          rmSync(path);
        },
      ),
      params(60),
    );
  });
});

describe('ImageFileBuilder: the file is what ImageBuilder would give, and it appears whole or not at all', () => {
  for (const { root, key } of ROOTS) {
    test(`${root} root in 4 KB segments, spilled to the file and read back from it`, async () => {
      await fc.assert(
        fc.asyncProperty(entriesArb(key, 50), fc.constantFrom(0, 2, 1000), async (entries, internLimit) => {
          const path = newPath(root);
          const builder = new ImageFileBuilder(path, root, { segmentSize: 4096, internLimit });
          feed(builder, root, entries);
          const expected = expectedOf(root, entries);
          assert.equal(builder.size, expected.size);
          assert.equal(builder.duplicates, entries.length - expected.size);
          const built = await builder.finish();
          const image = loadImage(path, { backing: 'read' });
          assert.deepEqual(built, {
            path,
            bytes: statSync(path).size,
            segments: image.segments.length,
            entries: expected.size,
            duplicates: entries.length - expected.size,
          });
          verify(image);
          assertBuilt(
            root,
            openFile(path),
            expected.value,
            entries.map(([k]) => k),
          );
          // The same bytes as the in-memory builder writes.
          const memory = new ImageBuilder(root, { segmentSize: 4096, internLimit });
          feed(memory, root, entries);
          assert.ok(readFileSync(path).equals(imageBytes(memory.finish())), 'file and memory images differ');
          rmSync(path);
        }),
        params(root === 'array' ? 40 : 80),
      );
      assert.deepEqual(litter(), []);
    });
  }

  test('keys of spilled segments are read back from the temporary file', async () => {
    const readSync = mock.method(fs, 'readSync');
    syncBuiltinESMExports(); // so that the builder's `import { readSync }` calls the mock
    try {
      const path = newPath('readback');
      const builder = new ImageFileBuilder(path, 'map', { segmentSize: 4096 });
      for (let i = 0; i < 400; i++) builder.set(i % 2 ? `key ${i}` : i + 0.25, `value ${i} `.repeat(10));
      const before = readSync.mock.callCount();
      for (let i = 0; i < 400; i += 7) builder.set(i % 2 ? `key ${i}` : i + 0.25, i);
      assert.ok(readSync.mock.callCount() > before, 'no read of the temporary file');
      const built = await builder.finish();
      assert.equal(built.duplicates, 58);
      const view = openFile<ReadonlyMap<Key, unknown>>(path);
      assert.equal(view.size, 400);
      assert.equal(view.get('key 7'), 7);
      assert.equal(view.get(0.25), 0);
      assert.equal(view.get(2.25), 'value 2 '.repeat(10));
    } finally {
      readSync.mock.restore();
      syncBuiltinESMExports();
    }
  });

  test('abort leaves no file and no .tmp, and an existing file as it was', () => {
    const where = join(dir, 'abort');
    mkdirSync(where);
    const fresh = join(where, 'fresh.cow');
    const builder = new ImageFileBuilder(fresh, 'array', { segmentSize: 4096 });
    for (let i = 0; i < 2000; i++) builder.push(`item ${i}`);
    assert.equal(litter(where).length, 1, 'the temporary file is beside the output while building');
    builder.abort();
    builder.abort(); // twice is harmless
    assert.deepEqual(readdirSync(where), []);

    const existing = join(where, 'existing.cow');
    writeFileSync(existing, 'old bytes');
    const replacing = new ImageFileBuilder(existing, 'map');
    replacing.set('a', 1);
    replacing.abort();
    assert.equal(readFileSync(existing, 'utf8'), 'old bytes');
    assert.deepEqual(readdirSync(where), ['existing.cow']);
  });

  test('finish replaces an existing file atomically; a reader of the old one keeps reading it', async () => {
    const path = newPath('replace');
    const old = Array.from({ length: 3000 }, (_, i) => `old ${i}`);
    await writeImage(path, old);
    const oldView = openFile<string[]>(path);
    const builder = new ImageFileBuilder(path, 'array', { segmentSize: 4096 });
    for (let i = 0; i < 3000; i++) builder.push(`new ${i}`);
    // Until finish, the name still holds the old image.
    assert.deepEqual(toJS(openFile(path)), old);
    await builder.finish();
    assert.deepEqual(toJS(oldView), old);
    assert.equal(openFile<string[]>(path)[2999], 'new 2999');
    assert.deepEqual(litter(), []);
  });

  test('a directory that does not exist, a bad root, a bad segment size: errors and no litter', () => {
    assert.throws(
      () => new ImageFileBuilder(join(dir, 'no-such-dir', 'x.cow'), 'map'),
      (e: unknown) =>
        e instanceof CowshareError &&
        e.code === 'FILE' &&
        /x\.cow: cannot write: no such file/.test(e.message),
    );
    assert.throws(() => new ImageFileBuilder(newPath(), 'set' as BuilderRoot), TypeError);
    assert.throws(() => new ImageFileBuilder(newPath(), 'map', { segmentSize: 100 }), RangeError);
    assert.deepEqual(litter(), []);
  });

  test('after finish or abort, nothing more can be written', async () => {
    const path = newPath('done');
    const builder = new ImageFileBuilder(path, 'map');
    builder.set('a', 1);
    await builder.finish();
    assert.throws(() => builder.set('b', 2), /ImageFileBuilder: the builder is finished or aborted/);
    await assert.rejects(builder.finish(), /ImageBuilder\.finishToSink: the builder is finished/);
    assert.deepEqual(toJS(openFile(path)), new Map([['a', 1]]));

    const abortedPath = newPath('aborted');
    const aborted = new ImageFileBuilder(abortedPath, 'array');
    aborted.push(1);
    aborted.abort();
    assert.throws(() => aborted.push(2), /ImageFileBuilder: the builder is finished or aborted/);
    await assert.rejects(aborted.finish(), TypeError);
    assert.throws(() => statSync(abortedPath), /ENOENT/);
    assert.deepEqual(litter(), []);
  });
});

describe('misuse and refused values', () => {
  test('tree: a cycle in an entry is refused with its path, and the builder goes on', () => {
    const builder = new ImageBuilder('map', { tree: true });
    const shared = { n: 1 };
    builder.set('first', { a: shared, b: [shared] });
    const cyclic: Record<string, unknown> = { deep: Array.from({ length: 40 }, (_, i) => i) };
    let link = cyclic;
    for (let i = 0; i < 40; i++) {
      const next: Record<string, unknown> = { i };
      link.next = next;
      link = next;
    }
    link.back = cyclic;
    assert.throws(
      () => builder.set('cyclic', cyclic),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'UNPACKABLE' &&
        error.message.startsWith(`$.get("cyclic")${'.next'.repeat(40)}.back: an object that contains itself`),
    );
    // The failed entry's path is gone: the same objects pack again, in a later entry, as a tree.
    delete link.back;
    builder.set('again', cyclic).set('last', shared);
    const view = open(builder.finish()) as ReadonlyMap<string, unknown>;
    assert.deepEqual([...view.keys()], ['first', 'again', 'last']);
    const first = toJS(view.get('first')) as { a: object; b: object[] };
    assert.deepEqual(first, { a: { n: 1 }, b: [{ n: 1 }] });
    assert.notEqual(first.a, first.b[0]); // stored twice
    assert.deepEqual(toJS(view.get('again')), structuredClone(cyclic));
  });

  test('each root takes only its own calls and keys', () => {
    const cases: [BuilderRoot, (b: ImageBuilder) => unknown, RegExp, 'TypeError' | 'UNPACKABLE'][] = [
      ['map', (b) => b.push(1), /ImageBuilder\.push: use set on a 'map' root/, 'TypeError'],
      ['object', (b) => b.push(1), /ImageBuilder\.push: use set on a 'object' root/, 'TypeError'],
      ['array', (b) => b.set('a', 1), /ImageBuilder\.set: use push on an 'array' root/, 'TypeError'],
      ['object', (b) => b.set(1, 1), /an object key must be a string, got number/, 'UNPACKABLE'],
      ['object', (b) => b.set(Number.NaN, 1), /an object key must be a string, got number/, 'UNPACKABLE'],
      [
        'map',
        (b) => b.set({} as never, 1),
        /a streamed Map key must be a string or a number, got object/,
        'UNPACKABLE',
      ],
      ['map', (b) => b.set(null as never, 1), /must be a string or a number, got object/, 'UNPACKABLE'],
      ['map', (b) => b.set(1n as never, 1), /must be a string or a number, got bigint/, 'UNPACKABLE'],
      ['map', (b) => b.set(true as never, 1), /must be a string or a number, got boolean/, 'UNPACKABLE'],
      ['map', (b) => b.set(undefined as never, 1), /got undefined/, 'UNPACKABLE'],
      ['map', (b) => b.set(Symbol('k') as never, 1), /got symbol/, 'UNPACKABLE'],
      ['object', (b) => b.set(['a'] as never, 1), /an object key must be a string, got object/, 'UNPACKABLE'],
      ['map', (b) => b.finishToSink(), /a builder without a sink ends with finish/, 'TypeError'],
    ];
    for (const [root, misuse, pattern, kind] of cases) {
      const builder = new ImageBuilder(root);
      if (root === 'array') builder.push('kept');
      else builder.set('kept', 1);
      assert.throws(
        () => misuse(builder),
        (error: unknown) => {
          if (kind === 'TypeError') assert.ok(error instanceof TypeError, String(error));
          else assert.ok(error instanceof CowshareError && error.code === kind, String(error));
          assert.match((error as Error).message, pattern);
          return true;
        },
        `${root}: ${pattern}`,
      );
      // The refused call changed nothing.
      assert.equal(builder.size, 1);
      assertSameAsClone(
        toJS(open(builder.finish())),
        root === 'array' ? ['kept'] : root === 'map' ? new Map([['kept', 1]]) : { kept: 1 },
      );
    }
  });

  test('a bad root or segment size is refused at once', () => {
    assert.throws(() => new ImageBuilder('set' as BuilderRoot), /root must be 'map', 'array' or 'object'/);
    assert.throws(() => new ImageBuilder('map', { segmentSize: 1000 }), RangeError);
    assert.throws(() => new ImageBuilder('map', { segmentSize: 4096.5 }), RangeError);
  });

  test('after finish, every call is a TypeError', () => {
    for (const root of ['map', 'object', 'array'] as const) {
      const builder = new ImageBuilder(root);
      builder.finish();
      assert.throws(() => builder.finish(), /ImageBuilder\.finish: the builder is finished/);
      assert.throws(() => builder.set('a', 1), /ImageBuilder\.set: the builder is finished/);
      assert.throws(() => builder.push(1), /ImageBuilder\.push: the builder is finished/);
      assert.throws(() => builder.finishToSink(), /the builder is finished/);
    }
  });

  test('an unpackable value is refused with a CowshareError naming its key and path', () => {
    const f = () => 1;
    const cases: [BuilderRoot, Key, unknown, string][] = [
      ['map', 'bad key', f, '$.get("bad key"): functions cannot be packed'],
      ['map', 42, { deep: [1, { f }] }, '$.get(42).deep[1].f: functions cannot be packed'],
      ['map', 'sym', Symbol('s'), '$.get("sym"): symbols cannot be packed'],
      ['map', 'weak', new WeakMap(), '$.get("weak"): WeakMaps cannot be packed'],
      ['object', 'name', f, '$.name: functions cannot be packed'],
      ['object', 'odd key', [f], '$["odd key"][0]: functions cannot be packed'],
      ['array', 0, { f }, '$[1].f: functions cannot be packed'],
    ];
    for (const [root, key, value, message] of cases) {
      const builder = new ImageBuilder(root);
      if (root === 'array') builder.push('first');
      assert.throws(
        () => (root === 'array' ? builder.push(value) : builder.set(key, value)),
        (error: unknown) => {
          assert.ok(error instanceof CowshareError, String(error));
          assert.equal(error.code, 'UNPACKABLE');
          assert.equal(error.message, message);
          return true;
        },
      );
    }
  });

  test('after a refused value the builder goes on as if the call had not been made', () => {
    for (const sink of [false, true]) {
      for (const root of ['map', 'object', 'array'] as const) {
        const entries: Entry[] = Array.from(
          { length: 300 },
          (_, i): Entry => [`k${i % 120}`, `v${i} `.repeat(20)],
        );
        const memorySink = new MemorySink();
        const builder = new ImageBuilder(root, { segmentSize: 4096 }, sink ? memorySink : undefined);
        // A shared object whose refusal comes after it is partly written, retried later.
        const partly = { ok: 'written first', inner: { text: 'also written', f: () => 1 } };
        entries.forEach(([key, value], i) => {
          if (i % 50 === 25) {
            const refused = i % 100 === 25 ? partly : partly.inner;
            assert.throws(
              () => (root === 'array' ? builder.push(refused) : builder.set(key, refused)),
              CowshareError,
            );
            assert.throws(
              () => (root === 'array' ? builder.push(refused) : builder.set(`new ${i}`, refused)),
              CowshareError,
            );
          }
          if (root === 'array') builder.push(value);
          else builder.set(key, value);
        });
        const expected = expectedOf(root, entries);
        assert.equal(builder.size, expected.size);
        let image: Image;
        if (sink) {
          builder.finishToSink();
          const path = newPath('refused');
          writeFileSync(path, memorySink.bytes.subarray(0, memorySink.written));
          image = loadImage(path, { backing: 'read' });
        } else {
          image = builder.finish();
        }
        verify(image);
        assertBuilt(
          root,
          open(image),
          expected.value,
          entries.map(([k]) => k),
        );
      }
    }
  });
});

/** An image's segments as one file's bytes. */
function imageBytes(image: Image): Buffer {
  return Buffer.concat(image.segments.map((s) => new Uint8Array(s)));
}

describe('memory', () => {
  /** `gc` when it can be had: --expose-gc, or set at run time (V8 reads the flag for new contexts). */
  function collector(): (() => void) | undefined {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) return exposed;
    try {
      v8.setFlagsFromString('--expose-gc');
      return vm.runInNewContext('gc') as () => void;
    } catch {
      return undefined;
    }
  }

  test('300,000 records of ~500 bytes (~150 MB) stream to a file while the heap grows by a few MB', async () => {
    const gc = collector();
    const lorem =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore ' +
      'et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut ' +
      'aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse ' +
      'cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident.';
    // Every record has a string of its own (~300 characters): nothing in it can be shared.
    const record = (i: number) => ({
      id: i,
      name: `user ${i}`,
      email: `user${i}@example.com`,
      score: i * 1.5 + 0.25,
      tags: ['red', 'green', 'blue'],
      point: [i / 3, i / 7, i / 11],
      bio: `${i}: ${lorem.slice(i % 97, (i % 97) + 300)}`,
    });
    const memory = () => {
      gc?.();
      gc?.();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return { heapUsed, total: heapUsed + arrayBuffers };
    };
    const N = 300_000;
    const segmentSize = 8 * MB;
    const path = newPath('large');
    const base = memory();
    // The intern table keeps each distinct string it holds in memory (BuilderOptions.internLimit):
    // bounded here, since with the default (1,000,000 strings) it would keep every record's own string.
    const builder = new ImageFileBuilder(path, 'map', { segmentSize, internLimit: 10_000 });
    let data = 0;
    let heapPeak = 0;
    let loopPeak = 0;
    for (let i = 0; i < N; i++) {
      const value = record(i);
      data += JSON.stringify(value).length;
      builder.set(`record-${i}`, value);
      if (i % 20_000 === 19_999) {
        const now = memory();
        heapPeak = Math.max(heapPeak, now.heapUsed - base.heapUsed);
        loopPeak = Math.max(loopPeak, now.total - base.total);
      }
    }
    const built = await builder.finish();
    const end = memory();
    heapPeak = Math.max(heapPeak, end.heapUsed - base.heapUsed);
    const show = (n: number) => `${(n / MB).toFixed(1)} MB`;
    const report = `data ${show(data)}, heap +${show(heapPeak)}, heap and buffers while building +${show(loopPeak)}, after finish +${show(end.total - base.total)}`;
    assert.ok(data > 130 * MB, report);
    assert.ok(built.segments > data / segmentSize, `${built.segments} segments: ${report}`);
    // The JS heap: no record is kept.
    assert.ok(heapPeak < 0.25 * data, report);
    // With buffers: the segment being written and the root's per-entry arrays, not the written segments.
    assert.ok(loopPeak < 0.25 * data, report);
    // finish adds the root's node and its far-table entries (two per entry, ~150 bytes an entry in all).
    assert.ok(end.total - base.total < 0.5 * data, report);

    const view = openFile<ReadonlyMap<string, unknown>>(path);
    assert.equal(view.size, N);
    for (const i of [0, 1, 123_456, N - 1]) assertSameAsClone(toJS(view.get(`record-${i}`)), record(i));
    assert.equal(built.bytes, statSync(path).size);
    rmSync(path);
  });
});
