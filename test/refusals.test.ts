// What pack refuses (exactly what structuredClone refuses), with a message that starts with the path to the
// value; exceptions from getters propagate unchanged; keys such as __proto__ are plain data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CowshareError, open, pack, toJS } from '../src/index.js';
import { assertSameAsClone } from './support/equal.js';

/** Asserts that pack(value) fails like structuredClone and with a CowshareError UNPACKABLE at `path`. */
function refuses(value: unknown, check: (message: string) => void): void {
  assert.throws(() => structuredClone(value), { name: 'DataCloneError' }, 'structuredClone refuses it too');
  let thrown: unknown;
  try {
    pack(value);
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown !== undefined, 'pack did not throw');
  assert.ok(thrown instanceof CowshareError, `expected a CowshareError, got ${String(thrown)}`);
  assert.equal(thrown.code, 'UNPACKABLE', thrown.message);
  assert.ok(thrown instanceof Error);
  check(thrown.message);
}

function startsWith(prefix: string): (message: string) => void {
  return (message) => {
    assert.ok(message.startsWith(prefix), `message ${JSON.stringify(message)} should start with ${prefix}`);
  };
}

describe('refusals name the path', () => {
  test('$.users[3].callback: functions cannot be packed', () => {
    const users = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd', callback: () => 1 }];
    refuses({ users }, (message) => {
      assert.ok(message.startsWith('$.users[3].callback: '), message);
      assert.match(message, /function/i);
    });
  });

  test('a function at the root', () => {
    refuses(
      () => 1,
      (message) => assert.match(message, /^\$: .*function/i),
    );
  });

  test('functions of every flavour', () => {
    const flavours: [string, unknown][] = [
      ['arrow', () => 1],
      ['method', { m() {} }.m],
      ['class', class {}],
      ['async', async () => {}],
      ['generator function', function* () {}],
      ['bound', (() => 1).bind(null)],
      ['builtin', Math.max],
    ];
    for (const [name, fn] of flavours) {
      refuses({ [name]: fn }, (message) => assert.ok(message.includes(name), message));
    }
  });

  test('symbols as values', () => {
    refuses({ a: { b: Symbol('s') } }, startsWith('$.a.b: '));
    refuses([1, [2, Symbol.iterator]], startsWith('$[1][1]: '));
    refuses(Symbol('root'), startsWith('$'));
  });

  test('a key that is not an identifier is quoted', () => {
    refuses({ 'we ird': { 'x-y': () => 1 } }, startsWith('$["we ird"]["x-y"]: '));
    refuses({ ok: { '': Symbol() } }, startsWith('$.ok[""]: '));
  });

  test('WeakMap, WeakSet, WeakRef, Promise, boxed Symbol, FinalizationRegistry', () => {
    const cases: [string, unknown][] = [
      ['weakMap', new WeakMap()],
      ['weakSet', new WeakSet()],
      ['weakRef', new WeakRef({})],
      ['promise', Promise.resolve(1)],
      ['boxedSymbol', Object(Symbol('boxed'))],
      ['registry', new FinalizationRegistry(() => {})],
    ];
    for (const [key, value] of cases) {
      refuses({ outer: [{ [key]: value }] }, startsWith(`$.outer[0].${key}: `));
    }
  });

  test('detached ArrayBuffers, and views over them (structuredClone refuses them)', () => {
    const buffer = new ArrayBuffer(8);
    const view = new DataView(buffer, 2);
    const bytes = new Uint8Array(buffer, 4);
    structuredClone(buffer, { transfer: [buffer] });
    refuses({ list: [1, buffer] }, startsWith('$.list[1]: detached ArrayBuffers'));
    refuses({ view }, startsWith('$.view: detached ArrayBuffers'));
    refuses({ bytes }, startsWith('$.bytes: detached ArrayBuffers'));
  });

  test('views that their resizable buffer shrank below (structuredClone refuses them)', () => {
    const buffer = new ArrayBuffer(16, { maxByteLength: 32 });
    const views = {
      bytes: new Uint8Array(buffer, 8, 8),
      floats: new Float64Array(buffer, 8),
      view: new DataView(buffer, 12),
      fixedView: new DataView(buffer, 0, 16),
    };
    buffer.resize(4);
    for (const [key, value] of Object.entries(views)) {
      refuses({ [key]: value }, startsWith(`$.${key}: a view outside its resizable buffer`));
    }
    buffer.resize(32);
    assertSameAsClone(toJS(open(pack(views))), structuredClone(views));
  });

  test('Blobs and Files: pack is synchronous, and says what to pack instead', () => {
    for (const [key, value] of [
      ['blob', new Blob(['bytes'])],
      ['file', new File(['bytes'], 'name.txt')],
    ] as const) {
      assert.doesNotThrow(() => structuredClone(value));
      assert.throws(
        () => pack({ x: [value] }),
        (error: unknown) =>
          error instanceof CowshareError &&
          error.code === 'UNPACKABLE' &&
          error.message.startsWith('$.x[0]: ') &&
          error.message.includes('await') &&
          error.message.includes(key === 'blob' ? 'Blob' : 'File'),
      );
    }
  });

  test('a generator object (structuredClone refuses it)', () => {
    refuses({ gen: (function* () {})() }, startsWith('$.gen: '));
  });

  // Deliberate differences from structuredClone (docs/pitfalls.md): JavaScript cannot tell a Proxy
  // apart, and cowshare's own views are Proxies, so a Proxy is packed as what its traps show; an
  // arguments object is packed as a plain object rather than paying a tag check on every object.
  test('an arguments object is packed as a plain object (structuredClone refuses it)', () => {
    const args = (function (..._rest: unknown[]) {
      // biome-ignore lint/complexity/noArguments: the arguments object is the value under test
      return arguments;
    })(1, 2);
    assert.throws(() => structuredClone(args));
    assert.deepEqual(toJS(open(pack({ args }))), { args: { 0: 1, 1: 2 } });
  });

  test('a Proxy is packed through its traps (structuredClone refuses it)', () => {
    const proxy = new Proxy({ a: 1 }, { get: (_t, key) => (key === 'a' ? 2 : undefined) });
    assert.throws(() => structuredClone(proxy));
    assert.deepEqual(toJS(open(pack({ proxy }))), { proxy: { a: 2 } });
    const list = toJS(open(pack({ list: new Proxy([1, 2], {}) }))) as { list: unknown };
    assert.ok(Array.isArray(list.list));
    assert.deepEqual(list.list, [1, 2]);
  });

  test('paths through Maps, Sets, errors and deep nesting include every key', () => {
    refuses({ m: new Map([['inner', { fn: () => 1 }]]) }, (message) => {
      assert.ok(message.startsWith('$.m'), message);
      assert.ok(message.includes('inner'), message);
      assert.ok(message.includes('fn'), message);
    });
    refuses({ m: new Map([[() => 1, 'value']]) }, startsWith('$.m'));
    refuses({ s: new Set([1, 2, Symbol('x')]) }, startsWith('$.s'));
    refuses({ e: new Error('x', { cause: { why: () => 1 } }) }, (message) => {
      assert.ok(message.startsWith('$.e'), message);
      assert.ok(message.includes('why'), message);
    });
    refuses({ a: [{ b: new Map([['x', { c: [0, 1, { d: new WeakMap() }] }]]) }] }, (message) => {
      assert.ok(message.startsWith('$.a[0].b'), message);
      for (const part of ['x', '.c', '[2]', '.d']) assert.ok(message.includes(part), `${part} in ${message}`);
    });
    let deep: unknown = { leaf: () => 1 };
    for (let i = 0; i < 50; i++) deep = { [`k${i}`]: deep };
    refuses(deep, (message) => {
      assert.ok(message.startsWith('$.k49.k48.k47'), message.slice(0, 80));
      assert.ok(message.includes('.k0.leaf'), message.slice(-80));
    });
  });

  test('a refused value after cycles and shared references is still found', () => {
    const shared: Record<string, unknown> = { name: 'shared' };
    shared.self = shared;
    const root = { first: shared, second: shared, bad: { fn: () => 1 } };
    refuses(root, startsWith('$.bad.fn: '));
  });

  test('after a refusal pack still works', () => {
    assert.throws(() => pack({ f: () => 1 }), CowshareError);
    assertSameAsClone(toJS(open(pack({ a: [1, 2] }))), { a: [1, 2] });
  });
});

