import { relativeIndex as relative } from '../format/array-index.js';
import { PACK_VALUE } from '../format/node-ref.js';
import { INSPECT } from '../view/inspect.js';
import type { Branch } from './branch.js';
import {
  type BufferNode,
  bufferNodeOf,
  PAGE,
  PAGE_BITS,
  type Region,
  regionOf,
  subarrayRegions,
} from './buffer-node.js';
import { DRAFT, draftOf, type NodeDraft, type NodeState, type Place, REFUSED_TRAPS } from './draft-node.js';
import type { NodeKey } from './node-key.js';
import { recordSplice } from './patch-log.js';

/** What the draft uses of a real typed array of any element type. */
interface Typed {
  [i: number]: number | bigint;
  readonly length: number;
  readonly buffer: ArrayBufferLike;
  copyWithin(target: number, start?: number, end?: number): Typed;
  reverse(): Typed;
  sort(compare?: (a: never, b: never) => number): Typed;
}
type TypedConstructor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): Typed;
  new (length: number): Typed;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** The DataView getter and setter for each element type (the platform is little-endian: checked at open). */
const ACCESS: Record<string, [get: string, set: string]> = {
  Int8Array: ['getInt8', 'setInt8'],
  Uint8Array: ['getUint8', 'setUint8'],
  Uint8ClampedArray: ['getUint8', 'setUint8'],
  Int16Array: ['getInt16', 'setInt16'],
  Uint16Array: ['getUint16', 'setUint16'],
  Int32Array: ['getInt32', 'setInt32'],
  Uint32Array: ['getUint32', 'setUint32'],
  Float32Array: ['getFloat32', 'setFloat32'],
  Float64Array: ['getFloat64', 'setFloat64'],
  BigInt64Array: ['getBigInt64', 'setBigInt64'],
  BigUint64Array: ['getBigUint64', 'setBigUint64'],
};

/**
 * The draft of a typed array: a Proxy that reads elements from the buffer's written pages or its base,
 * and writes them page by page. It has the typed array's methods (the mutating ones and `subarray`
 * write through to the same buffer node; `slice`, `map` and `filter` return real typed arrays, copies)
 * and `instanceof` its type holds; but it is not a real typed array: `ArrayBuffer.isView` is false and
 * it has no `buffer` (docs/pitfalls.md).
 */
class TypedDraft implements ProxyHandler<object> {
  readonly size: number;
  /** Where the draft was first read from, when patches are recorded (patch-log.ts). */
  place: Place | undefined;
  /** For a subarray: the draft it was taken from and where in it it starts (its writes are the parent's). */
  within: { draft: TypedDraft; offset: number } | undefined;
  private readonly getter: (offset: number, littleEndian: boolean) => number | bigint;
  /** A one-element array of the type, to convert values as an assignment to a typed array does. */
  private readonly scratch: Typed;
  private readonly scratchBytes: Uint8Array;
  /** The elements as in the base, for reads of unwritten pages. */
  private readonly base: Typed;

  constructor(
    readonly buffer: BufferNode,
    readonly Type: TypedConstructor,
    readonly byteOffset: number,
    readonly length: number,
    readonly key: NodeKey,
    /** A typed array of the type over the base buffer's same range: what the draft stands for. */
    readonly carrier: object,
    readonly region: Region,
  ) {
    this.size = Type.BYTES_PER_ELEMENT;
    const [get] = ACCESS[Type.name]!;
    this.getter = (DataView.prototype as unknown as Record<string, typeof this.getter>)[get]!;
    this.scratch = new Type(1);
    this.scratchBytes = new Uint8Array(this.scratch.buffer);
    this.base = new Type(buffer.carrier as ArrayBufferLike, byteOffset, length);
  }

  get branch(): Branch {
    return this.buffer.branch;
  }

  element(i: number): number | bigint {
    const at = this.byteOffset + i * this.size;
    const page = this.buffer.state === undefined ? undefined : this.buffer.page(at >>> PAGE_BITS);
    if (page === undefined) return this.base[i]!;
    return this.getter.call(page.view, at & (PAGE - 1), true);
  }

