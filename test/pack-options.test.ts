// pack's options that change how a value is written, not what it reads as: `tree` (no identity table:
// objects reachable twice are stored twice, cycles refused) and `internLimit` (the bounded string cache).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { hashString } from '../src/format/hash.js';
import { CowshareError, type Image, open, pack, toJS, verify } from '../src/index.js';
import { cloneableArb, treeArb } from './support/arbitrary.js';
import { assertSameAsClone, cloneOf } from './support/equal.js';
import { params } from './support/runs.js';

const bytesOf = (image: Image): Buffer[] => image.segments.map((s) => Buffer.from(s));
const size = (image: Image): number => image.segments.reduce((n, s) => n + s.byteLength, 0);

/** Whether no object (a typed array's buffer included) is reachable twice from `value`. */
function isTree(value: unknown): boolean {
  const seen = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return true;
    if (seen.has(v)) return false;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return visit(v.buffer);
    if (v instanceof Map) return [...v].every(([k, x]) => visit(k) && visit(x));
    if (v instanceof Set) return [...v].every(visit);
    return Reflect.ownKeys(v).every((k) => visit((v as Record<string | symbol, unknown>)[k]));
  };
  return visit(value);
}
/** treeArb's values with no sharing at all (it makes views that share a buffer, as a leaf). */
const unsharedArb = treeArb.filter(isTree);

function refusal(run: () => unknown): CowshareError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof CowshareError, `not a CowshareError: ${String(error)}`);
    return error;
  }
  assert.fail('did not throw');
}

describe('pack(value, { tree: true })', () => {
  test('a tree packs to the same bytes as without the option', () => {
    fc.assert(
      fc.property(unsharedArb, (value) => {
        assert.deepEqual(bytesOf(pack(value, { tree: true })), bytesOf(pack(value)));
      }),
      params(1000),
    );
  });

  test('an object reachable twice is stored twice: it reads back as two equal, distinct objects', () => {
    fc.assert(
      fc.property(unsharedArb, (value) => {
        const image = pack({ a: value, b: [value] }, { tree: true });
        verify(image);
        assertSameAsClone(toJS(open(image)), { a: cloneOf(value), b: [cloneOf(value)] });
      }),
      params(500),
    );
    const shared = { n: 1 };
    const view = open(pack([shared, shared], { tree: true })) as readonly { n: number }[];
    assert.equal(view[0]!.n, 1);
    assert.notEqual(toJS(view)[0], toJS(view)[1]);
    const copy = toJS(view);
    assert.notEqual(copy[0], copy[1]);
    assert.deepEqual(copy, [{ n: 1 }, { n: 1 }]);
  });

  test('a cycle is refused with its path, however deep', () => {
    const direct: Record<string, unknown> = {};
    direct.self = direct;
    let error = refusal(() => pack(direct, { tree: true }));
    assert.equal(error.code, 'UNPACKABLE');
    assert.match(error.message, /^\$\.self: an object that contains itself/);

    const inMap = new Map<string, unknown>();
    inMap.set('k', [new Set([inMap])]);
    error = refusal(() => pack({ root: inMap }, { tree: true }));
    assert.match(
      error.message,
      /^\$\.root\.get\("k"\)\[0\]\.values\(\)\[0\]: an object that contains itself/,
    );

    // Past the ancestors checked one by one (a Set holds the deeper ones), to a middle one and the root.
    for (const depth of [31, 32, 33, 40, 1000]) {
      for (const target of [0, Math.floor(depth / 2), depth - 1]) {
        const chain: { next?: unknown }[] = Array.from({ length: depth }, () => ({}));
        for (let i = 0; i + 1 < depth; i++) chain[i]!.next = chain[i + 1];
        chain[depth - 1]!.next = chain[target];
        error = refusal(() => pack(chain[0], { tree: true }));
        assert.equal(error.code, 'UNPACKABLE');
        assert.ok(error.message.startsWith(`$${'.next'.repeat(depth)}: an object`), `${depth} → ${target}`);
      }
    }
  });

  test('deep sharing that is not a cycle packs: an ancestor is taken off the path when it is done', () => {
    const leaf = { leaf: true };
    let chain: unknown = leaf;
    for (let i = 0; i < 2000; i++) chain = { next: chain, again: i % 100 === 0 ? leaf : i };
    const image = pack([chain, chain, leaf], { tree: true });
    verify(image);
    type Link = { next: Link | { leaf: true }; again: number | { leaf: true } };
    const copy = toJS(open(image)) as [Link, Link, { leaf: true }];
    assert.notEqual(copy[0], copy[1]);
    assert.deepEqual(copy[2], leaf);
    // Compared link by link (a recursive deepEqual overflows the stack at this depth).
    for (let a: unknown = copy[0], b: unknown = copy[1], i = 1999; i >= 0; i--) {
      const [x, y] = [a as Link, b as Link];
      assert.deepEqual(x.again, i % 100 === 0 ? leaf : i);
      assert.deepEqual(y.again, x.again);
      [a, b] = [x.next, y.next];
      if (i === 0) assert.deepEqual([a, b], [leaf, leaf]);
    }
  });

  test('views of an image are stored once per node, so a cycle in an image survives', () => {
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic.children = [cyclic, { up: cyclic }];
    const view = open(pack(cyclic));
    const image = pack(view, { tree: true });
    verify(image);
    assertSameAsClone(toJS(open(image)), structuredClone(cyclic));
  });
});

describe('pack(value, { internLimit })', () => {
  test('any limit reads back the same value', () => {
    fc.assert(
      fc.property(cloneableArb, fc.constantFrom(0, 1, 2, 3, 1024), (value, internLimit) => {
        const image = pack(value, { internLimit });
        verify(image);
        assertSameAsClone(toJS(open(image)), cloneOf(value));
      }),
      params(1000),
    );
  });

  test('repeated strings are stored once within the limit, and again with 0', () => {
    const words = Array.from({ length: 1000 }, (_, i) => `word number ${i % 10}`);
    const interned = pack(words);
    const none = pack(words, { internLimit: 0 });
    // 10 distinct strings of 14 characters (20 bytes a node) against 1000 of them.
    assert.ok(size(none) - size(interned) >= 990 * 20, `${size(none)} vs ${size(interned)}`);
    assert.deepEqual(toJS(open(none)), words);
  });

  test('two strings whose hashes share their low bits are both stored once', () => {
    // hashString('tag47') and hashString('tag783') agree in their low 16 bits: a direct-mapped cache of
    // 65,536 slots had them evict each other on every use, storing every occurrence again.
    assert.equal(hashString('tag47') & 0xffff, hashString('tag783') & 0xffff);
    const records = (a: string, b: string) =>
      Array.from({ length: 10_000 }, (_, i) => ({ tag: i % 2 ? a : b }));
    assert.equal(size(pack(records('tag47', 'tag783'))), size(pack(records('tag47', 'tag784'))));
  });

  test('a limit that is not an integer from 0 to 2^24 is a RangeError, before anything is written', () => {
    for (const internLimit of [-1, 1.5, Number.NaN, Infinity, 2 ** 24 + 1, '8' as unknown as number]) {
      assert.throws(() => pack('x', { internLimit }), RangeError, String(internLimit));
    }
    assert.equal(open(pack('x', { internLimit: 2 ** 24 })), 'x');
  });
});
