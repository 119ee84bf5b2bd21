import { arrayIndex, relativeIndex as relative } from '../format/array-index.js';
import { ArrayDeltaInput, type ArrayPiece } from '../format/pack-layer.js';
import { ElementIterator } from '../view/array-view.js';
import { INSPECT, inspectArray } from '../view/inspect.js';
import type { Branch } from './branch.js';
import { DELTA_MAX_SHARE } from './delta-input.js';
import { ABSENT, type ArrayBase, arrayBase, HOLE } from './draft-base.js';
import { DRAFT, definedValue, draftOf, NodeDraft, type NodeState, REFUSED_TRAPS } from './draft-node.js';
import type { Epoch } from './epoch.js';
import type { NodeKey } from './node-key.js';
import { at, copyOf, pathTo, recordChild, recordSplice, type Step } from './patch-log.js';
import { DELETED, Props } from './props.js';
import { Rope } from './rope.js';

/** An array's changes in one branch: its elements (HOLE for a hole) and its named extras. */
class ArrayState implements NodeState {
  constructor(
    readonly owner: Epoch,
    public items: Rope<unknown>,
    readonly extras: Props,
  ) {}
}

/** Arrays are at most 2^32 − 1 long. */
const MAX_LENGTH = 2 ** 32 - 1;

/**
 * The draft of an array: a Proxy over an array (so `Array.isArray` holds and every Array.prototype
 * method works through the traps), whose elements are a Rope over the base (rope.ts): a write copies
 * a small window, never the array; push, pop, shift, unshift and splice are O(log n + k). The
 * mutating methods are the draft's own (below), the others Array.prototype's.
 */
class ArrayDraft extends NodeDraft<ArrayState> implements ProxyHandler<unknown[]> {
  private readonly base: ArrayBase;

  constructor(branch: Branch, key: NodeKey, carrier: object) {
    super(branch, key, carrier);
    this.base = arrayBase(carrier as unknown[]);
  }

  protected fresh(epoch: Epoch): ArrayState {
    const base = this.base;
    return new ArrayState(
      epoch,
      Rope.over(base.length, (i) => base.at(i), HOLE),
      Props.empty(),
    );
  }

  protected copy(state: ArrayState, epoch: Epoch): ArrayState {
    return new ArrayState(epoch, state.items, state.extras.copy());
  }

  get length(): number {
    return this.state === undefined ? this.base.length : this.state.items.length;
  }

  /** Element `i` as stored (HOLE for a hole or past the end). */
  at(i: number): unknown {
    if (i >= this.length) return HOLE;
    return this.state === undefined ? this.base.at(i) : this.state.items.get(i);
  }

  /**
   * This draft's elements as an ARRAY_DELTA over the ARRAY its view base reads (FORMAT.md §7), for
   * `commit`: the rope's leaves as pieces — base runs, fills as holes, the values it holds — merged
   * with the view's own delta. Undefined where a copy is the better layer: a base that is no ARRAY
   * view, named properties changed, or pieces and values of a quarter of a copy's size or more.
   */
  override deltaInput(): ArrayDeltaInput | undefined {
    const state = this.state;
    const base = this.base.deltaBase?.();
    if (state === undefined || base === undefined || state.extras.size > 0) return undefined;
    // Neighbouring pieces of one kind are joined (the rope cuts values into chunks of 64).
    const pieces: ArrayPiece[] = [];
    let values: unknown[] | undefined;
    const add = (piece: ArrayPiece) => {
      const last = pieces[pieces.length - 1];
      if ('values' in piece) {
        if (values === undefined || last === undefined || !('values' in last)) {
          values = [];
          pieces.push({ values });
        }
        for (const value of piece.values) values.push(value);
      } else if (
        last !== undefined &&
        'base' in last &&
        'base' in piece &&
        last.base + last.length === piece.base
      ) {
        pieces[pieces.length - 1] = { base: last.base, length: last.length + piece.length };
      } else pieces.push(piece);
    };
    state.items.forEachLeaf((leaf) => {
      if ('values' in leaf) add({ values: leaf.values });
      else if (leaf.start < 0) add({ holes: leaf.length });
      else for (const piece of base.pieces(leaf.start, leaf.length)) add(piece);
    });
    const words = pieces.reduce((n, piece) => n + 2 + ('values' in piece ? piece.values.length : 0), 0);
    // Against what a copy would write: a slot per element of the longer of the two.
    if (words * DELTA_MAX_SHARE >= Math.max(base.length, this.length)) return undefined;
    return new ArrayDeltaInput(base.node, this.length, pieces, HOLE);
  }

