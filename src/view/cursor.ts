import { ESCAPE, INFO_SHIFT, KIND_MASK, Kind, NEAR_MASK } from '../format/layout.js';
import { NODE, PACK_AS } from '../format/node-ref.js';
import { addressOf, type Reader, type Shape, segmentOfAddress } from '../format/reader.js';
import { ArrayHandler } from './array-view.js';
import { decodeNode } from './decode.js';
import { KeyedView, Part } from './keyed-view.js';
import { movableRecord, moveRecord, RECORD_MAX_KEYS } from './record-view.js';

/**
 * The scan API: a cursor over every entry of a Map, Set or array, for loops that visit them all.
 * Iterating a view (`for (const [k, v] of map)`) makes, per entry, the key's string, the value's view
 * and the iterator's result objects — several times what a native Map's iteration costs, which hands
 * out objects that exist already. A cursor makes none of them unless they are read:
 *
 * ```ts
 * const c = cursor(map);
 * while (c.next()) total += c.value.score; // c.key is decoded only when read
 * ```
 *
 * An object value of at most RECORD_MAX_KEYS keys comes as a record (as `open`'s `objects: 'record'`
 * shows it: prototype getters, no own keys for `Object.keys` or spread), and the cursor reuses one
 * record per shape: the value is valid until the next `next()`, which points it at the next entry.
 * Keep what you read from it, or its `toJS` copy, not the record. Other values are what the view's
 * own reads give (primitives, fresh views). On a collection that is not a view of an image (a native
 * Map, a draft), a cursor walks its own iterator and gives its values as they are.
 */
export interface Cursor<K, V> {
  /** Moves to the next entry: false past the last (or when there is none). */
  next(): boolean;
  /** The current entry's key: a Map's key, a Set's member, an array's index. Decoded when read. */
  readonly key: K;
  /** The current entry's value (a Set's member). A record is reused by the next `next()`. */
  readonly value: V;
}

export function cursor<K, V>(map: ReadonlyMap<K, V>): Cursor<K, V>;
export function cursor<T>(set: ReadonlySet<T>): Cursor<T, T>;
export function cursor<T>(array: readonly T[]): Cursor<number, T>;
export function cursor(collection: unknown): Cursor<unknown, unknown> {
  if (collection instanceof KeyedView) return new KeyedCursor(collection);
  if (typeof collection === 'object' && collection !== null) {
    const node = (collection as { [NODE]?: unknown })[NODE];
    if (node instanceof ArrayHandler) return new ArrayCursor(node);
    const packAs = (collection as { [PACK_AS]?: unknown })[PACK_AS];
    if (collection instanceof Map || packAs === 'Map')
      return new IteratorCursor((collection as Map<unknown, unknown>).entries());
    if (collection instanceof Set || packAs === 'Set')
      return new IteratorCursor((collection as Set<unknown>).entries());
    if (Array.isArray(collection)) return new IteratorCursor(present(collection));
  }
  throw new TypeError(`cursor takes a Map, Set or array, got ${describe(collection)}`);
}

/**
 * Makes the values a cursor over one reader hands out: an OBJECT of a narrow shape as that shape's
 * movable record, pointed at the node; anything else as the view's own decoding makes it.
 */
class Values {
  /**
   * The OBJECT met last: its header word (never an escaped one, which does not name a shape; -1 for
   * none), its segment, its shape's key count and the record of that shape. An OBJECT's header word
   * names its shape, so entries of one shape skip the shape's lookup.
   */
  private header = -1;
  private segment = -1;
  private count = 0;
  private record: object | undefined;
  /** That segment's words and byte length, and whether `reader` resolves addresses through redirects. */
  private words: Uint32Array | undefined;
  private length = 0;
  private redirecting = true;
  private readonly records = new Map<Shape, object>();

  /** The value of a slot stored in `segment`. */
  of(reader: Reader, segment: number, slot: number): unknown {
    // The common case, checked as `Reader.header` and `Reader.need` check it: a near reference
    // (FORMAT.md §4), in the last OBJECT's segment, to an OBJECT of its shape.
    if ((slot & NEAR_MASK) === 0 && segment === this.segment && !this.redirecting) {
      const length = this.length;
      if (slot !== 0 && slot + 4 <= length && this.words![slot >>> 2] === this.header) {
        const first = (slot >>> 2) + 1;
        if ((first + this.count) * 4 <= length) {
          moveRecord(this.record!, addressOf(segment, slot), segment, first);
          return this.record;
        }
      }
    }
    return this.decode(reader, segment, slot);
  }

  /** A SlotShow (keyed-view.ts), for the entries of a delta. */
  readonly show = (reader: Reader, segment: number, slot: number): unknown => this.of(reader, segment, slot);

