// The persistent structures under copy-on-write drafts (src/cow/): HashTrie against a native Map and
// Rope against a plain array, over random operations with versions forked off in other epochs. After
// every step the current version equals its model, and every earlier version still equals the model
// it had when it was kept: a write in one epoch never changes a node another version can reach.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Epoch } from '../src/cow/epoch.js';
import { HashTrie } from '../src/cow/hash-trie.js';
import { Rope } from '../src/cow/rope.js';
import { hashPrimitive } from '../src/format/hash.js';
import { params } from './support/runs.js';

function trieEntries<K, V>(trie: HashTrie<K, V>): Map<K, V> {
  const entries = new Map<K, V>();
  trie.forEach((value, key) => {
    assert.ok(!entries.has(key), `key ${String(key)} visited twice`);
    entries.set(key, value);
  });
  return entries;
}

function assertTrie<V>(trie: HashTrie<number | string, V>, model: Map<number | string, V>, hash: Hash): void {
  assert.equal(trie.size, model.size);
  assert.deepEqual(trieEntries(trie), model);
  for (const [key, value] of model) assert.equal(trie.get(key, hash(key)), value);
}

type Hash = (key: number | string) => number;
/** The format's hash, and a poor one under which many keys collide (the Collision nodes). */
const HASHES: [string, Hash][] = [
  ['the format hash', (key) => hashPrimitive(key)!],
  ['a hash of 3 values', (key) => (hashPrimitive(key)! % 3) * 0x55555555],
];

const trieOp = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key: fc.oneof(fc.nat(40), fc.string({ maxLength: 2 })),
    value: fc.integer(),
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.oneof(fc.nat(40), fc.string({ maxLength: 2 })) }),
  fc.record({ op: fc.constant('fork' as const) }),
);

describe('HashTrie: a persistent Map', () => {
  for (const [name, hash] of HASHES) {
    test(`random sets, deletes and forks equal a native Map, and kept versions never change (${name})`, () => {
      fc.assert(
        fc.property(fc.array(trieOp, { maxLength: 200 }), (ops) => {
          let epoch = new Epoch();
          let trie = HashTrie.empty<number | string, number>();
          const model = new Map<number | string, number>();
          const kept: [HashTrie<number | string, number>, Map<number | string, number>][] = [];
          for (const step of ops) {
            if (step.op === 'fork') {
              kept.push([trie, new Map(model)]);
              epoch = new Epoch();
            } else if (step.op === 'set') {
              trie = trie.set(step.key, hash(step.key), step.value, epoch);
              model.set(step.key, step.value);
            } else {
              trie = trie.delete(step.key, hash(step.key), epoch);
              model.delete(step.key);
            }
            assertTrie(trie, model, hash);
            assert.equal(trie.has(-1, hash(-1)), false);
          }
          for (const [version, expected] of kept) assertTrie(version, expected, hash);
        }),
        params(300),
      );
    });
  }

  test('a write in the owning epoch changes the trie in place; in another epoch it makes a new one', () => {
    const epoch = new Epoch();
    const hash = (k: number) => hashPrimitive(k)!;
    const a = HashTrie.empty<number, number>().set(1, hash(1), 1, epoch);
    assert.equal(a.set(2, hash(2), 2, epoch), a);
    const b = a.set(3, hash(3), 3, new Epoch());
    assert.notEqual(b, a);
    assert.equal(a.size, 2);
    assert.equal(b.size, 3);
    assert.equal(a.has(3, hash(3)), false);
  });

  test('deleting an absent key returns the same trie', () => {
    const epoch = new Epoch();
    const trie = HashTrie.empty<string, number>().set('a', hashPrimitive('a')!, 1, epoch);
    assert.equal(trie.delete('b', hashPrimitive('b')!, new Epoch()), trie);
  });

  test('100,000 keys: set, read back, delete half, forks keep their own', () => {
    const hash = (k: number) => hashPrimitive(k)!;
    let epoch = new Epoch();
    let trie = HashTrie.empty<number, number>();
    for (let i = 0; i < 100_000; i++) trie = trie.set(i, hash(i), i * 2, epoch);
    const full = trie;
    epoch = new Epoch();
    for (let i = 0; i < 100_000; i += 2) trie = trie.delete(i, hash(i), epoch);
    assert.equal(full.size, 100_000);
    assert.equal(trie.size, 50_000);
    for (let i = 0; i < 100_000; i++) {
      assert.equal(full.get(i, hash(i)), i * 2);
      assert.equal(trie.get(i, hash(i)), i % 2 === 0 ? undefined : i * 2);
    }
  });
});

