// The drafts of Maps and Sets: one KeyedNode (the changed entries over the base, in a persistent
// trie, iteration order kept by sequence numbers) behind the Map and Set facades, and the cursor that
// iterates base and changes in order. One concept, kept whole: the facades only forward to the node.
import { nodeOf, PACK_AS } from '../format/node-ref.js';
import type { KeyedDeltaInput } from '../format/pack-layer.js';
import { INSPECT, inspectKeyed } from '../view/inspect.js';
import { KeyedView, type SlotShow } from '../view/keyed-view.js';
import type { Branch } from './branch.js';
import { type ChildDrafts, keepShown } from './child-drafts.js';
import { deltaOver, type IndexedChange } from './delta-input.js';
import { ABSENT } from './draft-base.js';
import { DRAFT, NodeDraft, type NodeState } from './draft-node.js';
import type { Epoch } from './epoch.js';
import { HashTrie } from './hash-trie.js';
import { hashKey, type NodeKey, tokenOf } from './node-key.js';
import { recordChild, type Step } from './patch-log.js';

/** What a Map or Set draft reads of its base: a Map or Set, a view of one, or a snapshot of one. */
interface KeyedBase {
  readonly size: number;
  has(key: unknown): boolean;
  get?(key: unknown): unknown;
  [Symbol.iterator](): Iterator<unknown>;
}

/**
 * A changed entry. `seq` says where it iterates: 0 in its base key's place (a base key set again, or
 * deleted), else after the base's entries in the order of `seq` (a key added, or deleted and added
 * again, which moves it to the end, as in a native Map).
 */
interface Entry {
  readonly key: unknown;
  readonly value: unknown;
  readonly seq: number;
  readonly deleted: boolean;
}

/** A changed entry whose key is base entry `index`'s. */
interface BaseChange {
  readonly index: number;
  readonly entry: Entry;
}

/** A Map's or Set's changes in one branch. `cleared`: the base's entries are all gone. */
class KeyedState implements NodeState {
  /** The added entries in iteration order, made when asked and kept until the next change. */
  added: Entry[] | undefined;
  /** For a view base: the changed entries of base keys, by ascending index; made and kept as `added`. */
  baseChanges: BaseChange[] | undefined;
  /** The ids of the changed entries (`entryId`), in a native Set: a cheap test for most base keys. */
  changedIds: Set<unknown> | undefined;

  constructor(
    readonly owner: Epoch,
    public entries: HashTrie<unknown, Entry>,
    public size: number,
    public lastSeq: number,
    public cleared: boolean,
  ) {}

  /** Drops what was made from the entries; every change calls it. */
  forget(): void {
    this.added = this.baseChanges = this.changedIds = undefined;
  }
}

/**
 * The node behind a Map or Set draft: reads look at the changed entries first, then the base; a
 * write costs O(log n) in the number of changed entries, whatever the base's size. Keys compare as
 * in a native Map (SameValueZero; objects by identity, a view's by its node).
 */
class KeyedNode extends NodeDraft<KeyedState> {
  private readonly base: KeyedBase;

  /** `Branch#outSlot`, bound once: how a view's raw slots become what readers see. */
  private readonly show: SlotShow;
  /** The drafts shown for a view base's entries (child-drafts.ts). */
  private children: ChildDrafts | undefined;

  constructor(
    branch: Branch,
    key: NodeKey,
    carrier: object,
    readonly isSet: boolean,
  ) {
    super(branch, key, carrier);
    this.base = carrier as KeyedBase;
    this.show = (reader, segment, slot) => branch.outSlot(reader, segment, slot);
  }

  protected fresh(epoch: Epoch): KeyedState {
    return new KeyedState(epoch, HashTrie.empty(), this.base.size, 0, false);
  }

  protected copy(state: KeyedState, epoch: Epoch): KeyedState {
    return new KeyedState(epoch, state.entries, state.size, state.lastSeq, state.cleared);
  }

  get size(): number {
    return this.state === undefined ? this.base.size : this.state.size;
  }

  /** The changed entry of stored key `key` (undefined: unchanged, read the base). */
  private entry(key: unknown): Entry | undefined {
    const id = entryId(key);
    return this.state?.entries.get(id, hashKey(id));
  }

