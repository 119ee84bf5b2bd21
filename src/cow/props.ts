import { isArrayIndex } from '../format/array-index.js';
import { hashString } from '../format/hash.js';
import { ABSENT, type ObjectBase } from './draft-base.js';
import type { Epoch } from './epoch.js';
import { HashTrie } from './hash-trie.js';

/** The value of a property deleted in a draft (it may be in the base). */
export const DELETED: unique symbol = Symbol('cowshare.deleted');
/** What `changed` returns for a property the draft has not changed. */
export const UNCHANGED: unique symbol = Symbol('cowshare.unchanged');

/**
 * A changed own property. `seq` says where it enumerates: 0 in its base key's place (a base property
 * set again), else after every base key, in the order of `seq` (a property added, or deleted and added
 * again, which moves it to the end, as in a plain object).
 */
interface Prop {
  readonly value: unknown;
  readonly seq: number;
}

/**
 * Own properties over a base object: the persistent record of the changed ones. Copying it is O(1)
 * (its trie is shared); a change costs O(log n) in the number of changed properties, whatever the
 * base's width.
 */
export class Props {
  /** `Object.keys` order, made when asked and kept until the next change. */
  private keyList: string[] | undefined;

  constructor(
    private changes: HashTrie<string, Prop>,
    private lastSeq: number,
  ) {}

  static empty(): Props {
    return new Props(HashTrie.empty(), 0);
  }

  copy(): Props {
    return new Props(this.changes, this.lastSeq);
  }

  /** Own property `key`'s value as changed (ABSENT when deleted), or UNCHANGED: read the base. */
  changed(key: string): unknown {
    const prop = this.changes.get(key, hashString(key));
    if (prop === undefined) return UNCHANGED;
    return prop.value === DELETED ? ABSENT : prop.value;
  }

  /** Own property `key`'s value, or ABSENT. */
  get(base: ObjectBase, key: string): unknown {
    const prop = this.changes.get(key, hashString(key));
    if (prop === undefined) return base.get(key);
    return prop.value === DELETED ? ABSENT : prop.value;
  }

  has(base: ObjectBase, key: string): boolean {
    const prop = this.changes.get(key, hashString(key));
    return prop === undefined ? base.has(key) : prop.value !== DELETED;
  }

  /** Sets `key` (or deletes it, with DELETED); whether it changed anything. */
  set(base: ObjectBase, key: string, value: unknown, epoch: Epoch): boolean {
    const hash = hashString(key);
    const prior = this.changes.get(key, hash);
    const present = prior === undefined ? base.has(key) : prior.value !== DELETED;
    if (value === DELETED) {
      if (!present) return false;
      // A base key must stay hidden; a key of the draft's own can simply go.
      this.changes = base.has(key)
        ? this.changes.set(key, hash, { value: DELETED, seq: 0 }, epoch)
        : this.changes.delete(key, hash, epoch);
    } else {
      if (present && Object.is(this.get(base, key), value)) return false;
      const seq = present ? (prior?.seq ?? 0) : ++this.lastSeq;
      this.changes = this.changes.set(key, hash, { value, seq }, epoch);
    }
    this.keyList = undefined;
    return true;
  }

  /** How many properties are changed. */
  get size(): number {
    return this.changes.size;
  }

  /** Calls `visit` with each changed property: its key, value (DELETED when deleted) and `seq`. */
  forEachChange(visit: (key: string, value: unknown, seq: number) => void): void {
    this.changes.forEach((prop, key) => {
      visit(key, prop.value, prop.seq);
    });
  }

  /** Own keys in `Object.keys` order: array indices ascending, then the rest in creation order. */
  keys(base: ObjectBase): readonly string[] {
    if (this.keyList !== undefined) return this.keyList;
    let keys: string[] = [];
    for (const key of base.keys()) {
      const prop = this.changes.get(key, hashString(key));
      if (prop === undefined || (prop.seq === 0 && prop.value !== DELETED)) keys.push(key);
    }
    const added: Prop[] = [];
    const names = new Map<Prop, string>();
    this.changes.forEach((prop, key) => {
      if (prop.seq > 0) {
        added.push(prop);
        names.set(prop, key);
      }
    });
    added.sort((a, b) => a.seq - b.seq);
    for (const prop of added) keys.push(names.get(prop)!);
    if (added.some((prop) => isArrayIndex(names.get(prop)!))) {
      const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
      keys = indices.concat(keys.filter((key) => !isArrayIndex(key)));
    }
    this.keyList = keys;
    return keys;
  }
}
