import type { Branch } from './branch.js';
import { draftOf } from './draft-node.js';

/**
 * The drafts a draft has shown for the entries of its image base, by entry index, so that reading a
 * child again, or iterating, costs an array read instead of a look-up of the child's node among all
 * of the branch's drafts (a random access into a large Map: most of a read's cost, measured).
 *
 * Sound because the base never changes and a node has one draft per branch: once base entry `i` has
 * shown a draft, it shows that draft for as long as the branch lives. (A written entry is read from
 * the node's state, before the base is consulted.) Only drafts are kept (`keepShown`): other values
 * are decoded on every read, and a fresh copy of a RegExp or an ArrayBuffer must stay fresh.
 *
 * The array is made once one entry in DENSE_AFTER has shown a draft; until then the branch's drafts
 * answer. A fork that reads a few children of a 100k-entry node pays nothing here, and the array,
 * once made, costs at most 8 × DENSE_AFTER bytes per draft it indexes (a draft costs more). Owners
 * make this object at their first kept draft, so reading a node with no container children (a leaf
 * record) never touches it.
 */
const DENSE_AFTER = 16;

export class ChildDrafts {
  private dense: (object | undefined)[] | undefined;
  private kept = 0;

  constructor(private readonly count: number) {}

  /** The draft entry `i` showed, if it is known here. */
  at(i: number): object | undefined {
    return this.dense === undefined ? undefined : this.dense[i];
  }

  /** Notes that entry `i` showed `draft`. */
  keep(i: number, draft: object): void {
    if (this.dense === undefined) {
      if (++this.kept * DENSE_AFTER < this.count) return;
      this.dense = new Array<object | undefined>(this.count).fill(undefined);
    }
    this.dense[i] = draft;
  }
}

/**
 * The children of an owner of `count` entries after entry `i` showed `shown` in `branch`: noted there
 * (the children made at the first) when it is a draft of `branch`, else as they were.
 */
export function keepShown(
  children: ChildDrafts | undefined,
  count: number,
  i: number,
  shown: unknown,
  branch: Branch,
): ChildDrafts | undefined {
  if (!isDraftIn(shown, branch)) return children;
  const kept = children ?? new ChildDrafts(count);
  kept.keep(i, shown);
  return kept;
}

/** Whether `value` is a draft (or snapshot facade) of `branch`. */
export function isDraftIn(value: unknown, branch: Branch): value is object {
  return typeof value === 'object' && value !== null && draftOf(value)?.branch === branch;
}
