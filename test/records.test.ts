// open(image, { objects: 'record' }): objects as per-shape classes with prototype getters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { open, pack, toJS } from '../src/index.js';

const users = [
  { id: 1, name: 'Ann', tags: ['a', 'b'], address: { city: 'Oslo', zip: '0150' } },
  { id: 2, name: 'Bø', tags: [], address: { city: 'Rome', zip: '00100' } },
];
const value = {
  users,
  byName: new Map(users.map((u) => [u.name, u])),
  wide: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i])),
  odd: JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 2, "toJSON": 3, "hasOwnProperty": 4}'),
};

describe('record views', () => {
  const shared = open<typeof value>(pack(value), { objects: 'record' });
  const user = shared.users[0]!;

  test('are not Proxies: one class per shape, shared by every view of it', () => {
    const other = shared.users[1]!;
    assert.equal(Object.getPrototypeOf(user), Object.getPrototypeOf(other));
    assert.notEqual(Object.getPrototypeOf(user), Object.prototype);
    assert.equal(Object.getPrototypeOf(shared.byName.get('Ann')), Object.getPrototypeOf(user));
  });

  test('read every property, nested values included, as the original', () => {
    assert.equal(user.id, 1);
    assert.equal(user.name, 'Ann');
    assert.deepEqual([...user.tags], ['a', 'b']);
    assert.equal(user.address.city, 'Oslo');
    assert.equal(shared.byName.get('Bø')?.address.zip, '00100');
    const { id, name } = shared.users[1]!;
    assert.deepEqual([id, name], [2, 'Bø']);
  });

  test('support in, for…in and JSON.stringify; Object.keys sees no own keys (documented)', () => {
    assert.ok('name' in user);
    assert.ok(!('nope' in user));
    const seen: string[] = [];
    for (const key in user) seen.push(key);
    assert.deepEqual(seen, Object.keys(users[0]!));
    assert.equal(JSON.stringify(shared.users), JSON.stringify(users));
    assert.deepEqual(Object.keys(user), []);
  });

  test('toJS and pack of records give the original value', () => {
    assert.deepEqual(toJS(shared), structuredClone(value));
    assert.deepEqual(toJS(open(pack(shared))), structuredClone(value));
  });

  test('keys that name Object.prototype members stay data', () => {
    const odd = shared.odd as Record<string, unknown>;
    // biome-ignore lint/suspicious/noProto: the packed data has a key named __proto__; this reads it
    assert.deepEqual(toJS(odd.__proto__), { polluted: 1 });
    assert.equal(odd.constructor, 2);
    assert.equal(odd.hasOwnProperty, 4);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(toJS(odd), structuredClone(value.odd));
  });

  test('wide shapes stay facades, so Object.keys works on them', () => {
    assert.equal(Object.keys(shared.wide).length, 100);
    assert.equal(shared.wide.k42, 42);
  });

  test('arrays with named properties keep them in record mode', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is part of the value under test
    const list = Object.assign([1, , 3], { label: 'x', meta: { n: 1 } });
    const view = open<{ list: typeof list }>(pack({ list }), { objects: 'record' }).list;
    assert.equal(view.label, 'x');
    assert.equal(view.meta.n, 1);
    assert.ok('label' in view);
    assert.deepEqual(Object.keys(view), ['0', '2', 'label', 'meta']);
    assert.deepEqual(toJS(view), structuredClone(list));
  });

  test('setting or adding a property throws a TypeError; delete changes nothing (documented)', () => {
    const writable = user as unknown as Record<string, unknown>;
    assert.throws(() => {
      writable.name = 'Eve';
    }, TypeError);
    assert.throws(() => {
      writable.added = 1;
    }, TypeError);
    // The keys live on the shared prototype, not on the view: delete finds no own property to remove.
    assert.equal(delete writable.name, true);
    assert.equal(user.name, 'Ann');
    assert.ok(Object.isFrozen(user));
  });
});
