// The writer's segment handling: large segments, jumbo nodes, determinism.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BigMap } from '../src/format/big-map.js';
import { open, pack, toJS, verify } from '../src/index.js';

const bytesOf = (image: { segments: readonly SharedArrayBuffer[] }) =>
  image.segments.map((s) => new Uint8Array(s));

test('a segment of several MiB round-trips, is a multiple of 8 bytes, and packs deterministically', () => {
  const blob = new Uint8Array(6 << 20);
  for (let i = 0; i < blob.length; i += 997) blob[i] = i % 251;
  const value = { blob, names: Array.from({ length: 1000 }, (_, i) => `name ${i}`) };
  const image = pack(value);
  assert.equal(image.segments.length, 1);
  assert.equal(image.segments[0]!.byteLength % 8, 0);
  // Fixed, not growable: V8 11 reads views of growable buffers up to a third slower (src/format/writer.ts).
  assert.notEqual((image.segments[0] as { growable?: boolean }).growable, true);
  verify(image);
  const view = open<typeof value>(image);
  assert.equal(view.blob.length, blob.length);
  assert.equal(view.blob[997 * 5], (997 * 5) % 251);
  assert.deepEqual(toJS(view), structuredClone(value));
  assert.deepEqual(bytesOf(pack(value)), bytesOf(image));
});

test('a node larger than segmentSize gets a segment of its own', () => {
  const blob = new Uint8Array(200_000).fill(7);
  const value = { before: 'a'.repeat(100), blob, after: [1, 2, 3] };
  const image = pack(value, { segmentSize: 65536 });
  assert.ok(image.segments.length >= 2);
  assert.ok(
    image.segments.some((s) => s.byteLength > 65536),
    'no jumbo segment',
  );
  verify(image);
  assert.deepEqual(toJS(open(image)), structuredClone(value));
});

test('segmentSize outside its range is a RangeError', () => {
  assert.throws(() => pack(1, { segmentSize: 100 }), RangeError);
  assert.throws(() => pack(1, { segmentSize: 2 ** 33 }), RangeError);
  assert.throws(() => pack(1, { segmentSize: Number.NaN }), RangeError);
});

test('objects of DICT_MIN_KEYS (4096) keys or more are DICT nodes, narrower ones OBJECTs of a shape', () => {
  const rootKind = (image: { segments: readonly SharedArrayBuffer[] }) => {
    const words = new Uint32Array(image.segments[0]!);
    return words[words[7]! >>> 2]! & 0xff; // header word 7: the root slot, a near reference
  };
  const wide = (n: number) => {
    const o: Record<string, unknown> = Object.fromEntries(
      Array.from({ length: n - 1 }, (_, i) => [`k${i}`, i]),
    );
    Object.defineProperty(o, '__proto__', {
      value: 'data',
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return o;
  };
  assert.equal(rootKind(pack(wide(4095))), 0x0a, 'OBJECT');
  const value = wide(4096);
  const image = pack(value);
  assert.equal(rootKind(image), 0x14, 'DICT');
  verify(image);
  const view = open<Record<string, unknown>>(image);
  assert.equal(view.k4000, 4000);
  assert.equal(view.missing, undefined);
  assert.ok('k0' in view && !('missing' in view));
  assert.equal(Object.getOwnPropertyDescriptor(view, '__proto__')?.value, 'data');
  assert.equal(Object.keys(view).length, 4096);
  assert.deepEqual(toJS(view), structuredClone(value));
});

test('an array with thousands of named properties keeps them (its extras are a DICT)', () => {
  const list: unknown[] = [1, 2];
  for (let i = 0; i < 5000; i++) (list as unknown as Record<string, number>)[`p${i}`] = i;
  const image = pack({ list });
  verify(image);
  for (const objects of ['facade', 'record'] as const) {
    const view = open<{ list: Record<string, unknown> }>(image, { objects }).list;
    assert.equal(view.p4321, 4321, objects);
    assert.equal(Object.keys(view).length, 5002, objects);
  }
  assert.deepEqual(toJS(open(image)), structuredClone({ list }));
});

test('values nested as deep as structuredClone takes round-trip (2,500 levels)', () => {
  let list: unknown = 'bottom';
  let chain: unknown = 'bottom';
  for (let i = 0; i < 2500; i++) {
    list = [list, i];
    chain = { next: chain, i };
  }
  // assert.deepEqual recurses too deep here: walk the copies by hand, level by level.
  const walk = (value: unknown, step: (at: unknown) => [unknown, unknown]): unknown[] => {
    const seen: unknown[] = [];
    let at = value;
    while (typeof at === 'object' && at !== null) {
      const [next, label] = step(at);
      seen.push(label);
      at = next;
    }
    seen.push(at);
    return seen;
  };
  const listStep = (at: unknown): [unknown, unknown] => [(at as unknown[])[0], (at as unknown[])[1]];
  const chainStep = (at: unknown): [unknown, unknown] => [
    (at as { next: unknown }).next,
    (at as { i: number }).i,
  ];
  assert.deepEqual(walk(toJS(open(pack(list))), listStep), walk(structuredClone(list), listStep));
  assert.deepEqual(walk(toJS(open(pack(chain))), chainStep), walk(chain, chainStep));
});

describe('BigMap (identity maps past V8 Map limit)', () => {
  test('behaves as one Map across its full Maps', () => {
    const map = new BigMap<object, number>(4);
    const keys = Array.from({ length: 19 }, () => ({}));
    for (const [i, key] of keys.entries()) map.set(key, i);
    for (const [i, key] of keys.entries()) assert.equal(map.get(key), i);
    assert.equal(map.get({}), undefined);
    map.clear();
    assert.equal(map.get(keys[0]!), undefined);
  });
});
