import { ArrayDelta } from '../format/array-delta.js';
import { arrayIndex, isArrayIndex } from '../format/array-index.js';
import type { KeyedDelta } from '../format/keyed-delta.js';
import { DENSE_ARRAY_MAX, KIND_MASK, Kind, PIECE_HOLES, PIECE_SLOTS } from '../format/layout.js';
import { type NodeRef, nodeOf } from '../format/node-ref.js';
import type { ArrayPiece } from '../format/pack-layer.js';
import type { Address, Reader } from '../format/reader.js';
import { ArrayHandler, NO_EXTRA } from '../view/array-view.js';
import { readSlot } from '../view/decode.js';
import { type Keys, layoutOf } from '../view/object-layout.js';
import { type ChildDrafts, isDraftIn, keepShown } from './child-drafts.js';
import type { DeltaBase } from './delta-input.js';
import type { NodeDraft, NodeState } from './draft-node.js';

/**
 * The read side of a draft: what it shows of its base until it is written. A base container is a
 * plain JS value, an image view (read straight from the image, through the node it shows), or a
 * snapshot's facade (read through its traps: it behaves as a plain read-only value).
 *
 * `ABSENT` is what a read of a missing property or element returns, so that `undefined` stays a value.
 */
export const ABSENT: unique symbol = Symbol('cowshare.absent');
/** A hole of a sparse array, as an element value. */
export const HOLE: unique symbol = Symbol('cowshare.hole');

/** Own properties of a base object. */
export interface ObjectBase {
  /** The value of own property `key`, or ABSENT. */
  get(key: string): unknown;
  /** Own property `key` as a reader of `parent`'s branch sees it (a container as its draft), or ABSENT. */
  show(key: string, parent: NodeDraft<NodeState>): unknown;
  /** Whether `key` is an own property (without decoding its value). */
  has(key: string): boolean;
  /** Own enumerable string keys, in `Object.keys` order. */
  keys(): readonly string[];
  /** For a DICT of an image (or a delta over one): what a KEYED_DELTA of its changes is over. */
  deltaBase?(): ObjectDeltaBase | undefined;
}

/** A DeltaBase (delta-input.ts) whose keys are found by name: a wide object's. */
export interface ObjectDeltaBase extends DeltaBase {
  /** The virtual index of own property `key`, or -1. */
  indexOf(key: string): number;
}

export function objectBase(value: object): ObjectBase {
  const node = nodeOf(value);
  if (node !== undefined) return new ImageObject(node);
  return new PlainObject(value as Record<string, unknown>);
}

class PlainObject implements ObjectBase {
  /** Whether every property found on the object is its own, but for Object.prototype's names. */
  private readonly plain: boolean;
  /**
   * The drafts shown for the properties, by key, made at the first: as child-drafts.ts does for an
   * image base (the base must not change: see docs/pitfalls.md), a second read of a child is one
   * look-up, not a read of the property and a look-up of its object among the branch's drafts.
   */
  private children: Map<string, object> | undefined;

  constructor(private readonly o: Record<string, unknown>) {
    const proto = Object.getPrototypeOf(o);
    this.plain = proto === Object.prototype || proto === null;
  }

  get(key: string): unknown {
    // An own property only: `__proto__`, `constructor` and `toString` are data or nothing. One
    // lookup in the common case: on a plain object, a value Object.prototype could not have given
    // (all it has are functions, and `__proto__`, which gives Object.prototype) is the object's own.
    const value = this.o[key];
    if (this.plain && value !== undefined && typeof value !== 'function' && value !== Object.prototype) {
      return value;
    }
    return Object.hasOwn(this.o, key) ? value : ABSENT;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.o, key);
  }

  show(key: string, parent: NodeDraft<NodeState>): unknown {
    const known = this.children?.get(key);
    if (known !== undefined) return known;
    const shown = showValue(this.get(key), parent, key);
    if (isDraftIn(shown, parent.branch)) {
      this.children ??= new Map();
      this.children.set(key, shown);
    }
    return shown;
  }

  keys(): readonly string[] {
    return Object.keys(this.o);
  }
}

/**
 * An OBJECT or DICT node, read in place (so a record view's keys are seen too: they are not own).
 * Its layout is held in fields, not a Layout object: a read of a draft's child reaches its base
 * through as few objects as possible (each one a likely cache miss in a wide base).
 */
class ImageObject implements ObjectBase {
  private readonly reader: Reader;
  private readonly segment: number;
  private readonly index: Keys;
  private readonly first: number;
  private readonly stride: number;
  /** For a DICT a layer changed: its changes (entries are then virtual indices, keyed-delta.ts). */
  private readonly delta: KeyedDelta | undefined;
  /** The drafts shown for the entries, made at the first (child-drafts.ts). */
  private children: ChildDrafts | undefined;

  /** The node read: an OBJECT, a DICT or a delta over one. */
  private readonly node: Address;

  constructor(node: NodeRef) {
    this.reader = node.reader;
    this.node = node.address;
    const layout = layoutOf(node.reader, node.address, node.reader.header(node.address));
    this.segment = layout.segment;
    this.index = layout.keys;
    this.first = layout.first;
    this.stride = layout.stride;
    this.delta = layout.delta;
  }

