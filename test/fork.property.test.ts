// Model-based tests of fork / snapshot: random values (objects, arrays with holes, Maps, Sets, Dates,
// shared references and cycles), forked from a plain value and from an opened image, then random
// writes, deletes, array methods, Map and Set operations, snapshots, restores and sibling forks.
// After every step the draft equals a plain model that took the same steps (values, key order, holes,
// and the same aliasing: a draft node is one object wherever it is reached); every snapshot taken
// still equals the model at its time; and the base never changes.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { types } from 'node:util';
import fc from 'fast-check';
import { nodeOf } from '../src/format/node-ref.js';
import {
  applyPatches,
  commit,
  diff,
  fork,
  open,
  pack,
  patches,
  snapshot,
  toJS,
  verify,
} from '../src/index.js';
import { assertSameAsClone } from './support/equal.js';
import { params } from './support/runs.js';

type Any = any;

// --- Values -------------------------------------------------------------------------------------

const primitiveArb = fc.oneof(
  fc.integer({ min: -5, max: 100 }),
  fc.constantFrom(-0, NaN, 0.5, '', 'a', 'b', 'x'.repeat(20), true, false, null, undefined, 10n),
);
const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', '__proto__', 'constructor', 'prototype', 'length', 'toString'),
  fc.nat(5).map(String),
);
const mapKeyArb = fc.oneof(
  fc.integer({ min: -2, max: 6 }),
  fc.constantFrom('a', 'b', 'c', -0, NaN, true, null),
);

const HOLE_MARK = Symbol('hole');

const { value: valueArb } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: primitiveArb },
    fc.dictionary(keyArb, tie('value'), { maxKeys: 5 }).map((entries) => plainObject(entries)),
    fc.array(fc.option(tie('value'), { nil: HOLE_MARK }), { maxLength: 6 }).map(withHoles),
    fc.array(fc.tuple(mapKeyArb, tie('value')), { maxLength: 5 }).map((entries) => new Map(entries)),
    fc.array(mapKeyArb, { maxLength: 5 }).map((members) => new Set(members)),
    fc.integer({ min: -1e12, max: 1e12 }).map((t) => new Date(t)),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((a) => new Uint8Array(a)),
    fc.array(fc.double(), { maxLength: 6 }).map((a) => new Float64Array(a)),
    // Two views of one buffer: a write through one shows through the other.
    fc.nat(6).map((n) => {
      const buffer = new ArrayBuffer(8 * (n + 2));
      return [new Uint8Array(buffer), new Float64Array(buffer, 8)];
    }),
  ),
}));

/** fc.dictionary builds with assignment, which would make `__proto__` a prototype: define instead. */
function plainObject(entries: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const key of Object.keys(entries)) {
    Object.defineProperty(o, key, {
      value: entries[key],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return o;
}

function withHoles(items: unknown[]): unknown[] {
  const a = new Array(items.length);
  items.forEach((item, i) => {
    if (item !== HOLE_MARK) a[i] = item;
  });
  return a;
}

/** A container at the root, with a few aliases and cycles added. */
const baseArb = fc
  .tuple(
    fc.oneof(
      fc.dictionary(keyArb, valueArb, { minKeys: 1, maxKeys: 6 }).map(plainObject),
      fc.array(valueArb, { minLength: 1, maxLength: 8 }),
      fc.array(fc.tuple(mapKeyArb, valueArb), { minLength: 1, maxLength: 6 }).map((e) => new Map(e)),
    ),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 3 }),
  )
  .map(([root, links]) => link(structuredClone(root), links));

/**
 * Rewires `root` in place: each link (from, to, slot) puts container `to` into a property, element or
 * Map value of container `from`: shared references and cycles. (Map keys and Set members stay
 * primitive here; object keys are tested on their own.)
 */
