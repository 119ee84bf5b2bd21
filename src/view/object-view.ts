import { readOnly } from '../errors.js';
import type { KeyedDelta } from '../format/keyed-delta.js';
import { KIND_MASK, Kind } from '../format/layout.js';
import { NODE, type NodeRef } from '../format/node-ref.js';
import { type Address, type Reader, segmentOfAddress } from '../format/reader.js';
import { readSlot } from './decode.js';
import { INSPECT, inspectObject } from './inspect.js';
import { type Keys, layoutOf } from './object-layout.js';
import { RECORD_MAX_KEYS, recordView } from './record-view.js';
import { viewToJSON } from './to-js.js';

/**
 * The dynamic facade of an OBJECT or DICT node. A Proxy is needed so that `Object.keys`, spread, `in`
 * and `JSON.stringify` see the packed properties; the handler holds the node and the traps find a key
 * through `keys` (a shape's scan or JS Map, or a DICT's hash index). Value `i` is the last slot of
 * entry `i`: entries are one slot wide in an OBJECT, (key, value) pairs in a DICT. The Proxy target is
 * one shared empty object that is never exposed or modified.
 */
class ObjectHandler implements ProxyHandler<object>, NodeRef {
  constructor(
    readonly reader: Reader,
    readonly address: Address,
    private readonly keys: Keys,
    /** Word index of the first entry. */
    private readonly first: number,
    /** Words per entry: 1 (OBJECT) or 2 (DICT). */
    private readonly stride: number,
    /** The segment of the entries (a delta's base's, for a DICT a layer changed). */
    private readonly segment = segmentOfAddress(address),
    private readonly delta?: KeyedDelta,
  ) {}

  private value(i: number): unknown {
    const delta = this.delta;
    const changed = delta === undefined ? -1 : delta.wordAt(i, 1);
    if (changed >= 0)
      return readSlot(this.reader, delta!.segment, this.reader.words[delta!.segment]![changed]!);
    const word = this.first + this.stride * i + this.stride - 1;
    return readSlot(this.reader, this.segment, this.reader.words[this.segment]![word]!);
  }

  get(_target: object, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const i = this.keys.indexOf(key);
      if (i >= 0) return this.value(i);
      if (key === 'toJSON') return viewToJSON; // so that JSON.stringify sees cycles (to-js.ts)
    } else if (key === NODE) return this;
    return Reflect.get(Object.prototype, key, receiver);
  }

  has(_target: object, key: string | symbol): boolean {
    return (typeof key === 'string' && this.keys.indexOf(key) >= 0) || key in Object.prototype;
  }

  ownKeys(): string[] {
    return this.keys.keys().slice();
  }

  getOwnPropertyDescriptor(_target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    const i = this.keys.indexOf(key);
    if (i < 0) return undefined;
    return { value: this.value(i), writable: false, enumerable: true, configurable: true };
  }

  getPrototypeOf(): object {
    return Object.prototype;
  }

  set(): boolean {
    throw readOnly('a shared object');
  }
  defineProperty(): boolean {
    throw readOnly('a shared object');
  }
  deleteProperty(): boolean {
    throw readOnly('a shared object');
  }
  setPrototypeOf(): boolean {
    throw readOnly('a shared object');
  }
  preventExtensions(): boolean {
    throw readOnly('a shared object');
  }
}

const TARGET = { [INSPECT]: inspectObject };

/** The facade (or, in record mode and for a narrow shape, the record) of an OBJECT or DICT node. */
export function objectView(reader: Reader, address: Address, header: number): object {
  if ((header & KIND_MASK) === Kind.Object) {
    // The common case, without a Layout object per view.
    const shape = reader.shape(reader.count(address, header), segmentOfAddress(address));
    if (reader.objects === 'record' && shape.count <= RECORD_MAX_KEYS)
      return recordView(reader, address, shape, header);
    const first = reader.need(address, shape.count, header);
    return new Proxy(TARGET, new ObjectHandler(reader, address, shape, first, 1));
  }
  const { keys, first, stride, segment, delta } = layoutOf(reader, address, header);
  return new Proxy(TARGET, new ObjectHandler(reader, address, keys, first, stride, segment, delta));
}