  /** Element `i` as a reader sees it; an unchanged one as the base shows it (child-drafts.ts). */
  element(i: number): unknown {
    if (i >= this.length) return undefined;
    const from = this.state === undefined ? i : this.state.items.baseIndexAt(i);
    if (from >= 0) {
      const shown = this.base.show(from, this, i);
      return shown === HOLE ? undefined : shown;
    }
    const value = this.state!.items.get(i);
    if (value === HOLE) return undefined;
    return this.branch.out(value, this, i);
  }

  /** Where the node `child`, read from element `index`, is now: there, or found again after a shift. */
  locate(child: NodeKey, index: unknown): Step | undefined {
    const holds = (i: number) => {
      const value = this.at(i);
      return typeof value === 'object' && value !== null && this.branch.keyOf(value) === child;
    };
    if (typeof index === 'number' && holds(index)) return { key: index };
    if (typeof index === 'string') {
      const value = this.extra(index);
      return typeof value === 'object' && value !== null && this.branch.keyOf(value) === child
        ? { prop: index }
        : undefined;
    }
    for (let i = 0; i < this.length; i++) if (holds(i)) return { key: i };
    return undefined;
  }

  private extra(key: string): unknown {
    return this.state === undefined
      ? this.base.extras.get(key)
      : this.state.extras.get(this.base.extras, key);
  }

