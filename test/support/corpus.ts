// A named corpus of hand-written edge cases: everything structuredClone accepts, with the corners that a
// binary format gets wrong (number boundaries around the inline small-integer range, lone surrogates,
// holes, sparse arrays, shared buffers, cycles, wide and deep containers).
//
// Each case builds a fresh value on every call, so tests may freely consume or compare it.

export interface Case {
  readonly name: string;
  readonly make: () => unknown;
  /** Large cases: skipped where a test repeats the case many times (e.g. small segment sizes). */
  readonly large?: boolean;
}

/** Marks a hole in `holey(...)`: array literals with holes are what the linter forbids. */
export const HOLE: unique symbol = Symbol('hole');

/** An array with holes where the arguments are HOLE: `holey(1, HOLE, 3)` is `[1, , 3]`. */
export function holey(...items: unknown[]): unknown[] {
  const out: unknown[] = [];
  out.length = items.length;
  items.forEach((item, i) => {
    if (item !== HOLE) out[i] = item;
  });
  return out;
}

const cases: Case[] = [];
function add(name: string, make: () => unknown, large = false): void {
  cases.push(large ? { name, make, large } : { name, make });
}

// --- primitives -------------------------------------------------------------------------------

export const NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2,
  0.5,
  -1.5,
  0.1,
  Math.PI,
  NaN,
  Infinity,
  -Infinity,
  2 ** 30 - 1,
  2 ** 30,
  2 ** 30 + 1,
  -(2 ** 30),
  -(2 ** 30) - 1,
  -(2 ** 30) + 1,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53 - 1),
  -(2 ** 53),
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.EPSILON,
  1e300,
  -1e-300,
  2.2250738585072014e-308,
];

export const BIGINTS: readonly bigint[] = [
  0n,
  1n,
  -1n,
  2n ** 31n - 1n,
  -(2n ** 31n),
  2n ** 32n - 1n,
  2n ** 32n,
  -(2n ** 32n),
  2n ** 63n - 1n,
  -(2n ** 63n),
  2n ** 64n - 1n,
  2n ** 64n,
  -(2n ** 64n) - 1n,
  2n ** 1000n + 12345n,
  -(3n ** 700n),
];

export const STRINGS: readonly string[] = [
  '',
  'a',
  'hello world',
  '\0',
  'a\u0000b',
  '\x7f',
  '\x80',
  'é',
  'naïve café',
  '日本語テキスト',
  '😀',
  'a😀b👍🏽c',
  '\uD800',
  '\uDFFF',
  'x\uD800y',
  '\uDC00\uD800',
  '\uD83D',
  '😀'.slice(0, 1),
  '\uFFFF\uFFFE',
  '__proto__',
  'constructor',
  'line\nbreak\ttab"quote\\',
  'abcdefg', // 7 bytes: body padding
  'abcdefgh', // 8 bytes
];

for (const n of NUMBERS) add(`number ${Object.is(n, -0) ? '-0' : String(n)}`, () => n);
add('numbers in an array', () => [...NUMBERS]);
add('numbers as object values', () => Object.fromEntries(NUMBERS.map((n, i) => [`n${i}`, n])));
for (const b of BIGINTS) add(`bigint ${b.toString().slice(0, 30)}`, () => b);
add('bigints in an array', () => [...BIGINTS]);
add('bigint 2^100000', () => 2n ** 100_000n - 7n);
add('undefined', () => undefined);
add('null', () => null);
add('true', () => true);
add('false', () => false);
add('constants in an array', () => [undefined, null, true, false, '', NaN, -0, Infinity, -Infinity]);
STRINGS.forEach((s, i) => {
  add(`string ${i} ${JSON.stringify(s.slice(0, 12))}`, () => s);
});
add('strings in an array (interned repeats)', () => [...STRINGS, ...STRINGS]);
add('string ASCII 100k', () => 'abcdefghij'.repeat(10_000));
add('string non-ASCII 100k', () => 'ab€😀\uD800'.repeat(20_000));
add('string 2^24 code units (escaped length)', () => 'x'.repeat(2 ** 24 + 3), true);
add('all 16-bit code units', () => {
  let s = '';
  for (let u = 0; u < 0x10000; u += 1) s += String.fromCharCode(u);
  return s;
});

// --- plain objects ---------------------------------------------------------------------------

