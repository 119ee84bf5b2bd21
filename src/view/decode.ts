import { corrupt } from '../errors.js';
import { KeyedDelta } from '../format/keyed-delta.js';
import {
  Boxed,
  Const,
  constantSlot,
  ERROR_NAMES,
  KIND_MASK,
  Kind,
  NEAR_MASK,
  VIEW_TYPES,
} from '../format/layout.js';
import { NODE } from '../format/node-ref.js';
import { type Address, type Reader, segmentOfAddress } from '../format/reader.js';
import { arrayView, changedArrayView, sparseArrayView } from './array-view.js';
import { MapView, SetView } from './keyed-view.js';
import { objectView } from './object-view.js';

/**
 * The value a slot stored in `segment` holds: primitives as themselves, containers as lazy views
 * (Proxies for objects and arrays, classes for Maps and Sets), and the small built-ins (Date, RegExp,
 * Error, boxed primitives, ArrayBuffer) as fresh objects of their own type.
 */
export function decodeSlot(reader: Reader, segment: number, slot: number): unknown {
  const address = reader.slotAddress(segment, slot);
  return address < 0 ? reader.immediate(slot) : decodeNode(reader, address);
}

/**
 * `decodeSlot` with the commonest cases first, small enough for the engine to inline into a getter: a
 * small integer, or a near FLOAT64 (recognised by its whole header word) read in place. Everything else
 * goes through `decodeSlot`, which checks everything.
 */
export function readSlot(reader: Reader, segment: number, slot: number): unknown {
  if ((slot & 1) === 1) return slot >> 1;
  if ((slot & NEAR_MASK) === 0 && slot !== 0 && slot + 12 <= reader.lengths[segment]!) {
    if (reader.words[segment]![slot >>> 2] === Kind.Float64)
      return reader.views[segment]!.getFloat64(slot + 4, true);
  }
  return decodeSlot(reader, segment, slot);
}

/** The view of the node at `address`, or its value for a string, number or built-in. */
export function decodeNode(reader: Reader, address: Address): unknown {
  const header = reader.header(address);
  const kind = header & KIND_MASK;
  switch (kind) {
    case Kind.StringAscii:
    case Kind.StringUtf16:
      return reader.string(address, header);
    case Kind.Float64:
      return reader.float(address, header);
    case Kind.BigIntPositive:
    case Kind.BigIntNegative:
      return reader.bigint(address, kind === Kind.BigIntNegative);
    case Kind.Object:
    case Kind.Dict:
      return objectView(reader, address, header);
    case Kind.Array:
      return arrayView(reader, address);
    case Kind.SparseArray:
      return sparseArrayView(reader, address);
    case Kind.ArrayDelta:
      return changedArrayView(reader, address);
    case Kind.KeyedDelta: {
      // A Map, Set or wide object a layer changed: a view of its base's kind.
      const delta = new KeyedDelta(reader, address);
      if (delta.baseKind === Kind.Dict) return objectView(reader, address, header);
      return delta.baseKind === Kind.Map
        ? new MapView(reader, address, delta)
        : new SetView(reader, address, delta);
    }
    case Kind.Map:
      return new MapView(reader, address);
    case Kind.Set:
      return new SetView(reader, address);
    case Kind.Error:
      return tagged(errorView(reader, address), reader, address);
    default:
      return tagged(decodeBuiltin(reader, address, kind), reader, address);
  }
}

/** Marks a fresh built-in object with the node it came from, so it works as a Map key of its image. */
function tagged<T extends object>(value: T, reader: Reader, address: Address): T {
  Object.defineProperty(value, NODE, { value: { reader, address } });
  return value;
}

/** Date, RegExp, ArrayBuffer, typed arrays, Error and boxed primitives, as fresh untagged objects. */
export function decodeBuiltin(reader: Reader, address: Address, kind: number): object {
  const segment = segmentOfAddress(address);
  switch (kind) {
    case Kind.Date:
      return new Date(reader.float(address));
    case Kind.RegExp: {
      const body = reader.need(address, 2);
      const words = reader.words[segment]!;
      const source = reader.keyString(segment, words[body]!, address);
      const flags = reader.keyString(segment, words[body + 1]!, address);
      try {
        return new RegExp(source, flags);
      } catch {
        throw corrupt(reader.where(address), 'invalid regular expression');
      }
    }
    case Kind.ArrayBuffer: {
      const { bytes, start, length, shared, resizable, maxByteLength } = reader.arrayBuffer(address);
      const options = resizable ? { maxByteLength } : undefined;
      const copy = shared ? new SharedArrayBuffer(length, options) : new ArrayBuffer(length, options);
      new Uint8Array(copy).set(bytes.subarray(start, start + length));
      return copy;
    }
    case Kind.TypedArray:
      return typedArray(reader, address);
    case Kind.Error:
      return error(reader, address);
    case Kind.Boxed: {
      const body = reader.need(address, 1);
      const type = reader.count(address);
      const value = decodeSlot(reader, segment, reader.words[segment]![body]!);
      const expected = ['boolean', 'number', 'string', 'bigint'][type];
      if (typeof value !== expected || type > Boxed.BigInt)
        throw corrupt(reader.where(address), 'bad boxed value');
      return Object(value);
    }
    default:
      throw corrupt(reader.where(address), `kind 0x${kind.toString(16)} is not a value`);
  }
}

/** A zero-copy typed array or DataView over the image's own memory. */
function typedArray(reader: Reader, address: Address): ArrayBufferView {
  const { type, buffer, byteOffset, length } = reader.typedArray(address);
  const { bytes, start } = reader.arrayBuffer(buffer);
  return new (VIEW_TYPES[type] as Uint8ArrayConstructor)(bytes.buffer, start + byteOffset, length);
}

/**
 * An Error with the packed name, message and stack. Its cause is left to the caller: a view gives it a
 * lazy getter and `toJS` a deep copy, since a cause may lead back to the error itself.
 */
function error(reader: Reader, address: Address): Error {
  const segment = segmentOfAddress(address);
  const body = reader.need(address, 3);
  const type = reader.count(address);
  const name = ERROR_NAMES[type];
  if (name === undefined) throw corrupt(reader.where(address), `unknown error type ${type}`);
  const words = reader.words[segment]!;
  const result = new (globalThis[name] as ErrorConstructor)();
  const absent = constantSlot(Const.Absent);
  const message = words[body]!;
  const stack = words[body + 1]!;
  if (message !== absent) {
    Object.defineProperty(result, 'message', {
      value: reader.keyString(segment, message, address),
      writable: true,
      configurable: true,
    });
  }
  // Without a packed stack, an own undefined one as structuredClone gives, never this error's frames.
  Object.defineProperty(result, 'stack', {
    value: stack === absent ? undefined : reader.keyString(segment, stack, address),
    writable: true,
    configurable: true,
  });
  return result;
}

/** The slot of an ERROR node's cause, or undefined when it has none. */
export function errorCause(reader: Reader, address: Address): number | undefined {
  const body = reader.need(address, 3);
  const slot = reader.words[segmentOfAddress(address)]![body + 2]!;
  return slot === constantSlot(Const.Absent) ? undefined : slot;
}

/** An error view: its cause is read when it is asked for. */
function errorView(reader: Reader, address: Address): Error {
  const result = decodeBuiltin(reader, address, Kind.Error) as Error;
  const cause = errorCause(reader, address);
  if (cause !== undefined) {
    const segment = segmentOfAddress(address);
    Object.defineProperty(result, 'cause', {
      get: () => decodeSlot(reader, segment, cause),
      enumerable: false,
      configurable: true,
    });
  }
  return result;
}