  /** `value` as an element of the type: converted (or refused) as an assignment would. */
  convert(value: unknown): number | bigint {
    (this.scratch as unknown as unknown[])[0] = value;
    return this.scratch[0]!;
  }

  setElement(i: number, value: unknown): void {
    this.branch.beginWrite('typed array');
    const converted = this.convert(value);
    if (i < 0 || i >= this.length) return;
    const before = this.element(i);
    const recorded = Object.is(before, converted) ? undefined : this.recordSplice(i, [before], [converted]);
    this.buffer.write(this.region, this.byteOffset + i * this.size, this.scratchBytes);
    recorded?.();
  }

  /** `recordSplice` (an overwrite in place) of elements from `at`, on the typed array that is in paths. */
  private recordSplice(at: number, before: unknown[], after: unknown[]): () => void {
    let owner: TypedDraft = this;
    let index = at;
    while (owner.within !== undefined) {
      index += owner.within.offset;
      owner = owner.within.draft;
    }
    return recordSplice(owner as unknown as NodeDraft<NodeState>, index, before, after, true);
  }

  /** The current elements as a real typed array of the type: a copy. */
  copy(from = 0, to = this.length): Typed {
    const count = Math.max(0, to - from);
    const copy = new this.Type(count);
    this.buffer.read(this.byteOffset + from * this.size, count * this.size, new Uint8Array(copy.buffer));
    return copy;
  }

  /** A real copy, for `toJS`: over its region's copy in `copies` (BufferNode#copiedRegion). */
  plainCopy(copies: Map<NodeKey, ArrayBufferLike>): Typed {
    return this.over(this.buffer.copiedRegion(this.region, copies));
  }

  /** The draft as a real typed array over `buffer`, a copy of its region. */
  over(buffer: ArrayBufferLike): Typed {
    return new this.Type(buffer, this.byteOffset - this.region.start, this.length);
  }

  /** Writes the elements of `values` (converted) from element `at`. */
  assign(values: ArrayLike<unknown>, at: number): void {
    this.branch.beginWrite('typed array');
    const converted = new this.Type(values.length);
    let i = 0;
    try {
      for (; i < values.length; i++) (converted as unknown as unknown[])[i] = values[i];
    } finally {
      // A value that cannot be converted stops the write there, as in a typed array's own `set`:
      // the elements before it are written.
      const recorded =
        this.branch.recording && i > 0
          ? this.recordSplice(
              at,
              Array.from(this.copy(at, at + i) as unknown as ArrayLike<unknown>),
              Array.from(converted as unknown as ArrayLike<unknown>).slice(0, i),
            )
          : undefined;
      this.buffer.write(
        this.region,
        this.byteOffset + at * this.size,
        new Uint8Array(converted.buffer, 0, i * this.size),
      );
      recorded?.();
    }
  }

