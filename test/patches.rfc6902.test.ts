// applyPatches against RFC 6902 from outside: the examples of its appendix A, written out as data
// (document, patch, and the expected result or an error), and random JSON documents and patches, valid
// and not, applied by applyPatches and by an independent implementation, fast-json-patch: both must
// succeed or fail alike (at the same patch) and give the same document.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run count.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type * as FastJsonPatch from 'fast-json-patch';
import { applyPatches, type Patch, toJS } from '../src/index.js';
import { params } from './support/runs.js';

type Example = { name: string; doc: unknown; patch: unknown[] } & ({ expected: unknown } | { error: true });

const APPENDIX_A: Example[] = [
  {
    name: 'A.1 Adding an Object Member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    expected: { baz: 'qux', foo: 'bar' },
  },
  {
    name: 'A.2 Adding an Array Element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    expected: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 Removing an Object Member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    expected: { foo: 'bar' },
  },
  {
    name: 'A.4 Removing an Array Element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    expected: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 Replacing a Value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    expected: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 Moving a Value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    expected: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 Moving an Array Element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    expected: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 Testing a Value: Success',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    expected: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    name: 'A.9 Testing a Value: Error',
    doc: { baz: 'qux' },
    patch: [{ op: 'test', path: '/baz', value: 'bar' }],
    error: true,
  },
  {
    name: 'A.10 Adding a Nested Member Object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    expected: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.11 Ignoring Unrecognized Elements',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    expected: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.12 Adding to a Nonexistent Target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    error: true,
  },
  {
    // The RFC's text has two "op" members, which JSON forbids; JSON.parse keeps the last one, so the
    // patch is a remove of /baz, which is not there: an error either way.
    name: 'A.13 Invalid JSON Patch Document',
    doc: { foo: 'bar' },
    patch: JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'),
    error: true,
  },
  {
    name: 'A.14 ~ Escape Ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    expected: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.15 Comparing Strings and Numbers',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
    error: true,
  },
  {
    name: 'A.16 Adding an Array Value',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    expected: { foo: ['bar', ['abc', 'def']] },
  },
];

describe('RFC 6902 appendix A', () => {
  for (const example of APPENDIX_A) {
    test(example.name, () => {
      const doc = structuredClone(example.doc);
      const run = () => applyPatches(doc, example.patch as Patch[]);
      if ('error' in example) {
        assert.throws(
          run,
          (error: unknown) => error instanceof TypeError && /^cowshare: patch 0/.test(error.message),
        );
      } else assert.deepEqual(toJS(run()), example.expected);
      assert.deepEqual(doc, example.doc, 'the document never changes');
    });
  }
});

// --- fast-json-patch -----------------------------------------------------------------------------

// Its ESM build, which runs in strict mode: a write to a property of a primitive throws there. The
// CommonJS build (what `import 'fast-json-patch'` loads) is sloppy and ignores such a write.
const ESM_BUILD = 'fast-json-patch/index.mjs';
const jsonpatch = (await import(ESM_BUILD)) as typeof FastJsonPatch;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Operation = Record<string, unknown>;

/** RFC 6901 §4: an array index token. */
const INDEX = /^(0|[1-9][0-9]*)$/;