  /**
   * The key under which the base holds a key — `stored` as `in` made it, `given` as the caller gave
   * it — or ABSENT. A Map or Set written into the draft may hold drafts of this branch as keys: it
   * has the draft, not the carrier the draft stands for.
   */
  private baseKey(stored: unknown, given: unknown): unknown {
    if (this.state?.cleared === true) return ABSENT;
    if (this.base.has(stored)) return stored;
    return given !== stored && this.base.has(given) ? given : ABSENT;
  }

  /**
   * The stored value now of stored key `stored` (`given` as the caller gave it), or ABSENT: the
   * changed entry's, else the base's (a Set's member is its own value).
   */
  private current(stored: unknown, given: unknown, entry = this.entry(stored)): unknown {
    if (entry !== undefined) return entry.deleted ? ABSENT : entry.value;
    const baseKey = this.baseKey(stored, given);
    if (baseKey === ABSENT) return ABSENT;
    return this.isSet ? stored : this.base.get!(baseKey);
  }

  has(key: unknown): boolean {
    const stored = this.branch.in(key);
    const entry = this.entry(stored);
    return entry === undefined ? this.baseKey(stored, key) !== ABSENT : !entry.deleted;
  }

  get(key: unknown): unknown {
    const stored = this.branch.in(key);
    const entry = this.entry(stored);
    const view = this.view;
    if (entry === undefined && view !== undefined && this.state?.cleared !== true) {
      const i = view.indexOf(stored);
      return i < 0 ? undefined : this.showAt(i);
    }
    const value = this.current(stored, key, entry);
    if (value === ABSENT) return undefined;
    return this.branch.out(value, this, stored);
  }

  /** A view base's entry `i`: its value (a Set's member) as this branch shows it. */
  showAt(i: number): unknown {
    const view = this.view!;
    const known = this.children?.at(i);
    if (known !== undefined) return known;
    // Recording, a draft made here keeps its place: its entry's key (Branch#out).
    const show: SlotShow = this.branch.recording
      ? (reader, segment, slot) => this.branch.outSlot(reader, segment, slot, this, view.item(i, 0))
      : this.show;
    const shown = view.showItem(i, show);
    this.children = keepShown(this.children, view.span, i, shown, this.branch);
    return shown;
  }

  set(key: unknown, value: unknown): void {
    const storedKey = normalize(this.branch.in(key));
    const storedValue = this.isSet ? storedKey : this.branch.in(value);
    this.branch.beginWrite(this.isSet ? 'Set' : 'Map');
    const prior = this.entry(storedKey);
    const now = this.current(storedKey, key, prior);
    const present = now !== ABSENT;
    if (present && this.branch.same(now, storedValue)) return;
    const recorded = recordChild(
      this,
      { mapKey: storedKey },
      now,
      storedValue,
      this.isSet ? key : value,
      ABSENT,
    );
    const state = this.writable(this.isSet ? 'Set' : 'Map');
    // A key keeps its place while present; one that was absent goes to the end.
    const seq = present ? (prior?.seq ?? 0) : ++state.lastSeq;
    const entryKey = prior?.key ?? storedKey;
    this.put(state, entryKey, { key: entryKey, value: storedValue, seq, deleted: false });
    if (!present) state.size++;
    recorded();
  }

  delete(key: unknown): boolean {
    const stored = normalize(this.branch.in(key));
    this.branch.beginWrite(this.isSet ? 'Set' : 'Map');
    const prior = this.entry(stored);
    const before = this.current(stored, key, prior);
    if (before === ABSENT) return false;
    const recorded = recordChild(this, { mapKey: stored }, before, ABSENT, undefined, ABSENT);
    const state = this.writable(this.isSet ? 'Set' : 'Map');
    const id = entryId(stored);
    if (this.baseKey(stored, key) !== ABSENT) {
      this.put(state, stored, { key: prior?.key ?? stored, value: undefined, seq: 0, deleted: true });
    } else {
      state.entries = state.entries.delete(id, hashKey(id), this.branch.epoch);
      state.forget();
    }
    state.size--;
    recorded();
    return true;
  }

  clear(): void {
    this.branch.beginWrite(this.isSet ? 'Set' : 'Map');
    if (this.size === 0) return;
    // A patch per entry (RFC 6902 has no clear), their inverses made once the Map is empty.
    const recorded = this.branch.recording
      ? ([...this.entries()] as [unknown, unknown][]).map(([key, value]) =>
          recordChild(
            this,
            { mapKey: this.branch.in(key) },
            this.branch.in(value),
            ABSENT,
            undefined,
            ABSENT,
          ),
        )
      : [];
    const state = this.writable(this.isSet ? 'Set' : 'Map');
    state.entries = HashTrie.empty();
    state.cleared = true;
    state.size = 0;
    state.forget();
    for (const done of recorded) done();
  }