  get(_target: object, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const i = canonicalIndex(key);
      if (i !== undefined) return i >= 0 && i < this.length ? this.element(i) : undefined;
      switch (key) {
        case 'length':
          return this.length;
        case 'byteLength':
          return this.length * this.size;
        case 'byteOffset':
          return this.byteOffset;
        case 'BYTES_PER_ELEMENT':
          return this.size;
        case 'buffer':
          throw new TypeError(
            'cowshare: a typed array draft has no buffer of its own (use slice() for a copy)',
          );
      }
      const method = TYPED_METHODS.get(key);
      if (method !== undefined) return method;
      if (GENERIC.has(key)) return (Array.prototype as unknown as Record<string, unknown>)[key];
    } else if (key === DRAFT) return this;
    else if (key === PACK_VALUE) return packValue;
    else if (key === Symbol.iterator) return TYPED_METHODS.get('values');
    else if (key === Symbol.toStringTag) return this.Type.name;
    return Reflect.get(this.Type.prototype, key, receiver);
  }

  set(_target: object, key: string | symbol, value: unknown): boolean {
    if (typeof key === 'string') {
      const i = canonicalIndex(key);
      if (i !== undefined) {
        this.setElement(i, value);
        return true;
      }
    }
    throw new TypeError(`cowshare: a typed array draft has elements only (cannot set ${String(key)})`);
  }

  has(_target: object, key: string | symbol): boolean {
    if (typeof key === 'string') {
      const i = canonicalIndex(key);
      if (i !== undefined) return i >= 0 && i < this.length;
    }
    return key in this.Type.prototype;
  }

  ownKeys(): string[] {
    return Array.from({ length: this.length }, (_, i) => String(i));
  }

  getOwnPropertyDescriptor(_target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    const i = canonicalIndex(key);
    if (i === undefined || i < 0 || i >= this.length) return undefined;
    return { value: this.element(i), writable: !this.branch.frozen, enumerable: true, configurable: true };
  }

  defineProperty(): boolean {
    throw new TypeError('cowshare: a typed array draft has elements only');
  }

  deleteProperty(_target: object, key: string | symbol): boolean {
    return !(typeof key === 'string' && canonicalIndex(key) !== undefined);
  }

  getPrototypeOf(): object {
    return this.Type.prototype;
  }
}

Object.assign(TypedDraft.prototype, REFUSED_TRAPS);

/** A typed array's canonical numeric index (may be out of range or not an integer), or undefined. */
function canonicalIndex(key: string): number | undefined {
  if (key === '-0') return -1;
  const n = Number(key);
  if (String(n) !== key) return undefined;
  return Number.isInteger(n) ? n : -1;
}

/** Array.prototype's methods that only read elements and length: they work on a draft as they are. */
const GENERIC = new Set([
  'at',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'forEach',
  'includes',
  'indexOf',
  'join',
  'lastIndexOf',
  'reduce',
  'reduceRight',
  'some',
  'toLocaleString',
  'toString',
]);

function self(value: unknown): TypedDraft {
  const handler = typeof value === 'object' && value !== null ? draftOf(value) : undefined;
  if (!(handler instanceof TypedDraft)) throw new TypeError('cowshare: not a typed array draft');
  return handler;
}

