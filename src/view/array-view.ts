import { corrupt, readOnly } from '../errors.js';
import { ArrayDelta } from '../format/array-delta.js';
import { arrayIndex, isExtraKey } from '../format/array-index.js';
import { Const, constantSlot, KIND_MASK, Kind } from '../format/layout.js';
import { NODE, type NodeRef } from '../format/node-ref.js';
import { type Address, type Reader, segmentOfAddress } from '../format/reader.js';
import { readSlot } from './decode.js';
import { INSPECT, inspectArray } from './inspect.js';
import { type Layout, layoutOf } from './object-layout.js';
import { viewToJSON } from './to-js.js';

const HOLE = constantSlot(Const.Hole);
/** What `extra` returns for a name that is not a non-index property. */
export const NO_EXTRA: unique symbol = Symbol('no extra');
/** Marks "no element here" (a hole, or past the end); never a valid slot, since slot 0 is invalid. */
const NONE = 0;

/**
 * The facade shared by ARRAY and SPARSE_ARRAY views: a Proxy over one shared empty array, so that
 * `Array.isArray` holds and Array.prototype's non-mutating methods work through the traps. Subclasses
 * say where element `i` is and which indices exist.
 */
export abstract class ArrayHandler implements ProxyHandler<unknown[]>, NodeRef {
  /** The segment the node is in: its slots are interpreted there. */
  readonly segment: number;
  abstract readonly length: number;

  constructor(
    readonly reader: Reader,
    readonly address: Address,
  ) {
    this.segment = segmentOfAddress(address);
  }

  /** The slot of element `i`, or NONE for a hole. `i` is below `length`. */
  protected abstract slotAt(i: number): number;
  /** The indices that hold an element, ascending. */
  abstract indices(): Iterable<number>;
  /** The value of the non-index property `key`, or NO_EXTRA. Public, like the two below, for drafts. */
  extra(_key: string): unknown {
    return NO_EXTRA;
  }
  /** The names of the non-index properties. */
  extraKeys(): readonly string[] {
    return [];
  }

  /**
   * Whether the node holds a slot for every index below `length` (an ARRAY): walking the indices
   * one by one is then cheaper than `indices()`. A sparse array's length can be 2^32 − 1.
   */
  get dense(): boolean {
    return false;
  }

  /** Whether element `i` exists: below `length` and not a hole. */
  hasElement(i: number): boolean {
    return i < this.length && this.slotAt(i) !== NONE;
  }

  /**
   * The raw slot of element `i` (below `length`), or 0 for a hole: for drafts, which find the draft of
   * a node they have by its address, without decoding a view of it.
   */
  elementSlot(i: number): number {
    return this.slotAt(i);
  }

  /** The segment element `i`'s slot is interpreted in (a delta's elements come from two). */
  elementSegment(_i: number): number {
    return this.segment;
  }

  /**
   * Array.prototype.join (or toLocaleString, `locale`) of the view, over the elements that exist: a
   * sparse view of length 2^32 − 1 costs its elements, as a native sparse array does, and fails as
   * one does when the string would be too long. A view that is being joined already, further out —
   * a cycle — joins as '', as a native array does; the engine tells that by identity, which views do
   * not keep, so it is told here by node.
   */
  joined(separator: string, locale: boolean): string {
    if (joining.some((h) => h.address === this.address && h.reader === this.reader)) return '';
    joining.push(this);
    try {
      let s = '';
      let separators = 0; // written so far: element i follows i of them
      const pad = (upTo: number) => {
        if (s.length + (upTo - separators) * separator.length > MAX_STRING_LENGTH)
          throw new RangeError('Invalid string length');
        s += separator.repeat(upTo - separators);
        separators = upTo;
      };
      for (const i of this.indices()) {
        const e = this.element(i);
        if (e === undefined || e === null) continue;
        pad(i);
        s += locale ? String((e as { toLocaleString(): unknown }).toLocaleString()) : String(e);
      }
      if (this.length > 0) pad(this.length - 1);
      return s;
    } finally {
      joining.pop();
    }
  }

  element(i: number): unknown {
    if (i >= this.length) return undefined;
    const slot = this.slotAt(i);
    return slot === NONE ? undefined : readSlot(this.reader, this.elementSegment(i), slot);
  }

