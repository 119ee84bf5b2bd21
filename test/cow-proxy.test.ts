// cow(target): the live copy-on-write proxy. A table of semantics (read-through, write, delete,
// nested, arrays, Maps, Sets, built-ins, prototype keys) in both modes, and a property test of the
// top level against a model (the proxy's own writes over the target's current state).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cow, open, pack, toJS } from '../src/index.js';
import { assertSameAsClone } from './support/equal.js';
import { params } from './support/runs.js';

type Any = any;

function target(): Any {
  return {
    a: 1,
    n: { x: 1, deeper: { y: 1 } },
    list: [1, 2, 3],
    map: new Map<string, Any>([['k', { v: 1 }]]),
    set: new Set([1, 2]),
    when: new Date(0),
    bytes: new Uint8Array([1, 2, 3]),
  };
}

describe('cow(): the same at both depths', () => {
  for (const deep of [true, false]) {
    const mode = deep ? 'deep' : 'shallow';

    test(`reads go through to the target and see its later changes (${mode})`, () => {
      const t = target();
      const p = cow(t, { deep });
      assert.equal(p.a, 1);
      t.a = 2;
      assert.equal(p.a, 2);
      t.added = 'later';
      assert.equal(p.added, 'later');
      assert.ok('added' in p);
      assert.deepEqual(Object.keys(p), Object.keys(t));
    });

    test(`a write is the proxy's own from then on; the target never changes (${mode})`, () => {
      const t = target();
      const p = cow(t, { deep });
      p.a = 10;
      assert.equal(t.a, 1);
      t.a = 2;
      assert.equal(p.a, 10);
      p.z = 'new';
      assert.equal(t.z, undefined);
      assert.deepEqual(Object.keys(p), [...Object.keys(t), 'z']);
    });

    test(`deletes are the proxy's own (${mode})`, () => {
      const t = target();
      const p = cow(t, { deep });
      assert.equal(delete p.a, true);
      assert.equal('a' in p, false);
      assert.equal(p.a, undefined);
      assert.equal(t.a, 1);
      t.a = 5;
      assert.equal('a' in p, false, 'a deleted property stays deleted when the target changes it');
      assert.ok(!Object.keys(p).includes('a'));
      p.a = 6;
      assert.equal(p.a, 6);
      assert.equal(t.a, 5);
    });

    test(`prototype keys are data, never a way to a prototype (${mode})`, () => {
      const t = target();
      const p = cow(t, { deep });
      // biome-ignore lint/suspicious/noProto: a key named __proto__ is the input under test
      p.__proto__ = { polluted: true };
      p.constructor = 'c';
      assert.equal(({} as Any).polluted, undefined);
      assert.equal(Object.getPrototypeOf(t), Object.prototype);
      assert.equal(Object.hasOwn(t, '__proto__'), false);
      // biome-ignore lint/suspicious/noProto: reads the own property written above
      assert.deepEqual(p.__proto__, { polluted: true });
      assert.equal(p.constructor, 'c');
      assert.ok(Object.keys(p).includes('__proto__'));
    });

    test(`spread, JSON.stringify and Object.entries see the merged properties (${mode})`, () => {
      const t = { a: 1, b: 2, c: 3 };
      const p = cow(t, { deep });
      p.b = 20;
      delete (p as Any).c;
      (p as Any).d = 4;
      assert.deepEqual({ ...p }, { a: 1, b: 20, d: 4 });
      assert.equal(JSON.stringify(p), '{"a":1,"b":20,"d":4}');
      assert.deepEqual(Object.entries(p), [
        ['a', 1],
        ['b', 20],
        ['d', 4],
      ]);
    });

    test(`a top-level array: read-through, then its own elements and length (${mode})`, () => {
      const t = [1, 2, 3];
      const p = cow(t, { deep });
      assert.ok(Array.isArray(p));
      t.push(4);
      assert.deepEqual([...p], [1, 2, 3, 4]);
      p.push(5);
      assert.deepEqual([...p], [1, 2, 3, 4, 5]);
      assert.deepEqual(t, [1, 2, 3, 4]);
      assert.equal(p.shift(), 1);
      p.sort((x, y) => y - x);
      assert.deepEqual([...p], [5, 4, 3, 2]);
      p.length = 1;
      assert.deepEqual([...p], [5]);
      assert.deepEqual(t, [1, 2, 3, 4]);
      assert.deepEqual(Object.keys(p), ['0']);
    });

    test(`a top-level Map: read-through, own entries, deletes and clear (${mode})`, () => {
      const t = new Map<string, number>([
        ['a', 1],
        ['b', 2],
      ]);
      const p = cow(t, { deep });
      t.set('c', 3);
      assert.deepEqual([...p], [...t]);
      p.set('a', 10).set('d', 4);
      assert.equal(p.delete('b'), true);
      assert.equal(p.delete('nope'), false);
      assert.deepEqual(
        [...p],
        [
          ['a', 10],
          ['c', 3],
          ['d', 4],
        ],
      );
      assert.equal(p.size, 3);
      assert.deepEqual(
        [...t],
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ],
      );
      t.set('b', 22);
      assert.equal(p.has('b'), false, 'a deleted key stays deleted');
      p.clear();
      t.set('e', 5);
      assert.equal(p.size, 0, 'after clear nothing of the target shows through');
      assert.equal(t.size, 4);
      assert.equal(Object.prototype.toString.call(p), '[object Map]');
    });

    test(`a top-level Set (${mode})`, () => {
      const t = new Set([1, 2]);
      const p = cow(t, { deep });
      t.add(3);
      p.add(4);
      p.delete(1);
      assert.deepEqual([...p], [2, 3, 4]);
      assert.deepEqual([...t], [1, 2, 3]);
      assert.equal(p.has(1), false);
      assert.equal(p.size, 3);
    });

    test(`methods of a class instance run on the proxy (${mode})`, () => {
      class Counter {
        n = 0;
        inc() {
          this.n++;
          return this.n;
        }
      }
      const t = new Counter();
      const p = cow(t, { deep });
      assert.equal(p.inc(), 1);
      assert.equal(p.n, 1);
      assert.equal(t.n, 0);
      assert.ok(p instanceof Counter);
    });
  }

  test('anything but an object is refused with a TypeError', () => {
    for (const bad of [1, 'x', null, undefined, true]) {
      assert.throws(() => cow(bad as Any), TypeError);
    }
  });
});

