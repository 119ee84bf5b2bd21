// Views: what open() returns reads like the packed value (objects, arrays and their non-mutating methods,
// Map and Set, typed arrays in place, Date / RegExp / Error / boxed as real objects), every write through
// a view throws a TypeError, and reading never changes a byte of the image.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { types } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Image } from '../src/index.js';
import { open, pack, toJS } from '../src/index.js';
import { corpus, HOLE, holey } from './support/corpus.js';
import { assertSameAsClone, assertViewReads } from './support/equal.js';

function snapshot(image: Image): Uint8Array[] {
  return image.segments.map((segment) => new Uint8Array(segment).slice());
}

function assertUnchanged(image: Image, before: Uint8Array[]): void {
  assert.equal(image.segments.length, before.length);
  image.segments.forEach((segment, i) => {
    const now = new Uint8Array(segment);
    const then = before[i]!;
    if (!Buffer.from(now).equals(Buffer.from(then))) {
      const at = then.findIndex((byte, j) => now[j] !== byte);
      assert.fail(`segment ${i} changed at byte ${at}`);
    }
  });
}

const mapObjectKey = { mapKey: true };
const setObjectMember = { setMember: true };

function makeSample() {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  const sab = new SharedArrayBuffer(8);
  new Uint8Array(sab).set([9, 8, 7, 6, 5, 4, 3, 2]);
  return {
    name: 'root',
    count: 3,
    ratio: 0.5,
    neg: -0,
    nan: NaN,
    big: 12n,
    nothing: null,
    undef: undefined,
    flag: true,
    text: 'ünïcødé 😀 \uD800',
    nested: { a: 1, b: [1, 2], c: { d: 'deep' } },
    list: [3, 1, 2, 'x', null, [4, [5, [6]]], 1, NaN, undefined],
    numbers: [5, 3, 9, 1, 7, 3],
    holes: holey(1, HOLE, 3, HOLE),
    objects: [{ id: 1 }, { id: 2 }, { id: 3 }],
    map: new Map<unknown, unknown>([
      ['a', 1],
      [NaN, 'nan'],
      [0, 'zero'],
      [mapObjectKey, 'object'],
      [2n, 'two'],
      [null, 'null'],
      [undefined, 'undefined'],
      ['nested', { deep: [1] }],
    ]),
    set: new Set<unknown>(['a', NaN, 0, setObjectMember, 5n, null]),
    bigMap: new Map(Array.from({ length: 100 }, (_, i) => [i % 2 ? `key${i}` : i * 1.5, i])),
    bigSet: new Set(Array.from({ length: 100 }, (_, i) => (i % 2 ? `member${i}` : -i))),
    f64: new Float64Array([1.5, -0, NaN, Infinity]),
    u8: new Uint8Array(buffer, 3, 4),
    i16: new Int16Array(buffer, 8, 4),
    i64: new BigInt64Array([-(2n ** 63n), 1n]),
    dv: new DataView(buffer, 2, 6),
    ab: buffer.slice(0, 5),
    sab,
    date: new Date(1_700_000_000_000),
    invalidDate: new Date(Number.NaN),
    re: /a+(b)/gi,
    err: new RangeError('bad', { cause: 'why' }),
    num: new Number(3),
    str: new String('s'),
    bool: new Boolean(false),
    bigBoxed: Object(-5n) as object,
  };
}
type Sample = ReturnType<typeof makeSample>;

describe('primitives at the root come back as primitives', () => {
  const primitives: unknown[] = [
    0,
    -0,
    1,
    -1,
    2 ** 30,
    2 ** 31,
    1.5,
    NaN,
    Infinity,
    'a',
    '',
    '😀',
    true,
    false,
  ];
  primitives.push(null, undefined, 0n, -(2n ** 100n));
  for (const p of primitives) {
    test(typeof p === 'bigint' ? `${p}n` : Object.is(p, -0) ? '-0' : String(p), () => {
      const v = open(pack(p));
      assert.equal(typeof v, typeof p);
      assert.ok(Object.is(v, p), `got ${String(v)}`);
    });
  }
});