function link(root: unknown, links: readonly (readonly [number, number, number])[]): unknown {
  const nodes = containers(root).map((path) => at(root, path));
  const holders = nodes.filter((node) => !['set', 'date', 'bytes'].includes(kindOf(node)!));
  for (const [from, to, slot] of links) {
    if (holders.length === 0) break;
    const source = holders[from % holders.length] as Any;
    const target = nodes[to % nodes.length];
    if (kindOf(source) === 'map') {
      const keys = [...source.keys()];
      source.set(keys.length > 0 ? keys[slot % keys.length] : slot, target);
    } else if (Array.isArray(source)) {
      source[source.length > 0 ? slot % source.length : 0] = target;
    } else {
      const keys = Object.keys(source);
      const key = keys.length > 0 && slot % 2 === 0 ? keys[slot % keys.length]! : `link${slot % 3}`;
      Object.defineProperty(source, key, {
        value: target,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return root;
}

// --- Paths: how a test reaches the same node in the model and in a draft -------------------------

type Step = string | number; // an own key, an index, or (for Maps and Sets) a position in iteration order

function child(container: Any, step: Step): unknown {
  if (isMapLike(container)) return [...container.values()][step as number];
  return container[step];
}

function isMapLike(value: Any): boolean {
  return Object.prototype.toString.call(value) === '[object Map]';
}

function kindOf(value: unknown): 'object' | 'array' | 'map' | 'set' | 'date' | 'bytes' | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return 'array';
  const tag = Object.prototype.toString.call(value);
  // A typed-array draft is not a real typed array, but says which it stands for.
  if (ArrayBuffer.isView(value) || /^\[object \w+Array\]$/.test(tag)) return 'bytes';
  if (tag === '[object Map]') return 'map';
  if (tag === '[object Set]') return 'set';
  if (tag === '[object Date]' || value instanceof Date) return 'date';
  return 'object';
}

/** Every container reachable from `root` (each once), with the path to it. */
function containers(root: unknown): Step[][] {
  const seen = new Set<object>();
  const paths: Step[][] = [];
  const walk = (value: unknown, path: Step[]) => {
    if (kindOf(value) === undefined || seen.has(value as object)) return;
    seen.add(value as object);
    paths.push(path);
    const v = value as Any;
    if (kindOf(v) === 'map') {
      let i = 0;
      for (const item of v.values()) walk(item, [...path, i++]);
    } else if (kindOf(v) === 'array' || kindOf(v) === 'object')
      for (const key of Object.keys(v)) walk(v[key], [...path, key]);
  };
  walk(root, []);
  return paths;
}

function at(root: unknown, path: Step[]): Any {
  return path.reduce<unknown>((node, step) => child(node, step), root);
}

// --- Comparison ------------------------------------------------------------------------------------

/**
 * Asserts that `actual` (a draft or snapshot) reads as `expected` (a plain model): same kinds, keys in
 * the same order, holes, values by Object.is, Map and Set entries in order, and the same aliasing (a
 * bijection between the model's objects and the draft's).
 */
function assertReads(actual: unknown, expected: unknown, label: string): void {
  const forward = new Map<object, unknown>();
  const backward = new Map<unknown, object>();
  const compare = (a: Any, e: Any, path: string): void => {
    const kind = kindOf(e);
    if (kind === undefined) {
      assert.ok(Object.is(a, e), `${label}${path}: expected ${String(e)}, got ${String(a)}`);
      return;
    }
    assert.equal(kindOf(a), kind, `${label}${path}: expected a ${kind}`);
    // A draft node is one object wherever it is reached; a view is a new object on every read, so a
    // view is known by its node.
    const identity = nodeOf(a) === undefined ? a : nodeOf(a)!.address;
    if (forward.has(e)) {
      assert.ok(
        forward.get(e) === identity,
        `${label}${path}: aliasing differs (expected the node seen before)`,
      );
      return;
    }
    assert.ok(
      !backward.has(identity),
      `${label}${path}: aliasing differs (one draft node for two model nodes)`,
    );
    forward.set(e, identity);
    backward.set(identity, e);
    switch (kind) {
      case 'date':
        assert.ok(Object.is(a.getTime(), e.getTime()), `${label}${path}: time differs`);
        return;
      case 'bytes':
        assert.ok(a instanceof e.constructor, `${label}${path}: instanceof ${e.constructor.name}`);
        assert.equal(a.length, e.length, `${label}${path}.length`);
        for (let i = 0; i < e.length; i++)
          assert.ok(Object.is(a[i], e[i]), `${label}${path}[${i}]: ${a[i]} vs ${e[i]}`);
        return;
      case 'set':
        assert.equal(a.size, e.size, `${label}${path}.size`);
        assert.deepEqual([...a], [...e], `${label}${path} members`);
        for (const member of e) assert.ok(a.has(member), `${label}${path}.has(${String(member)})`);
        return;
      case 'map': {
        assert.equal(a.size, e.size, `${label}${path}.size`);
        const entries = [...a.entries()];
        assert.equal(entries.length, e.size, `${label}${path} entries`);
        let i = 0;
        for (const [key, value] of e) {
          assert.ok(Object.is(entries[i]![0], key), `${label}${path} key ${i}`);
          assert.ok(a.has(key), `${label}${path}.has(${String(key)})`);
          compare(a.get(key), value, `${path}.get(${String(key)})`);
          compare(entries[i]![1], value, `${path}.entries()[${i}]`);
          i++;
        }
        return;
      }
      default: {
        if (kind === 'array') {
          assert.ok(Array.isArray(a), `${label}${path}: Array.isArray`);
          assert.equal(a.length, e.length, `${label}${path}.length`);
        }
        assert.deepEqual(Object.keys(a), Object.keys(e), `${label}${path} keys`);
        for (const key of Object.keys(e)) {
          assert.ok(key in a, `${label}${path}: ${key} in`);
          compare(a[key], e[key], `${path}[${JSON.stringify(key)}]`);
        }
        if (kind === 'array') {
          for (let i = 0; i < Math.min(e.length, 20); i++) {
            assert.equal(i in a, i in e, `${label}${path}: ${i} in (a hole?)`);
          }
        }
      }
    }
  };
  compare(actual, expected, '$');
}

// --- Operations ------------------------------------------------------------------------------------

/** A value to write: a primitive, a node already in the graph (an alias), or a fresh small value. */
const writeArb = fc.oneof(
  { weight: 3, arbitrary: primitiveArb.map((v) => ({ primitive: v })) },
  { weight: 1, arbitrary: fc.nat().map((n) => ({ alias: n })) },
  { weight: 1, arbitrary: valueArb.map((v) => ({ fresh: v })) },
);
type Write = { primitive: unknown } | { alias: number } | { fresh: unknown };

const opArb = fc.record({
  target: fc.nat(),
  what: fc.nat(),
  key: keyArb,
  mapKey: mapKeyArb,
  a: fc.integer({ min: -3, max: 12 }),
  b: fc.integer({ min: -3, max: 12 }),
  value: writeArb,
  items: fc.array(primitiveArb, { maxLength: 3 }),
});
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

const VERSION_OPS = ['snapshot', 'restore', 'sibling'] as const;

/** Runs `op` on a container of the model and the same container of the draft. */
function apply(model: Any, draft: Any, op: Op): void {
  const paths = containers(model);
  const path = paths[op.target % paths.length]!;
  const m = at(model, path);
  const d = at(draft, path);
  const value = (side: 'model' | 'draft', root: Any): unknown => {
    const w = op.value as Write;
    if ('primitive' in w) return w.primitive;
    if ('alias' in w) return at(root, paths[w.alias % paths.length]!);
    // A fresh value goes into the draft as it is, and into the model as a copy of its own: the draft
    // reads what it was given, and the model is mutated in place.
    return side === 'draft' ? w.fresh : structuredClone(w.fresh);
  };
  const both = (f: (target: Any, v: unknown) => unknown, onModel = f) => {
    const expected = capture(() => onModel(m, value('model', model)));
    const actual = capture(() => f(d, value('draft', draft)));
    assert.equal(
      actual.threw,
      expected.threw,
      `${describeOp(op, path)}: threw ${actual.threw} vs ${expected.threw}`,
    );
    if (expected.kind === undefined)
      assert.ok(
        Object.is(actual.result, expected.result),
        `${describeOp(op, path)} returned ${String(actual.result)}, expected ${String(expected.result)}`,
      );
  };
  switch (kindOf(m)) {
    case 'object': {
      const ops = [
        (o: Any, v: unknown) => {
          o[op.key] = v;
        },
        (o: Any) => delete o[op.key],
        (o: Any) => op.key in o,
      ];
      const f = ops[op.what % ops.length]!;
      // In a draft every key is data: `draft.__proto__ = v` makes an own property, as defining one does.
      const define = (o: Any, v: unknown) => {
        Object.defineProperty(o, op.key, { value: v, writable: true, enumerable: true, configurable: true });
      };
      both(f, f === ops[0] ? define : f);
      return;
    }
    case 'array': {
      const ops = [
        (a: Any, v: unknown) => {
          a[op.a < 0 ? 0 : op.a] = v;
        },
        (a: Any, v: unknown) => a.push(v, ...op.items),
        (a: Any) => a.pop(),
        (a: Any) => a.shift(),
        (a: Any, v: unknown) => a.unshift(...op.items, v),
        (a: Any) => a.splice(op.a, op.b, ...op.items).length,
        (a: Any) => a.splice(op.a).length,
        (a: Any) => {
          a.sort((x: unknown, y: unknown) => (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
        },
        (a: Any) => {
          a.reverse();
        },
        (a: Any, v: unknown) => {
          a.fill(v, op.a, op.b);
        },
        (a: Any) => {
          a.copyWithin(op.a, op.b);
        },
        (a: Any) => {
          a.length = Math.max(0, op.a);
        },
        (a: Any) => delete a[Math.max(0, op.a)],
      ];
      both(ops[op.what % ops.length]!);
      return;
    }
    case 'map': {
      const ops = [
        (map: Any, v: unknown) => {
          map.set(op.mapKey, v);
        },
        (map: Any) => map.delete(op.mapKey),
        (map: Any) => map.has(op.mapKey),
        (map: Any) => {
          if (op.what % 7 === 0) map.clear();
        },
      ];
      both(ops[op.what % ops.length]!);
      return;
    }
    case 'set': {
      const ops = [
        (s: Any) => {
          s.add(op.mapKey);
        },
        (s: Any) => s.delete(op.mapKey),
        (s: Any) => {
          if (op.what % 5 === 0) s.clear();
        },
      ];
      both(ops[op.what % ops.length]!);
      return;
    }
    case 'date':
      both((date: Any) => date.setTime(op.a * 1e9));
      return;
    case 'bytes': {
      const ops = [
        (t: Any, v: unknown) => {
          t[Math.max(0, op.a)] = v;
        },
        (t: Any, v: unknown) => {
          t.fill(v, op.a, op.b);
        },
        (t: Any) => {
          t.set(op.items, Math.max(0, op.a));
        },
        (t: Any) => {
          t.sort();
        },
        (t: Any) => {
          t.reverse();
        },
        (t: Any, v: unknown) => {
          t.subarray(op.a, op.b)[0] = v;
        },
        (t: Any) => {
          t.copyWithin(op.a, op.b);
        },
        (t: Any) => t.indexOf(op.b),
      ];
      both(ops[op.what % ops.length]!);
      return;
    }
  }
}

/** Whether no container of `value` is reached twice, and no two typed arrays share a buffer. */
function treeLike(value: unknown): boolean {
  const seen = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (kindOf(v) === undefined) return true;
    if (seen.has(v as object)) return false;
    seen.add(v as object);
    if (ArrayBuffer.isView(v)) {
      if (seen.has(v.buffer)) return false;
      seen.add(v.buffer);
    }
    const c = v as Any;
    if (kindOf(c) === 'map') return [...c.values()].every(walk);
    if (kindOf(c) === 'array' || kindOf(c) === 'object') return Object.keys(c).every((key) => walk(c[key]));
    return true;
  };
  return walk(value);
}

/** A copy with object keys sorted, for comparisons where only key order may differ. */
function canonical(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || value instanceof Date)
    return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of [...value].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)))
      copy.set(k, canonical(v, seen));
    return copy;
  }
  if (value instanceof Set) return new Set([...value].sort((a, b) => (String(a) < String(b) ? -1 : 1)));
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    seen.set(value, copy);
    value.forEach((v, i) => {
      copy[i] = canonical(v, seen);
    });
    return copy;
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const key of Object.keys(value).sort()) {
    Object.defineProperty(copy, key, {
      value: canonical((value as Record<string, unknown>)[key], seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function capture(f: () => unknown): { threw: boolean; result?: unknown; kind?: string | undefined } {
  try {
    const result = f();
    return { threw: false, result, kind: kindOf(result) };
  } catch {
    return { threw: true };
  }
}

function describeOp(op: Op, path: Step[]): string {
  return `op ${op.what} at $${path.map((s) => `[${JSON.stringify(s)}]`).join('')}`;
}

/**
 * One run: steps on a draft and its model; versions saved with snapshot and restored with fork.
 * `base` is what was forked (a plain value or a view), `original` a plain copy of it.
 */
function run(base: unknown, original: unknown, steps: { op: Op; version: number }[]): void {
  let draft: Any = fork(base, { patches: true });
  let model: Any = structuredClone(original);
  const saved: { snap: unknown; model: unknown }[] = [];
  assertReads(draft, model, 'draft');
  for (const { op, version } of steps) {
    const kind = VERSION_OPS[version % 8];
    if (kind === 'snapshot') {
      saved.push({ snap: snapshot(draft), model: structuredClone(model) });
    } else if (kind === 'restore' && saved.length > 0) {
      const back = saved[op.target % saved.length]!;
      draft = fork(back.snap);
      model = structuredClone(back.model);
    } else if (kind === 'sibling') {
      // A second line of work from the same state; the first goes on unaffected (checked through
      // the snapshot of it saved here).
      saved.push({ snap: snapshot(draft), model: structuredClone(model) });
      draft = fork(draft);
    } else {
      apply(model, draft, op);
    }
    assertReads(draft, model, 'draft');
  }
  for (const [i, { snap, model: then }] of saved.entries()) assertReads(snap, then, `snapshot ${i}`);
  assertReads(base, original, 'base');
  const labelled = (label: string, check: () => void) => {
    try {
      check();
    } catch (error) {
      throw new Error(`${label}: ${(error as Error).message}`);
    }
  };
  // A draft copies and packs as the value it shows.
  labelled('toJS', () => assertSameAsClone(toJS(draft), model));
  labelled('pack', () => assertSameAsClone(toJS(open(pack(draft))), model));
  if (saved.length > 0) labelled('snapshot', () => assertSameAsClone(toJS(saved[0]!.snap), saved[0]!.model));
  // commit: over an image, a layer of what changed (FORMAT.md §7); it verifies and reads as the model,
  // and a draft of it commits again on top.
  const layer = commit(draft);
  verify(layer);
  labelled('commit', () => assertSameAsClone(toJS(open(layer)), model));
  const again = fork(open(layer)) as Any;
  if (kindOf(again) === 'map') again.set('again', 1);
  else if (kindOf(again) === 'array') again.push('again');
  else again.again = 1;
  const top = commit(again);
  verify(top);
  labelled('second commit', () => assertSameAsClone(toJS(open(top)), toJS(again)));
  // Patches, from the write log: applied to the base they give the draft, and the inverse patches
  // applied to the draft give the base back (keys deleted and added again may move to the end).
  const log = patches(draft);
  labelled('patches', () => assertSameAsClone(toJS(applyPatches(base, log.patches)), model));
  // Inverse patches restore values; an element a splice removed, or a value a write replaced that
  // is no longer reachable, comes back as a copy: so the check is for graphs without sharing.
  if (treeLike(original) && !steps.some(({ op }) => 'alias' in (op.value as Write))) {
    assert.deepEqual(canonical(toJS(applyPatches(snapshot(draft), log.inverse))), canonical(original));
    // diff: from every saved version to the last one, through where their logs part.
    const last = snapshot(draft);
    for (const { snap } of saved) {
      assert.deepEqual(canonical(toJS(applyPatches(snap, diff(snap, last)))), canonical(model));
    }
  }
  assert.deepEqual(diff(snapshot(draft), snapshot(draft)), []);
}

const stepsArb = fc.array(fc.record({ op: opArb, version: fc.nat() }), { maxLength: 40 });

describe('fork: a draft behaves as its plain model, snapshots keep their time, the base never changes', () => {
  test('over a plain value', () => {
    fc.assert(
      fc.property(baseArb, stepsArb, (base, steps) => {
        const original = structuredClone(base);
        run(base, original, steps);
      }),
      params(300),
    );
  });

  test('over an opened image', () => {
    fc.assert(
      fc.property(baseArb, stepsArb, (base, steps) => {
        const view = open(pack(base));
        run(view, structuredClone(base), steps);
      }),
      params(200),
    );
  });
});

describe('fork: shapes of the model test', () => {
  test('the generated values have aliases, cycles, holes, Maps, Sets and Dates', () => {
    const seen = { alias: false, hole: false, map: false, set: false, date: false };
    fc.assert(
      fc.property(baseArb, (base) => {
        const nodes = new Set<object>();
        const walk = (v: Any) => {
          if (kindOf(v) === undefined) return;
          if (nodes.has(v)) {
            seen.alias = true;
            return;
          }
          nodes.add(v);
          if (types.isMap(v)) {
            seen.map = true;
            for (const x of v.values()) walk(x);
          } else if (types.isSet(v)) seen.set = true;
          else if (types.isDate(v)) seen.date = true;
          else {
            if (Array.isArray(v) && Object.keys(v).length < v.length) seen.hole = true;
            for (const key of Object.keys(v)) walk(v[key]);
          }
        };
        walk(base);
      }),
      params(300),
    );
    assert.deepEqual(seen, { alias: true, hole: true, map: true, set: true, date: true });
  });
});