const TYPED_METHODS = new Map<string, (this: unknown, ...args: never[]) => unknown>(
  Object.entries({
    set(this: unknown, source: ArrayLike<unknown>, offset = 0): void {
      const draft = self(this);
      const at = Math.trunc(Number(offset)) || 0;
      const values =
        draftOf(source as object) instanceof TypedDraft ? self(source).copy() : Array.from(source);
      if (at < 0 || at + values.length > draft.length) throw new RangeError('offset is out of bounds');
      draft.assign(values, at);
    },
    fill(this: unknown, value: unknown, from?: unknown, to?: unknown): unknown {
      const draft = self(this);
      const start = relative(from, draft.length, 0);
      const end = relative(to, draft.length, draft.length);
      // The value is converted first, as by a typed array's own `fill`: a BigInt for a Float64Array
      // throws even when the range is empty.
      const converted = draft.convert(value);
      draft.assign(new Array(Math.max(0, end - start)).fill(converted), start);
      return this;
    },
    copyWithin(this: unknown, target: unknown, from?: unknown, to?: unknown): unknown {
      const draft = self(this);
      const copy = draft.copy();
      copy.copyWithin(Number(target), from as number, to as number);
      draft.assign(copy, 0);
      return this;
    },
    reverse(this: unknown): unknown {
      const draft = self(this);
      draft.assign(draft.copy().reverse(), 0);
      return this;
    },
    sort(this: unknown, compare?: (a: never, b: never) => number): unknown {
      const draft = self(this);
      draft.assign(draft.copy().sort(compare), 0);
      return this;
    },
    subarray(this: unknown, begin?: unknown, end?: unknown): unknown {
      // The same memory: a draft of a typed array over the same range of the base buffer.
      const draft = self(this);
      const start = relative(begin, draft.length, 0);
      const stop = relative(end, draft.length, draft.length);
      const range = new draft.Type(
        draft.buffer.carrier as ArrayBufferLike,
        draft.byteOffset + start * draft.size,
        Math.max(0, stop - start),
      );
      subarrayRegions.set(range, draft.region);
      const sub = draft.branch.out(range);
      // Its writes are its parent's, for patches: the subarray itself is in no path.
      const handler = draftOf(sub as object) as TypedDraft;
      handler.within ??= { draft, offset: start };
      return sub;
    },
    slice(this: unknown, begin?: unknown, end?: unknown): unknown {
      const draft = self(this);
      return draft.copy(relative(begin, draft.length, 0), relative(end, draft.length, draft.length));
    },
    map(
      this: unknown,
      callback: (value: never, i: number, array: unknown) => unknown,
      thisArg?: unknown,
    ): unknown {
      const draft = self(this);
      const result = new draft.Type(draft.length);
      for (let i = 0; i < draft.length; i++) {
        (result as unknown as unknown[])[i] = callback.call(thisArg, draft.element(i) as never, i, this);
      }
      return result;
    },
    filter(
      this: unknown,
      callback: (value: never, i: number, array: unknown) => unknown,
      thisArg?: unknown,
    ): unknown {
      const draft = self(this);
      const kept: unknown[] = [];
      for (let i = 0; i < draft.length; i++) {
        const value = draft.element(i);
        if (callback.call(thisArg, value as never, i, this)) kept.push(value);
      }
      const result = new draft.Type(kept.length);
      kept.forEach((value, i) => {
        (result as unknown as unknown[])[i] = value;
      });
      return result;
    },
    toReversed(this: unknown): unknown {
      return self(this).copy().reverse();
    },
    toSorted(this: unknown, compare?: (a: never, b: never) => number): unknown {
      return self(this).copy().sort(compare);
    },
    with(this: unknown, index: unknown, value: unknown): unknown {
      const copy = self(this).copy() as unknown as { with(i: unknown, v: unknown): unknown };
      return copy.with(index, value);
    },
    *values(this: unknown): IterableIterator<number | bigint> {
      const draft = self(this);
      for (let i = 0; i < draft.length; i++) yield draft.element(i);
    },
    *keys(this: unknown): IterableIterator<number> {
      const draft = self(this);
      for (let i = 0; i < draft.length; i++) yield i;
    },
    *entries(this: unknown): IterableIterator<[number, number | bigint]> {
      const draft = self(this);
      for (let i = 0; i < draft.length; i++) yield [i, draft.element(i)];
    },
  }),
);

/** `draft[PACK_VALUE]()`: a real typed array over the region's packing copy. */
function packValue(this: unknown): Typed {
  const draft = self(this);
  return draft.over(draft.buffer.packedRegion(draft.region));
}

// Configurable, like every property of the other drafts' targets: a Proxy's ownKeys must list each
// non-configurable own key of its target, and the elements are all a typed array draft has.
const TARGET = Object.defineProperty({}, INSPECT, {
  value(this: unknown, _depth: number, options: unknown, inspect: (v: unknown, o: unknown) => string) {
    return inspect(self(this).copy(), options);
  },
  configurable: true,
});

/** The draft of a typed array: one per node; every one over a buffer shares its BufferNode. */
export function typedArrayDraft(branch: Branch, carrier: object, key: NodeKey): object {
  const view = carrier as ArrayBufferView;
  // The intrinsic type, not a subclass's (a Node Buffer is drafted as the Uint8Array it is).
  const Type = globalThis[
    Object.prototype.toString.call(view).slice(8, -1) as 'Uint8Array'
  ] as unknown as TypedConstructor;
  const length = view.byteLength / Type.BYTES_PER_ELEMENT;
  const draft = new TypedDraft(
    bufferNodeOf(branch, view),
    Type,
    view.byteOffset,
    length,
    key,
    carrier,
    regionOf(view),
  );
  return new Proxy(TARGET, draft);
}
