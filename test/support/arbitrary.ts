// fast-check arbitraries for every value structuredClone accepts, including graphs with shared references
// and cycles. Trees come from fc.letrec; `cloneable` then rewires a generated tree with a few links (an
// object placed again somewhere else, possibly inside itself), which is how sharing and cycles appear.
import fc from 'fast-check';

const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

const ERRORS = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError] as const;

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));

export const stringArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: codeUnit, maxLength: 6 }),
  fc.constantFrom('', 'a', '__proto__', 'constructor', '\uD800', '😀', 'x'.repeat(300)),
);

/** Keys of plain objects: short strings, integer-like strings and the dangerous names. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.nat(12).map(String),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'then',
    'length',
    '-1',
    '01',
    '4294967295',
    'we ird',
  ),
);

export const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 30) - 2, max: -(2 ** 30) + 2 }),
  fc.integer({ min: 2 ** 30 - 2, max: 2 ** 30 + 2 }),
  fc.double(),
  fc.constantFrom(
    -0,
    NaN,
    Infinity,
    -Infinity,
    2 ** 31,
    -(2 ** 31),
    2 ** 53,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
  ),
);

export const bigintArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.constantFrom(0n, -1n, 2n ** 32n, -(2n ** 32n), 2n ** 64n - 1n),
);

export const dateArb: fc.Arbitrary<Date> = fc.oneof(
  fc.date({ noInvalidDate: false }),
  fc.constant(0).map(() => new Date(Number.NaN)),
);

const REGEXP_SOURCES = ['a', 'a+b*', '[x-z]', '(?:q)', '\\d{2}', '.', '^$', '\\/', '(?<n>k)'];
export const regexpArb: fc.Arbitrary<RegExp> = fc
  .record({
    source: fc.constantFrom(...REGEXP_SOURCES),
    flags: fc.subarray(['d', 'g', 'i', 'm', 's', 'u', 'y']),
    lastIndex: fc.nat(5),
  })
  .map(({ source, flags, lastIndex }) => {
    const re = new RegExp(source, flags.join(''));
    re.lastIndex = lastIndex;
    return re;
  });

/** A buffer filled with the given bytes; shared when `shared` is set. */
function bufferOf(bytes: Uint8Array, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  const buffer = shared ? new SharedArrayBuffer(bytes.length) : new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/** A view of type `type` (an index into TYPED_ARRAYS, or 11 for DataView) at an aligned place in `buffer`. */
function viewOf(buffer: ArrayBufferLike, type: number, start: number, count: number): ArrayBufferView {
  const ctor = TYPED_ARRAYS[type];
  const size = ctor === undefined ? 1 : ctor.BYTES_PER_ELEMENT;
  const slots = Math.floor(buffer.byteLength / size);
  const first = start % (slots + 1);
  const length = count % (slots - first + 1);
  return ctor === undefined
    ? new DataView(buffer, first, length)
    : new ctor(buffer as ArrayBuffer, first * size, length);
}

export const bufferArb: fc.Arbitrary<ArrayBuffer | SharedArrayBuffer> = fc
  .record({ bytes: fc.uint8Array({ maxLength: 40 }), shared: fc.boolean() })
  .map(({ bytes, shared }) => bufferOf(bytes, shared));

/** Typed arrays and DataViews of every type, at non-zero offsets, some over a SharedArrayBuffer. */
export const viewArb: fc.Arbitrary<ArrayBufferView> = fc
  .record({
    bytes: fc.uint8Array({ maxLength: 64 }),
    shared: fc.boolean(),
    type: fc.integer({ min: 0, max: TYPED_ARRAYS.length }),
    start: fc.nat(),
    count: fc.nat(),
  })
  .map(({ bytes, shared, type, start, count }) => viewOf(bufferOf(bytes, shared), type, start, count));

/** Several views over one buffer: structuredClone keeps them sharing one copy of it. */
export const sharedViewsArb: fc.Arbitrary<ArrayBufferView[]> = fc
  .record({
    bytes: fc.uint8Array({ minLength: 8, maxLength: 64 }),
    views: fc.array(
      fc.record({ type: fc.integer({ min: 0, max: TYPED_ARRAYS.length }), start: fc.nat(), count: fc.nat() }),
      { minLength: 2, maxLength: 4 },
    ),
  })
  .map(({ bytes, views }) => {
    const buffer = bufferOf(bytes, false);
    return views.map(({ type, start, count }) => viewOf(buffer, type, start, count));
  });

/** Builds a plain object from entries as JSON.parse does: `__proto__` becomes an own data property. */
export function objectFrom(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

interface Tree {
  value: unknown;
  leaf: unknown;
  container: unknown;
}

/** Trees of every supported type; `size` scales container widths and the depth bias. */
function treeOf(size: 'small' | 'medium') {
  const width = size === 'small' ? 5 : 12;
  return fc.letrec<Tree>((tie) => ({
    value: fc.oneof({ depthSize: size, withCrossShrink: true }, tie('leaf'), tie('container')),
    leaf: fc.oneof(
      { weight: 3, arbitrary: numberArb },
      { weight: 3, arbitrary: stringArb },
      fc.constantFrom(undefined, null, true, false),
      bigintArb,
      dateArb,
      regexpArb,
      bufferArb,
      viewArb,
      sharedViewsArb,
      fc
        .tuple(fc.constantFrom(0, 1, 2, 3), numberArb, stringArb, fc.boolean(), bigintArb)
        .map(([which, n, s, b, big]) => Object([n, s, b, big][which]) as object),
    ),
    container: fc.oneof(
      { weight: 3, arbitrary: fc.array(tie('value'), { maxLength: width }) },
      {
        weight: 3,
        arbitrary: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: width }).map(objectFrom),
      },
      fc.sparseArray(tie('value'), { maxLength: 12, maxNumElements: 4 }),
      fc.sparseArray(tie('value'), { minNumElements: 1, maxLength: 150_000, maxNumElements: 3 }),
      fc
        .tuple(
          fc.array(tie('value'), { maxLength: 3 }),
          fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 2 }),
        )
        .map(([items, extras]) => {
          for (const [key, value] of extras) {
            // Extra named properties only: index keys would just be elements.
            if (!/^(0|[1-9][0-9]*)$/.test(key) && key !== 'length') {
              Object.defineProperty(items, key, {
                value,
                writable: true,
                enumerable: true,
                configurable: true,
              });
            }
          }
          return items;
        }),
      fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: width }).map((entries) => new Map(entries)),
      fc.array(tie('value'), { maxLength: width }).map((members) => new Set(members)),
      fc
        .record({
          type: fc.integer({ min: 0, max: ERRORS.length - 1 }),
          message: fc.option(stringArb, { nil: undefined }),
          cause: fc.option(tie('value'), { freq: 2 }),
        })
        .map(({ type, message, cause }) => {
          const ctor = ERRORS[type]!;
          return cause === null ? new ctor(message) : new ctor(message, { cause });
        }),
    ),
  }));
}