add('empty object', () => ({}));
add('small object', () => ({ a: 1, b: 'two', c: [3], d: { e: null } }));
add('integer-like keys order', () => ({ b: 1, 2: 'two', a: 3, 1: 'one', '-1': 4, '01': 5, 4294967295: 6 }));
add('odd keys', () => ({
  '': 1,
  ' ': 2,
  'we ird': 3,
  '😀': 4,
  '\uD800': 5,
  'a.b': 6,
  '["x"]': 7,
  $: 8,
  _: 9,
  '0': 10,
}));
add('prototype-pollution keys (JSON.parse)', () =>
  JSON.parse(
    '{"__proto__": {"polluted": 1}, "constructor": 2, "prototype": {"x": 3}, "hasOwnProperty": 4, "toString": 5, "then": 6, "valueOf": 7}',
  ),
);
add('class instance becomes plain', () => {
  class Point {
    x = 1;
    y = 2;
    get sum(): number {
      return this.x + this.y;
    }
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  return { p: new Point(), list: [new Point(), new Point()] };
});
add('null-prototype object becomes plain', () =>
  Object.assign(Object.create(null) as object, { a: 1, b: 2 }),
);
add('enumerable getter is read', () => {
  const o = { plain: 1 };
  Object.defineProperty(o, 'computed', { get: () => 42, enumerable: true });
  return o;
});
add('non-enumerable and symbol-keyed props are ignored', () => {
  const o: Record<string | symbol, unknown> = { a: 1, [Symbol('s')]: 2, [Symbol.iterator]: () => 3 };
  Object.defineProperty(o, 'hidden', { value: () => 4, enumerable: false });
  return o;
});
add('frozen object becomes extensible copy', () => Object.freeze({ a: Object.freeze([1, 2]) }));
add('same shape many times', () =>
  Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}`, score: i / 7, tags: ['t', i % 3] })),
);
add('object with 10k keys', () =>
  Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, i])),
);
add('object with 10k integer-like keys', () =>
  Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [String(i * 3), `v${i}`])),
);
add('object with 8 keys (hash threshold)', () =>
  Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, i])),
);
add('object with 7 keys', () => Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, i])));
add('object with undefined values', () => ({ a: undefined, b: null, c: undefined }));

// --- arrays ----------------------------------------------------------------------------------

add('empty array', () => []);
add('dense array', () => [1, 'two', 3.5, null, undefined, true, [], {}]);
add('holes', () => holey(1, HOLE, 3, HOLE, HOLE, 6));
add('single hole', () => holey(HOLE));
add('all holes', () => new Array(5));
add('trailing holes via length', () => {
  const a = [1, 2, 3];
  a.length = 10;
  return a;
});
add('undefined is not a hole', () => holey(undefined, HOLE, undefined));
add('sparse a[1e6] = 1', () => {
  const a: number[] = [];
  a[1e6] = 1;
  return a;
});
add('sparse several', () => {
  const a: unknown[] = [];
  a[3] = 'x';
  a[70_000] = { y: 1 };
  a[2 ** 32 - 2] = 'last';
  return a;
});
add('array with named props', () => Object.assign([1, 2], { foo: 3 }));
add('array with holes and named props', () => Object.assign(holey(1, HOLE, 3), { bar: 'b', baz: [1] }));
add('sparse array with named props', () => {
  const a: unknown[] = [];
  a[500_000] = 1;
  return Object.assign(a, { name: 'sparse' });
});
add('array with non-index keys -1 and 2^32-1', () => {
  const a: unknown[] = [0];
  (a as unknown as Record<string, unknown>)['-1'] = 'neg';
  (a as unknown as Record<string, unknown>)['4294967295'] = 'big';
  return a;
});
add('array of 100k numbers', () =>
  Array.from({ length: 100_000 }, (_, i) => (i % 3 === 0 ? i / 2 : i * 1e6)),
);
add('nested arrays', () => [
  [1, [2, [3, [4]]]],
  [[], [[]]],
]);
add('frozen array', () => Object.freeze([1, 2, 3]));

// --- Map and Set -----------------------------------------------------------------------------

add('empty Map', () => new Map());
add(
  'small Map',
  () =>
    new Map<unknown, unknown>([
      ['a', 1],
      ['b', { c: 2 }],
      [3, 'three'],
    ]),
);
add('Map keys of every type', () => {
  const objKey = { k: 1 };
  return new Map<unknown, unknown>([
    [undefined, 'undefined'],
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
    [0, 'zero'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [1.5, 'float'],
    [2 ** 40, 'big int'],
    [-7, 'neg'],
    [10n, 'bigint'],
    [-(2n ** 80n), 'big bigint'],
    ['', 'empty string'],
    ['0', 'string zero'],
    [objKey, 'object'],
    [[1], 'array'],
    [new Map([[1, 2]]), 'map'],
    [new Date(0), 'date'],
    ['x', 'x'],
  ]);
});
add('Map -0 key (normalised to 0)', () => new Map([[-0, 'minus zero']]));
add('Map with 10k string keys', () => new Map(Array.from({ length: 10_000 }, (_, i) => [`key-${i}`, i])));
add(
  'Map with 10k number keys',
  () => new Map(Array.from({ length: 10_000 }, (_, i) => [i % 2 ? i * 1.5 : -i, `v${i}`])),
);
add('Map with 10k object keys', () => new Map(Array.from({ length: 10_000 }, (_, i) => [{ i }, i])));
add('Map subclass becomes Map', () => {
  class Registry extends Map<string, number> {}
  return new Registry([['x', 1]]);
});
add('empty Set', () => new Set());
add('small Set', () => new Set<unknown>([1, 'a', null, undefined, NaN, 0, { o: 1 }, [2], 3n]));
add('Set with 10k members', () => new Set(Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `s${i}` : i))));

// --- Date, RegExp ----------------------------------------------------------------------------

add('dates', () => [
  new Date(0),
  new Date(1_700_000_000_123),
  new Date(-1),
  new Date(8.64e15),
  new Date(-8.64e15),
  new Date(Number.NaN),
]);
add('invalid Date at root', () => new Date('nope'));
add('regexps', () => [
  /a/,
  /a+b*/gimsuy,
  /(?<year>\d{4})/d,
  /[\u{1F600}-\u{1F64F}]/u,
  /\//,
  /(?:)/,
  /\n/,
  // The v flag (set notation) is ES2024 syntax: built from a string so that TypeScript accepts it.
  new RegExp('[\\p{L}--[a-z]]', ['v'].join('')),
]);
add('regexp lastIndex is reset', () => {
  const r = /x/g;
  r.lastIndex = 5;
  return r;
});

// --- buffers and views -----------------------------------------------------------------------

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

add('ArrayBuffers', () => [new ArrayBuffer(0), bytes(1).buffer, bytes(13).buffer, bytes(64).buffer]);
add('ArrayBuffer 100k', () => bytes(100_000, 7).buffer);
add('SharedArrayBuffer', () => {
  const sab = new SharedArrayBuffer(24);
  new Uint8Array(sab).set(bytes(24, 3));
  return sab;
});
add('every typed array type', () => [
  new Int8Array([-128, -1, 0, 1, 127]),
  new Uint8Array([0, 1, 255]),
  new Uint8ClampedArray([0, 128, 255]),
  new Int16Array([-32768, 0, 32767]),
  new Uint16Array([0, 65535]),
  new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]),
  new Uint32Array([0, 2 ** 32 - 1]),
  new Float32Array([0, -0, NaN, Infinity, 1.5, 3.4e38]),
  new Float64Array([0, -0, NaN, -Infinity, Number.MIN_VALUE, Math.PI]),
  new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]),
  new BigUint64Array([0n, 2n ** 64n - 1n]),
]);
add('empty typed arrays', () => [new Uint8Array(0), new Float64Array(0), new BigInt64Array(0)]);
add('typed arrays with byteOffset into a larger buffer', () => {
  const buffer = bytes(64, 9).buffer;
  return [
    new Uint8Array(buffer, 3, 5),
    new Int16Array(buffer, 6, 3),
    new Float64Array(buffer, 16, 2),
    new BigUint64Array(buffer, 40, 3),
  ];
});
add('typed arrays sharing one buffer', () => {
  const buffer = new ArrayBuffer(32);
  const u8 = new Uint8Array(buffer);
  u8.set(bytes(32, 5));
  const f32 = new Float32Array(buffer, 8, 4);
  const whole = new Uint32Array(buffer);
  return { u8, f32, whole, again: u8, buffer };
});
add('typed array over a SharedArrayBuffer', () => {
  const sab = new SharedArrayBuffer(16);
  const view = new Int32Array(sab);
  view.set([1, -2, 3, -4]);
  return [view, new Uint8Array(sab, 4, 8)];
});
add('DataViews', () => {
  const buffer = bytes(40, 11).buffer;
  return [new DataView(buffer), new DataView(buffer, 3, 17), new DataView(new ArrayBuffer(0))];
});
add('Float64Array with NaN payloads', () => {
  const u32 = new Uint32Array([0x00000001, 0x7ff00000, 0xdeadbeef, 0xfff80000]);
  return new Float64Array(u32.buffer);
});
add('a resizable ArrayBuffer and views over it: fixed, and tracking its length', () => {
  const buffer = new ArrayBuffer(24, { maxByteLength: 64 });
  new Uint8Array(buffer).set(bytes(24, 13));
  return {
    buffer,
    fixed: new Uint16Array(buffer, 2, 3),
    toTheEnd: new Uint8Array(buffer, 16, 8),
    tracking: new Float32Array(buffer, 8),
    whole: new Uint8Array(buffer),
    view: new DataView(buffer, 4),
    fixedView: new DataView(buffer, 4, 20),
  };
});
add('a resizable ArrayBuffer at its maximum length, with a tracking and a fixed view to its end', () => {
  const buffer = new ArrayBuffer(16, { maxByteLength: 16 });
  new Uint8Array(buffer).set(bytes(16, 17));
  return [new Int32Array(buffer, 4), new Int32Array(buffer, 8, 2), new DataView(buffer, 12)];
});
add('resizable ArrayBuffers resized to a length no multiple of a tracking view’s element size', () => {
  const roomy = new ArrayBuffer(12, { maxByteLength: 40 });
  const full = new ArrayBuffer(16, { maxByteLength: 17 });
  const views = [new Int16Array(roomy, 2), new Float64Array(full), new Uint8Array(full, 3, 2)];
  roomy.resize(13);
  full.resize(17);
  new Uint8Array(full).set(bytes(17, 23));
  return views;
});
add('a growable SharedArrayBuffer and a view tracking it', () => {
  const buffer = new SharedArrayBuffer(8, { maxByteLength: 32 });
  new Uint8Array(buffer).set(bytes(8, 19));
  return [buffer, new Uint8Array(buffer)];
});
add('typed array 1M floats', () => Float64Array.from({ length: 1_000_000 }, (_, i) => i / 3), true);

// --- errors and boxed primitives -------------------------------------------------------------

add('errors of every standard type', () => [
  new Error('plain'),
  new EvalError('eval'),
  new RangeError('range'),
  new ReferenceError('ref'),
  new SyntaxError('syntax'),
  new TypeError('type'),
  new URIError('uri'),
]);
add('error without message', () => new Error());
add('error without a stack', () => {
  const e = new RangeError('no stack');
  delete e.stack;
  return e;
});
add('error with a stack that is no string', () => {
  const e = new Error('odd stack');
  (e as unknown as { stack: unknown }).stack = 5;
  return e;
});
add(
  'error with cause',
  () => new TypeError('outer', { cause: new RangeError('inner', { cause: { code: 7 } }) }),
);
add('error with undefined cause', () => new Error('x', { cause: undefined }));
add('error with custom name becomes Error', () => {
  class AppError extends Error {
    override name = 'AppError';
    code = 12;
  }
  return new AppError('custom');
});
add('error renamed to a standard name', () => {
  const e = new Error('renamed');
  e.name = 'SyntaxError';
  return e;
});
add('error with non-string message', () => {
  const e = new Error('x');
  (e as unknown as { message: unknown }).message = 5;
  return e;
});
add('error with extra props (dropped)', () =>
  Object.assign(new Error('extra'), { extra: 1, nested: { a: 2 } }),
);
add('error cause cycle', () => {
  const e = new Error('self');
  e.cause = e;
  return e;
});
add('boxed primitives', () => [
  new Number(1),
  new Number(-0),
  new Number(NaN),
  new Number(2 ** 60),
  new String(''),
  new String('x'),
  new String('😀\uD800'),
  Object(1n),
  Object(-(2n ** 70n)),
  new Boolean(false),
  new Boolean(true),
]);

// --- sharing and cycles ----------------------------------------------------------------------

add('shared object referenced twice', () => {
  const shared = { s: 1 };
  return { a: shared, b: shared, list: [shared, shared] };
});
add('self cycle', () => {
  const o: Record<string, unknown> = { name: 'self' };
  o.self = o;
  return o;
});
add('array containing itself', () => {
  const a: unknown[] = [1];
  a.push(a, [a]);
  return a;
});
add('mutual cycle', () => {
  const a: Record<string, unknown> = { name: 'a' };
  const b: Record<string, unknown> = { name: 'b', a };
  a.b = b;
  return [a, b];
});
add('Map containing itself as key and value', () => {
  const m = new Map<unknown, unknown>();
  m.set(m, m);
  m.set('self', m);
  return m;
});
add('Set containing itself', () => {
  const s = new Set<unknown>();
  s.add(s);
  s.add({ back: s });
  return s;
});
add('diamond', () => {
  const leaf = { leaf: true };
  const left = { leaf };
  const right = { leaf };
  return { left, right, leaf };
});
add('shared non-plain objects', () => {
  const date = new Date(5);
  const map = new Map([[1, 2]]);
  const set = new Set([1]);
  const re = /r/g;
  const ta = new Uint16Array([1, 2]);
  const err = new Error('shared');
  const boxed = new String('b');
  const buf = new ArrayBuffer(4);
  return [date, map, set, re, ta, err, boxed, buf, date, map, set, re, ta, err, boxed, buf, { date, map }];
});
add('shared object as Map key and value', () => {
  const k = { key: 1 };
  return { map: new Map([[k, k]]), set: new Set([k]), k };
});
add('cycle through an array, a Map and a Set', () => {
  const root: Record<string, unknown> = {};
  const set = new Set<unknown>([root]);
  const map = new Map<unknown, unknown>([['set', set]]);
  root.chain = [map];
  return root;
});
add('sparse array holding itself', () => {
  const a: unknown[] = [];
  a[100_000] = a;
  return a;
});

// --- depth and size --------------------------------------------------------------------------

add('1000 nested arrays', () => {
  let v: unknown = 'bottom';
  for (let i = 0; i < 1000; i++) v = [v];
  return v;
});
add('1000 nested objects', () => {
  let v: unknown = null;
  for (let i = 0; i < 1000; i++) v = { depth: i, next: v };
  return v;
});
add('1000 nested Maps, Sets and arrays', () => {
  let v: unknown = 0;
  for (let i = 0; i < 1000; i++) {
    v = i % 3 === 0 ? new Map([['v', v]]) : i % 3 === 1 ? new Set([v]) : [v];
  }
  return v;
});
add('JSON-like document', () => ({
  users: Array.from({ length: 50 }, (_, i) => ({
    id: i,
    name: `user ${i}`,
    email: `u${i}@example.com`,
    admin: i % 7 === 0,
    tags: i % 2 ? ['a', 'b'] : [],
    profile: { age: 20 + (i % 50), bio: i % 5 ? null : 'Ünïcødé bio 😀' },
  })),
  meta: { count: 50, generated: '2024-01-01T00:00:00Z', version: 1.5 },
}));
add('everything at once', () => {
  const shared = { shared: true };
  return {
    n: [0, -0, NaN, 2 ** 31],
    s: ['', 'a', '\uD800', '😀'],
    b: [1n, -(2n ** 65n)],
    m: new Map<unknown, unknown>([[shared, new Set([shared, NaN])]]),
    d: new Date(123),
    r: /x/y,
    t: new BigInt64Array([5n]),
    e: new URIError('u', { cause: shared }),
    x: new Boolean(true),
    h: holey(HOLE, shared),
  };
});

export const corpus: readonly Case[] = cases;

/** A few small values whose images are a few hundred bytes: used by the mutation fuzz. */
export const smallCases: readonly Case[] = [
  { name: 'small object', make: () => ({ a: 1, b: 'hi', c: [1.5, 'hi'] }) },
  {
    name: 'map, set, cycle',
    make: () => {
      const o: Record<string, unknown> = { name: 'ö' };
      o.map = new Map<unknown, unknown>([
        ['k', o],
        [2, holey(1, HOLE, 3)],
      ]);
      o.set = new Set([1n, -(2n ** 40n), 'x']);
      return o;
    },
  },
  {
    name: 'buffers, dates, errors',
    make: () => {
      const buffer = new ArrayBuffer(16);
      return [
        new Uint16Array(buffer, 2, 3),
        new DataView(buffer, 8),
        new Date(86_400_000),
        /a.b/gi,
        new RangeError('r', { cause: 'c' }),
        new Number(2.5),
      ];
    },
  },
  {
    name: 'resizable buffers',
    make: () => {
      const buffer = new ArrayBuffer(12, { maxByteLength: 40 });
      return [
        new Int16Array(buffer, 2),
        new DataView(buffer, 4, 4),
        new SharedArrayBuffer(4, { maxByteLength: 8 }),
      ];
    },
  },
  {
    name: 'hashed map',
    make: () =>
      new Map<unknown, unknown>(Array.from({ length: 10 }, (_, i) => [i % 2 ? `k${i}` : i * 1.25, { v: i }])),
  },
  {
    name: 'sparse with extras',
    make: () => {
      const a: unknown[] = [];
      a[100_000] = 'end';
      return Object.assign(a, { label: 'sp', holey: holey(HOLE, 1) });
    },
  },
];
