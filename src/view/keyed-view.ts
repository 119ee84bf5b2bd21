import { corrupt, readOnly } from '../errors.js';
import { hashIndexWords } from '../format/hash.js';
import { KeyedDelta } from '../format/keyed-delta.js';
import { DELTA_STRIDE, KIND_MASK, Kind } from '../format/layout.js';
import { NODE, type NodeRef, PACK_AS } from '../format/node-ref.js';
import { type Address, type Reader, segmentOfAddress } from '../format/reader.js';
import { readSlot } from './decode.js';
import { INSPECT, inspectKeyed } from './inspect.js';
import { findKey } from './lookup.js';

/** Makes the value a reader sees from a raw slot stored in `segment` (a draft's, see `showItem`). */
export type SlotShow = (reader: Reader, segment: number, slot: number) => unknown;

/** Which part of an entry an iterator yields. */
export enum Part {
  Key = 0,
  Value = 1,
  Entry = 2,
}

/**
 * The layout shared by MAP and SET nodes: `size` entries of `stride` slots from word `first`, then a hash
 * index when size ≥ HASH_MIN. Checked against the segment once, when the view is made. The state is
 * private, so that, as with a native Map, a view has no own enumerable properties.
 *
 * A view of a KEYED_DELTA (a Map or Set a layer changed, keyed-delta.ts) reads its base node's layout
 * here and the changes through `#delta`. Entries are then found by virtual index: `span` indices, of
 * which the `live` ones hold the `size` entries, in iteration order. Without a delta every index is
 * live and `span` is `size`.
 */
export abstract class KeyedView {
  readonly #reader: Reader;
  readonly #address: Address;
  /** Entries of the MAP or SET node read (a delta's base). */
  readonly #count: number;
  readonly #stride: number;
  /** Segment of that node; its slots are interpreted there. */
  readonly #segment: number;
  /** Word index of the first entry. */
  readonly #first: number;
  /** Word index of the hash index's capacity word, or -1 when there is none. */
  readonly #hashAt: number;
  readonly #delta: KeyedDelta | undefined;

  /** `known`: the KEYED_DELTA at `address`, when the caller has read it already. */
  constructor(reader: Reader, address: Address, stride: number, known?: KeyedDelta) {
    const delta =
      known ??
      ((reader.header(address) & KIND_MASK) === Kind.KeyedDelta
        ? new KeyedDelta(reader, address)
        : undefined);
    const node = delta === undefined ? address : delta.base;
    const size = reader.count(node);
    this.#first = reader.need(node, stride * size + hashIndexWords(size));
    this.#reader = reader;
    this.#address = address;
    this.#count = size;
    this.#stride = stride;
    this.#segment = segmentOfAddress(node);
    this.#hashAt = reader.hashIndex(node, this.#first + stride * size, size);
    this.#delta = delta;
    if (delta !== undefined && (delta.baseKind === Kind.Map) !== (stride === 2)) {
      throw corrupt(reader.where(address), 'a delta of another kind');
    }
  }

  get size(): number {
    return this.#delta === undefined ? this.#count : this.#delta.size;
  }

  /** How many entry indices there are (more than `size` when a delta deletes base entries). */
  get span(): number {
    return this.#delta === undefined ? this.#count : this.#delta.span;
  }

  /** The MAP or SET node whose entries the view reads: its own, or its delta's base. */
  get baseNode(): Address {
    return this.#delta === undefined ? this.#address : this.#delta.base;
  }

  /** The changes a KEYED_DELTA makes to `baseNode`, when the view reads one. */
  get delta(): KeyedDelta | undefined {
    return this.#delta;
  }

  /** Whether index `i` (below `span`) holds an entry. */
  live(i: number): boolean {
    return this.#delta === undefined || this.#delta.live(i);
  }

