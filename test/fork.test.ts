// fork / snapshot, case by case: what costs what (a fork changes nothing, a write copies one node's
// path or one page), what a snapshot refuses, keys that are data, values assigned across branches,
// object keys, holes and huge lengths, built-ins. The model test (fork.property.test.ts) covers random
// sequences; these pin the details down.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { draftOf } from '../src/cow/draft-node.js';
import { containerKind, isDraftedKind } from '../src/cow/kind.js';
import { DICT_MIN_KEYS, KIND_MASK, KIND_NAMES, Kind } from '../src/format/layout.js';
import { nodeOf } from '../src/format/node-ref.js';
import { segmentOfAddress } from '../src/format/reader.js';
import { commit, fork, open, pack, snapshot, toJS } from '../src/index.js';
import { assertSameAsClone } from './support/equal.js';

type Any = any;

/** The number of nodes a draft's branch has states for (what it has paid for). */
function statesOf(draft: object): number {
  return draftOf(draft)!.branch.overrides.size;
}

describe('fork costs only what is written', () => {
  const big = new Map(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { i, tags: ['a'] }]));

  test('forking a 100,000-entry Map, from a plain value and from an image, makes no state', () => {
    for (const base of [big, open(pack(big))]) {
      const draft = fork(base) as Any;
      assert.equal(statesOf(draft), 0);
      assert.equal(draft.get('k5').i, 5);
      assert.equal(statesOf(draft), 0, 'reads make no state');
      draft.get('k5').i = -5;
      draft.set('new', 1);
      assert.equal(statesOf(draft), 2, 'a write makes one state per node written');
      assert.equal(draft.get('k5').i, -5);
      assert.equal(draft.size, 100_001);
    }
    assert.equal(big.get('k5')!.i, 5);
    assert.equal(big.has('new'), false);
  });

  test('fork of a snapshot shares it, and siblings are independent', () => {
    const draft = fork({ a: { n: 0 } }) as Any;
    draft.a.n = 1;
    const saved = snapshot(draft);
    const left = fork(saved) as Any;
    const right = fork(saved) as Any;
    left.a.n = 2;
    right.a.n = 3;
    assert.equal(left.a.n, 2);
    assert.equal(right.a.n, 3);
    assert.equal((saved as Any).a.n, 1);
    assert.equal(draft.a.n, 1);
  });

  test('one byte written into a 64 MiB buffer copies one 4 KiB page', () => {
    const bytes = new Uint8Array(64 * 1024 * 1024);
    const draft = fork({ bytes }) as Any;
    draft.bytes[123_456] = 7;
    draft.bytes[123_457] = 8;
    const buffer = (draftOf(draft.bytes) as Any).buffer;
    assert.equal(buffer.state.pages.size, 1);
    let pageBytes = 0;
    buffer.state.pages.forEach((page: Any) => {
      pageBytes += page.bytes.length;
    });
    assert.equal(pageBytes, 4096);
    assert.equal(draft.bytes[123_456], 7);
    assert.equal(bytes[123_456], 0);
  });

  test('children of wide containers: one draft each, read in any order, before and after the kept drafts go dense', () => {
    // 1,000 entries: the drafts a container has shown are kept in a dense array from the 63rd on
    // (child-drafts.ts); reads before and after that point, writes, snapshots and forks must agree.
    const n = 1000;
    const record = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { i }]));
    const map = new Map(Array.from({ length: n }, (_, i) => [i, { i }]));
    const list = Array.from({ length: n }, (_, i) => ({ i }));
    const value = { record, map, list };
    for (const base of [value, open(pack(value))]) {
      const draft = fork(base) as Any;
      const readers: [string, (d: Any, i: number) => Any][] = [
        ['record', (d, i) => d.record[`k${i}`]],
        ['map', (d, i) => d.map.get(i)],
        ['list', (d, i) => d.list[i]],
      ];
      for (const [what, read] of readers) {
        const seen: Any[] = [];
        for (let k = 0; k < n; k++) {
          const i = (k * 389) % n; // every index once, spread
          seen[i] = read(draft, i);
          assert.equal(seen[i].i, i, `${what}[${i}]`);
        }
        for (let i = 0; i < n; i++) assert.equal(read(draft, i), seen[i], `${what}[${i}] is one draft`);
        read(draft, 7).i = -7;
        assert.equal(seen[7].i, -7);
        const saved = snapshot(draft) as Any;
        const next = fork(saved) as Any;
        read(next, 7).i = 70;
        assert.notEqual(read(next, 8), seen[8], 'a fork has drafts of its own');
        assert.deepEqual([read(next, 7).i, read(saved, 7).i, read(draft, 7).i], [70, -7, -7]);
      }
      // Iteration shows the same drafts as reads.
      const values = [...draft.map.values()];
      assert.equal(values[500], draft.map.get(500));
      const elements = [...draft.list];
      assert.equal(elements[999], draft.list[999]);
      // Unchanged elements after a shift are still the base's, each still one draft.
      const second = draft.list[1];
      draft.list.shift();
      assert.equal(draft.list[0], second);
      assert.equal(draft.list[0].i, 1);
    }
    assert.equal(list[7]!.i, 7);
  });

  test('a snapshot is O(1) and taking another without writes gives the same one', () => {
    const draft = fork({ a: 1 }) as Any;
    const one = snapshot(draft);
    assert.equal(snapshot(draft), one);
    draft.a = 2;
    assert.notEqual(snapshot(draft), one);
  });
});

