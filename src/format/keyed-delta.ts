import { corrupt } from '../errors.js';
import { hashIndexWords } from './hash.js';
import { Const, constantSlot, DELTA_HEAD, DELTA_STRIDE, KIND_MASK, Kind } from './layout.js';
import { type Address, addressOf, type Reader, segmentOfAddress } from './reader.js';

/** The value slot of a base entry the delta deletes. */
export const DELETED_SLOT = constantSlot(Const.Absent);

/**
 * A KEYED_DELTA node (FORMAT.md §7): a layer's changes to a MAP, SET or DICT of a lower layer, in place
 * of a copy of it, so that a commit's new bytes grow with the changes. Its first `changed` entries
 * change base entries (base index ascending: a new value, or deleted); the rest are appended, in
 * order. Entries are found by a *virtual index*: base entry `i` is index `i`, appended entry `k` is
 * `baseCount + k`; the index of a deleted base entry is not live.
 *
 * Checked when read: the base is a MAP, SET or DICT in a lower layer, the body lies in its segment, the
 * counts agree. `verify` checks the rest (indices ascending and in range, keys that match the base's
 * or are new to it, the size). Views look keys up in its entries (KeyedView), then in the base.
 */
export class KeyedDelta {
  /** The MAP, SET or DICT node changed (never itself a delta). */
  readonly base: Address;
  readonly baseKind: Kind.Map | Kind.Set | Kind.Dict;
  readonly baseCount: number;
  /** Entries in the changed Map or Set. */
  readonly size: number;
  readonly count: number;
  /** How many entries change base entries (the first ones). */
  readonly changed: number;
  readonly segment: number;
  /** Word index of entry 0. */
  readonly first: number;
  /** Word index of the hash index's capacity word, or -1. */
  readonly hashAt: number;

  constructor(
    readonly reader: Reader,
    readonly address: Address,
  ) {
    const count = reader.count(address);
    const body = reader.need(address, DELTA_HEAD + DELTA_STRIDE * count + hashIndexWords(count));
    this.segment = segmentOfAddress(address);
    const words = reader.words[this.segment]!;
    this.base = deltaBase(reader, address, words[body]!, words[body + 1]!);
    this.baseKind = (reader.header(this.base) & KIND_MASK) as Kind.Map | Kind.Set | Kind.Dict;
    this.baseCount = reader.count(this.base);
    this.size = words[body + 2]!;
    this.changed = words[body + 3]!;
    this.count = count;
    this.first = body + DELTA_HEAD;
    if (this.changed > count || this.size > this.baseCount + count - this.changed) {
      throw corrupt(reader.where(address), 'entry counts that do not add up');
    }
    this.hashAt = reader.hashIndex(address, this.first + DELTA_STRIDE * count, count);
  }

  /** How many virtual indices there are: the base's entries, then the appended ones. */
  get span(): number {
    return this.baseCount + this.count - this.changed;
  }

  /** The entry that holds virtual index `i`, or -1 when `i` is a base entry the delta leaves. */
  entryAt(i: number): number {
    if (i >= this.baseCount) {
      const e = this.changed + (i - this.baseCount);
      if (e >= this.count) throw corrupt(this.reader.where(this.address), `index ${i} is past its entries`);
      return e;
    }
    const words = this.reader.words[this.segment]!;
    let lo = 0;
    let hi = this.changed - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = words[this.first + DELTA_STRIDE * mid + 2]!;
      if (at < i) lo = mid + 1;
      else if (at > i) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** The base index entry `e` (one of the first `changed`) changes. */
  indexAt(e: number): number {
    return this.reader.words[this.segment]![this.word(e) + 2]!;
  }

  /** The word index of entry `e`'s key slot (its value slot is the next). */
  word(e: number): number {
    return this.first + DELTA_STRIDE * e;
  }

  /**
   * The word (in `segment`) of the slot the delta holds for virtual index `i` — its key (`part` 0) or
   * value (1) — or -1 when `i` is a base entry it leaves: read the base's.
   */
  wordAt(i: number, part: 0 | 1): number {
    const e = this.entryAt(i);
    return e < 0 ? -1 : this.word(e) + part;
  }

  /** Whether virtual index `i` holds an entry (is not a deleted base entry). */
  live(i: number): boolean {
    const e = this.entryAt(i);
    return e < 0 || this.reader.words[this.segment]![this.word(e) + 1] !== DELETED_SLOT;
  }

  /**
   * The virtual index of delta entry `e` (found by its key), -1 when it deletes its base entry: what
   * a look-up of its key gives.
   */
  indexOfEntry(e: number): number {
    if (e >= this.changed) return this.baseCount + e - this.changed;
    const words = this.reader.words[this.segment]!;
    if (words[this.word(e) + 1] === DELETED_SLOT) return -1;
    const index = words[this.word(e) + 2]!;
    if (index >= this.baseCount)
      throw corrupt(this.reader.where(this.address), `change ${e} is past its base`);
    return index;
  }
}

/**
 * The base of the KEYED_DELTA at `address`, from its raw (offset, segment) words: not resolved
 * through redirects, since the redirect to the delta itself replaces it. It must be a MAP, SET or DICT
 * in a segment of a lower layer.
 */
function deltaBase(reader: Reader, address: Address, offset: number, segment: number): Address {
  const own = segmentOfAddress(address);
  if (segment >= reader.layerAt(own).first || segment >= reader.words.length) {
    throw corrupt(reader.where(address), 'its base is not in a lower layer');
  }
  const base = addressOf(segment, offset);
  const kind = reader.header(base) & KIND_MASK;
  if (kind !== Kind.Map && kind !== Kind.Set && kind !== Kind.Dict) {
    throw corrupt(reader.where(address), 'its base is not a MAP, SET or DICT');
  }
  return base;
}