  get [NODE](): NodeRef {
    return { reader: this.#reader, address: this.#address };
  }

  /** The index of the entry whose key is `key`, or -1. */
  protected find(key: unknown): number {
    const delta = this.#delta;
    if (delta !== undefined) {
      // The delta's entries first: a key it holds is changed, added or deleted there.
      const e = findKey(
        this.#reader,
        delta.address,
        delta.first,
        DELTA_STRIDE,
        delta.count,
        delta.hashAt,
        key,
      );
      if (e >= 0) return delta.indexOfEntry(e);
    }
    const node = delta === undefined ? this.#address : delta.base;
    return findKey(this.#reader, node, this.#first, this.#stride, this.#count, this.#hashAt, key);
  }

  /** Entry `i`'s key (its first slot) or value (its last slot: the key again for a Set). */
  item(i: number, part: Part.Key | Part.Value): unknown {
    return this.showItem(i, readSlot, part);
  }

  /**
   * Entry `i`'s value (or a Set's member; its key, for `Part.Key`) as `show` makes it from the raw
   * slot: for drafts, which find the draft of a node they already have without decoding a view of it.
   */
  showItem(i: number, show: SlotShow, part: Part.Key | Part.Value = Part.Value): unknown {
    const value = part === Part.Value && this.#stride === 2;
    const delta = this.#delta;
    const word = delta === undefined ? -1 : delta.wordAt(i, value ? 1 : 0);
    if (word >= 0) return show(this.#reader, delta!.segment, this.#reader.words[delta!.segment]![word]!);
    const at = this.#first + this.#stride * i + (value ? 1 : 0);
    return show(this.#reader, this.#segment, this.#reader.words[this.#segment]![at]!);
  }

  /**
   * For cursors (cursor.ts), which read every entry's value slot in turn: the segment and first word
   * of the entries, and the words per entry, or undefined for a view of a KEYED_DELTA (whose entries
   * are read through `showItem`). Entry `i`'s value (a Set's member) is in its last word.
   */
  get entrySlots(): { segment: number; first: number; stride: number } | undefined {
    if (this.#delta !== undefined) return undefined;
    return { segment: this.#segment, first: this.#first, stride: this.#stride };
  }

  /** The index of the entry of `key`, or -1. */
  indexOf(key: unknown): number {
    return this.find(key);
  }

  /** As `JSON.stringify` shows a native Map or Set. */
  toJSON(): object {
    return {};
  }
}

Object.defineProperty(KeyedView.prototype, INSPECT, { value: inspectKeyed });

/** Iterates a keyed view's keys, values or entries; a plain object with `next`, cheaper than a generator. */
class KeyedIterator<T> implements IterableIterator<T> {
  private i = 0;

  constructor(
    private readonly view: KeyedView,
    private readonly part: Part,
  ) {}

  next(): IteratorResult<T, undefined> {
    let i = this.i;
    const span = this.view.span;
    while (i < span && !this.view.live(i)) i++;
    if (i >= span) return { done: true, value: undefined };
    this.i = i + 1;
    const value =
      this.part === Part.Entry
        ? [this.view.item(i, Part.Key), this.view.item(i, Part.Value)]
        : this.view.item(i, this.part);
    return { done: false, value: value as T };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** A read-only Map over a MAP node: lookups use the image's hash index and decode only what they return. */
export class MapView<K = unknown, V = unknown> extends KeyedView implements ReadonlyMap<K, V> {
  constructor(reader: Reader, address: Address, delta?: KeyedDelta) {
    super(reader, address, 2, delta);
  }

  get [PACK_AS](): 'Map' {
    return 'Map';
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  get(key: K): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : (this.item(i, Part.Value) as V);
  }

  has(key: K): boolean {
    return this.find(key) >= 0;
  }

  keys(): MapIterator<K> {
    return new KeyedIterator<K>(this, Part.Key) as unknown as MapIterator<K>;
  }

  values(): MapIterator<V> {
    return new KeyedIterator<V>(this, Part.Value) as unknown as MapIterator<V>;
  }

  entries(): MapIterator<[K, V]> {
    return new KeyedIterator<[K, V]>(this, Part.Entry) as unknown as MapIterator<[K, V]>;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.span; i++) {
      if (this.live(i))
        callback.call(thisArg, this.item(i, Part.Value) as V, this.item(i, Part.Key) as K, this);
    }
  }

  set(): never {
    throw readOnly('a shared Map');
  }
  delete(): never {
    throw readOnly('a shared Map');
  }
  clear(): never {
    throw readOnly('a shared Map');
  }
}

/** A read-only Set over a SET node. */
export class SetView<T = unknown> extends KeyedView implements ReadonlySet<T> {
  constructor(reader: Reader, address: Address, delta?: KeyedDelta) {
    super(reader, address, 1, delta);
  }

  get [PACK_AS](): 'Set' {
    return 'Set';
  }

  get [Symbol.toStringTag](): string {
    return 'Set';
  }

  has(value: T): boolean {
    return this.find(value) >= 0;
  }

  values(): SetIterator<T> {
    return new KeyedIterator<T>(this, Part.Value) as unknown as SetIterator<T>;
  }

  keys(): SetIterator<T> {
    return this.values();
  }

  entries(): SetIterator<[T, T]> {
    return new KeyedIterator<[T, T]>(this, Part.Entry) as unknown as SetIterator<[T, T]>;
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.span; i++) {
      if (!this.live(i)) continue;
      const value = this.item(i, Part.Value) as T;
      callback.call(thisArg, value, value, this);
    }
  }

  add(): never {
    throw readOnly('a shared Set');
  }
  delete(): never {
    throw readOnly('a shared Set');
  }
  clear(): never {
    throw readOnly('a shared Set');
  }
}