  get(_target: unknown[], key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const i = arrayIndex(key);
      if (i >= 0) return this.element(i);
      if (key === 'length') return this.length;
      const extra = this.extra(key);
      if (extra !== NO_EXTRA) return extra;
      // Walks that stop at cycles by identity, which views do not have (`joined`, to-js.ts).
      if (key === 'join') return viewJoin;
      if (key === 'toLocaleString') return viewToLocaleString;
      if (key === 'toJSON') return viewToJSON;
    } else if (key === Symbol.iterator) return values;
    else if (key === NODE) return this;
    return Reflect.get(Array.prototype, key, receiver);
  }

  has(_target: unknown[], key: string | symbol): boolean {
    if (typeof key === 'string') {
      const i = arrayIndex(key);
      if (i >= 0) return this.hasElement(i);
      if (key === 'length' || this.extra(key) !== NO_EXTRA) return true;
    }
    return key in Array.prototype;
  }

  ownKeys(): string[] {
    const keys: string[] = [];
    for (const i of this.indices()) keys.push(String(i));
    keys.push('length', ...this.extraKeys());
    return keys;
  }

  getOwnPropertyDescriptor(_target: unknown[], key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    // `length` is non-configurable on the target, so it must be reported so; writable as on the target.
    if (key === 'length')
      return { value: this.length, writable: true, enumerable: false, configurable: false };
    const i = arrayIndex(key);
    if (i >= 0) {
      if (i >= this.length || this.slotAt(i) === NONE) return undefined;
      return { value: this.element(i), writable: false, enumerable: true, configurable: true };
    }
    const value = this.extra(key);
    if (value === NO_EXTRA) return undefined;
    return { value, writable: false, enumerable: true, configurable: true };
  }

  getPrototypeOf(): object {
    return Array.prototype;
  }

  set(): boolean {
    throw readOnly('a shared array');
  }
  defineProperty(): boolean {
    throw readOnly('a shared array');
  }
  deleteProperty(): boolean {
    throw readOnly('a shared array');
  }
  setPrototypeOf(): boolean {
    throw readOnly('a shared array');
  }
  preventExtensions(): boolean {
    throw readOnly('a shared array');
  }
}

/** `view[Symbol.iterator]`: iterates elements (holes as undefined) without going through the traps. */
function values(this: unknown): IterableIterator<unknown> {
  const handler = (this as { [NODE]?: unknown })[NODE];
  if (handler instanceof ArrayHandler) return new ElementIterator(handler);
  return Array.prototype.values.call(this as unknown[]);
}

/**
 * Iterates the elements of anything with a `length` and an `element(i)` (holes as undefined): an
 * array view's handler, or an array draft (src/cow/array-draft.ts).
 */
export class ElementIterator implements IterableIterator<unknown> {
  private i = 0;

  constructor(private readonly source: { readonly length: number; element(i: number): unknown }) {}

