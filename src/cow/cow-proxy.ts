import { isArrayIndex } from '../format/array-index.js';
import { NODE, nodeOf, PACK_AS } from '../format/node-ref.js';
import { INSPECT, inspectArray, inspectKeyed, inspectObject } from '../view/inspect.js';

export interface CowOptions {
  /**
   * `true` (the default): nested objects, arrays, Maps and Sets are wrapped in live proxies of their
   * own as they are read, so that no write through the proxy, at any depth, reaches the target.
   * `false`: only the top level is copy-on-write; nested values are the target's own.
   */
  deep?: boolean;
}

/**
 * A live copy-on-write proxy over `target`: reads go through to the target and see its later changes,
 * until the proxy writes that property (or entry); from then on the proxy holds its own value. Deletes
 * are the proxy's own too. The target is never changed by writes to the proxy.
 *
 * With `deep` (the default) a nested container is wrapped when read; a write inside it makes the
 * property that leads to it the proxy's own (it keeps the nested proxy from then on, which itself still
 * reads through to the object it wraps). Dates, typed arrays and the other built-ins cannot be read
 * through live: a deep proxy gives a private copy of each, made on its first read.
 */
export function cow<T extends object>(target: T, options: CowOptions = {}): T {
  if (typeof target !== 'object' || target === null) {
    throw new TypeError(`cowshare: cow() takes an object, got ${target === null ? 'null' : typeof target}`);
  }
  return wrap(target, options.deep ?? true, undefined) as T;
}

/** Marks a property or entry the proxy deleted. */
const DELETED: unique symbol = Symbol('cowshare.deleted');

/** Where a nested proxy sits in its parent, so that its first write can pin it there. */
interface Place {
  readonly parent: Pinning;
  readonly key: unknown;
}

interface Pinning {
  pin(key: unknown, proxy: object): void;
}

const tagOf = (value: object): string => Object.prototype.toString.call(value);

/** The proxy for a container (a private copy of anything else) read through a deep proxy. */
function wrap(value: object, deep: boolean, place: Place | undefined): object {
  if (Array.isArray(value)) return new LiveObject(value, deep, place, true).facade();
  switch (tagOf(value)) {
    case '[object Map]':
      return new LiveMap(value as Map<unknown, unknown>, deep, place, false);
    case '[object Set]':
      return new LiveMap(value as Map<unknown, unknown>, deep, place, true).facade();
    case '[object Object]':
      return new LiveObject(value, deep, place, false).facade();
    default:
      return structuredClone(value);
  }
}

/** Two reads of the same source: the same object, or views of the same node (each read is a new view). */
function sameSource(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = nodeOf(a);
  const y = nodeOf(b);
  return x !== undefined && y !== undefined && x.reader === y.reader && x.address === y.address;
}

/** What a deep proxy keeps of a nested value it wrapped: the source it read, and its wrapper. */
interface Child {
  readonly source: object;
  readonly proxy: object;
}

/** The state shared by object and array proxies, and by Map and Set proxies. */
abstract class Live implements Pinning {
  /** The proxy's own values (and DELETED for its deletes), by key. */
  protected readonly own = new Map<unknown, unknown>();
  /** Nested values wrapped but not written: rewrapped when the target's value changes. */
  private readonly children = new Map<unknown, Child>();
  private pinned = false;

  constructor(
    protected readonly target: object,
    protected readonly deep: boolean,
    private readonly place: Place | undefined,
  ) {}

  /** Records a write: from now on the property that leads here (and so on up) is the proxy's own. */
  protected written(): void {
    if (this.pinned || this.place === undefined) return;
    this.pinned = true;
    this.place.parent.pin(this.place.key, this.facade());
  }

  /** The object users hold: the Proxy, or this for a Map. */
  abstract facade(): object;

  pin(key: unknown, proxy: object): void {
    if (!this.own.has(key)) this.own.set(key, proxy);
    this.children.delete(key);
    this.written();
  }

  /** The value read through from the target, wrapped when deep. */
  protected through(key: unknown, value: unknown): unknown {
    if (!this.deep || typeof value !== 'object' || value === null || typeof key === 'symbol') return value;
    const known = this.children.get(key);
    if (known !== undefined && sameSource(known.source, value)) return known.proxy;
    const proxy = wrap(value, true, { parent: this, key });
    this.children.set(key, { source: value, proxy });
    return proxy;
  }
}

/** Arrays are at most 2^32 − 1 long. */
const MAX_LENGTH = 2 ** 32 - 1;

/**
 * The handler of an object or array proxy. For an array, `length` is read through until the proxy
 * writes it (directly, or by writing an element past the end); from then on it is the proxy's own,
 * and elements at or past it read as absent.
 */
class LiveObject extends Live implements ProxyHandler<object> {
  private proxy: object | undefined;
  /** Own property names added by the proxy, in order (for ownKeys). */
  private readonly added: (string | symbol)[] = [];

