import { corrupt } from '../errors.js';
import { ArrayDelta } from '../format/array-delta.js';
import { isExtraKey } from '../format/array-index.js';
import { KeyedDelta } from '../format/keyed-delta.js';
import { Const, constantSlot, KIND_MASK, Kind, VIEW_TYPES } from '../format/layout.js';
import { nodeOf } from '../format/node-ref.js';
import { type Address, type Reader, segmentOfAddress } from '../format/reader.js';
import { sparseExtras } from './array-view.js';
import { decodeBuiltin, errorCause } from './decode.js';
import { MapView, Part, SetView } from './keyed-view.js';
import type { Unshared } from './shared.js';

const HOLE = constantSlot(Const.Hole);

/**
 * A deep plain copy of a view, equal to `structuredClone` of the packed value: every node is decoded
 * once, so shared references and cycles come out shared and cyclic. Values that are not views are
 * returned as they are.
 */
export function toJS<S>(value: S): Unshared<S> {
  const node = nodeOf(value);
  if (node === undefined) return value as Unshared<S>;
  return new Copier(node.reader).node(node.address) as Unshared<S>;
}

/**
 * `toJSON` of object and array views (and records): their plain copy, which JSON.stringify then
 * writes as it writes the native value. Views are not identity-stable — every read makes a new one —
 * so JSON.stringify could not see a cycle through them (it recursed until the stack overflowed); in
 * the copy, a cycle is a cycle, and throws its own TypeError. A packed property named `toJSON` is
 * data and wins over this.
 */
export function viewToJSON(this: unknown): unknown {
  return toJS(this);
}

/**
 * One deep copy: the memo maps node addresses to the copies made so far. The copy recurses once per
 * level of nesting through `node` and one small method per container kind, which resolve their slots
 * inline; small frames let it go as deep as `structuredClone`.
 */
class Copier {
  private readonly memo = new Map<Address, unknown>();

  constructor(private readonly reader: Reader) {}

  /** The copy of the value in `slot`, stored in `segment`. */
  private value(segment: number, slot: number): unknown {
    const address = this.reader.slotAddress(segment, slot);
    return address < 0 ? this.reader.immediate(slot) : this.node(address);
  }

  node(address: Address): unknown {
    const known = this.memo.get(address);
    if (known !== undefined) return known;
    const reader = this.reader;
    const kind = reader.header(address) & KIND_MASK;
    switch (kind) {
      case Kind.Object:
        return this.object(address);
      case Kind.Dict:
        return this.dict(address);
      case Kind.Array:
        return this.array(address);
      case Kind.SparseArray:
        return this.sparseArray(address);
      case Kind.ArrayDelta:
        return this.changedArray(address);
      case Kind.KeyedDelta:
        return this.changedKeyed(address);
      case Kind.Map:
        return this.map(address);
      case Kind.Set:
        return this.set(address);
      case Kind.TypedArray:
        return this.typedArray(address);
      case Kind.Error:
        return this.error(address);
      case Kind.StringAscii:
      case Kind.StringUtf16:
        return reader.string(address);
      case Kind.Float64:
        return reader.float(address);
      case Kind.BigIntPositive:
      case Kind.BigIntNegative:
        return reader.bigint(address, kind === Kind.BigIntNegative);
      default: {
        const value = decodeBuiltin(reader, address, kind);
        this.memo.set(address, value);
        return value;
      }
    }
  }

  private object(address: Address): object {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const shape = reader.shape(reader.count(address), segment);
    const first = reader.need(address, shape.count);
    const result: Record<string, unknown> = {};
    this.memo.set(address, result);
    const words = reader.words[segment]!;
    const keys = shape.keys();
    for (let i = 0; i < keys.length; i++) {
      const slot = words[first + i]!;
      const at = reader.slotAddress(segment, slot);
      setData(result, keys[i]!, at < 0 ? reader.immediate(slot) : this.node(at));
    }
    return result;
  }

  private dict(address: Address): object {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const count = reader.count(address);
    const first = reader.need(address, 2 * count);
    const result: Record<string, unknown> = {};
    this.memo.set(address, result);
    const words = reader.words[segment]!;
    for (let i = 0; i < count; i++) {
      const key = reader.keyString(segment, words[first + 2 * i]!, address);
      setData(result, key, this.value(segment, words[first + 2 * i + 1]!));
    }
    return result;
  }

  private array(address: Address): unknown[] {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const length = reader.count(address);
    const first = reader.need(address, length);
    const result = new Array<unknown>(length);
    this.memo.set(address, result);
    const words = reader.words[segment]!;
    for (let i = 0; i < length; i++) {
      const slot = words[first + i]!;
      if (slot === HOLE) continue;
      const at = reader.slotAddress(segment, slot);
      result[i] = at < 0 ? reader.immediate(slot) : this.node(at);
    }
    return result;
  }

  /** An array a layer changed (an ARRAY_DELTA): its elements from the base's slots and its own. */
  private changedArray(address: Address): unknown[] {
    const delta = new ArrayDelta(this.reader, address);
    const result: unknown[] = [];
    this.memo.set(address, result);
    result.length = delta.length;
    delta.forEachElement((i, segment, slot) => {
      result[i] = this.value(segment, slot);
    });
    return result;
  }