describe('what structuredClone ignores, pack ignores', () => {
  test('symbol-keyed properties and non-enumerable functions', () => {
    const value: Record<string | symbol, unknown> = { a: 1, [Symbol('k')]: () => 1, [Symbol.iterator]: 2 };
    Object.defineProperty(value, 'hidden', { value: () => 1, enumerable: false });
    assertSameAsClone(toJS(open(pack(value))), structuredClone(value));
    assert.deepEqual(Object.keys(toJS(open(pack(value))) as object), ['a']);
  });

  test('methods on a class prototype', () => {
    class Widget {
      size = 2;
      grow(): number {
        return this.size * 2;
      }
    }
    const copy = toJS(open(pack(new Widget())));
    assertSameAsClone(copy, structuredClone(new Widget()));
  });
});

describe('getters', () => {
  test('a getter that throws: the same error object propagates', () => {
    const boom = new Error('boom');
    const value = {
      ok: 1,
      get bad(): number {
        throw boom;
      },
    };
    assert.throws(
      () => pack({ nested: [value] }),
      (error: unknown) => error === boom,
    );
    const primitive = {
      get bad(): number {
        throw 'a string';
      },
    };
    assert.throws(
      () => pack(primitive),
      (error: unknown) => error === 'a string',
    );
  });

  test('an enumerable getter is read once, in key order', () => {
    const order: string[] = [];
    const value = {
      get a() {
        order.push('a');
        return 1;
      },
      b: 2,
      get c() {
        order.push('c');
        return { d: 3 };
      },
    };
    const copy = toJS(open(pack(value)));
    assert.deepEqual(order, ['a', 'c']);
    assertSameAsClone(copy, structuredClone(value));
  });

  test('a key that a getter deletes while packing is left out, as structuredClone leaves it out', () => {
    const make = () => ({
      get a() {
        Reflect.deleteProperty(this, 'b');
        Reflect.deleteProperty(this, 'toString');
        return 1;
      },
      b: 2,
      toString: 'data, until deleted',
      c: 3,
    });
    assertSameAsClone(toJS(open(pack(make()))), structuredClone(make()));
    assert.deepEqual(Object.keys(toJS(open(pack(make()))) as object), ['a', 'c']);
    // The same object twice, and its shape used again by another object: one shape each.
    const twice = () => {
      const o = make();
      return { first: o, again: o, other: { a: 1, c: 2 }, last: make() };
    };
    assertSameAsClone(toJS(open(pack(twice()))), structuredClone(twice()));
    // A wide object (a DICT node) and an array element.
    const wide = () => {
      const o: Record<string, unknown> = {};
      Object.defineProperty(o, 'first', {
        get() {
          for (let i = 0; i < 10; i++) delete o[`k${i}`];
          return 'first';
        },
        enumerable: true,
        configurable: true,
      });
      for (let i = 0; i < 5000; i++) o[`k${i}`] = i;
      return o;
    };
    const copy = toJS(open(pack(wide()))) as Record<string, unknown>;
    assertSameAsClone(copy, structuredClone(wide()));
    assert.equal(copy.k20, 20);
    const list = () => {
      const a: unknown[] = [1, 2, 3];
      Object.defineProperty(a, 0, {
        get() {
          a.length = 2;
          return 0;
        },
        enumerable: true,
        configurable: true,
      });
      return a;
    };
    assertSameAsClone(toJS(open(pack(list()))), structuredClone(list()));
  });

  test('a getter that returns a function is refused with its path', () => {
    const value = {
      get callback() {
        return () => 1;
      },
    };
    refuses({ x: value }, startsWith('$.x.callback: '));
  });
});

