// commit(draft) and layered images (FORMAT.md §7): a layer holds only what changed and reads as the
// draft did; layers stack; image files and workers take them like any image; damaged or mismatched
// layers are refused with a CowshareError. The model test (fork.property.test.ts) commits every
// random draft as well.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { KIND_MASK, Kind } from '../src/format/layout.js';
import { nodeOf } from '../src/format/node-ref.js';
import { offsetOfAddress } from '../src/format/reader.js';
import { CowshareError, commit, fork, type Image, open, pack, snapshot, toJS, verify } from '../src/index.js';
import { openFile, writeImage } from '../src/node/index.js';
import { assertSameAsClone } from './support/equal.js';

type Any = any;

const bytesOf = (image: Image): number => image.segments.reduce((sum, s) => sum + s.byteLength, 0);
/** The kind of the node a view reads (after redirects). */
const kindOf = (view: unknown): number => {
  const { reader, address } = nodeOf(view)!;
  return reader.header(address) & KIND_MASK;
};

function dictionary(n: number): Map<string, { i: number; tags: string[]; when: Date }> {
  return new Map(Array.from({ length: n }, (_, i) => [`k${i}`, { i, tags: ['a', 'b'], when: new Date(i) }]));
}

describe('commit: a layer of what changed', () => {
  test('8 writes into entries of a 100,000-entry Map add a few hundred bytes, and the base is shared', () => {
    const base = pack(dictionary(100_000));
    const draft = fork(open<Map<string, Any>>(base)) as Any;
    for (let k = 0; k < 8; k++) draft.get(`k${k * 1000}`).i = -k;
    const layer = commit(draft);
    verify(layer);
    assert.equal(layer.segments.length, base.segments.length + 1);
    for (const [i, segment] of base.segments.entries()) {
      assert.equal(layer.segments[i], segment, 'the base segments are shared, not copied');
    }
    const added = bytesOf(layer) - bytesOf(base);
    assert.ok(added < 2048, `${added} new bytes for 8 changed entries`);
    const view = open<Map<string, Any>>(layer);
    assert.equal(view.size, 100_000);
    for (let k = 0; k < 8; k++) assert.equal(view.get(`k${k * 1000}`).i, -k);
    assert.equal(view.get('k1').i, 1);
    assert.deepEqual(toJS(view.get('k5')), { i: 5, tags: ['a', 'b'], when: new Date(5) });
  });

  test('a Map, Set or wide object given a few new, deleted and replaced entries commits as those changes (a KEYED_DELTA)', () => {
    // Layer on layer, against native models: each layer's new bytes stay a few hundred, whatever the
    // base's size, and each level reads (get, has, size, order, toJS, a draft of it) as its model.
    const n = 100_000;
    const record = () => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, { i }]));
    const value = () => ({
      map: dictionary(n) as Map<string, unknown>,
      set: new Set(Array.from({ length: n }, (_, i) => i)),
      record: record() as Record<string, unknown>,
    });
    let image = pack(value());
    const model = value();
    for (let v = 1; v <= 4; v++) {
      const draft = fork(open(image)) as Any;
      for (const target of [draft, model]) {
        target.map.set(`new${v}`, { v });
        target.map.delete(`k${v * 7}`);
        target.map.set(`k${v * 11}`, v);
        if (v === 3) target.map.delete('new1');
        if (v === 4) target.map.set('new2', 'replaced in a later layer');
        target.set.delete(v);
        target.set.add(-v);
        target.record[`new${v}`] = { v };
        delete target.record[`k${v * 7}`];
        target.record[`k${v * 11}`] = v;
        if (v === 3) delete target.record.new1;
      }
      const before = bytesOf(image);
      image = commit(draft);
      verify(image);
      assert.ok(bytesOf(image) - before < 2048, `layer ${v}: ${bytesOf(image) - before} new bytes`);
      const view = open(image) as Any;
      const kinds = [kindOf(view.map), kindOf(view.set), kindOf(view.record)];
      assert.deepEqual(kinds, [Kind.KeyedDelta, Kind.KeyedDelta, Kind.KeyedDelta]);
      assert.equal(view.record[`k${v * 11}`], v);
      assert.equal(`k${v * 7}` in view.record, false);
      assert.deepEqual(Object.keys(view.record).slice(-3), Object.keys(model.record).slice(-3));
      assert.equal(Object.keys(view.record).length, Object.keys(model.record).length);
      assert.equal(view.map.size, model.map.size);
      assert.equal(view.set.size, model.set.size);
      assert.equal(view.map.get(`k${v * 7}`), undefined);
      assert.equal(view.map.has(`k${v * 7}`), false);
      assert.equal(view.map.get(`k${v * 11}`), v);
      assert.deepEqual(toJS(view.map.get(`new${v}`)), { v });
      assert.deepEqual([view.set.has(v), view.set.has(-v)], [false, true]);
      assert.deepEqual(
        [...view.map.keys()].slice(-4),
        [...model.map.keys()].slice(-4),
        'appended keys at the end, in order',
      );
      assert.deepEqual(toJS(view), model);
      const again = fork(view) as Any;
      assert.deepEqual([...again.set].slice(0, 3), [...model.set].slice(0, 3));
      assert.equal(again.map.get(`k${v * 11}`), v);
      assert.deepEqual(toJS(again), model);
    }
  });

  test('an array pushed, spliced, shifted or grown commits as pieces over its base (an ARRAY_DELTA)', () => {
    const n = 100_000;
    const list = () => Array.from({ length: n }, (_, i) => ({ i }));
    let image = pack({ list: list() });
    const model = { list: list() as unknown[] };
    const steps: ((a: Any[]) => unknown)[] = [
      (a) => a.push({ pushed: 1 }),
      (a) => a.splice(100, 3, 'x', 'y'),
      (a) => a.shift(),
      (a) => {
        a.length += 5; // holes
        a.push('after the holes');
      },
      (a) => a.unshift('first'),
      (a) => a.pop(),
    ];
    for (const [v, step] of steps.entries()) {
      const draft = fork(open(image)) as Any;
      for (const target of [draft, model]) {
        step(target.list);
        target.list[v * 10 + 5] = v;
      }
      const before = bytesOf(image);
      image = commit(draft);
      verify(image);
      assert.ok(bytesOf(image) - before < 2048, `step ${v}: ${bytesOf(image) - before} new bytes`);
      const view = open(image) as Any;
      assert.equal(kindOf(view.list), Kind.ArrayDelta);
      assert.equal(view.list.length, model.list.length);
      const copy = toJS(view) as Any;
      assert.deepEqual(copy, model);
      assert.deepEqual(Object.keys(copy.list).length, Object.keys(model.list).length, 'holes stay holes');
      assert.deepEqual(toJS(fork(view)), model);
    }
  });

  test('an array grown to 2^32 − 1 commits as a piece of holes, read and checked without a walk of them', () => {
    const draft = fork(open(pack({ list: Array.from({ length: 100 }, (_, i) => i) }))) as Any;
    draft.list.length = 2 ** 32 - 1;
    draft.list[2 ** 32 - 2] = 'last';
    const image = commit(draft);
    verify(image);
    const view = open(image) as Any;
    assert.equal(kindOf(view.list), Kind.ArrayDelta);
    assert.deepEqual(
      [view.list.length, view.list[99], 100 in view.list, view.list[2 ** 32 - 2]],
      [2 ** 32 - 1, 99, false, 'last'],
    );
    assert.equal(Object.keys(view.list).length, 101);
    const copy = toJS(view) as Any;
    assert.deepEqual(
      [copy.list.length, copy.list[2 ** 32 - 2], Object.keys(copy.list).length],
      [2 ** 32 - 1, 'last', 101],
    );
  });

  test('a Map with many changes, or a key deleted and set again, commits as a copy, in the right order', () => {
    const base = new Map(Array.from({ length: 40 }, (_, i) => [i, i]));
    for (const change of [
      (m: Map<number, number>) => {
        for (let i = 0; i < 20; i++) m.set(i, -i);
      },
      (m: Map<number, number>) => m.delete(5) && m.set(5, 55),
    ]) {
      const draft = fork(open(pack(base))) as Any;
      const model = new Map(base);
      change(draft);
      change(model);
      const image = commit(draft);
      verify(image);
      assert.deepEqual([...(toJS(open(image)) as Map<number, number>)], [...model]);
      assert.equal(kindOf(open(image)), Kind.Map, 'a copy');
    }
    // Deleted in one layer, set again in the next: the key moves to the end; the Map is copied.
    let image = pack(base);
    const model = new Map(base);
    for (const change of [(m: Any) => m.delete(5), (m: Any) => m.set(5, 55)]) {
      const draft = fork(open(image)) as Any;
      change(draft);
      change(model);
      image = commit(draft);
      verify(image);
      assert.deepEqual([...(toJS(open(image)) as Map<number, number>)], [...model]);
    }
  });

  test('layers stack: a draft of a layer commits on top, and every level reads as its draft did', () => {
    let image = pack({ list: [1, 2, 3], meta: { version: 0 } });
    const expected: unknown[] = [];
    for (let version = 1; version <= 4; version++) {
      const draft = fork(open(image)) as Any;
      draft.meta.version = version;
      draft.list.push(version * 10);
      if (version === 3) draft.extra = new Map([['at', version]]);
      expected.push(toJS(draft));
      const next = commit(draft);
      assert.equal(next.segments.length, image.segments.length + 1);
      image = next;
      verify(image);
      assert.deepEqual(toJS(open(image)), expected[expected.length - 1]);
    }
    assert.deepEqual(toJS(open(image)), {
      list: [1, 2, 3, 10, 20, 30, 40],
      meta: { version: 4 },
      extra: new Map([['at', 3]]),
    });
  });

  test('aliases and cycles through a changed node all see the change', () => {
    const value: Any = { a: { n: 1 }, list: [] };
    value.b = value.a;
    value.list.push(value.a, value);
    const draft = fork(open(pack(value))) as Any;
    draft.a.n = 2;
    const view = open(commit(draft)) as Any;
    assert.equal(view.a.n, 2);
    assert.equal(view.b.n, 2);
    assert.equal(view.list[0].n, 2);
    assert.equal(view.list[1].list[1].a.n, 2);
    const copy = toJS(view) as Any;
    assert.equal(copy.a, copy.b);
    assert.equal(copy.list[1], copy);
  });

  test('Maps and Sets keyed by objects find their keys after the key objects change, layer on layer', () => {
    // A key node changed in a layer is found with a view of its replacement; so is a key of a Map or Set
    // written in the layer; so is a Map that is its own key (its replacement is keyed by itself).
    const key: Any = { id: 1 };
    const self = new Map<unknown, unknown>();
    self.set(self, 'self');
    let image = pack({ key, byKey: new Map([[key, 'found']]), members: new Set([key]), self });
    for (let version = 1; version <= 3; version++) {
      const draft = fork(open(image)) as Any;
      draft.key.id = version * 10;
      draft.self.set('version', version);
      if (version === 2)
        draft.later = { byKey: new Map([[draft.key, 'later']]), members: new Set([draft.key]) };
      image = commit(draft);
      verify(image);
      const view = open(image) as Any;
      assert.equal(view.key.id, version * 10);
      assert.equal(view.byKey.get(view.key), 'found', `version ${version}`);
      assert.equal(view.members.has(view.key), true);
      assert.equal(view.self.get(view.self), 'self');
      if (version >= 2) {
        assert.equal(view.later.byKey.get(view.key), 'later');
        assert.equal(view.later.members.has(view.key), true);
      }
      const again = fork(view) as Any;
      assert.equal(again.byKey.get(again.key), 'found', 'and through a draft of the layer');
      const copy = toJS(view) as Any;
      assert.equal(copy.byKey.get(copy.key), 'found');
    }
  });

  test('typed arrays: a written byte replaces its buffer, and both views of it see the write', () => {
    const buffer = new ArrayBuffer(16);
    const draft = fork(
      open(pack({ bytes: new Uint8Array(buffer), words: new Uint32Array(buffer, 8) })),
    ) as Any;
    draft.bytes[8] = 1;
    const view = open(commit(draft)) as Any;
    assert.equal(view.bytes[8], 1);
    assert.equal(view.words[0], 1);
    assert.equal(view.bytes.buffer, view.words.buffer);
  });

  test('a snapshot commits as the draft was then; a plain draft commits as a standalone image', () => {
    const draft = fork(open(pack({ n: 1 }))) as Any;
    draft.n = 2;
    const saved = snapshot(draft);
    draft.n = 3;
    assert.equal((open(commit(saved)) as Any).n, 2);
    assert.equal((open(commit(draft)) as Any).n, 3);
    const plain = fork({ x: [1] }) as Any;
    plain.x.push(2);
    const image = commit(plain);
    assert.deepEqual(toJS(open(image)), { x: [1, 2] });
    verify(image);
  });

  test('a value that cannot be packed fails at commit, naming its path', () => {
    const draft = fork(open(pack({ users: [{ name: 'ada' }] }))) as Any;
    draft.users[0].callback = () => 1;
    assert.throws(
      () => commit(draft),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'UNPACKABLE' &&
        /callback: functions cannot be packed/.test(error.message),
    );
  });

  test('commit(fork(x)) is an image of x for every x: a value that is no draft is packed', () => {
    const error = new RangeError('x', { cause: 1 });
    const values: unknown[] = [1, -0, 'text', '', null, undefined, true, 10n, new Number(3), new String('s')];
    const holey = [1, 2, 3];
    delete holey[1];
    values.push(/re/g, error, new ArrayBuffer(4), new Date(0), {}, holey, new Map([[1, 2]]));
    for (const value of values) {
      assertSameAsClone(toJS(open(commit(fork(value)))), structuredClone(value));
      assertSameAsClone(toJS(open(commit(value))), structuredClone(value));
    }
    const view = open(pack({ a: [1, 2] }));
    assert.deepEqual(toJS(open(commit(view))), { a: [1, 2] });
    assert.throws(
      () => commit(() => 1),
      (e: unknown) => e instanceof CowshareError && e.code === 'UNPACKABLE',
    );
  });

  test('a layer crosses to a worker and is written to a file like any image', async () => {
    const draft = fork(open(pack(dictionary(1000)))) as Any;
    draft.get('k7').i = 777;
    const layer = commit(draft);
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       parentPort.postMessage(workerData.segments.map((s) => s instanceof SharedArrayBuffer));`,
      { eval: true, workerData: layer },
    );
    const shared = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    assert.deepEqual(
      shared,
      layer.segments.map(() => true),
    );

    const dir = mkdtempSync(join(tmpdir(), 'cowshare-commit-'));
    try {
      const path = join(dir, 'layer.cow');
      await writeImage(path, layer);
      const view = openFile<Map<string, Any>>(path, { verify: true });
      assert.equal(view.get('k7').i, 777);
      assert.equal(view.get('k8').i, 8);
      // A file cut inside the layer, or with a layer header damaged, is refused.
      const whole = readFileSync(path);
      writeFileSync(join(dir, 'cut.cow'), whole.subarray(0, whole.length - 8));
      assert.throws(
        () => openFile(join(dir, 'cut.cow')),
        (e: unknown) => e instanceof CowshareError && e.code === 'CORRUPT',
      );
      const damaged = Buffer.from(whole);
      damaged[bytesOf(pack(dictionary(1000))) + 20]! ^= 1;
      writeFileSync(join(dir, 'damaged.cow'), damaged);
      assert.throws(
        () => openFile(join(dir, 'damaged.cow')),
        (e: unknown) => e instanceof CowshareError && e.code === 'CORRUPT',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('layered images from outside are checked', () => {
  function layerOn(value: unknown): { base: Image; layer: Image } {
    const base = pack(value);
    const draft = fork(open(base)) as Any;
    draft.a.n = 2;
    return { base, layer: commit(draft) };
  }

  const corrupt = (error: unknown) => error instanceof CowshareError && error.code === 'CORRUPT';

  /** Each damage (words of the layer's own segment set to values) makes verify say its message. */
  function assertRefused(base: Image, words: Uint32Array, damages: [string, [number, number][]][]): void {
    for (const [message, damage] of damages) {
      const w = words.slice();
      for (const [at, value] of damage) w[at] = value;
      const segment = new SharedArrayBuffer(w.byteLength);
      new Uint32Array(segment).set(w);
      const image = { segments: [...base.segments, segment] };
      assert.throws(
        () => verify(image),
        (error) => corrupt(error) && (error as Error).message.includes(message),
        message,
      );
    }
  }

  test('a layer on another base than its own is refused', () => {
    const { layer } = layerOn({ a: { n: 1 } });
    const other = pack({ a: { n: 1 }, b: 2 });
    assert.throws(() => open({ segments: [...other.segments, layer.segments[1]!] }), corrupt);
  });

  test("a layer's own segments without its base are refused", () => {
    const { layer } = layerOn({ a: { n: 1 } });
    assert.throws(() => open({ segments: [layer.segments[1]!] }), corrupt);
  });

  test('a damaged layer header is refused at open', () => {
    const { base, layer } = layerOn({ a: { n: 1 } });
    const own = new Uint8Array(layer.segments[1]!.byteLength);
    own.set(new Uint8Array(layer.segments[1]!));
    own[66]! ^= 1; // inside the redirect table's address, which the checksum covers
    const damaged = new SharedArrayBuffer(own.length);
    new Uint8Array(damaged).set(own);
    assert.throws(() => open({ segments: [...base.segments, damaged] }), corrupt);
  });

  test('verify refuses a damaged KEYED_DELTA; opening refuses one whose base is out of place', () => {
    const base = pack(new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, { i }])));
    const draft = fork(open(base)) as Any;
    draft.set('k3', 'x');
    draft.delete('k7');
    draft.set('new', 1);
    const layer = commit(draft);
    verify(layer);
    const delta = nodeOf(open(layer))!.address;
    assert.equal(kindOf(open(layer)), Kind.KeyedDelta);
    const words = new Uint32Array(layer.segments[1]!).slice();
    const body = offsetOfAddress(delta) / 4 + 1;
    const entry = (e: number) => body + 4 + 3 * e; // key slot, value slot, base index
    assert.deepEqual(
      [words[body + 2], words[body + 3], words[entry(0) + 2], words[entry(1) + 2]],
      [20, 2, 3, 7],
    );
    const object = nodeOf(open<Map<string, unknown>>(base).get('k0'))!.address;
    const swapped: [number, number][] = [0, 1, 2].flatMap((k) => [
      [entry(0) + k, words[entry(1) + k]!],
      [entry(1) + k, words[entry(0) + k]!],
    ]);
    // Each damage: words to set (word index, value), and what verify must say.
    const variants: [string, [number, number][]][] = [
      ['not in a lower layer', [[body + 1, 1]]],
      ['not a MAP, SET or DICT', [[body, offsetOfAddress(object)]]],
      ['counts that do not add up', [[body + 3, 4]]],
      ['its size is not what its changes give', [[body + 2, 21]]],
      ['change 1 is out of order', swapped],
      ["change 0 is not of its base entry's key", [[entry(0) + 2, 4]]],
      ['change 1 is out of order', [[entry(1) + 2, 20]]],
      ['appended entry 2 is in the base', [[entry(2), words[entry(0)]!]]],
      ['entry 2 is not appended', [[entry(2) + 2, 9]]],
    ];
    assertRefused(base, words, variants);
    // An object's added keys cannot be array indices (Object.keys would list them first): a copy.
    const dict = pack(Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`k${i}`, i])));
    const wide = fork(open(dict)) as Any;
    wide.ab = 1;
    const dictLayer = commit(wide);
    assert.equal(kindOf(open(dictLayer)), Kind.KeyedDelta);
    // The appended key's bytes "ab" made "17": verify refuses it before it looks at the hash.
    const bytes = new Uint8Array(dictLayer.segments[1]!).slice();
    const at = bytes.findIndex(
      (b, i) => i % 4 === 0 && b === 0x61 && bytes[i + 1] === 0x62 && bytes[i - 4] === 1,
    );
    bytes.set([0x31, 0x37], at);
    const renamed = new SharedArrayBuffer(bytes.length);
    new Uint8Array(renamed).set(bytes);
    assert.throws(
      () => verify({ segments: [...dict.segments, renamed] }),
      (error) => corrupt(error) && (error as Error).message.includes('is an array index'),
    );
    wide[17] = 1;
    const copied = commit(wide);
    assert.equal(kindOf(open(copied)), Kind.Dict, 'an added array index: a copy');
    assert.deepEqual(Object.keys(open(copied) as object).slice(0, 2), ['17', 'k0']);
    // Opening reads the delta's base when the Map is reached: a base out of place is refused then too.
    const w = words.slice();
    w[body + 1] = 1;
    const segment = new SharedArrayBuffer(w.byteLength);
    new Uint32Array(segment).set(w);
    assert.throws(() => open<Map<string, unknown>>({ segments: [...base.segments, segment] }).size, corrupt);
  });

  test('verify refuses a damaged ARRAY_DELTA', () => {
    const base = pack(Array.from({ length: 100 }, (_, i) => i * 1.5));
    const draft = fork(open(base)) as Any;
    draft.splice(50, 1, 'x');
    draft.push('y');
    const layer = commit(draft);
    verify(layer);
    assert.equal(kindOf(open(layer)), Kind.ArrayDelta);
    const words = new Uint32Array(layer.segments[1]!).slice();
    const body = offsetOfAddress(nodeOf(open(layer))!.address) / 4 + 1;
    const piece = (p: number) => body + 4 + 2 * p; // (at, from)
    // Pieces: base 0–49, the slot "x", base 51–99, the slot "y".
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => [words[piece(p)], words[piece(p) + 1]]),
      [
        [0, 0],
        [50, 0x80000000],
        [51, 51],
        [100, 0x80000001],
      ],
    );
    const variants: [string, [number, number][]][] = [
      ['not in a lower layer', [[body + 1, 1]]],
      ['pieces that do not start the array', [[piece(0), 1]]],
      ['piece 1 is out of order', [[piece(2), 50]]],
      ['piece 2 runs past its base', [[piece(2) + 1, 52]]],
      ['piece 3 is not of the next slots', [[piece(3) + 1, 0x80000000]]],
      ['slots that no piece uses', [[piece(3) + 1, 0xffffffff]]],
    ];
    assertRefused(base, words, variants);
  });

  test('verify refuses a redirect table out of order, across layers, or between kinds', () => {
    const value = { a: { n: 1 }, b: { n: 1 }, list: [1] };
    const base = pack(value);
    const draft = fork(open(base)) as Any;
    draft.a.n = 2;
    draft.b.n = 2;
    draft.list.push(2);
    const layer = commit(draft);
    verify(layer);
    const own = new Uint32Array(layer.segments[1]!);
    const words = own.slice();
    // The header names the table; its body is pairs (from offset, from segment, to offset, to segment).
    const tableOffset = words[68 / 4]!;
    const body = tableOffset / 4 + 1;
    const count = words[tableOffset / 4]! >>> 8;
    assert.equal(count, 3);
    const variants: [string, (w: Uint32Array) => void][] = [
      [
        'out of order',
        (w) => {
          for (let k = 0; k < 4; k++) [w[body + k], w[body + 4 + k]] = [w[body + 4 + k]!, w[body + k]!];
        },
      ],
      [
        'a replacement outside its layer',
        (w) => {
          w[body + 3] = 0;
        },
      ],
      [
        'a replacement of another kind',
        (w) => {
          // The array's replacement made to point at an object's: a node of the layer, of another kind.
          const baseWords = new Uint32Array(base.segments[0]!);
          const kindOf = (p: number) => baseWords[w[body + 4 * p]! / 4]! & 0xff;
          const array = [0, 1, 2].find((p) => kindOf(p) === 0x08)!;
          const object = [0, 1, 2].find((p) => kindOf(p) === 0x0a)!;
          w[body + 4 * array + 2] = w[body + 4 * object + 2]!;
        },
      ],
      [
        'two replacements in one node',
        (w) => {
          const baseWords = new Uint32Array(base.segments[0]!);
          const [one, two] = [0, 1, 2].filter((p) => (baseWords[w[body + 4 * p]! / 4]! & 0xff) === 0x0a);
          w[body + 4 * two! + 2] = w[body + 4 * one! + 2]!;
        },
      ],
    ];
    for (const [what, damage] of variants) {
      const w = words.slice();
      damage(w);
      const segment = new SharedArrayBuffer(w.byteLength);
      new Uint32Array(segment).set(w);
      // The words changed are outside the header, whose checksum still holds: only verify can tell.
      const image = { segments: [...base.segments, segment] };
      assert.throws(() => verify(image), corrupt, what);
    }
  });
});
