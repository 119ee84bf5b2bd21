import type { DeltaInput } from '../format/pack-layer.js';
import type { Branch } from './branch.js';
import type { Epoch } from './epoch.js';
import type { NodeKey } from './node-key.js';

/** A node's changes in one branch, owned by the epoch that made it (`owner`, epoch.ts). */
export interface NodeState {
  readonly owner: Epoch;
}

/** The facade of a node in a branch: every draft and snapshot facade answers `value[DRAFT]` with this. */
export interface DraftNode {
  readonly branch: Branch;
  readonly key: NodeKey;
  /** The stored object the draft stands for (branch.ts). */
  readonly carrier: object;
  /** Its changes as a delta over its image base, for `commit` (NodeDraft#deltaInput). */
  deltaInput?(): DeltaInput | undefined;
  /**
   * For a typed-array or DataView draft, which is not a real one: a real copy, for `toJS`, over its
   * region's copy in `copies` (made once per region, so that views of one buffer share it).
   */
  plainCopy?(copies: Map<NodeKey, ArrayBufferLike>): object;
}

export const DRAFT: unique symbol = Symbol('cowshare.draft');

/** A node's parent in its branch and its key there (an index, a property, a Map key). */
export interface Place {
  readonly parent: NodeDraft<NodeState>;
  readonly key: unknown;
}

/** The draft node behind `value`, or undefined when it is not a draft or snapshot facade. */
export function draftOf(value: object): DraftNode | undefined {
  return (value as { [DRAFT]?: DraftNode })[DRAFT];
}

/**
 * What every kind of draft shares: its node, and the state it reads first. `state` is this branch's
 * latest state of the node (undefined: never written in the lineage): only this draft writes the node
 * in this branch, so it can hold the state itself and consult the overrides once, when it is made.
 */
export abstract class NodeDraft<S extends NodeState> implements DraftNode {
  state: S | undefined;
  /** Where this node was first read from in its branch, when patches are recorded (patch-log.ts). */
  place: Place | undefined;

  constructor(
    readonly branch: Branch,
    readonly key: NodeKey,
    readonly carrier: object,
  ) {
    this.state = branch.stateOf(key) as S | undefined;
  }

  /**
   * The node's state, owned by the branch's current epoch, for a write: made on the node's first
   * write, copied on the first write after a snapshot, else the same one, changed in place.
   */
  protected writable(what: string): S {
    const epoch = this.branch.beginWrite(what);
    const state = this.state;
    if (state !== undefined && state.owner === epoch) return state;
    const next = state === undefined ? this.fresh(epoch) : this.copy(state, epoch);
    this.state = next;
    this.branch.put(this.key, next);
    return next;
  }

  /**
   * This node's changes as a delta over its image base, for `commit` (a Map, Set, wide object or
   * array's draft: KEYED_DELTA, ARRAY_DELTA); undefined: the node is written whole.
   */
  deltaInput(): DeltaInput | undefined {
    return undefined;
  }

  /** The state of a node written for the first time: no changes yet. */
  protected abstract fresh(epoch: Epoch): S;
  /** A copy of `state` owned by `epoch`, sharing its persistent parts. */
  protected abstract copy(state: S, epoch: Epoch): S;
}

/**
 * The Proxy traps every draft facade refuses the same way: a draft holds data properties only, keeps
 * its kind's prototype, and cannot be frozen (a snapshot is the frozen version).
 */
export const REFUSED_TRAPS = {
  setPrototypeOf(): boolean {
    throw new TypeError('cowshare: the prototype of a draft cannot be changed');
  },
  preventExtensions(): boolean {
    throw new TypeError('cowshare: a draft cannot be frozen or sealed (take a snapshot instead)');
  },
};

/** The value a `defineProperty` trap may store: a data descriptor's, else a TypeError. */
export function definedValue(descriptor: PropertyDescriptor): unknown {
  if ('get' in descriptor || 'set' in descriptor || !('value' in descriptor)) {
    throw new TypeError('cowshare: a draft holds data properties only');
  }
  return descriptor.value;
}
