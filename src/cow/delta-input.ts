import type { KeyedDelta } from '../format/keyed-delta.js';
import { nodeOf } from '../format/node-ref.js';
import { KeyedDeltaInput } from '../format/pack-layer.js';
import type { Address } from '../format/reader.js';

/** A change of the entry at virtual index `index` of a Map, Set or wide object's view. */
export interface IndexedChange {
  readonly index: number;
  readonly key: unknown;
  readonly value: unknown;
  readonly deleted: boolean;
}

/**
 * A container commits as a delta (KEYED_DELTA, ARRAY_DELTA) while its changes are under
 * 1 / DELTA_MAX_SHARE of its base: past that a copy reads faster (no second look-up) for little more
 * space.
 */
export const DELTA_MAX_SHARE = 4;

/** What a draft's view base is, for `deltaOver`. */
export interface DeltaBase {
  /** The MAP, SET or DICT node the view reads, and its entries. */
  readonly node: Address;
  readonly count: number;
  /** The view's own delta over `node`, if it reads one. */
  readonly delta: KeyedDelta | undefined;
  /** The view's key at virtual index `i`, and its value there (a live one: as stored, a view or primitive). */
  key(i: number): unknown;
  value(i: number): unknown;
}

/**
 * The KEYED_DELTA (FORMAT.md §7) a draft commits as: its `changes` (at virtual indices of its view,
 * in any order) and `added` entries (in order) over `base`, merged with the view's own delta, so
 * that a delta's base is never a delta. Undefined where a copy is the better layer: changes that are
 * not few next to the base, or a key the earlier delta deleted added again (it moves to the end, and
 * a delta holds each key once).
 */
export function deltaOver(
  base: DeltaBase,
  isSet: boolean,
  size: number,
  changes: readonly IndexedChange[],
  added: readonly { key: unknown; value: unknown }[],
): KeyedDeltaInput | undefined {
  const byIndex = new Map<number, IndexedChange>();
  const earlier = base.delta;
  /** The keys of base entries the earlier delta deleted: adding one again moves it to the end. */
  const gone = new Set<unknown>();
  if (earlier !== undefined) {
    for (let e = 0; e < earlier.count; e++) {
      const index = e < earlier.changed ? earlier.indexAt(e) : base.count + e - earlier.changed;
      const deleted = !earlier.live(index);
      const key = base.key(index);
      byIndex.set(index, { index, key, value: deleted ? undefined : base.value(index), deleted });
      if (deleted && index < base.count) gone.add(identity(key));
    }
  }
  if (added.some((entry) => gone.has(identity(entry.key)))) return undefined;
  for (const change of changes) byIndex.set(change.index, change);
  const changed: IndexedChange[] = [];
  const appended: { key: unknown; value: unknown }[] = [];
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const change = byIndex.get(index)!;
    // Past the base: an entry the earlier delta appended, kept in its place unless deleted now.
    if (index < base.count) changed.push(change);
    else if (!change.deleted) appended.push(change);
  }
  appended.push(...added);
  if ((changed.length + appended.length) * DELTA_MAX_SHARE >= base.count) return undefined;
  return new KeyedDeltaInput(base.node, isSet, size, changed, appended);
}

/** What a key is compared by: a primitive as itself, a view by its node's address. */
function identity(key: unknown): unknown {
  return nodeOf(key)?.address ?? key;
}