describe('a snapshot refuses every write with a TypeError, and is left as it was', () => {
  const base = {
    o: { a: 1 },
    list: [3, 1, 2],
    map: new Map([['k', 1]]),
    set: new Set([1]),
    when: new Date(0),
    bytes: new Uint8Array([1, 2, 3]),
    view: new DataView(new ArrayBuffer(4)),
  };
  const writes: [string, (s: Any) => unknown][] = [
    ['set a property', (s) => (s.o.a = 2)],
    ['add a property', (s) => (s.o.b = 2)],
    ['delete a property', (s) => delete s.o.a],
    ['define a property', (s) => Object.defineProperty(s.o, 'a', { value: 2 })],
    ['set an element', (s) => (s.list[0] = 9)],
    ['push', (s) => s.list.push(4)],
    ['pop', (s) => s.list.pop()],
    ['sort', (s) => s.list.sort()],
    ['splice', (s) => s.list.splice(0, 1)],
    ['set length', (s) => (s.list.length = 0)],
    ['Map#set', (s) => s.map.set('k', 2)],
    ['Map#delete', (s) => s.map.delete('k')],
    ['Map#clear', (s) => s.map.clear()],
    ['Set#add', (s) => s.set.add(2)],
    ['Set#delete', (s) => s.set.delete(1)],
    ['Date#setTime', (s) => s.when.setTime(5)],
    ['Date#setFullYear', (s) => s.when.setFullYear(2000)],
    ['typed array element', (s) => (s.bytes[0] = 9)],
    ['typed array fill', (s) => s.bytes.fill(0)],
    ['DataView#setUint8', (s) => s.view.setUint8(0, 1)],
    ['even a write that changes nothing', (s) => (s.o.a = 1)],
  ];
  for (const [what, write] of writes) {
    test(what, () => {
      const draft = fork(base);
      const saved = snapshot(draft) as Any;
      assert.throws(() => write(saved), TypeError);
      assert.deepEqual(toJS(saved), toJS(draft));
      assert.deepEqual(toJS(saved), structuredClone(base));
    });
  }

  test('freezing a draft is refused (take a snapshot instead)', () => {
    assert.throws(() => Object.freeze(fork({ a: 1 })), TypeError);
  });
});

describe('keys are data', () => {
  test('__proto__, constructor and prototype are properties of a draft, never a way to a prototype', () => {
    const base = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
    for (const source of [base, open(pack(base))]) {
      const draft = fork(source) as Any;
      // biome-ignore lint/suspicious/noProto: a key named __proto__ is the input under test
      assert.deepEqual(toJS(draft.__proto__), { polluted: true });
      // biome-ignore lint/suspicious/noProto: writes the own property, not the prototype
      draft.__proto__ = { again: true };
      draft.prototype = 2;
      assert.equal(Object.getPrototypeOf(draft), Object.prototype);
      assert.equal(({} as Any).polluted, undefined);
      assert.equal(({} as Any).again, undefined);
      assert.deepEqual(Object.keys(draft), ['__proto__', 'constructor', 'prototype']);
      assert.equal(draft.toString, Object.prototype.toString, 'inherited methods still work');
    }
  });

  test('symbol-keyed properties are refused', () => {
    const draft = fork({}) as Any;
    assert.throws(() => {
      draft[Symbol('x')] = 1;
    }, TypeError);
  });
});

