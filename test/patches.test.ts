// Patches (docs/patches.md), case by case: the operations a write makes, their paths and keys, one
// operation per splice, links for aliases, and hostile patches refused with a TypeError that names
// them, never reaching a prototype. The model test (fork.property.test.ts) replays random ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatches, diff, fork, open, type Patch, pack, patches, snapshot, toJS } from '../src/index.js';

type Any = any;

describe('patches: what each write records', () => {
  test('objects, arrays, Maps and Sets: RFC 6902 operations where they fit', () => {
    const draft = fork(
      { a: 1, list: [1, 2, 3], m: new Map<unknown, unknown>([[1, 'one']]), s: new Set([1]) },
      { patches: true },
    ) as Any;
    draft.a = 2;
    draft.b = 3;
    delete draft.a;
    draft.list.push(4);
    draft.list.shift();
    draft.list[0] = 'x';
    draft.m.set(1, 'uno');
    draft.m.set('1', 'string one');
    draft.s.add(2);
    assert.deepEqual(patches(draft).patches, [
      { op: 'replace', path: '/a', value: 2 },
      { op: 'add', path: '/b', value: 3 },
      { op: 'remove', path: '/a' },
      { op: 'add', path: '/list/3', value: 4 },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/list/0', value: 'x' },
      { op: 'replace', path: '/m/1', keys: ['m', 1], value: 'uno' },
      { op: 'add', path: '/m/1', keys: ['m', '1'], value: 'string one' },
      { op: 'add', path: '/s/2', keys: ['s', 2], value: 2 },
    ]);
  });

  test('one operation per splice, sort or reverse, whatever its size', () => {
    const draft = fork({ list: Array.from({ length: 10_000 }, (_, i) => i) }, { patches: true }) as Any;
    draft.list.splice(10, 5000, 'a', 'b');
    draft.list.reverse();
    draft.list.push(1, 2, 3);
    const list = patches(draft).patches;
    assert.equal(list.length, 3);
    assert.deepEqual(
      list.map((p) => p.op),
      ['splice', 'splice', 'splice'],
    );
    assert.deepEqual(
      toJS(applyPatches({ list: Array.from({ length: 10_000 }, (_, i) => i) }, list)),
      toJS(draft),
    );
  });

  test('an alias made in the draft is a link, and applying the patches makes the same alias', () => {
    const base = { a: { n: 1 } };
    const draft = fork(base, { patches: true }) as Any;
    draft.b = draft.a;
    draft.b.n = 2;
    const list = patches(draft).patches;
    assert.deepEqual(list[0], { op: 'link', path: '/b', from: '/a' });
    const applied = applyPatches(base, list) as Any;
    assert.equal(applied.a, applied.b);
    assert.equal(applied.a.n, 2);
  });

  test('holes and lengths use the extensions; Dates change in place', () => {
    const when = new Date(0);
    const draft = fork({ list: [1, 2], when, again: when }, { patches: true }) as Any;
    delete draft.list[0];
    draft.list.length = 5;
    draft.when.setTime(10);
    const list = patches(draft).patches;
    assert.deepEqual(list.slice(0, 2), [
      { op: 'remove', path: '/list/0', hole: true },
      { op: 'replace', path: '/list/length', value: 5 },
    ]);
    assert.equal((list[2] as { inPlace?: true }).inPlace, true);
    const applied = applyPatches({ list: [1, 2], when: new Date(0), again: undefined }, list) as Any;
    assert.equal(0 in applied.list, false);
    assert.equal(applied.list.length, 5);
    assert.equal(applied.when.getTime(), 10);
  });

  test('over an image, and inverse patches give the base back', () => {
    const base = open(pack({ users: [{ name: 'ada' }], count: 1 })) as Any;
    const draft = fork(base, { patches: true }) as Any;
    draft.users[0].name = 'grace';
    draft.users.push({ name: 'alan' });
    draft.count++;
    const { patches: forward, inverse } = patches(draft);
    assert.deepEqual(toJS(applyPatches(base, forward)), toJS(draft));
    assert.deepEqual(toJS(applyPatches(snapshot(draft), inverse)), toJS(base));
  });

  test('patches continue through snapshots and forks, and start where recording began', () => {
    const draft = fork({ n: 0 }, { patches: true }) as Any;
    draft.n = 1;
    const next = fork(snapshot(draft)) as Any;
    next.n = 2;
    assert.deepEqual(patches(next).patches, [
      { op: 'replace', path: '/n', value: 1 },
      { op: 'replace', path: '/n', value: 2 },
    ]);
    const fresh = fork(snapshot(fork({ n: 0 })), { patches: true }) as Any;
    fresh.n = 5;
    assert.deepEqual(patches(fresh).patches, [{ op: 'replace', path: '/n', value: 5 }]);
  });

  test('a draft that records nothing, or a value that is no draft, is refused', () => {
    assert.throws(() => patches(fork({ a: 1 })), /fork it with \{ patches: true \}/);
    assert.throws(() => patches({ a: 1 }), TypeError);
  });
});