  /** The segment entry `i`'s value slot is in: the delta's, for an entry it changes. */
  private segmentOf(i: number): number {
    return this.delta !== undefined && this.delta.entryAt(i) >= 0 ? this.delta.segment : this.segment;
  }

  /** The raw value slot of entry `i`. */
  private slot(i: number): number {
    const changed = this.delta === undefined ? -1 : this.delta.wordAt(i, 1);
    if (changed >= 0) return this.reader.words[this.delta!.segment]![changed]!;
    return this.reader.words[this.segment]![this.first + this.stride * i + this.stride - 1]!;
  }

  get(key: string): unknown {
    const i = this.index.indexOf(key);
    return i < 0 ? ABSENT : readSlot(this.reader, this.segmentOf(i), this.slot(i));
  }

  has(key: string): boolean {
    return this.index.indexOf(key) >= 0;
  }

  show(key: string, parent: NodeDraft<NodeState>): unknown {
    const i = this.index.indexOf(key);
    if (i < 0) return ABSENT;
    const known = this.children?.at(i);
    if (known !== undefined) return known;
    const branch = parent.branch;
    const shown = branch.outSlot(this.reader, this.segmentOf(i), this.slot(i), parent, key);
    this.children = keepShown(this.children, this.index.count, i, shown, branch);
    return shown;
  }

  keys(): readonly string[] {
    return this.index.keys();
  }

  deltaBase(): ObjectDeltaBase | undefined {
    const delta = this.delta;
    if (delta === undefined && this.stride !== 2) return undefined; // an OBJECT: bounded, copied
    const node = delta === undefined ? this.node : delta.base;
    return {
      node,
      count: delta === undefined ? this.index.count : delta.baseCount,
      delta,
      indexOf: (key) => this.index.indexOf(key),
      key: (i) => {
        const changed = delta === undefined ? -1 : delta.wordAt(i, 0);
        const segment = this.segmentOf(i);
        const slot = this.reader.words[segment]![changed >= 0 ? changed : this.first + 2 * i]!;
        return this.reader.keyString(segment, slot, node);
      },
      value: (i) => readSlot(this.reader, this.segmentOf(i), this.slot(i)),
    };
  }
}

/** What a reader of `parent`'s branch sees of `value`, read from `parent`'s property `key`. */
function showValue(value: unknown, parent: NodeDraft<NodeState>, key: string): unknown {
  if (value === ABSENT) return ABSENT;
  return parent.branch.out(value, parent, key);
}

/** Elements and named extras of a base array. */
export interface ArrayBase {
  readonly length: number;
  /** Element `i` (below `length`), or HOLE. */
  at(i: number): unknown;
  /**
   * Element `i` (below `length`) as a reader of `parent`'s branch sees it, or HOLE; read at index
   * `at` of the draft (its place, for patches: elements move).
   */
  show(i: number, parent: NodeDraft<NodeState>, at: number): unknown;
  /**
   * Calls `visit` with each index in [from, to) that holds an element, ascending. A base longer than
   * DENSE_ARRAY_MAX lists its indices once (a sparse array of length 2^32 − 1 has few), so this
   * costs its elements, not its length.
   */
  forEachIndex(from: number, to: number, visit: (i: number) => void): void;
  /** Own enumerable properties that are not indices (an array's named extras). */
  readonly extras: ObjectBase;
  /** For an ARRAY of an image (or a delta over one): what an ARRAY_DELTA of its changes is over. */
  deltaBase?(): ArrayDeltaBase | undefined;
}

/** The ARRAY a draft's view base reads, and the view's elements as pieces over it. */
export interface ArrayDeltaBase {
  readonly node: Address;
  readonly length: number;
  /** Elements `from` to `from + length` of the view, as pieces over `node` (values as stored, HOLE). */
  pieces(from: number, length: number): ArrayPiece[];
}

export function arrayBase(value: readonly unknown[]): ArrayBase {
  const node = nodeOf(value);
  return node instanceof ArrayHandler ? new ImageArray(node) : new PlainArray(value);
}

/**
 * `ArrayBase#forEachIndex` over `at`, or, for a base longer than DENSE_ARRAY_MAX, over the indices
 * `list` gives (ascending), listed once.
 */
class IndexWalk {
  private present: number[] | undefined;

  constructor(
    private readonly length: number,
    private readonly at: (i: number) => unknown,
    private readonly list: () => Iterable<number>,
  ) {}

  forEach(from: number, to: number, visit: (i: number) => void): void {
    if (this.length <= DENSE_ARRAY_MAX) {
      for (let i = from; i < to; i++) if (this.at(i) !== HOLE) visit(i);
      return;
    }
    this.present ??= [...this.list()];
    const present = this.present;
    let lo = 0;
    let hi = present.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (present[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < present.length && present[k]! < to; k++) visit(present[k]!);
  }
}

class PlainArray implements ArrayBase {
  readonly length: number;
  private extraBase: ObjectBase | undefined;
  private readonly walk: IndexWalk;
  /** The drafts shown for the elements (child-drafts.ts). */
  private children: ChildDrafts | undefined;

