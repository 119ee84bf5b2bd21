import { readOnly } from '../errors.js';
import { NODE, type NodeRef } from '../format/node-ref.js';
import { type Address, type Reader, type Shape, segmentOfAddress } from '../format/reader.js';
import { decodeSlot, readSlot } from './decode.js';
import { INSPECT, inspectObject } from './inspect.js';
import { RECORD_MAX_KEYS, recordView } from './record-view.js';

/**
 * The dynamic facade of an OBJECT node. A Proxy is needed so that `Object.keys`, spread, `in` and
 * `JSON.stringify` see the packed properties; the handler holds the node and the traps resolve a key
 * through the shape (a pointer comparison or a Map lookup, or the image's hash index for huge shapes).
 * The Proxy target is one shared empty object that is never exposed or modified.
 */
class ObjectHandler implements ProxyHandler<object>, NodeRef {
  /** Segment of the node, and word index of its first slot. */
  private readonly segment: number;
  private readonly first: number;

  constructor(
    readonly reader: Reader,
    readonly address: Address,
    private readonly shape: Shape,
    header: number,
  ) {
    this.segment = segmentOfAddress(address);
    this.first = reader.need(address, shape.count, header);
  }

  get(_target: object, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const i = this.shape.indexOf(key);
      if (i >= 0)
        return readSlot(this.reader, this.segment, this.reader.words[this.segment]![this.first + i]!);
    } else if (key === NODE) return this;
    return Reflect.get(Object.prototype, key, receiver);
  }

  has(_target: object, key: string | symbol): boolean {
    return (typeof key === 'string' && this.shape.indexOf(key) >= 0) || key in Object.prototype;
  }

  ownKeys(): string[] {
    return this.shape.keys().slice();
  }

  getOwnPropertyDescriptor(_target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    const i = this.shape.indexOf(key);
    if (i < 0) return undefined;
    const value = decodeSlot(this.reader, this.segment, this.reader.words[this.segment]![this.first + i]!);
    return { value, writable: false, enumerable: true, configurable: true };
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

export function objectView(reader: Reader, address: Address, header: number): object {
  const shape = reader.shape(reader.count(address, header));
  if (reader.objects === 'record' && shape.count <= RECORD_MAX_KEYS)
    return recordView(reader, address, shape, header);
  return new Proxy(TARGET, new ObjectHandler(reader, address, shape, header));
}
