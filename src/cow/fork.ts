import { nodeOf } from '../format/node-ref.js';
import type { Shared, Unshared } from '../view/shared.js';
import { Branch } from './branch.js';
import { draftOf } from './draft-node.js';

/**
 * `Draft<T>`: the type of a mutable draft of a `T` (or of a view or snapshot of one): read-only Maps,
 * Sets, arrays and objects become their mutable counterparts.
 */
export type Draft<T> = Unshared<T>;

/**
 * A mutable copy-on-write draft of `base`: an opened image's view, a snapshot, another draft (as it
 * is now), or any plain value. O(1) whatever the base's size: nothing is copied until it is written,
 * and then only what is written (src/cow/branch.ts). The base never changes — treat a plain base as
 * frozen: the draft reads it in place, so changing it afterwards would show through.
 */
export function fork<T>(base: T, options: ForkOptions = {}): Draft<T> {
  if (typeof base !== 'object' || base === null) return base as Draft<T>;
  const draft = draftOf(base);
  if (draft === undefined) return Branch.over(base, options.patches === true).out(base) as Draft<T>;
  const branch = draft.branch.fork(options.patches ?? draft.branch.recording, draft.key);
  return branch.out(draft.carrier) as Draft<T>;
}

export interface ForkOptions {
  /**
   * Record every write, so that `patches(draft)` can give the changes as JSON Patch operations with
   * their inverses (patch-log.ts). Off by default: recording copies each written value. A fork of a
   * recording draft or snapshot records too, and its patches start where the recording began.
   */
  patches?: boolean;
}

/**
 * An immutable view of a draft's current state, in O(1); it stays valid and unchanged forever, while
 * the draft goes on. Backtracking is `fork(saved)`. Writes through a snapshot throw a TypeError.
 * A view (already immutable) or a primitive is returned as it is; a plain value gets a snapshot of
 * its own, reading it in place (so treat it as frozen, as for `fork`).
 */
export function snapshot<T>(value: T): Shared<T> {
  if (typeof value !== 'object' || value === null || nodeOf(value) !== undefined) return value as Shared<T>;
  const draft = draftOf(value);
  if (draft === undefined) return snapshot(fork(value)) as Shared<T>;
  return draft.branch.snapshot().out(draft.carrier) as Shared<T>;
}