  constructor(
    target: object,
    deep: boolean,
    place: Place | undefined,
    private readonly isArray: boolean,
  ) {
    super(target, deep, place);
  }

  facade(): object {
    this.proxy ??= new Proxy(this.isArray ? ARRAY_TARGET : OBJECT_TARGET, this);
    return this.proxy;
  }

  private get source(): Record<string | symbol, unknown> {
    return this.target as Record<string | symbol, unknown>;
  }

  private length(): number {
    const own = this.own.get('length');
    return own === undefined ? (this.source.length as number) : (own as number);
  }

  /** Whether `key` is an index cut off by the proxy's own (shorter) length. */
  private cut(key: string | symbol): boolean {
    return (
      this.isArray &&
      typeof key === 'string' &&
      this.own.has('length') &&
      isArrayIndex(key) &&
      Number(key) >= this.length()
    );
  }

  get(_target: object, key: string | symbol, receiver: unknown): unknown {
    // A proxy over a view is not the view's node: `pack`, `toJS` and JSON must read it as it is now.
    if (key === NODE) return undefined;
    if (this.own.has(key) && !this.cut(key)) {
      const value = this.own.get(key);
      if (value !== DELETED) return value;
      return Reflect.get(Object.getPrototypeOf(this.target) ?? Object.prototype, key, receiver);
    }
    if (key === 'length' && this.isArray) return this.length();
    if (this.cut(key)) return undefined;
    // Inherited properties (methods, a class's getters) are the target's, read with the target as
    // `this`: a method called on the proxy still gets the proxy as `this`, at its call site.
    if (!Object.hasOwn(this.target, key)) return Reflect.get(this.target, key);
    return this.through(key, this.source[key]);
  }

  set(_target: object, key: string | symbol, value: unknown): boolean {
    if (this.isArray && key === 'length') {
      const length = Number(value);
      if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH)
        throw new RangeError('Invalid array length');
      // Elements past a shorter length are gone, the proxy's own ones too.
      for (const k of [...this.own.keys()])
        if (typeof k === 'string' && isArrayIndex(k) && Number(k) >= length) this.own.delete(k);
      this.own.set('length', length);
    } else {
      if (!this.hasOwnKey(key) && !this.added.includes(key as string)) this.added.push(key as string);
      this.own.set(key, value);
      if (this.isArray && typeof key === 'string' && isArrayIndex(key) && Number(key) >= this.length()) {
        this.own.set('length', Number(key) + 1);
      }
    }
    this.written();
    return true;
  }

  deleteProperty(_target: object, key: string | symbol): boolean {
    if (this.isArray && key === 'length') return false;
    if (this.hasOwnKey(key)) {
      this.own.set(key, DELETED);
      this.written();
    }
    return true;
  }

  has(_target: object, key: string | symbol): boolean {
    if (this.own.has(key) && !this.cut(key))
      return this.own.get(key) !== DELETED || key in (Object.getPrototypeOf(this.target) ?? {});
    if (this.cut(key)) return false;
    return key in this.target;
  }

  /** Whether `key` is an own property of the proxy: its own value, or the target's not deleted. */
  private hasOwnKey(key: string | symbol): boolean {
    if (this.cut(key)) return false;
    if (this.own.has(key)) return this.own.get(key) !== DELETED;
    return Object.hasOwn(this.target, key);
  }

  ownKeys(): (string | symbol)[] {
    const keys: (string | symbol)[] = [];
    for (const key of Reflect.ownKeys(this.target)) {
      if (key === 'length' && this.isArray) continue;
      if (
        this.hasOwnKey(key) &&
        (this.own.has(key) || Object.getOwnPropertyDescriptor(this.target, key)?.enumerable)
      ) {
        keys.push(key);
      }
    }
    for (const key of this.added) if (!keys.includes(key) && this.hasOwnKey(key)) keys.push(key);
    // Index keys first, ascending, as every object lists them.
    const indices = keys
      .filter((k) => typeof k === 'string' && isArrayIndex(k))
      .sort((a, b) => Number(a) - Number(b));
    const rest = keys.filter((k) => !(typeof k === 'string' && isArrayIndex(k)));
    return this.isArray ? [...indices, 'length', ...rest] : [...indices, ...rest];
  }

  getOwnPropertyDescriptor(target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (this.isArray && key === 'length') {
      return { value: this.length(), writable: true, enumerable: false, configurable: false };
    }
    if (!this.hasOwnKey(key)) return undefined;
    return {
      value: this.get(target, key, this.facade()),
      writable: true,
      enumerable: true,
      configurable: true,
    };
  }

  defineProperty(target: object, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    if ('get' in descriptor || 'set' in descriptor || !('value' in descriptor)) {
      throw new TypeError('cowshare: a cow() proxy holds data properties only');
    }
    return this.set(target, key, descriptor.value);
  }

  getPrototypeOf(): object | null {
    return Object.getPrototypeOf(this.target);
  }

  setPrototypeOf(): boolean {
    throw new TypeError('cowshare: the prototype of a cow() proxy cannot be changed');
  }

  preventExtensions(): boolean {
    throw new TypeError('cowshare: a cow() proxy cannot be frozen or sealed');
  }
}