  private decode(reader: Reader, segment: number, slot: number): unknown {
    const address = reader.slotAddress(segment, slot);
    if (address < 0) return reader.immediate(slot);
    const header = reader.header(address);
    if ((header & KIND_MASK) !== Kind.Object) return decodeNode(reader, address);
    const at = segmentOfAddress(address);
    const shape = reader.shape(reader.count(address, header), at);
    if (shape.count > RECORD_MAX_KEYS) return decodeNode(reader, address);
    const first = reader.need(address, shape.count, header);
    const record = this.records.get(shape) ?? movableRecord(reader, shape);
    this.records.set(shape, record);
    this.header = header >>> INFO_SHIFT === ESCAPE ? -1 : header;
    this.segment = at;
    this.words = reader.words[at];
    this.length = reader.lengths[at]!;
    this.redirecting = reader.redirecting;
    this.count = shape.count;
    this.record = record;
    moveRecord(record, address, at, first);
    return record;
  }
}

const notOnEntry = () =>
  new TypeError('cursor: not on an entry (call next(), and read while it returns true)');

/** A cursor over a Map or Set view (or one a layer changed: its deleted entries are skipped). */
class KeyedCursor implements Cursor<unknown, unknown> {
  private i = -1;
  private readonly values = new Values();
  private readonly reader: Reader;
  /** Entry indices: `size`, or more with a delta (`KeyedView.span`). */
  private readonly span: number;
  /** Without a delta, entry `i`'s value slot is word `last + stride·i` of `segment` (-1: a delta). */
  private readonly segment: number;
  private readonly last: number;
  private readonly stride: number;

  constructor(private readonly view: KeyedView) {
    this.reader = view[NODE].reader;
    this.span = view.span;
    const slots = view.entrySlots;
    this.segment = slots === undefined ? -1 : slots.segment;
    this.last = slots === undefined ? 0 : slots.first + slots.stride - 1;
    this.stride = slots === undefined ? 0 : slots.stride;
  }

  next(): boolean {
    const span = this.span;
    let i = this.i + 1;
    if (this.segment < 0) while (i < span && !this.view.live(i)) i++;
    this.i = i < span ? i : span;
    return i < span;
  }

  get key(): unknown {
    if (this.i < 0 || this.i >= this.span) throw notOnEntry();
    return this.view.item(this.i, Part.Key);
  }

  get value(): unknown {
    const i = this.i;
    if (i < 0 || i >= this.span) throw notOnEntry();
    const segment = this.segment;
    if (segment < 0) return this.view.showItem(i, this.values.show, Part.Value);
    const reader = this.reader;
    return this.values.of(reader, segment, reader.words[segment]![this.last + this.stride * i]!);
  }
}

/** A cursor over an array view: its elements in index order, holes skipped (as `forEach` skips them). */
class ArrayCursor implements Cursor<number, unknown> {
  private i = -1;
  private readonly values = new Values();
  /** For arrays with few elements present (sparse, or changed by a layer): those indices, in order. */
  private readonly indices: Iterator<number> | undefined;

  constructor(private readonly array: ArrayHandler) {
    if (!array.dense) this.indices = array.indices()[Symbol.iterator]();
  }

  next(): boolean {
    const { array, indices } = this;
    const length = array.length;
    if (indices !== undefined) {
      const next = indices.next();
      this.i = next.done ? length : next.value;
    } else {
      let i = this.i + 1;
      while (i < length && !array.hasElement(i)) i++;
      this.i = Math.min(i, length);
    }
    return this.i < length;
  }

  get key(): number {
    if (this.i < 0 || this.i >= this.array.length) throw notOnEntry();
    return this.i;
  }

  get value(): unknown {
    const i = this.i;
    const array = this.array;
    if (i < 0 || i >= array.length) throw notOnEntry();
    return this.values.of(array.reader, array.elementSegment(i), array.elementSlot(i));
  }
}

/** A cursor over anything else's [key, value] pairs: a native Map, Set or array, a draft. */
class IteratorCursor implements Cursor<unknown, unknown> {
  private entry: readonly [unknown, unknown] | undefined;

  constructor(private readonly entries: Iterator<readonly [unknown, unknown]>) {}

  next(): boolean {
    const next = this.entries.next();
    this.entry = next.done ? undefined : next.value;
    return this.entry !== undefined;
  }

  get key(): unknown {
    if (this.entry === undefined) throw notOnEntry();
    return this.entry[0];
  }

  get value(): unknown {
    if (this.entry === undefined) throw notOnEntry();
    return this.entry[1];
  }
}

/** An array's present elements as [index, value], holes skipped. */
function* present(array: readonly unknown[]): Iterator<readonly [number, unknown]> {
  for (let i = 0; i < array.length; i++) if (i in array) yield [i, array[i]];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}