function tokensOf(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The value at `tokens` in a JSON document, read as RFC 6901 says; undefined when there is none. */
function lookup(doc: Json, tokens: readonly string[]): Json | undefined {
  let value: Json | undefined = doc;
  for (const token of tokens) {
    if (Array.isArray(value)) value = INDEX.test(token) ? value[Number(token)] : undefined;
    else if (typeof value === 'object' && value !== null)
      value = Object.hasOwn(value, token) ? value[token] : undefined;
    else value = undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * Why fast-json-patch 3.1.1 would not follow RFC 6902 on `op` applied to `doc` (or cowshare extends
 * the RFC there), or undefined: such operations are left out of the comparison; what cowshare does
 * there is tested below, case by case. Prototype keys are not generated at all: fast-json-patch refuses
 * `__proto__`, and takes an inherited key such as `toString` for one that exists (patches.test.ts).
 */
function departure(doc: Json, op: Operation): string | undefined {
  const { path, from } = op;
  if (typeof path !== 'string' || !(path === '' || path.startsWith('/'))) return undefined; // both refuse
  // Its checks of paths against the document run only `if (document)`.
  if (!doc) return 'it checks nothing against a document that is falsy ("", 0, false, null)';
  const moves = op.op === 'move' || op.op === 'copy';
  if (op.op === 'remove' && path === '') return 'a remove of the root makes the document null';
  if (moves && path === '')
    return 'a move or copy to the root: from nothing, it makes the document undefined';
  if (op.op === 'move' && typeof from === 'string' && path.startsWith(`${from}/`)) {
    return 'it moves a value into itself (from a proper prefix of path): the add goes elsewhere, or makes a cycle';
  }
  if (moves && typeof from === 'string' && from !== '' && !from.startsWith('/')) {
    return 'it takes a from that is no JSON Pointer';
  }
  const pointers = moves && typeof from === 'string' ? [path, from] : [path];
  for (const pointer of pointers) {
    const tokens = tokensOf(pointer);
    let value: Json | undefined = doc;
    for (const [i, token] of tokens.entries()) {
      if (Array.isArray(value)) {
        if (token === '' || /^0[0-9]/.test(token)) return 'it takes "" and leading zeros for indices';
        if (/^[0-9]+$/.test(token) && Number(token) >= 2 ** 31) return 'it cuts an index to 32 bits';
        // (Its reads of `from` are not checked: they find any property.)
        if (token === 'length' && pointer === from) return "it reads an array's length";
        if (token === 'length' && op.op === 'replace' && i === tokens.length - 1) {
          return "cowshare's replace of an array's length";
        }
      } else if (typeof value === 'string' && (/^[0-9]+$/.test(token) || token === 'length')) {
        return 'it reads the characters and the length of a string';
      }
      value = lookup(value as Json, [token]);
      if (value === undefined) break;
    }
  }
  if (moves && typeof from === 'string') {
    const to = tokensOf(path);
    const source = tokensOf(from);
    const [toParent, toLast] = [to.slice(0, -1), to[to.length - 1]!];
    const [sourceParent, sourceLast] = [source.slice(0, -1), source[source.length - 1]!];
    // It inserts a moved or copied value without checking the index: past the end, it appends.
    const parent = lookup(doc, toParent);
    const shrinks = op.op === 'move' && JSON.stringify(sourceParent) === JSON.stringify(toParent);
    if (Array.isArray(parent) && INDEX.test(toLast) && Number(toLast) > parent.length - (shrinks ? 1 : 0)) {
      return 'it appends a move or copy past the end';
    }
    // It finds a move's path before the remove, which shifts the later elements of the array.
    const at = sourceParent.length;
    const through = to.length > source.length && sourceParent.every((token, i) => token === to[i]);
    if (op.op === 'move' && through && Array.isArray(lookup(doc, sourceParent))) {
      if (INDEX.test(sourceLast) && INDEX.test(to[at]!) && Number(to[at]) > Number(sourceLast)) {
        return "it finds a move's path before the remove shifts the array it goes through";
      }
    }
  }
  return undefined;
}

type Outcome = { result: Json } | { failed: number };

/**
 * fast-json-patch applies `ops` to a copy of `doc`, one by one, with its validation on, leaving out
 * those where it departs from RFC 6902: the operations kept, and where they fail or what they give.
 */
function byFastJsonPatch(doc: Json, ops: readonly Operation[]): { kept: Operation[]; outcome: Outcome } {
  let state = structuredClone(doc);
  const kept: Operation[] = [];
  for (const op of ops) {
    if (departure(state, op) !== undefined) continue;
    kept.push(op);
    try {
      // A copy of the operation: fast-json-patch puts its value into the document, to be changed there.
      const operation = structuredClone(op) as unknown as FastJsonPatch.Operation;
      state = jsonpatch.applyOperation(state, operation, true, true, true, kept.length - 1).newDocument;
    } catch {
      return { kept, outcome: { failed: kept.length - 1 } };
    }
  }
  return { kept, outcome: { result: state } };
}

function byCowshare(doc: Json, ops: readonly Operation[]): Outcome {
  try {
    return { result: toJS(applyPatches<unknown>(doc, ops as unknown as Patch[])) as Json };
  } catch (error) {
    assert.ok(error instanceof TypeError, `a TypeError, not ${String(error)}`);
    const failed = /^cowshare: patch (\d+)[ :]/.exec(error.message);
    assert.ok(failed, `the message names the patch: ${error.message}`);
    return { failed: Number(failed[1]) };
  }
}

// --- Documents and patches -------------------------------------------------------------------------

/** Object keys: names, digits, a leading zero, "-", "" and the two characters a pointer escapes. */
const KEYS = ['a', 'b', 'c', '0', '1', '01', '-', '', 'a/b', 'm~n'];
/** Tokens a path may take besides existing keys: indices in and out of range, and malformed ones. */
const TOKENS = [...KEYS, '2', '3', '4', '9', '99999999999', '-1', '1e0', '1.0', ' 1', '00', 'length', 'x'];

const { json: jsonArb } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.integer({ min: -2, max: 9 }),
        fc.constantFrom('x', 'y', ''),
        fc.boolean(),
        fc.constant(null),
      ),
    },
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

const escaped = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * A path in `doc`, as a walk: mostly through existing keys (an index, an object key), ending where it
 * reaches a leaf, and now and then a token of TOKENS; once in a while no JSON Pointer at all.
 */
const pathArb = (doc: Json): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 20,
      arbitrary: fc
        .array(
          fc.oneof(
            { weight: 4, arbitrary: fc.nat().map((n) => ({ existing: n })) },
            { weight: 1, arbitrary: fc.constantFrom(...TOKENS).map((token) => ({ token })) },
          ),
          { maxLength: 4 },
        )
        .map((steps) => {
          const tokens: string[] = [];
          let value: Json | undefined = doc;
          for (const step of steps) {
            const keys: string[] = typeof value === 'object' && value !== null ? Object.keys(value) : [];
            if (!('token' in step) && keys.length === 0) break;
            const token = 'token' in step ? step.token : keys[step.existing % keys.length]!;
            tokens.push(token);
            value = value === undefined ? undefined : lookup(value, [token]);
          }
          return tokens.map((token) => `/${escaped(token)}`).join('');
        }),
    },
    { weight: 1, arbitrary: fc.constantFrom('a', 'a/b') },
  );

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** An operation on `doc`: of an RFC op or an unknown one; with its members, or one left out. */
const operationArb = (doc: Json): fc.Arbitrary<Operation> =>
  fc
    .record({
      op: fc.oneof(
        { weight: 30, arbitrary: fc.constantFrom(...OPS) },
        { weight: 1, arbitrary: fc.constant('frobnicate') },
      ),
      path: pathArb(doc),
      from: pathArb(doc),
      value: jsonArb,
      // A test of the value there (as the document was) passes, unless earlier patches changed it.
      current: fc.oneof(
        { weight: 3, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      leaveOut: fc.option(fc.constantFrom('value', 'from'), { freq: 10 }),
    })
    .map(({ op, path, from, value, current, leaveOut }) => {
      const operation: Operation = { op, path };
      if (op === 'add' || op === 'replace' || op === 'test') {
        const there = lookup(doc, tokensOf(path));
        operation.value = op === 'test' && current && there !== undefined ? structuredClone(there) : value;
      }
      if (op === 'move' || op === 'copy') operation.from = from;
      if (leaveOut !== null) delete operation[leaveOut];
      return operation;
    });

/** A document (mostly an object or an array) and a few operations on it. */
const caseArb = fc
  .oneof(
    { weight: 1, arbitrary: jsonArb },
    {
      weight: 4,
      arbitrary: fc.dictionary(fc.constantFrom(...KEYS), jsonArb, { maxKeys: 5, noNullPrototype: true }),
    },
    { weight: 2, arbitrary: fc.array(jsonArb, { maxLength: 5 }) },
  )
  .chain((doc: Json) =>
    fc.tuple(fc.constant(doc), fc.array(operationArb(doc), { minLength: 1, maxLength: 6 })),
  );

describe('applyPatches agrees with fast-json-patch on JSON documents', () => {
  test('random documents and patches, valid and not: the same success or failure, the same result', () => {
    fc.assert(
      fc.property(caseArb, ([doc, ops]) => {
        const { kept, outcome } = byFastJsonPatch(doc, ops);
        const base = structuredClone(doc);
        assert.deepStrictEqual(byCowshare(base, kept), outcome, JSON.stringify({ doc, kept }));
        assert.deepStrictEqual(base, doc, 'the base never changes');
      }),
      params(400),
    );
  });

  test('the comparison sees every op apply and fail, often', () => {
    // A check of the generators: each RFC op applies in some cases and is refused in others.
    const counts = new Map<string, number>();
    fc.assert(
      fc.property(caseArb, ([doc, ops]) => {
        const { kept, outcome } = byFastJsonPatch(doc, ops);
        const failed = 'failed' in outcome ? outcome.failed : kept.length;
        kept.slice(0, failed + 1).forEach((op, i) => {
          const seen = `${String(op.op)} ${i < failed ? 'applies' : 'fails'}`;
          counts.set(seen, (counts.get(seen) ?? 0) + 1);
        });
      }),
      params(400),
    );
    const often = Math.ceil(params(400).numRuns! / 100);
    for (const op of OPS) {
      for (const how of ['applies', 'fails']) {
        const times = counts.get(`${op} ${how}`) ?? 0;
        assert.ok(times >= often, `${op} ${how}: ${times} times, not ${often}`);
      }
    }
  });
});

describe('where fast-json-patch departs from RFC 6902, applyPatches follows it', () => {
  const refused = (doc: unknown, patch: unknown[]) =>
    assert.throws(() => applyPatches(doc, patch as Patch[]), /^TypeError: cowshare: patch 0 /);
  const gives = (doc: unknown, patch: unknown[], expected: unknown) =>
    assert.deepEqual(toJS(applyPatches(doc, patch as Patch[])), expected);

  test('the root is replaced, never removed', () => refused({ a: 1 }, [{ op: 'remove', path: '' }]));
  test('a move or copy to the root needs a value at from', () => {
    refused({ a: 1 }, [{ op: 'copy', from: '/b', path: '' }]);
    gives({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '' }], { b: 1 });
  });
  test('a document that is falsy is checked as any other', () => {
    for (const doc of ['', 0, false, null]) refused(doc, [{ op: 'remove', path: '/a' }]);
  });
  test('a value never moves into itself', () => {
    refused({ a: {} }, [{ op: 'move', from: '', path: '/a' }]);
    refused([{}, []], [{ op: 'move', from: '/0', path: '/0/a' }]);
  });
  test('from is a JSON Pointer', () => refused({ a: 1 }, [{ op: 'copy', from: 'a', path: '/b' }]));
  test('an index has no leading zero, is never "", and is never cut to 32 bits', () => {
    refused([1, 2], [{ op: 'replace', path: '/01', value: 0 }]);
    refused([1, 2], [{ op: 'add', path: '/', value: 0 }]);
    refused([1, 2], [{ op: 'add', path: '/4294967296', value: 0 }]);
  });
  test('a string has no members', () => {
    refused({ s: 'xy' }, [{ op: 'test', path: '/s/0', value: 'x' }]);
    refused({ s: 'xy' }, [{ op: 'copy', from: '/s/length', path: '/n' }]);
  });
  test("an array's length is no element (only replace sets it, an extension)", () => {
    refused({ list: [1] }, [{ op: 'copy', from: '/list/length', path: '/n' }]);
    const longer = [1];
    longer.length = 2; // a hole at 1
    gives({ list: [1] }, [{ op: 'replace', path: '/list/length', value: 2 }], { list: longer });
  });
  test('a move or copy past the end of an array is refused', () => {
    refused({ list: [1], a: 2 }, [{ op: 'copy', from: '/a', path: '/list/2' }]);
    refused({ list: [1, 2] }, [{ op: 'move', from: '/list/0', path: '/list/2' }]);
  });
  test("a move's path is found after the remove", () => {
    gives(
      ['x', null, true, { 1: 6 }],
      [{ op: 'move', from: '/0', path: '/2/a' }],
      [null, true, { 1: 6, a: 'x' }],
    );
  });
});