describe('values across branches', () => {
  test('a value from another draft is taken as it is now (a snapshot of it), not as a live link', () => {
    const a = fork({ item: { n: 1 } }) as Any;
    const b = fork({}) as Any;
    b.copy = a.item;
    a.item.n = 2;
    assert.equal(b.copy.n, 1);
    b.copy.n = 3;
    assert.equal(a.item.n, 2);
  });

  test('aliases made in a draft stay aliases, and cycles can be made', () => {
    const draft = fork({ a: { n: 1 }, list: [] as unknown[] }) as Any;
    draft.b = draft.a;
    draft.b.n = 2;
    assert.equal(draft.a.n, 2);
    assert.equal(draft.a, draft.b);
    draft.list.push(draft);
    assert.equal(draft.list[0], draft);
    const copy = toJS(draft) as Any;
    assert.equal(copy.a, copy.b);
    assert.equal(copy.list[0], copy);
  });

  test('drafts inside a plain value written into the draft are aliases, also as Map keys and Set members', () => {
    for (const base of [{ a: { n: 1 } }, open(pack({ a: { n: 1 } }))]) {
      const draft = fork(base) as Any;
      draft.list = [{ ref: draft.a }];
      draft.index = new Map([[draft.a, 'a']]);
      draft.seen = new Set([draft.a]);
      assert.equal(draft.list[0].ref, draft.a);
      assert.equal(draft.index.get(draft.a), 'a');
      assert.equal(draft.seen.has(draft.a), true);
      assert.equal([...draft.index.keys()][0], draft.a);
      draft.list[0].ref.n = 2;
      assert.equal(draft.a.n, 2);
      // Written through the draft key: the same entry, not a second one.
      draft.index.set(draft.a, 'again');
      draft.seen.add(draft.a);
      assert.deepEqual([draft.index.size, draft.seen.size, draft.index.get(draft.a)], [1, 1, 'again']);
      draft.seen.delete(draft.a);
      assert.deepEqual([...draft.seen], []);
      const copy = toJS(draft) as Any;
      assert.equal(copy.list[0].ref, copy.a);
      assert.equal(copy.index.get(copy.a), 'again');
    }
  });

  test('a plain value assigned into a draft is read in place, never changed', () => {
    const given = { n: 1 };
    const draft = fork({}) as Any;
    draft.x = given;
    draft.x.n = 2;
    assert.equal(given.n, 1);
    assert.equal(draft.x.n, 2);
  });
});

describe('Maps and Sets', () => {
  test('object keys: the key object, its draft and its view all find the entry', () => {
    const key = { id: 1 };
    const base = new Map<object, string>([[key, 'one']]);
    const draft = fork(base) as Any;
    assert.equal(draft.get(key), 'one');
    const [draftKey] = [...draft.keys()];
    assert.equal(draft.get(draftKey), 'one');
    draft.set(draftKey, 'uno');
    assert.equal(draft.get(key), 'uno');
    assert.equal(draft.size, 1);

    const viewDraft = fork(open(pack(base))) as Any;
    const [k] = [...viewDraft.keys()];
    assert.equal(viewDraft.get(k), 'one');
    viewDraft.set(k, 'uno');
    assert.equal(viewDraft.size, 1);
    assert.equal([...viewDraft.values()][0], 'uno');
  });

  test('-0 and NaN keys behave as in a native Map', () => {
    const draft = fork(new Map<number, string>()) as Any;
    draft.set(-0, 'zero').set(NaN, 'nan');
    assert.equal(draft.get(0), 'zero');
    assert.ok(Object.is([...draft.keys()][0], 0));
    assert.equal(draft.get(NaN), 'nan');
  });

  test('writes during iteration are seen as a native Map sees them', () => {
    // Visiting key k: delete a later base key, set an earlier one, add a key, delete an added one.
    const during = (map: Map<string, number>, key: string): void => {
      if (key === 'k1') map.delete('k3');
      if (key === 'k2') map.set('k0', -1);
      if (key === 'k4') map.set('added1', 1).set('added2', 2);
      if (key === 'added1') map.delete('added2') && map.set('added3', 3);
      if (key === 'added3') map.delete('k1') && map.set('k1', 7);
    };
    // Before: k5 deleted and set again (to the end), k2 set in its place.
    const before = (map: Map<string, number>) => map.delete('k5') && map.set('k5', 5).set('k2', 20);
    const iterate = (map: Map<string, number>) => {
      const seen: unknown[] = [];
      for (const [key, value] of map) {
        seen.push(key, value);
        during(map, key);
      }
      return seen;
    };
    const base = new Map(Array.from({ length: 6 }, (_, i) => [`k${i}`, i]));
    const model = new Map(base);
    before(model);
    const expected = iterate(model);
    for (const start of [base, open(pack(base))]) {
      for (const draft of [fork(start) as Any, fork(snapshot(fork(start) as Any))]) {
        before(draft);
        assert.deepEqual(iterate(draft), expected);
        assert.deepEqual([...draft], [...model]);
      }
    }
    // A Set: members deleted before they are reached are not visited; added ones are.
    const members = new Set([1, 2, 3, 4]);
    const visit = (set: Set<number>) => {
      const seen: number[] = [];
      for (const m of set) {
        seen.push(m);
        if (m === 1) set.delete(3);
        if (m === 2) set.add(5);
        if (m === 5) set.delete(1) && set.add(1);
      }
      return seen;
    };
    const wanted = visit(new Set(members));
    for (const start of [members, open(pack(members))]) assert.deepEqual(visit(fork(start) as Any), wanted);
  });

  test('JSON.stringify and Object.prototype.toString see Maps and Sets', () => {
    const draft = fork({ m: new Map([[1, 2]]), s: new Set([1]) }) as Any;
    assert.equal(JSON.stringify(draft), '{"m":{},"s":{}}');
    assert.equal(Object.prototype.toString.call(draft.m), '[object Map]');
    assert.equal(Object.prototype.toString.call(draft.s), '[object Set]');
  });
});