const tree = treeOf('small');
const mediumTree = treeOf('medium');

/** Every object in `root` that can hold a reference to another, in depth-first order. */
function containersOf(root: unknown): object[] {
  const seen = new Set<object>();
  const out: object[] = [];
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      out.push(v);
      for (const key of Object.keys(v)) visit((v as unknown as Record<string, unknown>)[key]);
    } else if (v instanceof Map) {
      out.push(v);
      for (const [k, val] of v) {
        visit(k);
        visit(val);
      }
    } else if (v instanceof Set) {
      out.push(v);
      for (const m of v) visit(m);
    } else if (v instanceof Error) {
      out.push(v);
      visit(v.cause);
    } else if (Object.getPrototypeOf(v) === Object.prototype) {
      out.push(v);
      for (const val of Object.values(v)) visit(val);
    }
  };
  visit(root);
  return out;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Rewires `root` in place: each link (from, to, slot) places container `to` into a slot of container `from`. */
export function addLinks(root: unknown, links: readonly (readonly [number, number, number])[]): unknown {
  const containers = containersOf(root);
  if (containers.length === 0) return root;
  for (const [from, to, slot] of links) {
    const source = containers[from % containers.length]!;
    const target = containers[to % containers.length]!;
    if (Array.isArray(source)) {
      if (source.length > 0 && source.length < 100) source[slot % source.length] = target;
      else source.push(target);
    } else if (source instanceof Map) {
      const keys = [...source.keys()];
      if (slot % 3 === 0 || keys.length === 0) source.set(target, slot);
      else source.set(keys[slot % keys.length], target);
    } else if (source instanceof Set) {
      source.add(target);
    } else if (source instanceof Error) {
      Object.defineProperty(source, 'cause', { value: target, writable: true, configurable: true });
    } else {
      const keys = Object.keys(source);
      define(source, keys.length > 0 && slot % 2 === 0 ? keys[slot % keys.length]! : `link${slot}`, target);
    }
  }
  return root;
}

const linksArb = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 4 });
const manyLinksArb = fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 16 });

/**
 * Values structuredClone accepts, as graphs: trees of every supported type, rewired with links that make
 * shared references and cycles. The generated tree is cloned before rewiring, so shrinking stays sound.
 */
export const cloneableArb: fc.Arbitrary<unknown> = fc
  .tuple(tree.value, linksArb)
  .map(([value, links]) => addLinks(structuredClone(value), links));

/** Like cloneableArb, with wider and deeper trees and more links. */
export const largeCloneableArb: fc.Arbitrary<unknown> = fc
  .tuple(mediumTree.value, manyLinksArb)
  .map(([value, links]) => addLinks(structuredClone(value), links));

/** Values without cycles or sharing: plain trees of every supported type. */
export const treeArb: fc.Arbitrary<unknown> = tree.value;

/** Keys of every primitive type, with the number corners that a hash of a key must treat alike. */
export const primitiveKeyArb: fc.Arbitrary<unknown> = fc.oneof(
  numberArb,
  fc.integer({ min: -20, max: 20 }),
  stringArb,
  fc.nat(30).map(String),
  bigintArb,
  fc.constantFrom(undefined, null, true, false, -0, 0, NaN, 1n, -1n, '', '1', 1),
);

/** Maps and Sets wide enough to carry a hash index (8 entries or more), plus keys to probe them with. */
export const wideKeyedArb = fc.record({
  entries: fc.array(
    fc.tuple(fc.oneof({ weight: 5, arbitrary: primitiveKeyArb }, fc.constant({})), fc.nat()),
    {
      minLength: 0,
      maxLength: 80,
    },
  ),
  probes: fc.array(primitiveKeyArb, { maxLength: 40 }),
});

/** Plain objects wide enough for a hashed shape, plus property names to probe them with. */
export const wideObjectArb = fc.record({
  entries: fc.array(fc.tuple(keyArb, fc.nat()), { minLength: 0, maxLength: 60 }),
  probes: fc.array(keyArb, { maxLength: 40 }),
});