const PROTO = '__proto__';

describe('prototype-pollution keys are plain data', () => {
  const json =
    '{"__proto__": {"polluted": 1}, "constructor": 2, "prototype": {"x": 3}, "hasOwnProperty": 4, "toString": 5, "then": 6}';

  test('views give own data properties and do not change their prototype', () => {
    const value = JSON.parse(json) as Record<string, unknown>;
    const ordinary = open<Record<string, unknown>>(pack({ a: 1 }));
    const view = open<Record<string, unknown>>(pack(value));
    assert.deepEqual(Object.keys(view), [
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      'then',
    ]);
    assert.ok(Object.hasOwn(view, '__proto__'));
    assert.deepEqual(toJS(view[PROTO]), { polluted: 1 });
    assert.equal(view.constructor, 2);
    assert.deepEqual(toJS(view.prototype), { x: 3 });
    assert.equal(view.hasOwnProperty, 4);
    assert.equal(view.toString, 5);
    assert.equal(view.then, 6);
    assert.equal(view.polluted, undefined);
    assert.ok(!('polluted' in view));
    const proto: unknown = Object.getPrototypeOf(view);
    assert.ok(proto === null || typeof proto === 'object');
    assert.equal((proto as Record<string, unknown> | null)?.polluted, undefined);
    assert.notEqual(proto, view[PROTO]);
    const d = Object.getOwnPropertyDescriptor(view, '__proto__');
    assert.ok(d?.enumerable);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as unknown as Record<string, unknown>).polluted, undefined);
    // A view of an ordinary object still reads normally.
    assert.equal(ordinary.a, 1);
    assert.equal(ordinary.polluted, undefined);
  });

  test('a view is not a thenable: await does not call the stored then', async () => {
    const view = open<Record<string, unknown>>(pack(JSON.parse('{"then": "not a function"}')));
    const awaited = await view;
    assert.equal((awaited as Record<string, unknown>).then, 'not a function');
    const plain = open(pack({ a: 1 }));
    assert.equal(await plain, plain);
  });

  test('toJS gives own data properties and an ordinary prototype', () => {
    const value = JSON.parse(json) as Record<string, unknown>;
    const copy = toJS(open(pack(value))) as Record<string, unknown>;
    assertSameAsClone(copy, structuredClone(value));
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.ok(Object.hasOwn(copy, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { polluted: 1 });
    assert.equal(copy.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('spread and Object.assign of a view do not set a prototype', () => {
    const view = open<Record<string, unknown>>(pack(JSON.parse(json)));
    const spread = { ...view };
    assert.equal(Object.getPrototypeOf(spread), Object.prototype);
    assert.ok(Object.hasOwn(spread, '__proto__'));
    assert.equal(spread.polluted, undefined);
  });

  test('as Map keys and Set members', () => {
    const keys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'then', 'valueOf'];
    const map = new Map(keys.map((k, i) => [k, i]));
    const set = new Set(keys);
    const view = open<{ map: Map<string, number>; set: Set<string> }>(pack({ map, set }));
    keys.forEach((k, i) => {
      assert.equal(view.map.get(k), i, k);
      assert.ok(view.map.has(k), k);
      assert.ok(view.set.has(k), k);
    });
    assert.ok(!view.map.has('polluted'));
    assert.equal(view.map.size, keys.length);
    assertSameAsClone(toJS(view), structuredClone({ map, set }));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('an own __proto__ whose value is an array, a Map or null', () => {
    for (const inner of ['[1,2]', 'null', '"text"', '{"__proto__": {"deeper": true}}']) {
      const value = JSON.parse(`{"__proto__": ${inner}, "a": 1}`) as Record<string, unknown>;
      const copy = toJS(open(pack(value)));
      assertSameAsClone(copy, structuredClone(value));
      assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    }
  });
});