  /** Where the node `child`, read from the entry of `key` (a Set: the member itself), is now. */
  locate(child: NodeKey, key: unknown): Step | undefined {
    const holds = (stored: unknown) =>
      typeof stored === 'object' && stored !== null && this.branch.keyOf(stored) === child;
    if (!this.isSet) return holds(this.current(key, key)) ? { mapKey: key } : undefined;
    let i = 0;
    for (const member of this.keys()) {
      if (holds(this.branch.in(member))) return { member: i };
      i++;
    }
    return undefined;
  }

  private put(state: KeyedState, key: unknown, entry: Entry): void {
    const id = entryId(key);
    state.entries = state.entries.set(id, hashKey(id), entry, this.branch.epoch);
    state.forget();
  }

  /** The added entries, in iteration order (a new array after every change). */
  added(): readonly Entry[] {
    const state = this.state;
    if (state === undefined) return NONE;
    if (state.added === undefined) {
      const added: Entry[] = [];
      state.entries.forEach((entry) => {
        if (entry.seq > 0) added.push(entry);
      });
      state.added = added.sort((a, b) => a.seq - b.seq);
    }
    return state.added;
  }

  /** The changed entry of base key `key`, or undefined when it is unchanged. */
  changedAt(key: unknown): Entry | undefined {
    const state = this.state;
    if (state === undefined || state.entries.size === 0) return undefined;
    const id = entryId(typeof key === 'object' ? this.branch.in(key) : key);
    if (state.changedIds === undefined) {
      const ids = new Set<unknown>();
      state.entries.forEach((_entry, changed) => {
        ids.add(changed);
      });
      state.changedIds = ids;
    }
    return state.changedIds.has(id) ? state.entries.get(id, hashKey(id)) : undefined;
  }

  /**
   * A plain (or snapshot) base's entry at position `p` of its iteration, whose key is `key` and value
   * `value` (a Set's member), as this branch shows it. The base's order never changes, so its
   * positions index the shown drafts as a view's entry indices do.
   */
  showIterated(p: number, key: unknown, value: unknown): unknown {
    const known = this.children?.at(p);
    if (known !== undefined) return known;
    const shown = this.branch.out(value, this, key);
    this.children = keepShown(this.children, this.base.size, p, shown, this.branch);
    return shown;
  }

  /**
   * A view base's changed keys, by ascending index (a new array after every change): a cursor walks
   * them beside the base, so that an unchanged entry costs no look-up of its key (nor a decode of it,
   * for values and Set members).
   */
  baseChanges(): readonly BaseChange[] {
    const state = this.state;
    if (state === undefined) return NONE;
    if (state.baseChanges === undefined) {
      const changes: BaseChange[] = [];
      const view = this.view!;
      state.entries.forEach((entry) => {
        const index = view.indexOf(entry.key);
        if (index >= 0) changes.push({ index, entry });
      });
      state.baseChanges = changes.sort((a, b) => a.index - b.index);
    }
    return state.baseChanges;
  }

  /**
   * This draft's changes as a KEYED_DELTA over the MAP or SET its view base reads (delta-input.ts),
   * for `commit`; undefined where a copy is the better layer: a base that is no view, a cleared one,
   * a base key moved to the end (deleted and set again), or many changes.
   */
  override deltaInput(): KeyedDeltaInput | undefined {
    const view = this.view;
    const state = this.state;
    if (view === undefined || state === undefined || state.cleared) return undefined;
    const changes: IndexedChange[] = [];
    for (const { index, entry } of this.baseChanges()) {
      if (entry.seq > 0) return undefined; // moved to the end
      changes.push({ index, key: entry.key, value: entry.value, deleted: entry.deleted });
    }
    const base = {
      node: view.baseNode,
      count: view.delta?.baseCount ?? view.span,
      delta: view.delta,
      key: (i: number) => view.item(i, 0),
      value: (i: number) => view.item(i, 1),
    };
    return deltaOver(base, this.isSet, this.size, changes, this.added());
  }

  entries(): KeyedCursor {
    return new KeyedCursor(this, Part.Entry);
  }