describe('plain object views', () => {
  const original = makeSample();
  const image = pack(original);
  const view = open<Sample>(image);

  test('property reads', () => {
    assert.equal(view.name, 'root');
    assert.equal(view.count, 3);
    assert.equal(view.ratio, 0.5);
    assert.ok(Object.is(view.neg, -0));
    assert.ok(Number.isNaN(view.nan));
    assert.equal(view.big, 12n);
    assert.equal(view.nothing, null);
    assert.equal(view.undef, undefined);
    assert.equal(view.flag, true);
    assert.equal(view.text, original.text);
    assert.equal(view.nested.c.d, 'deep');
    assert.equal((view as unknown as Record<string, unknown>).missing, undefined);
  });

  test('Object.keys, Object.entries, Object.values', () => {
    assert.deepEqual(Object.keys(view), Object.keys(original));
    assert.deepEqual(Object.keys(view.nested), ['a', 'b', 'c']);
    const entries = Object.entries(view.nested);
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[0], ['a', 1]);
    assert.deepEqual(toJS(entries[1]![1] as unknown), [1, 2]);
    assert.deepEqual(Object.values({ ...view }).length, Object.keys(original).length);
    assert.deepEqual((Object.values(view.nested) as unknown[]).slice(0, 1), [1]);
  });

  test('in, hasOwnProperty, Object.hasOwn', () => {
    assert.ok('name' in view);
    assert.ok('undef' in view);
    assert.ok(!('missing' in view));
    assert.ok(Object.hasOwn(view, 'undef'));
    assert.ok(!Object.hasOwn(view, 'missing'));
    // The inherited hasOwnProperty is what is under test here.
    const withHasOwn = view as unknown as { hasOwnProperty(k: string): boolean };
    // biome-ignore lint/suspicious/noPrototypeBuiltins: the inherited method is under test
    assert.ok(Object.prototype.hasOwnProperty.call(view, 'count'));
    // biome-ignore lint/suspicious/noPrototypeBuiltins: the inherited method is under test
    assert.ok(withHasOwn.hasOwnProperty('count'));
    // biome-ignore lint/suspicious/noPrototypeBuiltins: the inherited method is under test
    assert.ok(!withHasOwn.hasOwnProperty('missing'));
    assert.ok(!Object.hasOwn(view, 'toString'));
  });

  test('spread and destructuring', () => {
    const spread = { ...view };
    assert.deepEqual(Object.keys(spread), Object.keys(original));
    assert.equal(spread.name, 'root');
    assert.ok(Object.is(spread.neg, -0));
    const { name, count, nested, ...rest } = view;
    assert.equal(name, 'root');
    assert.equal(count, 3);
    assert.equal(nested.a, 1);
    assert.deepEqual(
      Object.keys(rest),
      Object.keys(original).filter((k) => !['name', 'count', 'nested'].includes(k)),
    );
    const {
      list: [first, , third],
    } = view;
    assert.equal(first, 3);
    assert.equal(third, 2);
  });

  test('for…in lists the own keys in order', () => {
    const keys: string[] = [];
    for (const key in view) keys.push(key);
    const expected: string[] = [];
    for (const key in original) expected.push(key);
    assert.deepEqual(keys, expected);
  });

  test('Object.getOwnPropertyDescriptor', () => {
    const d = Object.getOwnPropertyDescriptor(view, 'count');
    assert.ok(d !== undefined);
    assert.equal(d.enumerable, true);
    assert.equal('value' in d ? d.value : d.get?.call(view), 3);
    assert.equal(Object.getOwnPropertyDescriptor(view, 'missing'), undefined);
    const names = Object.getOwnPropertyNames(view);
    assert.deepEqual(names, Object.keys(original));
    assert.deepEqual(Object.getOwnPropertySymbols(view), []);
  });

  test('JSON.stringify equals JSON.stringify of the original', () => {
    const doc = {
      users: [
        { id: 1, name: 'Ann', tags: ['a', 'b'], score: -0, extra: undefined },
        { id: 2, name: 'Bø', tags: [], score: 1e21, nested: { deep: [null, true, 1.5] } },
      ],
      holes: holey(1, HOLE, 3),
      date: new Date(0),
      nan: NaN,
      text: 'quote " backslash \\ \n \uD800',
      map: new Map([[1, 2]]),
      typed: new Uint8Array([1, 2]),
      boxed: [new Number(4), new String('s'), new Boolean(true)],
    };
    const v = open(pack(doc));
    assert.equal(JSON.stringify(v), JSON.stringify(doc));
    assert.equal(JSON.stringify(v, null, 2), JSON.stringify(doc, null, 2));
    assert.equal(JSON.stringify(v, ['users', 'id']), JSON.stringify(doc, ['users', 'id']));
  });

  test('toJS of a nested view', () => {
    assertSameAsClone(toJS(view.nested), structuredClone(original.nested));
    assertSameAsClone(toJS(view.map), structuredClone(original.map));
    assertSameAsClone(toJS(view), structuredClone(original));
  });
});

