// Property tests over generated value graphs (every structured-cloneable type, holes, -0, NaN, shared
// references and cycles): the round trip is structuredClone, view reads are direct reads, JSON.stringify
// of a view is JSON.stringify of the value, packing is deterministic, and segment size changes nothing.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Image } from '../src/index.js';
import { open, pack, toJS, verify } from '../src/index.js';
import {
  cloneableArb,
  largeCloneableArb,
  objectFrom,
  treeArb,
  wideKeyedArb,
  wideObjectArb,
} from './support/arbitrary.js';
import { assertSameAsClone, assertViewReads, cloneOf } from './support/equal.js';
import { params } from './support/runs.js';

function sameBytes(a: Image, b: Image): boolean {
  return (
    a.segments.length === b.segments.length &&
    a.segments.every((s, i) => Buffer.from(s).equals(Buffer.from(b.segments[i]!)))
  );
}

/** JSON.stringify, or the name of the error it throws (BigInt, cycles). */
function stringify(value: unknown): string {
  try {
    return `ok ${JSON.stringify(value)}`;
  } catch (error) {
    return `threw ${(error as Error).name}`;
  }
}

describe('properties of pack / open / toJS', () => {
  test('toJS(open(pack(v))) is structuredClone(v), and verify accepts the image', () => {
    fc.assert(
      fc.property(cloneableArb, (value) => {
        const image = pack(value);
        verify(image);
        assertSameAsClone(toJS(open(image)), cloneOf(value));
      }),
      params(3000),
    );
  });

  test('larger graphs: round trip, view reads and small segments', () => {
    fc.assert(
      fc.property(largeCloneableArb, fc.constantFrom(undefined, 4096), (value, segmentSize) => {
        const image = pack(value, segmentSize ? { segmentSize } : {});
        verify(image);
        assertSameAsClone(toJS(open(image)), cloneOf(value));
        assertViewReads(open(image), value);
      }),
      params(1000),
    );
  });

  test('reads through a view equal reads of the value', () => {
    fc.assert(
      fc.property(cloneableArb, (value) => {
        assertViewReads(open(pack(value)), value);
      }),
      params(1500),
    );
  });

  test('JSON.stringify of a view equals JSON.stringify of the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(JSON.stringify(open(pack(value))), JSON.stringify(value));
      }),
      params(1000),
    );
    fc.assert(
      fc.property(treeArb, (value) => {
        const expected = stringify(value);
        const actual = stringify(open(pack(value)));
        if (expected.startsWith('threw')) assert.match(actual, /^threw (TypeError|RangeError)$/);
        else assert.equal(actual, expected);
      }),
      params(1000),
    );
  });

  test('packing is deterministic, and equal graphs give equal bytes', () => {
    fc.assert(
      fc.property(cloneableArb, (value) => {
        const image = pack(value);
        assert.ok(sameBytes(image, pack(value)), 'pack(v) twice');
        assert.ok(sameBytes(image, pack(cloneOf(value))), 'pack(structuredClone(v))');
      }),
      params(1000),
    );
  });

  test('a small segment size gives the same value', () => {
    fc.assert(
      fc.property(cloneableArb, fc.constantFrom(4096, 8192, 65536), (value, segmentSize) => {
        const image = pack(value, { segmentSize });
        verify(image);
        assertSameAsClone(toJS(open(image)), cloneOf(value));
        assertSameAsClone(toJS(open(image, { verify: true })), cloneOf(value));
      }),
      params(600),
    );
  });

  test('keyed lookups (hash indexes included) agree with Map, Set and plain objects', () => {
    fc.assert(
      fc.property(wideKeyedArb, fc.boolean(), ({ entries, probes }, small) => {
        const map = new Map(entries);
        const set = new Set(entries.map(([key]) => key));
        // Small segments put keys, values and the containers in different segments (far references).
        const image = pack(
          { padding: 'p'.repeat(small ? 3000 : 0), map, set },
          small ? { segmentSize: 4096 } : {},
        );
        const view = open(image) as unknown as {
          map: ReadonlyMap<unknown, number>;
          set: ReadonlySet<unknown>;
        };
        assert.equal(view.map.size, map.size);
        assert.equal(view.set.size, set.size);
        const viewKeys = [...view.map.keys()];
        const viewMembers = [...view.set];
        [...map.keys()].forEach((key, i) => {
          // Object keys are found through the key the view hands out; primitives by value.
          const probe = typeof key === 'object' ? viewKeys[i] : key;
          assert.ok(view.map.has(probe), `map.has(key ${i})`);
          assert.equal(view.map.get(probe), map.get(key), `map.get(key ${i})`);
          assert.ok(view.set.has(typeof key === 'object' ? viewMembers[i] : key), `set.has(member ${i})`);
        });
        for (const probe of probes) {
          assert.equal(view.map.has(probe), map.has(probe), `map.has(${String(probe)})`);
          assert.equal(view.map.get(probe), map.get(probe), `map.get(${String(probe)})`);
          assert.equal(view.set.has(probe), set.has(probe), `set.has(${String(probe)})`);
        }
        assert.ok(!view.map.has({}));
      }),
      params(1500),
    );
  });

  test('property reads (hashed shapes included) agree with plain objects', () => {
    fc.assert(
      fc.property(wideObjectArb, fc.boolean(), ({ entries, probes }, small) => {
        const value = objectFrom(entries);
        const view = open<Record<string, unknown>>(pack(value, small ? { segmentSize: 4096 } : {}));
        assert.deepEqual(Object.keys(view), Object.keys(value));
        for (const key of [...Object.keys(value), ...probes]) {
          const own = Object.hasOwn(value, key);
          assert.equal(Object.hasOwn(view, key), own, `hasOwn(${JSON.stringify(key)})`);
          assert.equal(key in view, key in value, `${JSON.stringify(key)} in view`);
          if (own) assert.equal(view[key], value[key], `[${JSON.stringify(key)}]`);
        }
      }),
      params(1500),
    );
  });

  test('a value big enough for many segments survives a small segment size', () => {
    const bulky = fc.array(cloneableArb, { minLength: 20, maxLength: 60 }).map((items) => ({
      items,
      padding: Array.from({ length: 300 }, (_, i) => `pad ${i}`),
    }));
    fc.assert(
      fc.property(bulky, (value) => {
        const image = pack(value, { segmentSize: 4096 });
        assert.ok(image.segments.length > 1);
        assertSameAsClone(toJS(open(image)), cloneOf(value));
      }),
      params(60),
    );
  });
});