const ropeOp = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      values: fc.oneof(
        fc.array(fc.integer(), { maxLength: 5 }),
        fc.array(fc.integer(), { minLength: 60, maxLength: 300 }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('remove' as const),
      at: fc.nat(),
      count: fc.oneof(fc.nat(4), fc.nat(400)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('fill' as const),
      at: fc.nat(),
      count: fc.oneof(fc.nat(3), fc.nat(5000)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fork' as const) }) },
);

/** The value of filled elements: no base element or written value is a fraction. */
const FILL = 0.5;

function assertRope(rope: Rope<number>, model: number[]): void {
  assert.equal(rope.length, model.length);
  assert.deepEqual(rope.toArray(), model);
  for (let i = 0; i < model.length; i += 7) assert.equal(rope.get(i), model[i]);
}

describe('Rope: a persistent array over a base', () => {
  test('random sets, inserts, removes and forks over a base equal a plain array; kept versions never change', () => {
    fc.assert(
      fc.property(fc.nat(3000), fc.array(ropeOp, { maxLength: 60 }), (baseLength, ops) => {
        const base = Array.from({ length: baseLength }, (_, i) => -i - 1);
        let rope = Rope.over(baseLength, (i) => base[i]!, FILL);
        let model = base.slice();
        let epoch = new Epoch();
        const kept: [Rope<number>, number[]][] = [];
        for (const step of ops) {
          if (step.op === 'fork') {
            kept.push([rope, model.slice()]);
            epoch = new Epoch();
          } else if (step.op === 'set') {
            if (model.length === 0) continue;
            const at = step.at % model.length;
            rope = rope.set(at, step.value, epoch);
            model[at] = step.value;
          } else if (step.op === 'fill') {
            const at = step.at % (model.length + 1);
            rope = rope.insertFill(at, step.count, epoch);
            model = [...model.slice(0, at), ...new Array<number>(step.count).fill(FILL), ...model.slice(at)];
          } else if (step.op === 'insert') {
            const at = step.at % (model.length + 1);
            rope = rope.insert(at, step.values, epoch);
            model.splice(at, 0, ...step.values);
          } else {
            const at = step.at % (model.length + 1);
            const count = Math.min(step.count, model.length - at);
            rope = rope.remove(at, count, epoch);
            model.splice(at, count);
          }
          assertRope(rope, model);
        }
        for (const [version, expected] of kept) assertRope(version, expected);
      }),
      params(200),
    );
  });

  test('a write to a 1M-element base reads only its window of the base, and the base stays a run', () => {
    let reads = 0;
    const rope = Rope.over(
      1_000_000,
      (i) => {
        reads++;
        return i;
      },
      FILL,
    );
    const written = rope.set(500_000, -1, new Epoch());
    assert.ok(reads <= 32, `${reads} base reads for one write`);
    assert.equal(written.get(500_000), -1);
    assert.equal(written.get(499_999), 499_999);
    assert.equal(written.get(999_999), 999_999);
    assert.equal(rope.get(500_000), 500_000);
    assert.equal(written.length, 1_000_000);
  });

  test('10,000 removals at the front and appends at the end of 100,000 elements read no base element', () => {
    let reads = 0;
    let rope = Rope.over(
      100_000,
      (i) => {
        reads++;
        return i;
      },
      FILL,
    );
    const epoch = new Epoch();
    const model = Array.from({ length: 100_000 }, (_, i) => i);
    for (let k = 0; k < 10_000; k++) {
      rope = rope.remove(0, 1, epoch);
      rope = rope.insert(rope.length, [k], epoch);
      model.shift();
      model.push(k);
    }
    assert.equal(reads, 0);
    assert.deepEqual(rope.toArray(), model);
  });

  test('scan stops when the visitor returns false, and starts where asked', () => {
    const rope = Rope.of(
      Array.from({ length: 300 }, (_, i) => i),
      new Epoch(),
      FILL,
    );
    const seen: number[] = [];
    rope.scan((value) => {
      seen.push(value);
      return value < 104;
    }, 100);
    assert.deepEqual(seen, [100, 101, 102, 103, 104]);
  });

  test('removing everything leaves an empty rope that takes inserts', () => {
    const epoch = new Epoch();
    let rope = Rope.over(5000, (i) => i, FILL);
    rope = rope.remove(0, 5000, epoch);
    assert.equal(rope.length, 0);
    rope = rope.insert(0, [1, 2], epoch);
    assert.deepEqual(rope.toArray(), [1, 2]);
  });
});