describe('cow(): nested values', () => {
  test('deep: a nested write stays in the proxy, and pins the path to it', () => {
    const t = target();
    const p = cow(t);
    assert.equal(p.n, p.n, 'a nested proxy is one object while the target keeps the same value');
    t.n.x = 7;
    assert.equal(p.n.x, 7, 'nested reads go through too');
    p.n.deeper.y = 2;
    assert.equal(p.n.deeper.y, 2);
    assert.equal(t.n.deeper.y, 1);
    t.n = { x: 100, deeper: { y: 100 } };
    assert.equal(p.n.x, 7, 'p.n was written through: it keeps its own nested proxy');
    assert.equal(p.n.deeper.y, 2);
  });

  test('deep: an unwritten nested value follows the target when the target replaces it', () => {
    const t = target();
    const p = cow(t);
    assert.equal(p.n.x, 1);
    t.n = { x: 5 };
    assert.equal(p.n.x, 5);
  });

  test('deep: arrays, Maps and Sets inside are copy-on-write too', () => {
    const t = target();
    const p = cow(t);
    p.list.push(4);
    p.map.get('k').v = 2;
    p.map.set('j', 1);
    p.set.add(3);
    assert.deepEqual(t.list, [1, 2, 3]);
    assert.deepEqual([...p.list], [1, 2, 3, 4]);
    assert.equal(t.map.get('k').v, 1);
    assert.equal(p.map.get('k').v, 2);
    assert.equal(t.map.has('j'), false);
    assert.deepEqual([...t.set], [1, 2]);
    assert.deepEqual([...p.set], [1, 2, 3]);
  });

  test('deep: Dates and typed arrays are private copies, made on first read', () => {
    const t = target();
    const p = cow(t);
    p.when.setUTCFullYear(2000);
    p.bytes[0] = 99;
    assert.equal(t.when.getTime(), 0);
    assert.equal(t.bytes[0], 1);
    assert.equal(p.when.getUTCFullYear(), 2000);
    assert.equal(p.bytes[0], 99);
  });

  test('shallow: nested values are the target own', () => {
    const t = target();
    const p = cow(t, { deep: false });
    assert.equal(p.n, t.n);
    p.n.x = 2;
    assert.equal(t.n.x, 2);
  });

  test('over an opened image: reads through the views, writes stay in the proxy', () => {
    const view = open(pack({ users: [{ name: 'ada' }, { name: 'alan' }], count: 2 })) as Any;
    const p = cow(view);
    p.users[0].name = 'grace';
    p.count = 3;
    assert.equal(p.users[0].name, 'grace', 'a view read twice is one node: its proxy is kept');
    assert.equal(p.users[1].name, 'alan');
    assert.equal(view.users[0].name, 'ada');
    assert.equal(view.count, 2);
    assert.equal(JSON.stringify(p), '{"users":[{"name":"grace"},{"name":"alan"}],"count":3}');
  });
});