describe('array views', () => {
  const original = makeSample();
  const view = open<Sample>(pack(original));
  const list = view.list;
  const numbers = view.numbers;

  test('Array.isArray, length, index, iteration', () => {
    assert.ok(Array.isArray(list));
    assert.equal(list.length, original.list.length);
    assert.equal(list[0], 3);
    assert.equal(list[3], 'x');
    assert.equal(list[100], undefined);
    assert.equal(list[-1], undefined);
    assert.equal(JSON.stringify([...list]), JSON.stringify(original.list));
    const seen: unknown[] = [];
    for (const item of numbers) seen.push(item);
    assert.deepEqual(seen, original.numbers);
    assert.deepEqual(Array.from(numbers), original.numbers);
    assert.deepEqual(Object.keys(numbers), Object.keys(original.numbers));
  });

  test('non-mutating methods give the same results as on the original', () => {
    const o = original.numbers;
    const v = numbers;
    const checks: [string, (a: number[]) => unknown][] = [
      ['map', (a) => a.map((x, i) => x * i)],
      ['filter', (a) => a.filter((x) => x > 3)],
      ['slice', (a) => a.slice(1, -1)],
      ['indexOf', (a) => [a.indexOf(3), a.indexOf(3, 2), a.indexOf(42)]],
      ['lastIndexOf', (a) => a.lastIndexOf(3)],
      ['includes', (a) => [a.includes(9), a.includes(10)]],
      ['find', (a) => [a.find((x) => x > 5), a.findIndex((x) => x > 5)]],
      ['findLast', (a) => [a.findLast((x) => x < 5), a.findLastIndex((x) => x < 5)]],
      ['join', (a) => [a.join(), a.join('-'), a.toString(), String(a)]],
      ['at', (a) => [a.at(0), a.at(-1), a.at(99)]],
      ['reduce', (a) => [a.reduce((s, x) => s + x, 0), a.reduceRight((s, x) => `${s}${x}`, '')]],
      ['some/every', (a) => [a.some((x) => x > 8), a.every((x) => x > 0), a.every((x) => x > 1)]],
      [
        'forEach',
        (a) => {
          const out: unknown[] = [];
          a.forEach((x, i, arr) => {
            out.push(x, i, arr.length);
          });
          return out;
        },
      ],
      ['entries/keys/values', (a) => [[...a.entries()], [...a.keys()], [...a.values()]]],
      ['concat', (a) => a.concat([10], 11)],
      ['flatMap', (a) => a.flatMap((x) => [x, [x]])],
      ['toSorted/toReversed/with', (a) => [a.toSorted(), a.toReversed(), a.with(0, 100)]],
      ['spread into call', (a) => Math.max(...a)],
    ];
    for (const [name, check] of checks) {
      assert.deepEqual(check(v as number[]), check(o), name);
    }
  });

  test('nested arrays, flat and NaN', () => {
    assert.equal(JSON.stringify(list.flat()), JSON.stringify(original.list.flat()));
    assert.equal(JSON.stringify(list.flat(Infinity)), JSON.stringify(original.list.flat(Infinity)));
    assert.equal(list.includes(NaN), true);
    assert.equal(list.indexOf(NaN), -1);
    assert.equal(list.includes(undefined), true);
    assert.equal(
      list.findIndex((x) => Number.isNaN(x)),
      7,
    );
    const objects = view.objects.map((o) => o.id);
    assert.deepEqual(objects, [1, 2, 3]);
    assert.deepEqual(
      view.objects.filter((o) => o.id > 1).map((o) => o.id),
      [2, 3],
    );
  });

  test('holes stay holes', () => {
    const h = view.holes as readonly unknown[];
    assert.equal(h.length, 4);
    assert.ok(0 in h);
    assert.ok(!(1 in h));
    assert.ok(!(3 in h));
    assert.deepEqual(Object.keys(h), ['0', '2']);
    assert.equal(h[1], undefined);
    assert.equal(h.indexOf(undefined), -1);
    assert.equal(h.includes(undefined), true);
    const visited: number[] = [];
    h.forEach((_, i) => {
      visited.push(i);
    });
    assert.deepEqual(visited, [0, 2]);
    const mapped = h.map((x) => x);
    assert.ok(!(1 in mapped));
    assert.equal(mapped.length, 4);
    assert.equal(JSON.stringify(h), '[1,null,3,null]');
  });

  test('sparse arrays', () => {
    const a: number[] = [];
    a[1e6] = 1;
    a[5] = 2;
    const v = open<number[]>(pack(a));
    assert.ok(Array.isArray(v));
    assert.equal(v.length, 1e6 + 1);
    assert.equal(v[1e6], 1);
    assert.equal(v[5], 2);
    assert.equal(v[6], undefined);
    assert.ok(!(6 in v));
    assert.deepEqual(Object.keys(v), ['5', '1000000']);
    assert.equal(v.indexOf(1), 1e6);
  });

  test('arrays with named properties', () => {
    const v = open<number[] & { foo: number }>(pack(Object.assign([1, 2], { foo: 3 })));
    assert.ok(Array.isArray(v));
    assert.equal(v.length, 2);
    assert.equal(v.foo, 3);
    assert.deepEqual(Object.keys(v), ['0', '1', 'foo']);
    assert.deepEqual([...v], [1, 2]);
  });
});