describe('arrays', () => {
  test('holes stay holes; length can grow to 2^32 − 1 at once and shrink back', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is part of the value under test
    const draft = fork([1, , 3]) as Any;
    assert.equal(1 in draft, false);
    draft.length = 2 ** 32 - 1;
    assert.equal(draft.length, 2 ** 32 - 1);
    assert.equal(draft[2 ** 32 - 2], undefined);
    draft[10] = 'x';
    draft.length = 11;
    assert.deepEqual(Object.keys(draft), ['0', '2', '10']);
    assert.throws(() => {
      draft.length = -1;
    }, RangeError);
    assert.throws(() => {
      draft.length = 2 ** 32;
    }, RangeError);
  });

  test('an array draft of length 2^32 − 1 lists, copies and packs its few elements, not its holes', () => {
    for (const base of [[1, 2, 3], open(pack([1, 2, 3]))]) {
      const draft = fork(base) as Any;
      draft.length = 2 ** 32 - 1;
      draft[2 ** 32 - 2] = 'last';
      assert.deepEqual(Object.keys(draft), ['0', '1', '2', String(2 ** 32 - 2)]);
      const copy = toJS(draft) as Any;
      assert.deepEqual(
        [copy.length, copy[2], copy[2 ** 32 - 2], Object.keys(copy).length],
        [2 ** 32 - 1, 3, 'last', 4],
      );
      const view = open(pack(draft)) as Any;
      assert.deepEqual([view.length, view[2 ** 32 - 2]], [2 ** 32 - 1, 'last']);
    }
  });

  test('a draft of a sparse array of length 2^32 − 1 lists, copies and commits its elements, not its holes', () => {
    const sparse = () => {
      const a: unknown[] = [];
      a[7] = 'seven';
      a[2 ** 32 - 2] = 'last';
      return a;
    };
    for (const base of [sparse(), open(pack(sparse()))]) {
      for (const write of [false, true]) {
        const draft = fork(base) as Any;
        const expected = sparse();
        if (write) {
          draft[3] = 'three';
          expected[3] = 'three';
        }
        assert.deepEqual(Object.keys(draft), Object.keys(expected));
        assertSameAsClone(toJS(draft), expected);
        assertSameAsClone(toJS(open(commit(draft))), expected);
      }
    }
  });

  test('named properties of arrays are kept', () => {
    const base = Object.assign([1, 2], { label: 'x' });
    const draft = fork(base) as Any;
    assert.equal(draft.label, 'x');
    draft.label = 'y';
    draft.extra = 1;
    assert.deepEqual(Object.keys(draft), ['0', '1', 'label', 'extra']);
    assert.equal(base.label, 'x');
  });

  test('Array.prototype methods that read work through the draft', () => {
    const draft = fork([3, 1, 2]) as Any;
    draft.push(4);
    assert.deepEqual(
      draft.map((x: number) => x * 2),
      [6, 2, 4, 8],
    );
    assert.deepEqual(
      draft.filter((x: number) => x > 1),
      [3, 2, 4],
    );
    assert.equal(draft.indexOf(2), 2);
    assert.equal(draft.join(), '3,1,2,4');
    assert.deepEqual([...draft], [3, 1, 2, 4]);
    assert.deepEqual(draft.slice(1, 3), [1, 2]);
    assert.deepEqual([0].concat(draft), [0, 3, 1, 2, 4]);
    assert.ok(Array.isArray(draft));
  });
});

