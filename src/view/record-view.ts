import { readOnly } from '../errors.js';
import { NODE } from '../format/node-ref.js';
import { type Address, type Reader, type Shape, segmentOfAddress } from '../format/reader.js';
import { readSlot } from './decode.js';
import { INSPECT, inspectObject } from './inspect.js';
import { viewToJSON } from './to-js.js';

/**
 * Record views: `open(image, { objects: 'record' })`. One class per shape and reader, whose prototype
 * has a getter per key, shared by every view of that shape: a property read is an inlined prototype
 * getter, not a Proxy trap (about 0.4 ns against 25 ns, measured). The price: the keys are not own
 * properties, so `Object.keys` and spread see none. `in`, destructuring, `for…in` and `JSON.stringify`
 * work. Shapes wider than RECORD_MAX_KEYS stay facades (a class of thousands of getters buys nothing).
 */
export const RECORD_MAX_KEYS = 64;

// The node a record reads, in symbol-keyed fields: invisible to for…in, Object.keys and JSON.
const READER = Symbol('reader');
const ADDRESS = Symbol('address');
const SEGMENT = Symbol('segment');
const FIRST = Symbol('first');

interface Record {
  [READER]: Reader;
  [ADDRESS]: Address;
  [SEGMENT]: number;
  /** Word index of the first slot. */
  [FIRST]: number;
}

type RecordClass = new (
  reader: Reader,
  address: Address,
  segment: number,
  first: number,
  movable?: boolean,
) => object;

export function recordView(reader: Reader, address: Address, shape: Shape, header: number): object {
  shape.recordClass ??= recordClass(shape);
  const first = reader.need(address, shape.count, header);
  return new (shape.recordClass as RecordClass)(reader, address, segmentOfAddress(address), first);
}

/**
 * A record of `shape` that `moveRecord` points at one OBJECT node after another: a cursor's value
 * (cursor.ts), one object for every entry of that shape. It is not frozen — `moveRecord` rewrites its
 * node — but no property can be added, and its keys' setters throw as a record's do.
 */
export function movableRecord(reader: Reader, shape: Shape): object {
  shape.recordClass ??= recordClass(shape);
  return new (shape.recordClass as RecordClass)(reader, -1, 0, 0, true);
}

/**
 * Points a `movableRecord` at the OBJECT at `address`, of its shape, whose first slot is word `first`
 * of segment `segment`: all checked by the caller (`Reader.need`).
 */
export function moveRecord(record: object, address: Address, segment: number, first: number): void {
  const r = record as Record;
  r[ADDRESS] = address;
  r[SEGMENT] = segment;
  r[FIRST] = first;
}

function recordClass(shape: Shape): RecordClass {
  class SharedRecord implements Record {
    [READER]: Reader;
    [ADDRESS]: Address;
    [SEGMENT]: number;
    [FIRST]: number;

    constructor(reader: Reader, address: Address, segment: number, first: number, movable = false) {
      this[READER] = reader;
      this[ADDRESS] = address;
      this[SEGMENT] = segment;
      this[FIRST] = first;
      // No new properties either: every write through a view throws (in strict code).
      if (movable) Object.preventExtensions(this);
      else Object.freeze(this);
    }
  }
  const prototype = SharedRecord.prototype;
  const keys = shape.keys();
  keys.forEach((key, i) => {
    Object.defineProperty(prototype, key, {
      get(this: Record) {
        const reader = this[READER];
        return readSlot(reader, this[SEGMENT], reader.words[this[SEGMENT]]![this[FIRST] + i]!);
      },
      set() {
        throw readOnly('a shared record');
      },
      enumerable: true,
    });
  });
  Object.defineProperties(prototype, {
    [NODE]: {
      get(this: Record) {
        return { reader: this[READER], address: this[ADDRESS] };
      },
    },
    [INSPECT]: { value: inspectRecord },
  });
  // Records have no own keys for JSON.stringify to see: it takes their plain copy (to-js.ts).
  if (!keys.includes('toJSON')) Object.defineProperty(prototype, 'toJSON', { value: viewToJSON });
  return SharedRecord;
}

/** `util.inspect` of a record: the same shallow copy as a facade shows. */
function inspectRecord(
  this: object,
  depth: number,
  options: unknown,
  inspect: (v: unknown, o: unknown) => string,
) {
  const shown: { [key: string]: unknown } = {};
  for (const key in this) {
    Object.defineProperty(shown, key, { value: (this as { [key: string]: unknown })[key], enumerable: true });
  }
  return inspectObject.call(shown, depth, options, inspect);
}