  keys(): KeyedCursor {
    return new KeyedCursor(this, Part.Key);
  }

  values(): KeyedCursor {
    return new KeyedCursor(this, Part.Value);
  }

  /** The base, read by index when it is a view (so values resolve to drafts without decoding). */
  get view(): KeyedView | undefined {
    return this.base instanceof KeyedView ? this.base : undefined;
  }

  /** The base's own iterator, when it is not a view. */
  baseIterator(): Iterator<unknown> {
    return this.base[Symbol.iterator]();
  }

  get cleared(): boolean {
    return this.state?.cleared === true;
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** Which part of an entry a cursor yields. */
enum Part {
  Key = 0,
  Value = 1,
  Entry = 2,
}

/**
 * Iterates a Map or Set draft: the base's entries in their order (with their changed values, without
 * the deleted ones), then the added entries. A plain object with `next`, cheaper than generators.
 *
 * Writes during the iteration are seen as a native Map's iterator sees them (a key deleted before it
 * is reached is not visited, one added is): the lists a cursor walks are the node's current ones,
 * fetched again at every step (the same array until the node changes), and a cursor's position is
 * a base index or an added entry's `seq`, which no write moves.
 */
class KeyedCursor implements IterableIterator<unknown> {
  /** Position in the base (a view's index), then in `added`. */
  private i = 0;
  private inBase: boolean;
  private readonly view: KeyedView | undefined;
  private readonly iterator: Iterator<unknown> | undefined;
  /** A view base's changed keys, and the first of them not passed yet. */
  private changes: readonly BaseChange[] = NONE;
  private nextChange = 0;
  private added: readonly Entry[] = NONE;
  /** The `seq` of the last added entry visited. */
  private lastSeq = 0;

  constructor(
    private readonly node: KeyedNode,
    private readonly part: Part,
  ) {
    this.inBase = !node.cleared;
    this.view = node.view;
    this.iterator = this.view === undefined && this.inBase ? node.baseIterator() : undefined;
  }

  next(): IteratorResult<unknown, undefined> {
    while (this.inBase && !this.node.cleared) {
      const step = this.view === undefined ? this.nextOfIterator() : this.nextOfView();
      if (step !== undefined) return step;
    }
    this.inBase = false;
    const added = this.node.added();
    if (added !== this.added) {
      this.added = added;
      this.i = 0;
      while (this.i < added.length && added[this.i]!.seq <= this.lastSeq) this.i++;
    }
    if (this.i >= added.length) return { done: true, value: undefined };
    const entry = added[this.i++]!;
    this.lastSeq = entry.seq;
    return this.result(entry);
  }

  /** The next base entry of a view, or undefined to go on (a deleted entry; the end of the base). */
  private nextOfView(): IteratorResult<unknown, undefined> | undefined {
    const view = this.view!;
    while (this.i < view.span && !view.live(this.i)) this.i++;
    if (this.i >= view.span) return this.endOfBase();
    const index = this.i++;
    const changes = this.node.baseChanges();
    if (changes !== this.changes) {
      this.changes = changes;
      this.nextChange = 0;
      while (this.nextChange < changes.length && changes[this.nextChange]!.index < index) this.nextChange++;
    }
    const change = changes[this.nextChange];
    if (change?.index === index) {
      this.nextChange++;
      return this.changed(change.entry);
    }
    const branch = this.node.branch;
    if (this.part === Part.Key)
      return {
        done: false,
        value: this.node.isSet ? this.node.showAt(index) : branch.out(view.item(index, 0)),
      };
    const value = this.node.showAt(index);
    if (this.part === Part.Value) return { done: false, value };
    return { done: false, value: [this.node.isSet ? value : branch.out(view.item(index, 0)), value] };
  }

  /** The next base entry of a plain or snapshot base, or undefined to go on. */
  private nextOfIterator(): IteratorResult<unknown, undefined> | undefined {
    const step = this.iterator!.next();
    if (step.done) return this.endOfBase();
    const node = this.node;
    const [key, value] = node.isSet ? [step.value, step.value] : (step.value as [unknown, unknown]);
    const position = this.i++;
    const entry = node.changedAt(key);
    if (entry !== undefined) return this.changed(entry);
    if (this.part === Part.Key && !node.isSet) return { done: false, value: node.branch.out(key) };
    const shown = node.showIterated(position, key, value);
    if (this.part !== Part.Entry) return { done: false, value: shown };
    return { done: false, value: [node.isSet ? shown : node.branch.out(key), shown] };
  }

  /** A base key's changed entry: its result, or undefined when it was deleted or moved to the end. */
  private changed(entry: Entry): IteratorResult<unknown, undefined> | undefined {
    return entry.seq === 0 && !entry.deleted ? this.result(entry) : undefined;
  }

  private endOfBase(): undefined {
    this.inBase = false;
    return undefined;
  }

  /** The result for a changed or added entry. */
  private result(entry: Entry): IteratorResult<unknown, undefined> {
    const branch = this.node.branch;
    if (this.part === Part.Key) return { done: false, value: branch.out(entry.key) };
    const value = branch.out(entry.value, this.node, entry.key);
    return { done: false, value: this.part === Part.Value ? value : [branch.out(entry.key), value] };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** Map#set stores -0 as 0. */
function normalize(key: unknown): unknown {
  return key === 0 ? 0 : key;
}

/** The key of an entry in the trie: a primitive as itself, an object by identity (a view by its node). */
function entryId(key: unknown): unknown {
  if (typeof key !== 'object' || key === null) return normalize(key);
  const node = nodeOf(key);
  return node === undefined ? key : tokenOf(node.reader, node.address);
}

/** The draft of a Map: the Map API over a KeyedNode, which it hides (a native Map has no own keys). */
export class MapDraft<K = unknown, V = unknown> implements Map<K, V> {
  readonly #node: KeyedNode;

  constructor(node: KeyedNode) {
    this.#node = node;
  }

  get [DRAFT](): KeyedNode {
    return this.#node;
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  get [PACK_AS](): 'Map' {
    return 'Map';
  }

  get size(): number {
    return this.#node.size;
  }

  get(key: K): V | undefined {
    return this.#node.get(key) as V | undefined;
  }

  has(key: K): boolean {
    return this.#node.has(key);
  }

  set(key: K, value: V): this {
    this.#node.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#node.delete(key);
  }

  clear(): void {
    this.#node.clear();
  }

  entries(): MapIterator<[K, V]> {
    return this.#node.entries() as MapIterator<[K, V]>;
  }

  keys(): MapIterator<K> {
    return this.#node.keys() as MapIterator<K>;
  }

  values(): MapIterator<V> {
    return this.#node.values() as MapIterator<V>;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#node.entries() as Iterable<[K, V]>)
      callback.call(thisArg, value, key, this);
  }

  /** As `JSON.stringify` shows a native Map. */
  toJSON(): object {
    return {};
  }
}

/** The draft of a Set. */
export class SetDraft<T = unknown> implements Set<T> {
  readonly #node: KeyedNode;

  constructor(node: KeyedNode) {
    this.#node = node;
  }

  get [DRAFT](): KeyedNode {
    return this.#node;
  }

  get [Symbol.toStringTag](): string {
    return 'Set';
  }

  get [PACK_AS](): 'Set' {
    return 'Set';
  }

  get size(): number {
    return this.#node.size;
  }

  has(value: T): boolean {
    return this.#node.has(value);
  }

  add(value: T): this {
    this.#node.set(value, value);
    return this;
  }

  delete(value: T): boolean {
    return this.#node.delete(value);
  }

  clear(): void {
    this.#node.clear();
  }

  values(): SetIterator<T> {
    return this.#node.keys() as SetIterator<T>;
  }

  keys(): SetIterator<T> {
    return this.values();
  }

  entries(): SetIterator<[T, T]> {
    return this.#node.entries() as SetIterator<[T, T]>;
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }

  forEach(callback: (value: T, key: T, set: Set<T>) => void, thisArg?: unknown): void {
    for (const value of this.#node.keys()) callback.call(thisArg, value as T, value as T, this);
  }

  toJSON(): object {
    return {};
  }
}

for (const proto of [MapDraft.prototype, SetDraft.prototype]) {
  Object.defineProperty(proto, INSPECT, { value: inspectKeyed });
}

export function mapDraft(branch: Branch, carrier: object, key: NodeKey): MapDraft {
  return new MapDraft(new KeyedNode(branch, key, carrier, false));
}

export function setDraft(branch: Branch, carrier: object, key: NodeKey): SetDraft {
  return new SetDraft(new KeyedNode(branch, key, carrier, true));
}