describe('Map views', () => {
  const original = makeSample();
  const view = open<Sample>(pack(original));
  const map = view.map as unknown as ReadonlyMap<unknown, unknown>;

  test('size, get, has, iteration in insertion order', () => {
    assert.equal(map.size, original.map.size);
    assert.equal(map.get('a'), 1);
    assert.equal(map.get(2n), 'two');
    assert.equal(map.get(null), 'null');
    assert.equal(map.get(undefined), 'undefined');
    assert.equal(map.get('missing'), undefined);
    assert.ok(map.has('a'));
    assert.ok(!map.has('b'));
    assert.ok(!map.has(1));
    assert.deepEqual(toJS((map.get('nested') as { deep: number[] }).deep), [1]);
    const keys = [...map.keys()];
    assert.equal(keys.length, original.map.size);
    assert.deepEqual(keys.slice(0, 3), ['a', NaN, 0]);
    assert.deepEqual([...map.values()].slice(0, 3), [1, 'nan', 'zero']);
    assert.deepEqual([...map.entries()].slice(0, 2), [
      ['a', 1],
      [NaN, 'nan'],
    ]);
    assert.deepEqual([...map].slice(0, 2), [
      ['a', 1],
      [NaN, 'nan'],
    ]);
    assert.equal(map[Symbol.iterator]().next().value?.[0], 'a');
  });

  test('NaN and -0 keys by SameValueZero', () => {
    assert.equal(map.get(NaN), 'nan');
    assert.equal(map.get(0), 'zero');
    assert.equal(map.get(-0), 'zero');
    assert.ok(map.has(-0));
    assert.ok(map.has(Number.NaN));
    assert.ok(!map.has('0'));
    assert.ok(!map.has(0n));
  });

  test('an object key from keys() works with get and has', () => {
    const key = [...map.keys()].find((k) => typeof k === 'object' && k !== null);
    assert.ok(key !== undefined);
    assert.deepEqual(toJS(key), { mapKey: true });
    assert.equal(map.get(key), 'object');
    assert.ok(map.has(key));
    assert.ok(!map.has(mapObjectKey), 'the original key object is not in the image');
    assert.equal(map.get({ mapKey: true }), undefined);
  });

  test('forEach passes value, key and the map view', () => {
    const out: unknown[] = [];
    map.forEach((value, key, m) => {
      out.push([key, typeof value === 'object' ? 'obj' : value, m === map]);
    });
    assert.equal(out.length, original.map.size);
    assert.deepEqual(out[0], ['a', 1, true]);
  });

  test('a Map with a hash index finds every key and no other', () => {
    const big = view.bigMap as ReadonlyMap<unknown, unknown>;
    assert.equal(big.size, 100);
    for (const [k, v] of original.bigMap) {
      assert.equal(big.get(k), v, `get(${String(k)})`);
      assert.ok(big.has(k));
    }
    for (const missing of ['key0', 'key100', 'nope', 1, 0.75, 2 ** 40, 3n, true, null, undefined, NaN, {}]) {
      assert.ok(!big.has(missing), `has(${String(missing)})`);
      assert.equal(big.get(missing), undefined);
    }
    assert.equal(big.get(-0), 0);
    assert.deepEqual([...big.keys()], [...original.bigMap.keys()]);
  });

  test('a 10k-entry Map', () => {
    const m = new Map(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, { i }]));
    const v = open<Map<string, { i: number }>>(pack(m));
    assert.equal(v.size, 10_000);
    for (let i = 0; i < 10_000; i += 7) assert.equal(v.get(`k${i}`)?.i, i);
    assert.equal(v.get('k10000'), undefined);
  });
});