describe('built-ins', () => {
  test('the node kinds a draft looks up by address are exactly those containerKind drafts', () => {
    const dict = Object.fromEntries(Array.from({ length: DICT_MIN_KEYS }, (_, i) => [`k${i}`, i]));
    const sparse: unknown[] = [];
    sparse[100_000] = 1;
    const samples = [
      'ascii',
      'ünïcode',
      1.5,
      2n ** 70n,
      -(2n ** 70n),
      new Date(0),
      /a/g,
      [1],
      sparse,
      { a: 1 },
      dict,
      new Map([[1, 2]]),
      new Set([1]),
      new ArrayBuffer(8),
      new Uint8Array(2),
      new DataView(new ArrayBuffer(4)),
      new Error('e'),
      Object(1),
    ];
    const seen = new Set<number>();
    for (const sample of samples) {
      const view = open<unknown[]>(pack([sample]));
      const { reader, address } = nodeOf(view)!;
      const words = reader.words[segmentOfAddress(address)]!;
      const slot = words[reader.need(address, 1)]!;
      const kind = reader.header(reader.slotAddress(segmentOfAddress(address), slot)) & KIND_MASK;
      seen.add(kind);
      const element = view[0];
      const drafted = typeof element === 'object' && element !== null && containerKind(element) !== undefined;
      assert.equal(isDraftedKind(kind), drafted, `${KIND_NAMES[kind]}: ${String(sample)}`);
    }
    // Every kind a value can have is sampled (SHAPE and the tables are not values), but the Map or
    // Set a layer changed (KEYED_DELTA), which only commit writes: a Map or Set all the same.
    assert.equal(seen.size, 17);
    assert.equal(isDraftedKind(Kind.KeyedDelta), true);
  });

  test('a Date draft is a Date', () => {
    const draft = fork({ when: new Date(0) }) as Any;
    assert.ok(draft.when instanceof Date);
    draft.when.setUTCFullYear(2001);
    assert.equal(draft.when.getUTCFullYear(), 2001);
  });

  test('typed array drafts: instanceof their type, conversions as the type does them, subarrays alias', () => {
    const draft = fork({ c: new Uint8ClampedArray(2), b: new BigInt64Array(1) }) as Any;
    assert.ok(draft.c instanceof Uint8ClampedArray);
    draft.c[0] = 300;
    assert.equal(draft.c[0], 255);
    assert.throws(() => {
      draft.b[0] = 1;
    }, TypeError);
    draft.b[0] = 5n;
    assert.equal(draft.b[0], 5n);
    draft.c.subarray(1)[0] = 7;
    assert.equal(draft.c[1], 7);
    assert.throws(() => draft.c.buffer, TypeError);
    assert.deepEqual(draft.c.slice(), new Uint8ClampedArray([255, 7]));
  });

  test('typed array and DataView drafts list their elements as own keys, as the native views do', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    for (const base of [bytes, open(pack(bytes))]) {
      const draft = fork(base) as Any;
      assert.deepEqual(Object.keys(draft), Object.keys(bytes));
      assert.deepEqual(Reflect.ownKeys(draft), Reflect.ownKeys(bytes));
      assert.deepEqual({ ...draft }, { ...bytes });
      assert.equal(JSON.stringify(draft), JSON.stringify(bytes));
    }
    const view = new DataView(new ArrayBuffer(4));
    assert.deepEqual(Reflect.ownKeys(fork(view)), Reflect.ownKeys(view));
  });

  test('ArrayBuffers, RegExps and Errors of a plain base come out as private copies', () => {
    const base = { buffer: new ArrayBuffer(4), re: /a/g, error: new Error('x') };
    const draft = fork(base) as Any;
    new Uint8Array(draft.buffer)[0] = 1;
    draft.re.lastIndex = 5;
    draft.error.message = 'y';
    assert.equal(new Uint8Array(base.buffer)[0], 0);
    assert.equal(base.re.lastIndex, 0);
    assert.equal(base.error.message, 'x');
  });

  test('fork of a primitive is the primitive; snapshot of a plain value is a frozen facade', () => {
    assert.equal(fork(5), 5);
    assert.equal(fork(null), null);
    const frozen = snapshot({ a: 1 }) as Any;
    assert.throws(() => {
      frozen.a = 2;
    }, TypeError);
  });
});