  get(_target: unknown[], key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const i = arrayIndex(key);
      if (i >= 0) return this.element(i);
      if (key === 'length') return this.length;
      const value = this.extra(key);
      if (value !== ABSENT) return this.branch.out(value, this, key);
      const method = METHODS.get(key);
      if (method !== undefined) return method;
    } else if (key === DRAFT) return this;
    else if (key === Symbol.iterator) return METHODS.get('values');
    return Reflect.get(Array.prototype, key, receiver);
  }

  set(_target: unknown[], key: string | symbol, value: unknown): boolean {
    if (typeof key === 'symbol') throw new TypeError('cowshare: a draft has no symbol-keyed properties');
    const i = arrayIndex(key);
    if (i >= 0) this.setElement(i, this.branch.in(value), value);
    else if (key === 'length') this.setLength(value);
    else {
      const stored = this.branch.in(value);
      this.branch.beginWrite('array');
      const before = this.extra(key);
      if (!this.branch.same(before, stored)) {
        const recorded = recordChild(this, { prop: key }, before, stored, value, ABSENT);
        this.writable('array').extras.set(this.base.extras, key, stored, this.branch.epoch);
        recorded();
      }
    }
    return true;
  }

  /** Sets element `i` to `stored` (HOLE: deletes it); `raw` is the value as given, for patches. */
  setElement(i: number, stored: unknown, raw: unknown = stored): void {
    this.branch.beginWrite('array');
    const length = this.length;
    if (i < length) {
      const before = this.at(i);
      if (this.branch.same(before, stored)) return;
      const recorded = recordChild(this, { key: i }, before, stored, raw, HOLE, true);
      const state = this.writable('array');
      state.items = state.items.set(i, stored, this.branch.epoch);
      recorded();
    } else {
      this.recordLength(i + 1);
      const recorded = recordChild(this, { key: i }, HOLE, stored, raw, HOLE, true);
      const state = this.writable('array');
      const epoch = this.branch.epoch;
      state.items = state.items.insertFill(length, i - length, epoch).insert(i, [stored], epoch);
      recorded();
    }
  }

  /** Records a change of `length` to `length` (the extension's `replace` of `/…/length`). */
  private recordLength(length: number): void {
    const now = this.length;
    this.branch.record(() => {
      const path = pathTo(this);
      if (path === undefined) return undefined;
      const lengthAt = at([...path, { key: 'length' }]);
      if (length >= now) {
        return [
          { op: 'replace', ...lengthAt, value: length },
          { op: 'replace', ...lengthAt, value: now },
        ];
      }
      const removed = this.copies(length, now);
      // Shortening drops elements: its inverse puts them back (holes come back as undefined).
      return [
        { op: 'replace', ...lengthAt, value: length },
        { op: 'splice', ...at(path), index: length, remove: 0, values: removed },
      ];
    });
  }

  /** Plain copies of elements `from` to `to` (holes as holes), for patches. */
  private copies(from: number, to: number): unknown[] {
    const values = new Array<unknown>(to - from);
    for (let i = from; i < to; i++) {
      const value = this.at(i);
      if (value !== HOLE) values[i - from] = copyOf(this.branch, value);
    }
    return values;
  }

  setLength(value: unknown): void {
    const length = Number(value);
    if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH)
      throw new RangeError('Invalid array length');
    this.branch.beginWrite('array');
    const now = this.length;
    if (length === now) return;
    this.recordLength(length);
    const state = this.writable('array');
    const epoch = this.branch.epoch;
    state.items =
      length < now
        ? state.items.remove(length, now - length, epoch)
        : state.items.insertFill(now, length - now, epoch);
  }

  deleteProperty(_target: unknown[], key: string | symbol): boolean {
    if (typeof key === 'symbol') return true;
    const i = arrayIndex(key);
    if (i >= 0) {
      if (this.at(i) !== HOLE) this.setElement(i, HOLE);
      else this.branch.beginWrite('array');
      return true;
    }
    if (key === 'length') return false; // non-configurable, as on every array
    this.branch.beginWrite('array');
    const before = this.extra(key);
    if (before !== ABSENT) {
      const recorded = recordChild(this, { prop: key }, before, ABSENT, undefined, ABSENT);
      this.writable('array').extras.set(this.base.extras, key, DELETED, this.branch.epoch);
      recorded();
    }
    return true;
  }

  has(_target: unknown[], key: string | symbol): boolean {
    if (typeof key === 'string') {
      const i = arrayIndex(key);
      if (i >= 0) return this.at(i) !== HOLE;
      if (key === 'length' || this.extra(key) !== ABSENT) return true;
    }
    return key in Array.prototype;
  }

  ownKeys(): string[] {
    const keys: string[] = [];
    if (this.state === undefined) {
      this.base.forEachIndex(0, this.base.length, (i) => keys.push(String(i)));
    } else {
      // Leaf by leaf: a run of holes (`length = 2 ** 32 - 1`) is passed over whole.
      this.state.items.forEachLeaf((leaf, offset) => {
        if ('values' in leaf) {
          leaf.values.forEach((value, k) => {
            if (value !== HOLE) keys.push(String(offset + k));
          });
        } else if (leaf.start >= 0) {
          const shift = offset - leaf.start;
          this.base.forEachIndex(leaf.start, leaf.start + leaf.length, (i) => keys.push(String(i + shift)));
        }
      });
    }
    keys.push('length');
    const extras =
      this.state === undefined ? this.base.extras.keys() : this.state.extras.keys(this.base.extras);
    keys.push(...extras);
    return keys;
  }

  getOwnPropertyDescriptor(_target: unknown[], key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    const writable = !this.branch.frozen;
    // `length` is non-configurable on the target, so it must be reported so (a Proxy invariant).
    if (key === 'length')
      return { value: this.length, writable: true, enumerable: false, configurable: false };
    const i = arrayIndex(key);
    const value = i >= 0 ? this.at(i) : this.extra(key);
    if (value === HOLE || value === ABSENT) return undefined;
    return {
      value: this.branch.out(value, this, i >= 0 ? i : key),
      writable,
      enumerable: true,
      configurable: true,
    };
  }

  defineProperty(target: unknown[], key: string | symbol, descriptor: PropertyDescriptor): boolean {
    return this.set(target, key, definedValue(descriptor));
  }

  getPrototypeOf(): object {
    return Array.prototype;
  }

  /** Every element as a reader sees it, holes as holes: for the methods that must see them all. */
  plain(): unknown[] {
    const values = new Array<unknown>(this.length);
    const visit = (value: unknown, i: number) => {
      if (value !== HOLE) values[i] = this.branch.out(value);
      return true;
    };
    if (this.state === undefined)
      this.base.forEachIndex(0, this.base.length, (i) => visit(this.base.at(i), i));
    else this.state.items.scan(visit);
    return values;
  }

  /** Replaces every element with those of `values` (holes as holes), stored. */
  replaceAll(values: readonly unknown[]): void {
    const stored = new Array<unknown>(values.length);
    for (let i = 0; i < values.length; i++) stored[i] = i in values ? this.branch.in(values[i]) : HOLE;
    const recorded = recordSplice(this, 0, this.storedRange(0, this.length), stored, false, HOLE);
    const state = this.writable('array');
    state.items = Rope.of(stored, this.branch.epoch, HOLE);
    recorded();
  }

  /** Elements `from` to `to` as stored (HOLE for holes), for patches. */
  private storedRange(from: number, to: number): unknown[] {
    if (!this.branch.recording) return [];
    return Array.from({ length: to - from }, (_, k) => this.at(from + k));
  }

  /** Removes `count` elements at `start` and inserts `values` (stored) there; the removed elements. */
  splice(start: number, count: number, values: readonly unknown[]): unknown[] {
    this.branch.beginWrite('array');
    const removed = new Array<unknown>(count);
    for (let k = 0; k < count; k++) {
      const value = this.at(start + k);
      if (value !== HOLE) removed[k] = this.branch.out(value);
    }
    if (count === 0 && values.length === 0) return removed;
    if (this.length - count + values.length > MAX_LENGTH) throw new RangeError('Invalid array length');
    const stored = values.map((value) => this.branch.in(value));
    const recorded = recordSplice(this, start, this.storedRange(start, start + count), stored, false, HOLE);
    const state = this.writable('array');
    const epoch = this.branch.epoch;
    state.items = state.items.remove(start, count, epoch).insert(start, stored, epoch);
    recorded();
    return removed;
  }
}