describe('Set views', () => {
  const original = makeSample();
  const view = open<Sample>(pack(original));
  const set = view.set as unknown as ReadonlySet<unknown>;

  test('size, has, iteration in insertion order', () => {
    assert.equal(set.size, original.set.size);
    assert.ok(set.has('a'));
    assert.ok(set.has(NaN));
    assert.ok(set.has(0));
    assert.ok(set.has(-0));
    assert.ok(set.has(5n));
    assert.ok(set.has(null));
    assert.ok(!set.has(undefined));
    assert.ok(!set.has('b'));
    assert.ok(!set.has(setObjectMember));
    const values = [...set.values()];
    assert.deepEqual(values.slice(0, 3), ['a', NaN, 0]);
    assert.deepEqual([...set].slice(0, 3), ['a', NaN, 0]);
    assert.deepEqual([...set.keys()].slice(0, 3), ['a', NaN, 0]);
    assert.deepEqual([...set.entries()][0], ['a', 'a']);
    const member = values.find((m) => typeof m === 'object' && m !== null);
    assert.ok(member !== undefined);
    assert.ok(set.has(member));
    const seen: unknown[] = [];
    set.forEach((value, again, s) => {
      seen.push(value === again || Number.isNaN(value), s === set);
    });
    assert.deepEqual(seen, Array(original.set.size * 2).fill(true));
  });

  test('a Set with a hash index', () => {
    const big = view.bigSet as ReadonlySet<unknown>;
    assert.equal(big.size, 100);
    for (const m of original.bigSet) assert.ok(big.has(m), `has(${String(m)})`);
    for (const missing of ['member0', 'member100', 1, -1, 0.5, '1', -100]) assert.ok(!big.has(missing));
  });
});