describe('diff: between two versions, from their logs', () => {
  test('from a snapshot to a later one: exactly the writes between, whatever the size of the value', () => {
    const base = open(pack(new Map(Array.from({ length: 100_000 }, (_, i) => [i, { i }])))) as Any;
    const draft = fork(base, { patches: true }) as Any;
    draft.get(5).i = -5;
    const before = snapshot(draft);
    draft.get(7).i = -7;
    draft.delete(9);
    const after = snapshot(draft);
    assert.deepEqual(diff(before, after), [
      { op: 'replace', path: '/7/i', keys: [7, 'i'], value: -7 },
      { op: 'remove', path: '/9', keys: [9] },
    ]);
    const applied = applyPatches(before, diff(before, after)) as Any;
    assert.equal(applied.get(7).i, -7);
    assert.equal(applied.has(9), false);
    assert.equal(applied.get(5).i, -5);
    assert.deepEqual(diff(after, after), []);
  });

  test('between siblings: back to where they parted, then forward', () => {
    const root = fork({ n: 0, list: [1] }, { patches: true }) as Any;
    root.n = 1;
    const parted = snapshot(root);
    const left = fork(parted) as Any;
    const right = fork(parted) as Any;
    left.list.push(2);
    right.n = 2;
    const change = diff(snapshot(left), snapshot(right));
    assert.deepEqual(change, [
      { op: 'remove', path: '/list/1' },
      { op: 'replace', path: '/n', value: 2 },
    ]);
    assert.deepEqual(toJS(applyPatches(snapshot(left), change)), toJS(right));
  });

  test('versions of different values, or that record nothing, are refused', () => {
    const a = fork({ n: 0 }, { patches: true });
    const b = fork({ n: 0 }, { patches: true });
    assert.throws(() => diff(a, b), TypeError);
    assert.throws(() => diff(fork({ n: 0 }), fork({ n: 0 })), /patches: true/);
    assert.throws(() => diff({}, a), TypeError);
  });
});

describe('applyPatches: hostile patches are refused, naming the patch', () => {
  const bad: [string, unknown][] = [
    ['an unknown op', { op: 'frobnicate', path: '/a', from: '/b' }],
    ['a copy from nothing', { op: 'copy', path: '/b', from: '/missing' }],
    ['a move of a prototype', { op: 'move', path: '/b', from: '/__proto__' }],
    ['a move into the prototype', { op: 'move', path: '/__proto__/polluted', from: '/a' }],
    ['a test of a prototype', { op: 'test', path: '/constructor', value: Object }],
    ['a path without a slash', { op: 'replace', path: 'a', value: 1 }],
    ['a path through nothing', { op: 'replace', path: '/missing/deep', value: 1 }],
    ['a path through a primitive', { op: 'replace', path: '/a/b', value: 1 }],
    ['a prototype path', { op: 'add', path: '/__proto__/polluted', value: true }],
    ['a constructor path', { op: 'add', path: '/constructor/prototype/polluted', value: true }],
    ['a splice without numbers', { op: 'splice', path: '/list', index: 'x', remove: 0, values: [] }],
    ['a splice of an object', { op: 'splice', path: '', index: 0, remove: 0, values: [] }],
    ['not an object', 5],
    ['keys that are not an array', { op: 'replace', path: '/a', value: 1, keys: 'a' }],
  ];
  for (const [what, patch] of bad) {
    test(what, () => {
      const base = { a: 1, list: [1] };
      assert.throws(
        () => applyPatches(base, [patch as Patch]),
        (error: unknown) => error instanceof TypeError && /patch 0/.test((error as Error).message),
      );
      assert.equal(({} as Any).polluted, undefined);
      assert.deepEqual(base, { a: 1, list: [1] });
    });
  }
});

