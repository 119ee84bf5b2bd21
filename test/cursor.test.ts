// cursor(collection), the scan API: it visits what the collection's own iteration visits, in the same
// order, with values that read the same; a narrow object value is one reused record per shape; views
// of layers, sparse arrays and non-views work; misuse and corrupt images fail cleanly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nodeOf } from '../src/format/node-ref.js';
import { CowshareError, commit, cursor, fork, type Image, open, pack, snapshot, toJS } from '../src/index.js';
import { cloneableArb, keyArb, primitiveKeyArb } from './support/arbitrary.js';
import { assertSameAsClone } from './support/equal.js';
import { params } from './support/runs.js';

/** Everything a cursor visits, as [key, plain copy of the value] (copied while it is current). */
function visited(c: { next(): boolean; readonly key: unknown; readonly value: unknown }): unknown[][] {
  const out: unknown[][] = [];
  while (c.next()) out.push([toJS(c.key), toJS(c.value)]);
  return out;
}

/** What the native collection's own iteration visits, in the same form. */
function expected(collection: unknown): unknown[][] {
  if (collection instanceof Map) return [...collection].map(([k, v]) => [k, v]);
  if (collection instanceof Set) return [...collection].map((v) => [v, v]);
  const array = collection as unknown[];
  const out: unknown[][] = [];
  array.forEach((v, i) => {
    out.push([i, v]);
  });
  return out;
}

const collectionArb = fc.oneof(
  fc.array(fc.tuple(primitiveKeyArb, cloneableArb), { maxLength: 30 }).map((e) => new Map(e)),
  fc.array(cloneableArb, { maxLength: 30 }).map((items) => new Set(items)),
  fc.array(cloneableArb, { maxLength: 30 }),
  // Many records of a few shapes, in runs and interleaved: the reused record must follow each one.
  fc
    .array(
      fc.oneof(
        fc.record({ id: fc.integer(), name: keyArb, score: fc.double() }),
        fc.record({ id: fc.integer(), tags: fc.array(keyArb, { maxLength: 3 }) }),
        fc.dictionary(keyArb, fc.integer(), { minKeys: 65, maxKeys: 70 }),
      ),
      { maxLength: 40 },
    )
    .map((records) => new Map(records.map((r, i) => [`key:${i}`, r]))),
);

describe('cursor: the entries of the collection', () => {
  test('visits what the view iterates, reading the same values', () => {
    fc.assert(
      fc.property(collectionArb, (collection) => {
        const view = open(pack(collection)) as ReadonlyMap<unknown, unknown>;
        // The view's own iteration, as [key, value] pairs.
        const iterated =
          collection instanceof Map || collection instanceof Set
            ? [...(view as Map<unknown, unknown>).entries()]
            : expected(view as unknown as unknown[]);
        assert.equal(iterated.length, expected(collection).length);
        assertSameAsClone(
          visited(cursor(view)),
          iterated.map(([k, v]) => [toJS(k), toJS(v)]),
        );
        // Not a view: the collection's own iterator, values as they are.
        assertSameAsClone(visited(cursor(collection as Map<unknown, unknown>)), expected(collection));
      }),
      params(400),
    );
  });

  test('views of layers and snapshots: changed, added and deleted entries, through redirects', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(30), fc.nat(1000)), { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(40), fc.option(fc.nat(1000))), { maxLength: 20 }),
        (initial, changes) => {
          const native = new Map(initial.map(([k, n]) => [`k${k}`, { n, half: n / 2 }]));
          const array = [...native.values()];
          const base = open(pack({ map: native, array })) as { map: Map<string, unknown>; array: unknown[] };
          const draft = fork(base);
          for (const [k, n] of changes) {
            if (n === null) {
              draft.map.delete(`k${k}`);
              native.delete(`k${k}`);
            } else {
              draft.map.set(`k${k}`, { n, half: n / 2 });
              native.set(`k${k}`, { n, half: n / 2 });
            }
            if (k < array.length && n !== null) {
              draft.array[k] = { n, half: n / 2 };
              array[k] = { n, half: n / 2 };
            }
          }
          for (const value of [snapshot(draft), open(commit(draft))] as (typeof base)[]) {
            assert.deepStrictEqual(visited(cursor(value.map)), expected(native));
            assert.deepStrictEqual(visited(cursor(value.array)), expected(array));
          }
        },
      ),
      params(200),
    );
  });

  test('a sparse array of length 2^32 − 1 costs its elements; holes are skipped', () => {
    const sparse: unknown[] = [];
    sparse[5] = 'five';
    sparse[2 ** 32 - 2] = { last: true };
    const holey: unknown[] = [1, 2, 3, 4, { x: 5 }];
    delete holey[1];
    delete holey[3];
    for (const array of [sparse, holey]) {
      assert.deepStrictEqual(visited(cursor(open(pack(array)) as unknown[])), expected(array));
    }
  });
});