describe('typed arrays, buffers and other objects', () => {
  const original = makeSample();
  const image = pack(original);
  const view = open<Sample>(image);

  test('typed arrays are real typed arrays over the image memory', () => {
    for (const key of ['f64', 'u8', 'i16', 'i64'] as const) {
      const v = view[key];
      const o = original[key];
      assert.equal(Object.getPrototypeOf(v), Object.getPrototypeOf(o), key);
      assert.ok(types.isTypedArray(v), key);
      assert.equal(v.length, o.length, key);
      assert.deepEqual(Array.from(v as ArrayLike<unknown>), Array.from(o as ArrayLike<unknown>), key);
      assert.ok(v.buffer instanceof SharedArrayBuffer, `${key}.buffer is a SharedArrayBuffer`);
      assert.ok(
        image.segments.includes(v.buffer as SharedArrayBuffer),
        `${key}.buffer is a segment of the image (zero copy)`,
      );
      assert.equal(v.byteOffset % o.BYTES_PER_ELEMENT, 0, `${key} is aligned`);
    }
    assert.ok(Object.is(view.f64[1], -0));
    assert.ok(Number.isNaN(view.f64[2]));
    assert.equal(view.i64[0], -(2n ** 63n));
  });

  test('DataView', () => {
    const dv = view.dv;
    assert.ok(dv instanceof DataView);
    assert.equal(dv.byteLength, 6);
    for (let i = 0; i < 6; i++) assert.equal(dv.getUint8(i), original.dv.getUint8(i));
    assert.equal(dv.getUint16(0, true), original.dv.getUint16(0, true));
  });

  test('ArrayBuffer comes back as an ArrayBuffer with the same bytes', () => {
    assert.ok(types.isArrayBuffer(view.ab));
    assert.deepEqual([...new Uint8Array(view.ab)], [0, 1, 2, 3, 4]);
    assert.ok(types.isSharedArrayBuffer(view.sab));
    assert.deepEqual([...new Uint8Array(view.sab)], [9, 8, 7, 6, 5, 4, 3, 2]);
  });

  test('the ArrayBuffer is a copy: writing to it leaves the image alone', () => {
    const before = snapshot(image);
    const ab = view.ab;
    new Uint8Array(ab).fill(0xee);
    assert.deepEqual([...new Uint8Array(view.ab)], [0, 1, 2, 3, 4]);
    assertUnchanged(image, before);
  });

  test('toJS copies typed arrays out of the image', () => {
    const copy = toJS(view) as unknown as Sample;
    for (const key of ['f64', 'u8', 'i16', 'i64'] as const) {
      assert.ok(!image.segments.includes(copy[key].buffer as unknown as SharedArrayBuffer), key);
      assert.ok(types.isArrayBuffer(copy[key].buffer), `${key}.buffer is an ArrayBuffer, as in the original`);
    }
    assert.equal(copy.u8.buffer, copy.i16.buffer, 'views of one buffer still share one buffer');
    assert.equal(copy.u8.buffer, copy.dv.buffer);
  });

  test('Date, RegExp, Error and boxed primitives are real objects', () => {
    assert.ok(view.date instanceof Date);
    assert.equal(view.date.getTime(), 1_700_000_000_000);
    assert.ok(view.invalidDate instanceof Date);
    assert.ok(Number.isNaN(view.invalidDate.getTime()));
    assert.ok(view.re instanceof RegExp);
    assert.equal(view.re.source, 'a+(b)');
    assert.equal(view.re.flags, 'gi');
    assert.equal(view.re.lastIndex, 0);
    assert.deepEqual('xaabyab'.match(view.re), ['aab', 'ab']);
    assert.ok(view.err instanceof RangeError);
    assert.equal(view.err.message, 'bad');
    assert.equal(view.err.cause, 'why');
    assert.equal(view.err.stack, original.err.stack);
    assert.ok(types.isNumberObject(view.num));
    assert.equal(view.num.valueOf(), 3);
    assert.ok(types.isStringObject(view.str));
    assert.equal(view.str.valueOf(), 's');
    assert.ok(types.isBooleanObject(view.bool));
    assert.equal(view.bool.valueOf(), false);
    assert.ok(types.isBigIntObject(view.bigBoxed));
    assert.equal(view.bigBoxed.valueOf(), -5n);
  });
});

describe('view reads equal direct reads, for every corpus case', () => {
  for (const c of corpus) {
    if (c.large) continue;
    test(c.name, () => {
      const value = c.make();
      assertViewReads(open(pack(value)), value);
    });
  }
});

