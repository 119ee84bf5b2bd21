// A strict deep comparison with structuredClone semantics, written by hand so that it checks what
// node:assert's deepStrictEqual does not: identical aliasing structure (a bijection between the object
// identities of both graphs, so sharing and cycles must match exactly), holes versus undefined, key
// order, -0 versus 0, NaN, ArrayBuffer versus SharedArrayBuffer, and the exact bytes of every buffer.
import { AssertionError } from 'node:assert';
import { types } from 'node:util';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats one step of a path: `.name`, `["we ird"]` or `[3]`. */
export function pathStep(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  if (/^(0|[1-9][0-9]*)$/.test(key)) return `[${key}]`;
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A short, safe description of a value for failure messages. */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') {
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}…(${value.length})`
      : JSON.stringify(value);
  }
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value !== 'object' || value === null) return String(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return '[object null-prototype]';
  const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
  return `[object ${typeof ctor?.name === 'string' ? ctor.name : '?'}]`;
}

type Kind =
  | 'Array'
  | 'Map'
  | 'Set'
  | 'Date'
  | 'RegExp'
  | 'Error'
  | 'Boxed'
  | 'ArrayBuffer'
  | 'SharedArrayBuffer'
  | 'TypedArray'
  | 'DataView'
  | 'Proxy'
  | 'Object';

function kindOf(value: object): Kind {
  if (types.isProxy(value)) return 'Proxy';
  if (Array.isArray(value)) return 'Array';
  if (types.isMap(value)) return 'Map';
  if (types.isSet(value)) return 'Set';
  if (types.isDate(value)) return 'Date';
  if (types.isRegExp(value)) return 'RegExp';
  if (types.isNativeError(value)) return 'Error';
  if (types.isBoxedPrimitive(value)) return 'Boxed';
  if (types.isArrayBuffer(value)) return 'ArrayBuffer';
  if (types.isSharedArrayBuffer(value)) return 'SharedArrayBuffer';
  if (types.isTypedArray(value)) return 'TypedArray';
  if (types.isDataView(value)) return 'DataView';
  return 'Object';
}

class Comparator {
  /** expected object → the actual object it has been paired with. */
  private readonly forward = new Map<object, object>();
  /** actual object → the expected object it has been paired with. */
  private readonly backward = new Map<object, object>();

  fail(path: string, message: string): never {
    throw new AssertionError({ message: `${path}: ${message}` });
  }

  compare(actual: unknown, expected: unknown, path: string): void {
    const expectedIsObject = typeof expected === 'object' && expected !== null;
    const actualIsObject = typeof actual === 'object' && actual !== null;
    if (!expectedIsObject || !actualIsObject) {
      if (typeof actual === 'function' || typeof expected === 'function') {
        this.fail(path, `unexpected function (${describe(actual)} vs ${describe(expected)})`);
      }
      if (!Object.is(actual, expected)) {
        this.fail(path, `expected ${describe(expected)}, got ${describe(actual)}`);
      }
      return;
    }
    const paired = this.forward.get(expected);
    if (paired !== undefined) {
      if (paired !== actual) this.fail(path, 'aliasing differs: expected the object already seen elsewhere');
      return;
    }
    if (this.backward.has(actual)) {
      this.fail(path, 'aliasing differs: this object is shared in actual but distinct in expected');
    }
    this.forward.set(expected, actual);
    this.backward.set(actual, expected);
    this.compareObjects(actual, expected, path);
  }

  private compareObjects(actual: object, expected: object, path: string): void {
    const kind = kindOf(expected);
    const actualKind = kindOf(actual);
    if (actualKind !== kind) this.fail(path, `expected a ${kind}, got a ${actualKind} (${describe(actual)})`);
    if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
      this.fail(path, `prototype differs: expected ${describe(expected)}, got ${describe(actual)}`);
    }
    if (Object.isExtensible(actual) !== Object.isExtensible(expected)) {
      this.fail(path, `extensibility differs (actual extensible: ${Object.isExtensible(actual)})`);
    }
    switch (kind) {
      case 'Array':
      case 'Object':
        this.compareOwnProperties(actual, expected, path);
        return;
      case 'Map':
        this.compareMaps(actual as Map<unknown, unknown>, expected as Map<unknown, unknown>, path);
        return;
      case 'Set':
        this.compareSets(actual as Set<unknown>, expected as Set<unknown>, path);
        return;
      case 'Date':
        this.compare((actual as Date).getTime(), (expected as Date).getTime(), `${path}.getTime()`);
        return;
      case 'RegExp': {
        const a = actual as RegExp;
        const e = expected as RegExp;
        this.compare(a.source, e.source, `${path}.source`);
        this.compare(a.flags, e.flags, `${path}.flags`);
        this.compare(a.lastIndex, e.lastIndex, `${path}.lastIndex`);
        return;
      }
      case 'Error':
        this.compareErrors(actual as Error, expected as Error, path);
        return;
      case 'Boxed':
        this.compareBoxed(actual, expected, path);
        return;
      case 'ArrayBuffer':
      case 'SharedArrayBuffer':
        this.compareBuffers(actual as ArrayBufferLike, expected as ArrayBufferLike, path);
        return;
      case 'TypedArray':
      case 'DataView': {
        const a = actual as ArrayBufferView;
        const e = expected as ArrayBufferView;
        this.compare(a.byteOffset, e.byteOffset, `${path}.byteOffset`);
        this.compare(a.byteLength, e.byteLength, `${path}.byteLength`);
        if (kind === 'TypedArray') {
          this.compare((a as Uint8Array).length, (e as Uint8Array).length, `${path}.length`);
        }
        this.compare(a.buffer, e.buffer, `${path}.buffer`);
        if (tracksLength(a) !== tracksLength(e)) this.fail(path, 'tracks its buffer’s length, or does not');
        return;
      }
      case 'Proxy':
        this.fail(path, 'cannot compare proxies');
    }
  }

  /** Own keys in order (string and symbol), descriptors, then values, for arrays and plain objects. */
  private compareOwnProperties(actual: object, expected: object, path: string): void {
    const expectedKeys = Reflect.ownKeys(expected);
    const actualKeys = Reflect.ownKeys(actual);
    const same =
      expectedKeys.length === actualKeys.length && expectedKeys.every((key, i) => key === actualKeys[i]);
    if (!same) {
      const show = (keys: (string | symbol)[]): string => {
        const shown = keys
          .slice(0, 12)
          .map((k) => (typeof k === 'symbol' ? k.toString() : JSON.stringify(k)));
        return `[${shown.join(', ')}${keys.length > 12 ? `, …(${keys.length})` : ''}]`;
      };
      const firstDiff = expectedKeys.findIndex((key, i) => key !== actualKeys[i]);
      this.fail(
        path,
        `own keys differ (first difference at position ${firstDiff < 0 ? expectedKeys.length : firstDiff}): ` +
          `expected ${show(expectedKeys)}, got ${show(actualKeys)}`,
      );
    }
    for (const key of expectedKeys) {
      const step = typeof key === 'symbol' ? `[${key.toString()}]` : pathStep(key);
      const e = Reflect.getOwnPropertyDescriptor(expected, key)!;
      const a = Reflect.getOwnPropertyDescriptor(actual, key);
      if (a === undefined) this.fail(`${path}${step}`, 'missing own property');
      if (!('value' in a)) this.fail(`${path}${step}`, 'is an accessor, expected a data property');
      if (a.writable !== e.writable || a.enumerable !== e.enumerable || a.configurable !== e.configurable) {
        this.fail(
          `${path}${step}`,
          `descriptor differs: writable/enumerable/configurable ${a.writable}/${a.enumerable}/${a.configurable}` +
            ` vs ${e.writable}/${e.enumerable}/${e.configurable}`,
        );
      }
      this.compare(a.value, e.value, `${path}${step}`);
    }
  }

  private compareMaps(actual: Map<unknown, unknown>, expected: Map<unknown, unknown>, path: string): void {
    if (actual.size !== expected.size)
      this.fail(`${path}.size`, `expected ${expected.size}, got ${actual.size}`);
    const a = actual.entries();
    let i = 0;
    for (const [key, value] of expected) {
      const next = a.next();
      if (next.done) this.fail(path, `iteration ended early at entry ${i}`);
      const [actualKey, actualValue] = next.value;
      this.compare(actualKey, key, `${path}.keys()[${i}]`);
      const shownKey = typeof key === 'object' && key !== null ? `<key ${i}>` : describe(key);
      this.compare(actualValue, value, `${path}.get(${shownKey})`);
      i++;
    }
    if (!a.next().done) this.fail(path, 'actual has more entries than its size');
  }

  private compareSets(actual: Set<unknown>, expected: Set<unknown>, path: string): void {
    if (actual.size !== expected.size)
      this.fail(`${path}.size`, `expected ${expected.size}, got ${actual.size}`);
    const a = actual.values();
    let i = 0;
    for (const member of expected) {
      const next = a.next();
      if (next.done) this.fail(path, `iteration ended early at member ${i}`);
      this.compare(next.value, member, `${path}.values()[${i}]`);
      i++;
    }
    if (!a.next().done) this.fail(path, 'actual has more members than its size');
  }

  private compareErrors(actual: Error, expected: Error, path: string): void {
    this.compare(actual.name, expected.name, `${path}.name`);
    const expectedKeys = Reflect.ownKeys(expected).map(String).sort();
    const actualKeys = Reflect.ownKeys(actual).map(String).sort();
    if (expectedKeys.join('\0') !== actualKeys.join('\0')) {
      this.fail(
        path,
        `own keys differ: expected [${expectedKeys.join(', ')}], got [${actualKeys.join(', ')}]`,
      );
    }
    this.compare(actual.message, expected.message, `${path}.message`);
    // structuredClone keeps a string stack and drops any other (the copy has none, not its own frames).
    this.compare(actual.stack, expected.stack, `${path}.stack`);
    if (Object.hasOwn(expected, 'cause')) this.compare(actual.cause, expected.cause, `${path}.cause`);
  }

  private compareBoxed(actual: object, expected: object, path: string): void {
    const kinds = [
      types.isNumberObject,
      types.isStringObject,
      types.isBooleanObject,
      types.isBigIntObject,
      types.isSymbolObject,
    ];
    const kind = kinds.findIndex((is) => is(expected));
    if (!kinds[kind]?.(actual)) this.fail(path, `boxed primitive of another type: ${describe(actual)}`);
    const unbox = (v: object): unknown => (v as { valueOf(): unknown }).valueOf();
    this.compare(unbox(actual), unbox(expected), `${path}.valueOf()`);
  }

  private compareBuffers(actual: ArrayBufferLike, expected: ArrayBufferLike, path: string): void {
    if (actual.byteLength !== expected.byteLength) {
      this.fail(`${path}.byteLength`, `expected ${expected.byteLength}, got ${actual.byteLength}`);
    }
    const kind = (b: ArrayBufferLike) =>
      b instanceof SharedArrayBuffer ? `growable ${b.growable}` : `resizable ${b.resizable}`;
    if (kind(actual) !== kind(expected) || actual.maxByteLength !== expected.maxByteLength) {
      this.fail(
        path,
        `expected ${kind(expected)} up to ${expected.maxByteLength}, got ${kind(actual)} up to ${actual.maxByteLength}`,
      );
    }
    const a = new Uint8Array(actual);
    const e = new Uint8Array(expected);
    const at = Buffer.from(a.buffer, a.byteOffset, a.byteLength).compare(
      Buffer.from(e.buffer, 0, e.byteLength),
    );
    if (at !== 0) {
      const first = e.findIndex((byte, i) => a[i] !== byte);
      this.fail(path, `bytes differ at offset ${first}: expected ${e[first]}, got ${a[first]}`);
    }
  }
}

/**
 * Asserts that `actual` is what `structuredClone` would produce for the value `expected` was cloned from:
 * same types and prototypes, Object.is on primitives, same own keys in the same order, same bytes, and
 * the same aliasing structure (sharing and cycles). Throws an AssertionError naming the path.
 */
export function assertSameAsClone(actual: unknown, expected: unknown): void {
  new Comparator().compare(actual, expected, '$');
}

const STANDARD_ERRORS = [
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
];

function bytesOf(view: ArrayBufferView | ArrayBufferLike): Uint8Array {
  return ArrayBuffer.isView(view)
    ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
    : new Uint8Array(view as ArrayBufferLike);
}

/**
 * Whether a view follows its buffer's resizes: a resizable ArrayBuffer (of a copy: the caller's own)
 * grows by one element and back while the view is watched. Undefined for a buffer that cannot grow.
 */
function tracksLength(view: ArrayBufferView): boolean | undefined {
  const buffer = view.buffer;
  const size = 'BYTES_PER_ELEMENT' in view ? (view.BYTES_PER_ELEMENT as number) : 1;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength + size > buffer.maxByteLength) return undefined;
  const before = view.byteLength;
  buffer.resize(buffer.byteLength + size);
  const grew = view.byteLength !== before;
  buffer.resize(buffer.byteLength - size);
  return grew;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
  );
}

/**
 * Walks a view the way user code reads it (property reads, `in`, Object.keys, iteration, get/has) and
 * checks each read against the same read on the original value. Each original object is walked once,
 * so cycles end. `budget` bounds the number of values visited.
 */
export function assertViewReads(view: unknown, original: unknown, budget = 200_000): void {
  const seen = new Set<object>();
  let left = budget;
  const walk = (v: unknown, o: unknown, path: string): void => {
    if (--left < 0) return;
    if (typeof o !== 'object' || o === null) {
      if (!Object.is(v, o))
        throw new AssertionError({ message: `${path}: expected ${describe(o)}, got ${describe(v)}` });
      return;
    }
    const fail = (message: string): never => {
      throw new AssertionError({ message: `${path}: ${message}` });
    };
    if (typeof v !== 'object' || v === null)
      fail(`expected an object view of ${describe(o)}, got ${describe(v)}`);
    const view = v as object;
    if (seen.has(o)) return;
    seen.add(o);
    if (Array.isArray(o)) {
      if (!Array.isArray(view)) fail('Array.isArray(view) is false');
      const a = view as unknown[];
      if (a.length !== o.length) fail(`length ${a.length}, expected ${o.length}`);
      const keys = Object.keys(o);
      const viewKeys = Object.keys(a);
      if (keys.join('\0') !== viewKeys.join('\0'))
        fail(`Object.keys differ: [${viewKeys.slice(0, 10)}] vs [${keys.slice(0, 10)}]`);
      for (let i = 0; i < Math.min(o.length, 64); i++) {
        if (i in a !== i in o) fail(`(${i} in view) is ${i in a}`);
      }
      for (const key of keys)
        walk(
          (a as unknown as Record<string, unknown>)[key],
          (o as unknown as Record<string, unknown>)[key],
          `${path}${pathStep(key)}`,
        );
      return;
    }
    if (types.isMap(o)) {
      const m = view as Map<unknown, unknown>;
      if (typeof m.get !== 'function' || typeof m.has !== 'function') fail('not Map-like');
      if (m.size !== o.size) fail(`size ${m.size}, expected ${o.size}`);
      const entries = [...m.entries()];
      if (entries.length !== o.size) fail(`entries() gave ${entries.length} entries`);
      let i = 0;
      for (const [key, value] of o) {
        const [viewKey, viewValue] = entries[i]!;
        walk(viewKey, key, `${path}.keys()[${i}]`);
        walk(viewValue, value, `${path}.get(<${i}>)`);
        if (!m.has(viewKey)) fail(`has(key ${i} as returned by entries()) is false`);
        if (typeof key !== 'object' || key === null) {
          if (!m.has(key)) fail(`has(${describe(key)}) is false`);
          const got = m.get(key);
          if ((typeof value !== 'object' || value === null) && !Object.is(got, value)) {
            fail(`get(${describe(key)}) is ${describe(got)}, expected ${describe(value)}`);
          }
        } else {
          const got = m.get(viewKey);
          if ((typeof value !== 'object' || value === null) && !Object.is(got, value)) {
            fail(`get(key ${i} from entries()) is ${describe(got)}, expected ${describe(value)}`);
          }
        }
        i++;
      }
      return;
    }
    if (types.isSet(o)) {
      const s = view as Set<unknown>;
      if (typeof s.has !== 'function') fail('not Set-like');
      if (s.size !== o.size) fail(`size ${s.size}, expected ${o.size}`);
      const members = [...s.values()];
      let i = 0;
      for (const member of o) {
        walk(members[i], member, `${path}.values()[${i}]`);
        if (!s.has(members[i])) fail(`has(member ${i} as returned by values()) is false`);
        if ((typeof member !== 'object' || member === null) && !s.has(member))
          fail(`has(${describe(member)}) is false`);
        i++;
      }
      return;
    }
    if (types.isDate(o)) {
      if (!types.isDate(view)) fail('not a Date');
      if (!Object.is((view as Date).getTime(), o.getTime())) fail('getTime() differs');
      return;
    }
    if (types.isRegExp(o)) {
      if (!types.isRegExp(view)) fail('not a RegExp');
      const r = view as RegExp;
      if (r.source !== o.source || r.flags !== o.flags)
        fail(`/${r.source}/${r.flags} vs /${o.source}/${o.flags}`);
      return;
    }
    if (types.isNativeError(o)) {
      if (!types.isNativeError(view)) fail('not an Error');
      const e = view as Error;
      // As structuredClone: a standard name keeps its constructor, any other becomes Error; the message
      // is the own message as a string. (Not computed by structuredClone: it fails on errors in cycles.)
      const name = STANDARD_ERRORS.includes(o.name) ? o.name : 'Error';
      const message = Object.hasOwn(o, 'message') ? String(o.message) : '';
      const proto = (globalThis as unknown as Record<string, { prototype: object }>)[name]!.prototype;
      if (Object.getPrototypeOf(e) !== proto) fail(`prototype of ${e.name}, expected ${name}`);
      if (e.name !== name || e.message !== message)
        fail(`${e.name}: ${e.message}, expected ${name}: ${message}`);
      if (Object.hasOwn(o, 'cause')) walk(e.cause, o.cause, `${path}.cause`);
      return;
    }
    if (types.isBoxedPrimitive(o)) {
      if (Object.getPrototypeOf(view) !== Object.getPrototypeOf(o))
        fail(`boxed of another type: ${describe(view)}`);
      const a = (view as { valueOf(): unknown }).valueOf();
      const e = (o as { valueOf(): unknown }).valueOf();
      if (!Object.is(a, e)) fail(`valueOf() is ${describe(a)}, expected ${describe(e)}`);
      return;
    }
    if (ArrayBuffer.isView(o) || types.isArrayBuffer(o) || types.isSharedArrayBuffer(o)) {
      if (Object.getPrototypeOf(view) !== Object.getPrototypeOf(o))
        fail(`expected ${describe(o)}, got ${describe(view)}`);
      if (!sameBytes(bytesOf(view as ArrayBufferView), bytesOf(o as ArrayBufferView))) fail('bytes differ');
      if (types.isTypedArray(o) && (view as Uint8Array).length !== o.length) fail('length differs');
      return;
    }
    const keys = Object.keys(o);
    const viewKeys = Object.keys(view);
    if (keys.join('\0') !== viewKeys.join('\0')) {
      fail(`Object.keys differ: [${viewKeys.slice(0, 10)}] vs [${keys.slice(0, 10)}]`);
    }
    for (const key of keys) {
      if (!(key in view)) fail(`(${JSON.stringify(key)} in view) is false`);
      if (!Object.hasOwn(view, key)) fail(`Object.hasOwn(view, ${JSON.stringify(key)}) is false`);
      walk(
        (view as Record<string, unknown>)[key],
        (o as Record<string, unknown>)[key],
        `${path}${pathStep(key)}`,
      );
    }
  };
  walk(view, original, '$');
}

/**
 * structuredClone(value), the reference. Node 20's structuredClone cannot deserialise an Error that is
 * reachable from its own `cause` chain when the clone starts at that error ("Unable to deserialize cloned
 * data"); for such graphs the value itself is the reference: it has exactly the shape a clone would have.
 */
export function cloneOf<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch (error) {
    if (error instanceof Error && /Unable to deserialize/.test(error.message)) return value;
    throw error;
  }
}