Object.assign(ArrayDraft.prototype, REFUSED_TRAPS);

/** The draft behind `this` of a method, or undefined when it was called on something else. */
function self(value: unknown): ArrayDraft | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const draft = draftOf(value);
  return draft instanceof ArrayDraft ? draft : undefined;
}

/**
 * The mutating methods, done on the rope instead of element by element through the traps (which
 * would make shift on a 100k-element array 100k writes); each falls back to Array.prototype's when
 * called on something that is not an array draft. And `values`, the iterator, which skips the traps.
 */
const METHODS = new Map<string, (this: unknown[], ...args: never[]) => unknown>(
  Object.entries({
    push(this: unknown[], ...items: unknown[]): number {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.push.apply(this, items);
      draft.splice(draft.length, 0, items);
      return draft.length;
    },
    pop(this: unknown[]): unknown {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.pop.call(this);
      if (draft.length === 0) {
        draft.setLength(0);
        return undefined;
      }
      return draft.splice(draft.length - 1, 1, [])[0];
    },
    shift(this: unknown[]): unknown {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.shift.call(this);
      if (draft.length === 0) {
        draft.setLength(0);
        return undefined;
      }
      return draft.splice(0, 1, [])[0];
    },
    unshift(this: unknown[], ...items: unknown[]): number {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.unshift.apply(this, items);
      draft.splice(0, 0, items);
      return draft.length;
    },
    splice(this: unknown[], ...args: unknown[]): unknown[] {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.splice.apply(this, args as [number, number]);
      const length = draft.length;
      const start = relative(args[0], length, 0);
      const count =
        args.length === 0
          ? 0
          : args.length === 1
            ? length - start
            : Math.min(Math.max(Math.trunc(Number(args[1])) || 0, 0), length - start);
      return draft.splice(start, count, args.slice(2));
    },
    fill(this: unknown[], value: unknown, from?: unknown, to?: unknown): unknown[] {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.fill.call(this, value, from as number, to as number);
      const length = draft.length;
      const stored = draft.branch.in(value);
      draft.branch.beginWrite('array');
      for (let i = relative(from, length, 0), end = relative(to, length, length); i < end; i++)
        draft.setElement(i, stored);
      return this;
    },
    copyWithin(this: unknown[], target: unknown, from?: unknown, to?: unknown): unknown[] {
      const draft = self(this);
      if (draft === undefined)
        return Array.prototype.copyWithin.call(this, target as number, from as number, to as number);
      const length = draft.length;
      const at = relative(target, length, 0);
      const start = relative(from, length, 0);
      const count = Math.min(relative(to, length, length) - start, length - at);
      draft.branch.beginWrite('array');
      const moved = Array.from({ length: Math.max(count, 0) }, (_, k) => draft.at(start + k));
      for (let k = 0; k < moved.length; k++) draft.setElement(at + k, moved[k]);
      return this;
    },
    reverse(this: unknown[]): unknown[] {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.reverse.call(this);
      draft.branch.beginWrite('array');
      draft.replaceAll(draft.plain().reverse());
      return this;
    },
    sort(this: unknown[], compare?: (a: unknown, b: unknown) => number): unknown[] {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.sort.call(this, compare);
      if (compare !== undefined && typeof compare !== 'function') {
        throw new TypeError('The comparison function must be either a function or undefined');
      }
      draft.branch.beginWrite('array');
      draft.replaceAll(draft.plain().sort(compare));
      return this;
    },
    values(this: unknown[]): IterableIterator<unknown> {
      const draft = self(this);
      if (draft === undefined) return Array.prototype.values.call(this);
      return new ElementIterator(draft);
    },
  }),
);

const TARGET: unknown[] = Object.defineProperty([], INSPECT, { value: inspectArray, configurable: true });

export function arrayDraft(branch: Branch, carrier: object, key: NodeKey): unknown[] {
  return new Proxy(TARGET, new ArrayDraft(branch, key, carrier));
}