describe('walks that stop at cycles by identity give the native results, for every corpus case', () => {
  /** What `fn` returns, or the class and first line of what it throws. */
  const outcome = (fn: () => unknown): string => {
    try {
      return `returns ${String(fn())}`;
    } catch (error) {
      return `throws ${(error as Error).constructor.name}: ${String((error as Error).message).split('\n')[0]}`;
    }
  };
  const walks: [string, (v: unknown) => unknown][] = [
    ['JSON.stringify', (v) => JSON.stringify(v)],
    ['JSON.stringify with an indent', (v) => JSON.stringify({ v }, null, 1)],
    ['join', (v) => (Array.isArray(v) ? v.join('|') : '')],
    ['String', (v) => (Array.isArray(v) ? String(v) : '')],
    ['toLocaleString', (v) => (Array.isArray(v) ? v.toLocaleString() : '')],
  ];
  for (const objects of ['facade', 'record'] as const) {
    test(`objects: ${objects}`, () => {
      for (const c of corpus) {
        if (c.large) continue;
        const value = c.make();
        // A native array of length 2^32 − 1 takes minutes to join or stringify (a view's join does not).
        if (Array.isArray(value) && value.length > 1_000_000) continue;
        const view = open(pack(value), { objects });
        // What a view stands for (class instances are plain); Node 20 cannot clone an error that is
        // its own cause, which is left to the other tests.
        if (c.name === 'error cause cycle') continue;
        const clone = structuredClone(value);
        for (const [name, walk] of walks) {
          assert.equal(
            outcome(() => walk(view)),
            outcome(() => walk(clone)),
            `${c.name}: ${name}`,
          );
        }
      }
    });
  }

  test('an array holding itself, an object holding itself through an array', () => {
    const list: unknown[] = [1, 'two'];
    list.push(list, [list, 3]);
    const node: Record<string, unknown> = { name: 'n' };
    node.children = [1, node];
    for (const value of [list, node, { list, node }]) {
      const view = open(pack(value));
      for (const [name, walk] of walks)
        assert.equal(
          outcome(() => walk(view)),
          outcome(() => walk(value)),
          name,
        );
    }
    assert.equal(String(open(pack(list))), '1,two,,,3');
    // A sparse view joins its elements, not its holes: too long a string fails at once, as natively.
    const sparse: unknown[] = [];
    sparse[1_000_000] = 'x';
    sparse[5] = [1, list];
    assert.equal(open<unknown[]>(pack(sparse)).join('-'), sparse.join('-'));
    const huge: unknown[] = [];
    huge[2 ** 32 - 2] = 'last';
    assert.throws(() => open<unknown[]>(pack(huge)).join(), RangeError);
    assert.throws(() => JSON.stringify(open(pack(node))), /Converting circular structure to JSON/);
  });
});

describe('every write through a view throws a TypeError', () => {
  const original = makeSample();
  const image = pack(original);
  const before = snapshot(image);
  const view = open<Sample>(image);
  const anyView = view as unknown as Record<string, unknown>;

  const writes: [string, () => unknown][] = [
    ['set an existing property', () => (anyView.name = 'x')],
    ['set a new property', () => (anyView.added = 1)],
    ['set a nested property', () => ((view.nested as { a: number }).a = 2)],
    ['delete a property', () => delete anyView.name],
    ['delete a missing property', () => delete anyView.missing],
    ['Object.defineProperty', () => Object.defineProperty(view, 'x', { value: 1 })],
    ['Object.defineProperty existing', () => Object.defineProperty(view, 'name', { value: 'y' })],
    ['Object.setPrototypeOf', () => Object.setPrototypeOf(view, null)],
    ['Object.setPrototypeOf nested', () => Object.setPrototypeOf(view.nested, { evil: true })],
    ['Object.freeze', () => Object.freeze(view)],
    ['Object.freeze nested', () => Object.freeze(view.nested)],
    ['Object.preventExtensions', () => Object.preventExtensions(view)],
    ['Object.seal', () => Object.seal(view)],
    ['Object.assign onto a view', () => Object.assign(view, { name: 'z' })],
    ['array index assignment', () => ((view.list as unknown[])[0] = 9)],
    ['array index append', () => ((view.list as unknown[])[100] = 9)],
    ['array length assignment', () => ((view.list as unknown[]).length = 0)],
    ['array push', () => (view.list as unknown[]).push(1)],
    ['array pop', () => (view.list as unknown[]).pop()],
    ['array shift', () => (view.list as unknown[]).shift()],
    ['array unshift', () => (view.list as unknown[]).unshift(1)],
    ['array splice', () => (view.list as unknown[]).splice(0, 1)],
    ['array sort', () => (view.numbers as number[]).sort()],
    ['array reverse', () => (view.numbers as number[]).reverse()],
    ['array fill', () => (view.numbers as number[]).fill(0)],
    ['array copyWithin', () => (view.numbers as number[]).copyWithin(0, 1)],
    ['array delete index', () => delete (view.numbers as number[])[0]],
    ['array freeze', () => Object.freeze(view.numbers)],
    ['Map set', () => (view.map as Map<unknown, unknown>).set('a', 2)],
    ['Map set new key', () => (view.map as Map<unknown, unknown>).set('new', 2)],
    ['Map delete', () => (view.map as Map<unknown, unknown>).delete('a')],
    ['Map clear', () => (view.map as Map<unknown, unknown>).clear()],
    ['Set add', () => (view.set as Set<unknown>).add('b')],
    ['Set delete', () => (view.set as Set<unknown>).delete('a')],
    ['Set clear', () => (view.set as Set<unknown>).clear()],
  ];
  for (const [name, write] of writes) {
    test(name, () => {
      assert.throws(write, TypeError);
    });
  }

  test('nothing changed: the view, its nested views and the bytes', () => {
    assertSameAsClone(toJS(open(image)), structuredClone(original));
    assertSameAsClone(toJS(view), structuredClone(original));
    assert.equal(view.name, 'root');
    assert.equal(view.map.get('a'), 1);
    assert.equal(view.set.size, original.set.size);
    assert.equal(view.list.length, original.list.length);
    assert.ok(Object.isExtensible(toJS(view)));
    assertUnchanged(image, before);
  });
});