const OBJECT_TARGET = { [INSPECT]: inspectObject };
const ARRAY_TARGET: unknown[] = Object.defineProperty([], INSPECT, {
  value: inspectArray,
  configurable: true,
});

/**
 * A Map or Set proxy: the Map and Set API over the target's entries and the proxy's own. Entries
 * iterate in the target's order (the proxy's values for keys it set), then the keys only the proxy
 * has, in the order it added them. After `clear()`, nothing of the target shows through.
 */
class LiveMap extends Live {
  private cleared = false;

  constructor(
    target: Map<unknown, unknown>,
    deep: boolean,
    place: Place | undefined,
    private readonly isSet: boolean,
  ) {
    super(target, deep, place);
  }

  /** A Set's face: made once, so that the proxy is one object. */
  private setFacade: LiveSet | undefined;

  facade(): object {
    if (!this.isSet) return this;
    this.setFacade ??= new LiveSet(this);
    return this.setFacade;
  }

  private get source(): Map<unknown, unknown> {
    return this.target as Map<unknown, unknown>;
  }

  private fromTarget(key: unknown): boolean {
    return !this.cleared && this.source.has(key);
  }

  get size(): number {
    let size = 0;
    for (const _ of this.keys()) size++;
    return size;
  }

  has(key: unknown): boolean {
    if (this.own.has(key)) return this.own.get(key) !== DELETED;
    return this.fromTarget(key);
  }

  get(key: unknown): unknown {
    if (this.own.has(key)) {
      const value = this.own.get(key);
      return value === DELETED ? undefined : value;
    }
    if (!this.fromTarget(key)) return undefined;
    return this.isSet ? key : this.through(key, this.source.get(key));
  }

  set(key: unknown, value: unknown): this {
    this.own.set(key === 0 ? 0 : key, value);
    this.written();
    return this;
  }

  delete(key: unknown): boolean {
    if (!this.has(key)) return false;
    this.own.set(key, DELETED);
    this.written();
    return true;
  }

  clear(): void {
    this.own.clear();
    this.cleared = true;
    this.written();
  }

  *keys(): MapIterator<unknown> {
    if (!this.cleared) for (const key of this.source.keys()) if (this.has(key)) yield key;
    for (const [key, value] of this.own) if (value !== DELETED && !this.fromTarget(key)) yield key;
  }

  *values(): MapIterator<unknown> {
    for (const key of this.keys()) yield this.get(key);
  }

  *entries(): MapIterator<[unknown, unknown]> {
    for (const key of this.keys()) yield [key, this.get(key)];
  }

  [Symbol.iterator](): MapIterator<[unknown, unknown]> {
    return this.entries();
  }

  forEach(callback: (value: unknown, key: unknown, map: unknown) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  toJSON(): object {
    return {};
  }
}

/** The Set face of a LiveMap whose values are its keys. */
class LiveSet {
  readonly #map: LiveMap;

  constructor(map: LiveMap) {
    this.#map = map;
  }

  get size(): number {
    return this.#map.size;
  }

  has(value: unknown): boolean {
    return this.#map.has(value);
  }

  add(value: unknown): this {
    if (!this.#map.has(value)) this.#map.set(value, value);
    return this;
  }

  delete(value: unknown): boolean {
    return this.#map.delete(value);
  }

  clear(): void {
    this.#map.clear();
  }

  values(): SetIterator<unknown> {
    return this.#map.keys();
  }

  keys(): SetIterator<unknown> {
    return this.#map.keys();
  }

  *entries(): SetIterator<[unknown, unknown]> {
    for (const value of this.#map.keys()) yield [value, value];
  }

  [Symbol.iterator](): SetIterator<unknown> {
    return this.#map.keys();
  }

  forEach(callback: (value: unknown, key: unknown, set: unknown) => void, thisArg?: unknown): void {
    for (const value of this.#map.keys()) callback.call(thisArg, value, value, this);
  }

  get [Symbol.toStringTag](): string {
    return 'Set';
  }

  toJSON(): object {
    return {};
  }
}

for (const [proto, kind] of [
  [LiveMap.prototype, 'Map'],
  [LiveSet.prototype, 'Set'],
] as const) {
  Object.defineProperty(proto, INSPECT, { value: inspectKeyed });
  // Not real Maps and Sets: `pack` walks them as what they show (their fields are internals).
  Object.defineProperty(proto, PACK_AS, { value: kind });
}