describe('cursor: the reused record', () => {
  const records = new Map([
    ['a', { id: 1, score: 0.5 }],
    ['b', { id: 2, score: 1.5 }],
    ['c', { other: 'shape' }],
    ['d', { id: 4, score: 4.5 }],
  ]);

  test('one object per shape, pointed at the current entry; valid until next()', () => {
    const c = cursor(open<typeof records>(pack(records)));
    assert.ok(c.next());
    const first = c.value as { id: number; score: number };
    assert.equal(first.id, 1);
    assert.equal(c.value, first); // read twice: the same record
    assert.ok(c.next());
    assert.equal(c.value, first); // the next entry of the same shape: the same object …
    assert.equal(first.id, 2); // … which now shows that entry
    assert.ok(c.next());
    assert.deepEqual(toJS(c.value), { other: 'shape' });
    assert.ok(c.next());
    assert.equal(c.value, first);
    assert.deepEqual(toJS(first), { id: 4, score: 4.5 });
    assert.ok(!c.next());
  });

  test('it is read-only, like any view', () => {
    const c = cursor(open<typeof records>(pack(records)));
    c.next();
    const record = c.value as { id: number; added?: number };
    assert.throws(() => {
      record.id = 7;
    }, TypeError);
    assert.throws(() => {
      record.added = 1;
    }, TypeError);
    assert.equal(record.id, 1);
  });

  test('wide objects and other values come as the view gives them', () => {
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    const c = cursor(
      open<Map<string, unknown>>(
        pack(
          new Map<string, unknown>([
            ['wide', wide],
            ['list', [1, 2]],
            ['n', 7],
          ]),
        ),
      ),
    );
    c.next();
    assert.equal(Object.keys(c.value as object).length, 100);
    c.next();
    assert.deepEqual([...(c.value as number[])], [1, 2]);
    c.next();
    assert.equal(c.value, 7);
  });
});

describe('cursor: misuse and corrupt images', () => {
  test('key and value off an entry are a TypeError; next() past the end stays false', () => {
    const c = cursor(open<Map<string, number>>(pack(new Map([['k', 1]]))));
    assert.throws(() => c.key, /not on an entry/);
    assert.throws(() => c.value, /not on an entry/);
    assert.ok(c.next());
    assert.equal(c.key, 'k');
    assert.ok(!c.next());
    assert.ok(!c.next());
    assert.throws(() => c.value, /not on an entry/);
    const empty = cursor(open(pack([])) as unknown[]);
    assert.ok(!empty.next());
    assert.throws(() => empty.key, TypeError);
  });

  test('what is not a Map, Set or array is a TypeError naming it', () => {
    for (const [value, name] of [
      [{}, 'Object'],
      [open(pack({ a: 1 })), 'Object'],
      ['text', 'string'],
      [null, 'null'],
      [new Date(0), 'Date'],
    ] as const) {
      assert.throws(
        () => cursor(value as never),
        new RegExp(`cursor takes a Map, Set or array, got ${name}`),
      );
    }
  });

  test('a value slot that points outside its segment, or at a node that runs past it, is a CowshareError', () => {
    const image = pack(
      new Map([
        ['a', { id: 1 }],
        ['b', { id: 2 }],
        ['c', { id: 3 }],
      ]),
    );
    const words = new Uint32Array(image.segments[0]!);
    const c = cursor(open(image) as ReadonlyMap<string, { id: number }>);
    assert.ok(c.next());
    assert.equal(c.value.id, 1); // (its shape is decoded now, before the table is overwritten)
    const header = words[findValueSlot(image, 1)! >>> 2]!; // the records' header word
    const [second, third] = [findValueSlot(image, 2, true)!, findValueSlot(image, 3, true)!];
    // Entry 2's value: a reference past the segment's end.
    words[second] = image.segments[0]!.byteLength;
    // Entry 3's value: the records' header word in the segment's last word, its body past the end.
    // (That word belongs to a table the reader has read already, at open.)
    const lastWord = words.length - 1;
    const saved = words[lastWord]!;
    words[lastWord] = header;
    words[third] = 4 * lastWord;
    for (const entry of [2, 3]) {
      assert.ok(c.next());
      assert.throws(
        () => c.value,
        (error: unknown) => error instanceof CowshareError && error.code === 'CORRUPT',
        `entry ${entry}`,
      );
    }
    words[lastWord] = saved;
  });
});

/**
 * Entry `n`'s (from 1) value slot of the Map an image holds as its root: the slot's word index with
 * `word`, else the slot itself (a near reference: the node's byte offset, FORMAT.md §4).
 */
function findValueSlot(image: Image, n: number, word = false): number | undefined {
  const words = new Uint32Array(image.segments[0]!);
  const root = nodeOf(open(image))!.address;
  const at = (root >>> 2) + 1 + 2 * (n - 1) + 1;
  return word ? at : words[at];
}