/** Asserts that applying `list` to `base` throws a TypeError whose message matches `message`. */
function refused(base: unknown, list: readonly unknown[], message: RegExp): void {
  assert.throws(
    () => applyPatches(base, list as Patch[]),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `a TypeError, not ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('applyPatches: RFC 6902 array indices', () => {
  // RFC 6902 §4.1 and RFC 6901 §4: an index is "0" or digits without a leading zero; "-" is past the
  // end, only for add; add may insert at index == length (it appends), the other ops need index < length.
  const list = () => ({ arr: ['a', { x: 'b' }, 'c'] });
  const refusals: [string, Patch][] = [
    ['add of -1', { op: 'add', path: '/arr/-1', value: 'x' }],
    ['add of a leading zero', { op: 'add', path: '/arr/01', value: 'x' }],
    ['add of an exponent', { op: 'add', path: '/arr/1e3', value: 'x' }],
    ['add past the end', { op: 'add', path: '/arr/4', value: 'x' }],
    ['add far past the end', { op: 'add', path: '/arr/99999999999', value: 'x' }],
    ['add of an empty token', { op: 'add', path: '/arr/', value: 'x' }],
    ['add of a name', { op: 'add', path: '/arr/x', value: 'x' }],
    ['replace at the length', { op: 'replace', path: '/arr/3', value: 'x' }],
    ['replace of a leading zero', { op: 'replace', path: '/arr/00', value: 'x' }],
    ['replace of -', { op: 'replace', path: '/arr/-', value: 'x' }],
    ['remove at the length', { op: 'remove', path: '/arr/3' }],
    ['remove of -', { op: 'remove', path: '/arr/-' }],
    ['remove of a leading zero', { op: 'remove', path: '/arr/01' }],
    ['a step through a leading zero', { op: 'replace', path: '/arr/01/x', value: 'x' }],
  ];
  for (const [what, patch] of refusals) {
    test(`refused: ${what}`, () => {
      refused(list(), [{ op: 'replace', path: '/arr/0', value: 'a' }, patch], /^cowshare: patch 1 \(/);
    });
  }

  test('accepted: add at 0, at the length and at -; replace and remove below the length', () => {
    const applied = applyPatches(list(), [
      { op: 'add', path: '/arr/0', value: 'start' },
      { op: 'add', path: '/arr/4', value: 'end' },
      { op: 'add', path: '/arr/-', value: 'past' },
      { op: 'replace', path: '/arr/5', value: 'PAST' },
      { op: 'remove', path: '/arr/1' },
    ]);
    assert.deepEqual(toJS(applied), { arr: ['start', { x: 'b' }, 'c', 'end', 'PAST'] });
  });

  test('an out-of-range index names the length; a malformed one says why', () => {
    refused(list(), [{ op: 'add', path: '/arr/4', value: 1 }], /patch 0 \(add \/arr\/4\): .*4.*length 3/);
    refused(
      list(),
      [{ op: 'add', path: '/arr/01', value: 1 }],
      /patch 0 \(add \/arr\/01\): "01" is not an array index/,
    );
  });
});

describe('applyPatches: RFC 6902 targets that must exist', () => {
  test('replace and remove of a missing key fail; add of one adds it', () => {
    refused(
      { a: { b: 1 } },
      [{ op: 'replace', path: '/a/c', value: 2 }],
      /patch 0 \(replace \/a\/c\): no such key "c"/,
    );
    refused({ a: { b: 1 } }, [{ op: 'remove', path: '/a/c' }], /patch 0 \(remove \/a\/c\): no such key "c"/);
    refused({ a: {} }, [{ op: 'remove', path: '/a/toString' }], /no such key "toString"/);
    assert.deepEqual(toJS(applyPatches({ a: { b: 1 } }, [{ op: 'add', path: '/a/c', value: 2 }])), {
      a: { b: 1, c: 2 },
    });
  });

  test('Map keys and Set members: replace and remove need them present', () => {
    const base = () => ({ m: new Map<unknown, unknown>([[1, 'one']]), s: new Set<unknown>([1]) });
    refused(base(), [{ op: 'replace', path: '/m/2', keys: ['m', 2], value: 'two' }], /no such key 2/);
    refused(base(), [{ op: 'replace', path: '/m/1', value: 'one' }], /no such key "1"/);
    refused(base(), [{ op: 'remove', path: '/m/2', keys: ['m', 2] }], /no such key 2/);
    refused(base(), [{ op: 'remove', path: '/s/2', keys: ['s', 2] }], /no member 2/);
    const applied = applyPatches(base(), [
      { op: 'replace', path: '/m/1', keys: ['m', 1], value: 'uno' },
      { op: 'remove', path: '/s/1', keys: ['s', 1] },
    ]) as Any;
    assert.equal(applied.m.get(1), 'uno');
    assert.equal(applied.s.size, 0);
  });

  test('a Set member that is an object is removed (it was kept, silently)', () => {
    const member = { id: 1 };
    const base = { s: new Set<unknown>([member, 2]) };
    const draft = fork(base, { patches: true }) as Any;
    draft.s.delete([...draft.s][0]);
    const applied = applyPatches(base, patches(draft).patches) as Any;
    assert.deepEqual(toJS(applied), toJS(draft));
    assert.equal(applied.s.size, 1);
  });
});

describe('applyPatches: replace in place keeps the kind', () => {
  test('a value of another kind is refused, and nothing changes', () => {
    const base = () => ({
      o: { x: 1 },
      when: new Date(5),
      bytes: new DataView(new ArrayBuffer(4)),
      list: [1],
    });
    const inPlace = (path: string, value: unknown): Patch => ({ op: 'replace', path, value, inPlace: true });
    refused(
      base(),
      [inPlace('/o', 5)],
      /patch 0 \(replace \/o\): in place, an object takes an object, not a number/,
    );
    refused(base(), [inPlace('/o', [1])], /an object takes an object, not an array/);
    refused(
      base(),
      [inPlace('/when', 5)],
      /patch 0 \(replace \/when\): in place, a Date takes a Date, not a number/,
    );
    refused(
      base(),
      [inPlace('/bytes', 'xyz')],
      /patch 0 \(replace \/bytes\): in place, a DataView takes a DataView/,
    );
    refused(base(), [inPlace('/bytes', new DataView(new ArrayBuffer(2)))], /a DataView of 4 bytes/);
    refused(base(), [inPlace('/list', { 0: 1 })], /an array takes an array, not an object/);
    refused(base(), [inPlace('/missing', new Date(0))], /no such key "missing"/);
    const applied = applyPatches(base(), [
      inPlace('/o', { y: 2 }),
      inPlace('/when', new Date(7)),
      inPlace('/bytes', new DataView(new Uint8Array([1, 2, 3, 4]).buffer)),
    ]) as Any;
    assert.deepEqual(toJS(applied.o), { y: 2 });
    assert.equal(applied.when.getTime(), 7);
    assert.equal(applied.bytes.getUint8(3), 4);
  });
});

describe('applyPatches: messages name the patch and what is wrong', () => {
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /^cowshare: patch 1: a patch is an object, not null$/],
    ['a number', 5, /^cowshare: patch 1: a patch is an object, not a number$/],
    ['an array', [], /^cowshare: patch 1: a patch is an object, not an array$/],
    ['no op', { path: '/a' }, /^cowshare: patch 1: unknown op undefined \(one of add, remove, replace/],
    ['an unknown op', { op: 'frobnicate', path: '/a' }, /^cowshare: patch 1: unknown op "frobnicate"/],
    ['no path', { op: 'add', value: 1 }, /^cowshare: patch 1 \(add\): path is not a string/],
    ['a path without a slash', { op: 'add', path: 'a', value: 1 }, /patch 1 \(add a\): .*starts with "\/"/],
    [
      'a bad escape',
      { op: 'add', path: '/a~2', value: 1 },
      /patch 1 \(add \/a~2\): .*"~" is followed by 0 or 1/,
    ],
    ['no value', { op: 'add', path: '/b' }, /^cowshare: patch 1 \(add \/b\): add needs a value$/],
    ['a step through a number', { op: 'add', path: '/a/b', value: 1 }, /patch 1 \(add \/a\/b\): .*a number/],
    [
      'a step through nothing',
      { op: 'add', path: '/x/y', value: 1 },
      /patch 1 \(add \/x\/y\): no such key "x"/,
    ],
    ['keys that are no array', { op: 'add', path: '/b', value: 1, keys: 'b' }, /patch 1 \(add \/b\): keys/],
  ];
  for (const [what, patch, message] of cases) {
    test(what, () => {
      refused({ a: 1 }, [{ op: 'add', path: '/ok', value: 1 }, patch], message);
    });
  }

  test('a list that is no array is refused', () => {
    assert.throws(
      () => applyPatches({}, 5 as unknown as Patch[]),
      /applyPatches\(\) takes an array of patches/,
    );
  });
});
describe('patches of arrays: indices by the array-index rule, named properties by their keys', () => {
  test('a node reached by search through an array property "01" is at /list/01, not at /list/1', () => {
    const shared = { n: 1 };
    const list = Object.assign([0, 1], { '01': shared });
    const base = { a: shared, list };
    const draft = fork(base, { patches: true }) as Any;
    const node = draft.a;
    delete draft.a; // the node's first place no longer holds it: its path is searched for
    node.n = 2;
    const [, write] = patches(draft).patches;
    assert.equal(write?.path, '/list/01/n');
    assert.deepEqual(toJS(applyPatches(base, patches(draft).patches)), toJS(draft));
  });

  test("an array's named properties round-trip (they were inserted at index 0)", () => {
    const base = { list: [1, 2] };
    const draft = fork(base, { patches: true }) as Any;
    draft.list.name = 'n';
    draft.list['01'] = 'z';
    draft.list.name = 'm';
    delete draft.list['01'];
    draft.list.push(3);
    const { patches: forward, inverse } = patches(draft);
    assert.deepEqual(forward[0], { op: 'add', path: '/list/name', keys: ['list', 'name'], value: 'n' });
    const applied = applyPatches(base, forward) as Any;
    assert.deepEqual(Object.keys(applied.list), ['0', '1', '2', 'name']);
    assert.equal(applied.list.name, 'm');
    assert.deepEqual(toJS(applyPatches(snapshot(draft), inverse)), toJS(base));
  });
});

describe('applyPatches: move, copy and test (RFC 6902 §4.4–4.6) over every kind', () => {
  test('move takes the node itself: it keeps its aliases; copy is by value', () => {
    const shared = { n: 1 };
    const base = { a: shared, alias: shared, list: [] as unknown[] };
    const applied = applyPatches(base, [
      { op: 'move', from: '/a', path: '/list/0' },
      { op: 'copy', from: '/alias', path: '/copy' },
      { op: 'replace', path: '/list/0/n', value: 2 },
    ]) as Any;
    assert.equal(applied.list[0], applied.alias);
    assert.equal(applied.alias.n, 2);
    assert.equal(applied.copy.n, 1);
    assert.equal('a' in applied, false);
    assert.deepEqual(base, { a: { n: 1 }, alias: { n: 1 }, list: [] });
  });

  test('a move into itself is refused; to where it is, it moves nothing; the root can be the target', () => {
    const base = () => ({ a: { b: { c: 1 } }, list: [1, 2] });
    refused(
      base(),
      [{ op: 'move', from: '/a', path: '/a/b/d' }],
      /patch 0 \(move \/a\/b\/d\): from is a proper prefix/,
    );
    refused(base(), [{ op: 'move', from: '', path: '/x' }], /proper prefix/);
    refused(
      base(),
      [{ op: 'move', from: '/list/0', path: '/list/2' }],
      /index 2 is past the end \(length 1\)/,
    );
    assert.deepEqual(toJS(applyPatches(base(), [{ op: 'move', from: '/a', path: '/a' }])), base());
    assert.deepEqual(toJS(applyPatches(base(), [{ op: 'move', from: '/a/b', path: '' }])), { c: 1 });
    assert.deepEqual(toJS(applyPatches(base(), [{ op: 'copy', from: '', path: '/a/self' }])), {
      a: { b: { c: 1 }, self: base() },
      list: [1, 2],
    });
  });

  test('move and copy through Maps and Sets use keys and fromKeys', () => {
    const base = { m: new Map<unknown, unknown>([[1, { x: 1 }]]), s: new Set<unknown>() };
    const applied = applyPatches(base, [
      { op: 'copy', from: '/m/1', fromKeys: ['m', 1], path: '/m/2', keys: ['m', 2] },
      { op: 'move', from: '/m/1', fromKeys: ['m', 1], path: '/s/x', keys: ['s', 'x'] },
    ]) as Any;
    assert.deepEqual([...applied.m.keys()], [2]);
    assert.deepEqual(toJS([...applied.s]), [{ x: 1 }]);
    refused(base, [{ op: 'move', from: '/m/1', path: '/y' }], /no such key "1"/);
  });

  test('test compares by value, kind by kind', () => {
    const holed = () => {
      const list = [1, 2, 3];
      delete list[1];
      return list;
    };
    const base = {
      n: 0,
      nan: Number.NaN,
      list: holed(),
      o: { a: 1, b: [2] },
      m: new Map<unknown, unknown>([['k', { v: 1 }]]),
      s: new Set<unknown>([1, 'x', { y: 2 }]),
      when: new Date(5),
      bytes: new Uint8Array([1, 2]),
      view: new DataView(new Uint8Array([7]).buffer),
    };
    const passes: [string, unknown][] = [
      ['/n', -0],
      ['/nan', Number.NaN],
      ['/list', holed()],
      ['/o', { b: [2], a: 1 }],
      ['/m', new Map([['k', { v: 1 }]])],
      ['/s', new Set(['x', 1, { y: 2 }])],
      ['/when', new Date(5)],
      ['/bytes', new Uint8Array([1, 2])],
      ['/view', new DataView(new Uint8Array([7]).buffer)],
      ['', structuredClone(base)],
    ];
    for (const [path, value] of passes) applyPatches(base, [{ op: 'test', path, value }]);
    const fails: [string, unknown][] = [
      ['/n', '0'],
      ['/list', [1, undefined, 3]],
      ['/o', { a: 1 }],
      ['/o', { a: 1, b: [2], c: undefined }],
      ['/m', new Map([['k', { v: 2 }]])],
      ['/s', new Set([1, 'y', { y: 2 }])],
      ['/when', new Date(6)],
      ['/bytes', new Int8Array([1, 2])],
      ['/view', new DataView(new Uint8Array([8]).buffer)],
      ['/o/missing', undefined],
    ];
    for (const [path, value] of fails)
      refused(base, [{ op: 'test', path, value }], /^cowshare: patch 0 \(test /);
  });

  test('a cycle compares equal to a cycle of the same shape', () => {
    const cyclic = (): Any => {
      const o: Any = { n: 1 };
      o.self = o;
      return o;
    };
    applyPatches({ c: cyclic() }, [{ op: 'test', path: '/c', value: cyclic() }]);
  });
});