  private sparseArray(address: Address): unknown[] {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const count = reader.count(address);
    const body = reader.need(address, 2 + 2 * count);
    const words = reader.words[segment]!;
    const result: unknown[] = [];
    this.memo.set(address, result);
    result.length = words[body]!;
    for (let k = 0; k < count; k++) {
      const index = words[body + 2 + 2 * k]!;
      if (index >= result.length) throw corrupt(reader.where(address), 'index past the length');
      result[index] = this.value(segment, words[body + 3 + 2 * k]!);
    }
    const extras = sparseExtras(reader, address, words[body + 1]!);
    if (extras >= 0) {
      const properties = this.node(extras) as Record<string, unknown>;
      for (const key of Object.keys(properties)) {
        if (!isExtraKey(key)) throw corrupt(reader.where(address), 'bad extras');
        Object.defineProperty(result, key, {
          value: properties[key],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return result;
  }

  private map(address: Address): Map<unknown, unknown> {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const count = reader.count(address);
    const first = reader.need(address, 2 * count);
    const result = new Map<unknown, unknown>();
    this.memo.set(address, result);
    const words = reader.words[segment]!;
    for (let i = 0; i < count; i++) {
      result.set(this.value(segment, words[first + 2 * i]!), this.value(segment, words[first + 2 * i + 1]!));
    }
    return result;
  }

  private set(address: Address): Set<unknown> {
    const reader = this.reader;
    const segment = segmentOfAddress(address);
    const count = reader.count(address);
    const first = reader.need(address, count);
    const result = new Set<unknown>();
    this.memo.set(address, result);
    const words = reader.words[segment]!;
    for (let i = 0; i < count; i++) result.add(this.value(segment, words[first + i]!));
    return result;
  }

  /**
   * A Map, Set or wide object a layer changed (a KEYED_DELTA): its base's entries in order, with the
   * delta's changes, then the entries it appends.
   */
  private changedKeyed(address: Address): object {
    const delta = new KeyedDelta(this.reader, address);
    if (delta.baseKind === Kind.Dict) return this.changedDict(address, delta);
    const copy = (_reader: Reader, segment: number, slot: number) => this.value(segment, slot);
    if (delta.baseKind === Kind.Set) {
      const view = new SetView(this.reader, address, delta);
      const result = new Set<unknown>();
      this.memo.set(address, result);
      for (let i = 0; i < view.span; i++) if (view.live(i)) result.add(view.showItem(i, copy));
      return result;
    }
    const view = new MapView(this.reader, address, delta);
    const result = new Map<unknown, unknown>();
    this.memo.set(address, result);
    for (let i = 0; i < view.span; i++) {
      if (view.live(i)) result.set(view.showItem(i, copy, Part.Key), view.showItem(i, copy));
    }
    return result;
  }

  private changedDict(address: Address, delta: KeyedDelta): object {
    const reader = this.reader;
    const base = delta.base;
    const baseSegment = segmentOfAddress(base);
    const first = reader.need(base, 2 * delta.baseCount);
    const result: Record<string, unknown> = {};
    this.memo.set(address, result);
    for (let i = 0; i < delta.span; i++) {
      if (!delta.live(i)) continue;
      const changed = delta.wordAt(i, 0);
      const [segment, word] = changed >= 0 ? [delta.segment, changed] : [baseSegment, first + 2 * i];
      const words = reader.words[segment]!;
      setData(
        result,
        reader.keyString(segment, words[word]!, address),
        this.value(segment, words[word + 1]!),
      );
    }
    return result;
  }

  /** A copy of the whole buffer, shared by every view of it, as structuredClone does. */
  private typedArray(address: Address): ArrayBufferView {
    const { type, buffer, byteOffset, length, tracking } = this.reader.typedArray(address);
    const View = VIEW_TYPES[type] as Uint8ArrayConstructor;
    const copy = this.node(buffer) as ArrayBuffer;
    const result = tracking ? trackingView(View, copy, byteOffset) : new View(copy, byteOffset, length);
    this.memo.set(address, result);
    return result;
  }

  private error(address: Address): Error {
    const result = decodeBuiltin(this.reader, address, Kind.Error) as Error;
    this.memo.set(address, result);
    // Set after the memo entry exists: the cause may lead back to this error.
    const cause = errorCause(this.reader, address);
    if (cause !== undefined) {
      Object.defineProperty(result, 'cause', {
        value: this.value(segmentOfAddress(address), cause),
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
}

/**
 * A view made without a length, so that it follows its resizable buffer's resizes. V8 refuses to make
 * one over a buffer whose length is not a multiple of the element size (the language allows it, and
 * a resize reaches it): the copy is resized to the next multiple and back around the construction.
 * (Shared buffers cannot shrink back, and their tracking views reach exactly a multiple: reader.ts.)
 */
function trackingView(View: Uint8ArrayConstructor, buffer: ArrayBuffer, byteOffset: number): ArrayBufferView {
  const size = View.BYTES_PER_ELEMENT ?? 1;
  const length = buffer.byteLength;
  const extra = length % size;
  if (extra === 0 || buffer instanceof SharedArrayBuffer) return new View(buffer, byteOffset);
  if (length - extra + size <= buffer.maxByteLength) {
    buffer.resize(length - extra + size);
    const view = new View(buffer, byteOffset);
    buffer.resize(length);
    return view;
  }
  const tail = new Uint8Array(buffer, length - extra).slice();
  buffer.resize(length - extra);
  const view = new View(buffer, byteOffset);
  buffer.resize(length);
  new Uint8Array(buffer, length - extra).set(tail);
  return view;
}

/**
 * Sets a data property on a plain object. `__proto__` is the one key whose assignment would not make
 * data (it is an accessor of Object.prototype): it is defined instead.
 */
function setData(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}