describe('cow(): packed and stringified as it reads', () => {
  test('pack and JSON.stringify of a proxy over a plain value and over a view see its writes', () => {
    const make = () => ({ a: 1, list: [1, 2], m: new Map([[1, 2]]), s: new Set([1]), inner: { x: 1 } });
    const write = (p: Any) => {
      p.a = 9;
      p.b = 'added';
      p.list.push(3);
      p.m.set(5, 6);
      p.s.add(7);
      p.inner.x = 2;
    };
    const model = make() as Any;
    write(model);
    for (const target of [make(), open(pack(make()))]) {
      const p = cow(target) as Any;
      write(p);
      assertSameAsClone(toJS(open(pack(p))), structuredClone(model));
      assert.equal(JSON.stringify(p), JSON.stringify(model));
      assert.equal(JSON.stringify(p.list), '[1,2,3]');
    }
  });
});

describe('cow(): the top level against a model', () => {
  const key = fc.constantFrom('a', 'b', 'c', '0', '1', '__proto__', 'toString');
  const step = fc.oneof(
    fc.record({
      on: fc.constantFrom('target', 'proxy'),
      op: fc.constant('set' as const),
      key,
      value: fc.integer(),
    }),
    fc.record({ on: fc.constantFrom('target', 'proxy'), op: fc.constant('delete' as const), key }),
  );

  test('after every step each key reads as the proxy wrote it, or as the target has it now', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const t: Record<string, unknown> = {};
        const p = cow(t, { deep: false });
        const own = new Map<string, { value?: unknown; deleted?: true }>();
        for (const s of steps) {
          if (s.on === 'target') {
            if (s.op === 'set')
              Object.defineProperty(t, s.key, {
                value: s.value,
                writable: true,
                enumerable: true,
                configurable: true,
              });
            else delete t[s.key];
          } else if (s.op === 'set') {
            p[s.key] = s.value;
            own.set(s.key, { value: s.value });
          } else {
            const mine = own.get(s.key);
            const present = mine === undefined ? Object.hasOwn(t, s.key) : !mine.deleted;
            delete p[s.key];
            // Deleting what is not there is nothing: the target may add it later, and it shows.
            if (present) own.set(s.key, { deleted: true });
          }
          for (const k of ['a', 'b', 'c', '0', '1', '__proto__', 'toString']) {
            const mine = own.get(k);
            const expected =
              mine === undefined
                ? Object.hasOwn(t, k)
                  ? t[k]
                  : undefined
                : mine.deleted
                  ? undefined
                  : mine.value;
            const present = mine === undefined ? Object.hasOwn(t, k) : !mine.deleted;
            assert.equal(Object.hasOwn(p, k), present, `hasOwn ${k}`);
            if (present) assert.equal(p[k], expected, `p[${k}]`);
          }
          assert.equal(Object.getPrototypeOf(t), Object.prototype);
        }
      }),
      params(300),
    );
  });
});
