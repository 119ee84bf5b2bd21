// Values from another realm (a vm context) fail every `instanceof`: pack must still recognise them by
// brand, as structuredClone does, and refuse the same things.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { CowshareError, open, pack, toJS } from '../src/index.js';
import { assertSameAsClone } from './support/equal.js';

test('built-ins from another realm round-trip like structuredClone', () => {
  const value = runInNewContext(`({
    map: new Map([['a', 1], [2, { b: [1, 2] }]]),
    set: new Set(['x', 3n]),
    date: new Date(86400000),
    regexp: /a+b/gi,
    buffer: new Uint8Array([1, 2, 3]).buffer,
    view: new Float64Array([1.5, -0]),
    error: new RangeError('out of range'),
    boxed: [new Number(4), new String('s'), new Boolean(false), Object(5n)],
    list: [1, , 3],
  })`) as Record<string, unknown>;
  assert.ok(!((value.map as object) instanceof Map), 'the test needs values from another realm');
  assertSameAsClone(toJS(open(pack(value))), structuredClone(value));
});

test('refusals from another realm: functions, WeakMaps, Promises', () => {
  for (const source of ['({ f() {} })', '({ w: new WeakMap() })', '({ p: Promise.resolve(1) })']) {
    const value = runInNewContext(source);
    assert.throws(() => structuredClone(value));
    assert.throws(
      () => pack(value),
      (error: unknown) => error instanceof CowshareError && error.code === 'UNPACKABLE',
      source,
    );
  }
});