describe('reading never writes to the image', () => {
  test('a heavy read session leaves every byte as it was', () => {
    const original = makeSample();
    const extra = {
      sample: original,
      // Error self-cycles are left to the corpus tests: this test is about the bytes.
      corpus: corpus.filter((c) => !c.large && c.name !== 'error cause cycle').map((c) => c.make()),
    };
    const image = pack(extra, { segmentSize: 65536 });
    const before = snapshot(image);
    const view = open<typeof extra>(image);
    assertSameAsClone(toJS(view), structuredClone(extra));
    assertViewReads(view, extra);
    const s = view.sample;
    const bigintsAsStrings = (_key: string, v: unknown): unknown =>
      typeof v === 'bigint' || types.isBigIntObject(v) ? String(v.valueOf()) : v;
    assert.equal(JSON.stringify(s, bigintsAsStrings), JSON.stringify(original, bigintsAsStrings));
    for (let i = 0; i < 100; i++) {
      s.bigMap.get(i * 1.5);
      s.bigMap.get(`key${i}`);
      s.bigSet.has(`member${i}`);
      s.map.get(NaN);
    }
    [...s.list].map(String);
    s.numbers.toSorted();
    Object.entries(s).length;
    for (const key in s) (s as unknown as Record<string, unknown>)[key];
    toJS(s.ab);
    assertUnchanged(image, before);
  });
});

describe('images cross threads', () => {
  test('a worker opens an image sent by postMessage and reads the same value', async () => {
    const value = { greeting: 'hello', list: [1, 2, 3], map: new Map([['k', 'v']]) };
    const image = pack(value);
    const index = new URL('../src/index.ts', import.meta.url).href;
    // Workers do not inherit the tsx loader: the worker registers it before importing the sources.
    const tsx = import.meta.resolve('tsx/esm/api');
    const source = `
      const { parentPort } = require('node:worker_threads');
      parentPort.once('message', async (image) => {
        const { register } = await import(${JSON.stringify(tsx)});
        register();
        const { open, toJS } = await import(${JSON.stringify(index)});
        const view = open(image);
        const shared = image.segments.every((s) => s instanceof SharedArrayBuffer);
        parentPort.postMessage({ json: JSON.stringify(view), mapped: view.map.get('k'), copy: toJS(view), shared });
      });`;
    const worker = new Worker(source, { eval: true });
    try {
      const reply = await new Promise<{ json: string; mapped: string; copy: unknown; shared: boolean }>(
        (resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage(image);
        },
      );
      assert.equal(reply.json, JSON.stringify(value));
      assert.equal(reply.mapped, 'v');
      assert.ok(reply.shared);
      assertSameAsClone(reply.copy, structuredClone(value));
    } finally {
      await worker.terminate();
    }
  });
});