  constructor(private readonly a: readonly unknown[]) {
    this.length = a.length;
    this.walk = new IndexWalk(
      this.length,
      (i) => this.at(i),
      () => indicesOf(a),
    );
  }

  at(i: number): unknown {
    const value = this.a[i];
    return value !== undefined || i in this.a ? value : HOLE;
  }

  forEachIndex(from: number, to: number, visit: (i: number) => void): void {
    this.walk.forEach(from, to, visit);
  }

  show(i: number, parent: NodeDraft<NodeState>, at: number): unknown {
    const known = this.children?.at(i);
    if (known !== undefined) return known;
    const value = this.at(i);
    if (value === HOLE) return HOLE;
    const shown = parent.branch.out(value, parent, at);
    this.children = keepShown(this.children, this.length, i, shown, parent.branch);
    return shown;
  }

  get extras(): ObjectBase {
    this.extraBase ??= new PlainExtras(this.a);
    return this.extraBase;
  }
}

/** The named (non-index) own properties of a plain array. */
class PlainExtras implements ObjectBase {
  constructor(private readonly a: readonly unknown[]) {}

  get(key: string): unknown {
    return this.has(key) ? (this.a as unknown as Record<string, unknown>)[key] : ABSENT;
  }

  has(key: string): boolean {
    return key !== 'length' && !isArrayIndex(key) && Object.hasOwn(this.a, key);
  }

  show(key: string, parent: NodeDraft<NodeState>): unknown {
    return showValue(this.get(key), parent, key);
  }

  keys(): readonly string[] {
    const keys = Object.keys(this.a);
    // Index keys come first and in order (Object.keys order): the named ones are the tail.
    let i = 0;
    while (i < keys.length && isArrayIndex(keys[i]!)) i++;
    return keys.slice(i);
  }
}

class ImageArray implements ArrayBase {
  readonly length: number;
  readonly extras: ObjectBase;
  /** The drafts shown for the elements (child-drafts.ts). */
  private children: ChildDrafts | undefined;

  private readonly walk: IndexWalk;

  constructor(private readonly node: ArrayHandler) {
    this.length = node.length;
    this.walk = new IndexWalk(
      this.length,
      (i) => this.at(i),
      () => node.indices(),
    );
    this.extras = {
      get: (key) => {
        const value = key === 'length' ? NO_EXTRA : node.extra(key);
        return value === NO_EXTRA ? ABSENT : value;
      },
      has: (key) => key !== 'length' && node.extra(key) !== NO_EXTRA,
      show(key, parent) {
        return showValue(this.get(key), parent, key);
      },
      keys: () => node.extraKeys(),
    };
  }

  at(i: number): unknown {
    return this.node.hasElement(i) ? this.node.element(i) : HOLE;
  }

  forEachIndex(from: number, to: number, visit: (i: number) => void): void {
    this.walk.forEach(from, to, visit);
  }

  deltaBase(): ArrayDeltaBase | undefined {
    const { reader, address } = this.node;
    const kind = reader.header(address) & KIND_MASK;
    if (kind === Kind.Array) {
      return { node: address, length: this.length, pieces: (from, length) => [{ base: from, length }] };
    }
    if (kind !== Kind.ArrayDelta) return undefined; // a SPARSE_ARRAY: copied
    // A delta over the base ARRAY: the view's elements are its pieces, cut to the range asked.
    const delta = new ArrayDelta(reader, address);
    return {
      node: delta.base,
      length: delta.baseLength,
      pieces: (from, length) => {
        const pieces: ArrayPiece[] = [];
        for (let i = from; i < from + length; ) {
          const p = delta.pieceOf(i);
          const end = Math.min(p + 1 < delta.pieces ? delta.at(p + 1) : delta.length, from + length);
          const source = delta.from(p);
          if (source === PIECE_HOLES) pieces.push({ holes: end - i });
          else if (source < PIECE_SLOTS) pieces.push({ base: source + i - delta.at(p), length: end - i });
          else pieces.push({ values: Array.from({ length: end - i }, (_, k) => this.at(i + k)) });
          i = end;
        }
        return pieces;
      },
    };
  }

  show(i: number, parent: NodeDraft<NodeState>, at: number): unknown {
    const known = this.children?.at(i);
    if (known !== undefined) return known;
    const slot = this.node.elementSlot(i);
    if (slot === 0) return HOLE;
    const branch = parent.branch;
    const shown = branch.outSlot(this.node.reader, this.node.elementSegment(i), slot, parent, at);
    this.children = keepShown(this.children, this.length, i, shown, branch);
    return shown;
  }
}

/** The indices of a plain array that hold an element, ascending: `Object.keys` lists them first. */
function* indicesOf(a: readonly unknown[]): Iterable<number> {
  for (const key of Object.keys(a)) {
    const i = arrayIndex(key);
    if (i < 0) return;
    yield i;
  }
}