  next(): IteratorResult<unknown, undefined> {
    const i = this.i;
    if (i >= this.source.length) return { done: true, value: undefined };
    this.i = i + 1;
    return { done: false, value: this.source.element(i) };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

class DenseHandler extends ArrayHandler {
  readonly length: number;
  private readonly first: number;

  constructor(reader: Reader, address: Address) {
    super(reader, address);
    this.length = reader.count(address);
    this.first = reader.need(address, this.length);
  }

  protected slotAt(i: number): number {
    const slot = this.reader.words[this.segment]![this.first + i]!;
    return slot === HOLE ? NONE : slot;
  }

  override get dense(): boolean {
    return true;
  }

  *indices(): Iterable<number> {
    for (let i = 0; i < this.length; i++) if (this.slotAt(i) !== NONE) yield i;
  }
}

/** V8's longest string: a join that would be longer is a RangeError, as it is natively. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;
/** The array views being joined, innermost last. */
const joining: ArrayHandler[] = [];

/** The handler of an array view `self`, or undefined (a method taken off a view and called elsewhere). */
function handlerOf(self: unknown): ArrayHandler | undefined {
  const node = typeof self === 'object' && self !== null ? (self as { [NODE]?: unknown })[NODE] : undefined;
  return node instanceof ArrayHandler ? node : undefined;
}

function viewJoin(this: unknown, separator?: unknown): string {
  const handler = handlerOf(this);
  if (handler === undefined) return Array.prototype.join.call(this, separator as string);
  return handler.joined(separator === undefined ? ',' : String(separator), false);
}

function viewToLocaleString(this: unknown): string {
  const handler = handlerOf(this);
  if (handler === undefined) return Reflect.apply(Array.prototype.toLocaleString, this, []) as string;
  return handler.joined(',', true);
}

/**
 * The OBJECT or DICT node that holds the non-index properties of the SPARSE_ARRAY at `address` (its
 * extras slot is `slot`), or -1 when the slot is `undefined`: there are none.
 */
export function sparseExtras(reader: Reader, address: Address, slot: number): Address {
  const extras = reader.slotAddress(segmentOfAddress(address), slot);
  const kind = extras >= 0 ? reader.header(extras) & KIND_MASK : -1;
  // (A layer never changes them on their own: a KEYED_DELTA is no extras.)
  if (extras >= 0 ? kind !== Kind.Object && kind !== Kind.Dict : reader.immediate(slot) !== undefined)
    throw corrupt(reader.where(address), 'bad extras');
  return extras;
}

/** SPARSE_ARRAY: (index, slot) pairs in increasing index order, found by binary search. */
class SparseHandler extends ArrayHandler {
  readonly length: number;
  private readonly count: number;
  /** Word index of the first (index, slot) pair. */
  private readonly pairs: number;
  /**
   * The non-index properties: the shape and first slot of their OBJECT node, read directly (not
   * through an object view, which in record mode has no own keys), or undefined when there are none.
   */
  private readonly extras: { layout: Layout; segment: number } | undefined;

  constructor(reader: Reader, address: Address) {
    super(reader, address);
    this.count = reader.count(address);
    const body = reader.need(address, 2 + 2 * this.count);
    const words = reader.words[this.segment]!;
    this.length = words[body]!;
    this.pairs = body + 2;
    const extras = sparseExtras(reader, address, words[body + 1]!);
    if (extras >= 0) {
      this.extras = {
        layout: layoutOf(reader, extras, reader.header(extras)),
        segment: segmentOfAddress(extras),
      };
    }
    if (this.count > 0 && words[this.pairs + 2 * (this.count - 1)]! >= this.length) {
      throw corrupt(reader.where(address), 'index past the length');
    }
  }

  protected slotAt(i: number): number {
    const words = this.reader.words[this.segment]!;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const index = words[this.pairs + 2 * mid]!;
      if (index === i) return words[this.pairs + 2 * mid + 1]!;
      if (index < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return NONE;
  }

  *indices(): Iterable<number> {
    const words = this.reader.words[this.segment]!;
    let previous = -1;
    for (let k = 0; k < this.count; k++) {
      const index = words[this.pairs + 2 * k]!;
      // Ascending (verify checks it; a read must not list an index twice, a Proxy invariant).
      if (index <= previous) throw corrupt(this.reader.where(this.address), 'indices out of order');
      previous = index;
      yield index;
    }
  }

  override extra(key: string): unknown {
    const extras = this.extras;
    const i = extras === undefined ? -1 : extras.layout.keys.indexOf(key);
    if (i < 0) return NO_EXTRA;
    const { first, stride } = extras!.layout;
    const word = first + stride * i + stride - 1;
    return readSlot(this.reader, extras!.segment, this.reader.words[extras!.segment]![word]!);
  }

  override extraKeys(): readonly string[] {
    const keys = this.extras?.layout.keys.keys() ?? [];
    // An index or `length` among them would be listed twice by ownKeys (a Proxy invariant).
    if (!keys.every(isExtraKey)) throw corrupt(this.reader.where(this.address), 'bad extras');
    return keys;
  }
}

const TARGET: unknown[] = Object.defineProperty([], INSPECT, {
  value: inspectArray,
  // Configurable, or the Proxy invariants would make every ownKeys list it.
  configurable: true,
});

/** ARRAY_DELTA: an array a layer changed, as pieces over its base ARRAY (array-delta.ts). */
class ChangedHandler extends ArrayHandler {
  readonly length: number;
  private readonly delta: ArrayDelta;

  constructor(reader: Reader, address: Address) {
    super(reader, address);
    this.delta = new ArrayDelta(reader, address);
    this.length = this.delta.length;
  }

  protected slotAt(i: number): number {
    const slot = this.delta.slotOf(i);
    return slot === HOLE ? NONE : slot;
  }

  override elementSegment(i: number): number {
    return this.delta.segmentOf(i);
  }

  indices(): Iterable<number> {
    const present: number[] = [];
    this.delta.forEachElement((i) => present.push(i));
    return present;
  }
}

export function arrayView(reader: Reader, address: Address): readonly unknown[] {
  return new Proxy(TARGET, new DenseHandler(reader, address));
}

export function changedArrayView(reader: Reader, address: Address): readonly unknown[] {
  return new Proxy(TARGET, new ChangedHandler(reader, address));
}

export function sparseArrayView(reader: Reader, address: Address): readonly unknown[] {
  return new Proxy(TARGET, new SparseHandler(reader, address));
}
