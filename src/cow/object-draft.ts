import { isArrayIndex } from '../format/array-index.js';
import type { KeyedDeltaInput } from '../format/pack-layer.js';
import { INSPECT, inspectObject } from '../view/inspect.js';
import type { Branch } from './branch.js';
import { deltaOver, type IndexedChange } from './delta-input.js';
import { ABSENT, type ObjectBase, objectBase } from './draft-base.js';
import { DRAFT, definedValue, NodeDraft, type NodeState, REFUSED_TRAPS } from './draft-node.js';
import type { Epoch } from './epoch.js';
import type { NodeKey } from './node-key.js';
import { recordChild, type Step } from './patch-log.js';
import { DELETED, Props, UNCHANGED } from './props.js';

/** An object's changes in one branch. */
class ObjectState implements NodeState {
  constructor(
    readonly owner: Epoch,
    readonly props: Props,
  ) {}
}

/**
 * The draft of a plain object: a Proxy whose handler is the node's draft, so that property reads and
 * writes, `in`, `delete`, `Object.keys`, spread and `JSON.stringify` all work as on a plain object.
 * Reads look at the node's changed properties first, then its base; writes go to the changes only.
 * Keys are data: `__proto__`, `constructor` and `prototype` are properties like any other, never a
 * way to a prototype. The target is one shared empty object, never changed.
 */
class ObjectDraft extends NodeDraft<ObjectState> implements ProxyHandler<object> {
  private readonly base: ObjectBase;

  constructor(branch: Branch, key: NodeKey, carrier: object) {
    super(branch, key, carrier);
    this.base = objectBase(carrier);
  }

  protected fresh(epoch: Epoch): ObjectState {
    return new ObjectState(epoch, Props.empty());
  }

  protected copy(state: ObjectState, epoch: Epoch): ObjectState {
    return new ObjectState(epoch, state.props.copy());
  }

  /** Own property `key` as stored, or ABSENT. */
  private own(key: string): unknown {
    return this.state === undefined ? this.base.get(key) : this.state.props.get(this.base, key);
  }

  get(_target: object, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === 'string') {
      const changed = this.state === undefined ? UNCHANGED : this.state.props.changed(key);
      if (changed === UNCHANGED) {
        const shown = this.base.show(key, this);
        if (shown !== ABSENT) return shown;
      } else if (changed !== ABSENT) {
        return this.branch.out(changed, this, key);
      }
    } else if (key === DRAFT) return this;
    return Reflect.get(Object.prototype, key, receiver);
  }

  set(_target: object, key: string | symbol, value: unknown): boolean {
    if (typeof key === 'symbol') throw new TypeError('cowshare: a draft has no symbol-keyed properties');
    const stored = this.branch.in(value);
    this.branch.beginWrite('object'); // a snapshot refuses even a write that changes nothing
    const before = this.own(key);
    if (this.branch.same(before, stored)) return true;
    const recorded = recordChild(this, { key }, before, stored, value, ABSENT);
    this.writable('object').props.set(this.base, key, stored, this.branch.epoch);
    recorded();
    return true;
  }

  /** Where the node `child`, read from property `key`, is now (patch-log.ts). */
  locate(child: NodeKey, key: unknown): Step | undefined {
    const stored = this.own(key as string);
    return typeof stored === 'object' && stored !== null && this.branch.keyOf(stored) === child
      ? { key: key as string }
      : undefined;
  }

  deleteProperty(_target: object, key: string | symbol): boolean {
    if (typeof key === 'symbol') return true;
    this.branch.beginWrite('object');
    const before = this.own(key);
    if (before === ABSENT) return true;
    const recorded = recordChild(this, { key }, before, ABSENT, undefined, ABSENT);
    this.writable('object').props.set(this.base, key, DELETED, this.branch.epoch);
    recorded();
    return true;
  }

  has(_target: object, key: string | symbol): boolean {
    if (typeof key === 'string' && this.own(key) !== ABSENT) return true;
    return key in Object.prototype;
  }

  ownKeys(): string[] {
    const keys = this.state === undefined ? this.base.keys() : this.state.props.keys(this.base);
    return keys.slice();
  }

  getOwnPropertyDescriptor(_target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (typeof key !== 'string') return undefined;
    const value = this.own(key);
    if (value === ABSENT) return undefined;
    return {
      value: this.branch.out(value, this, key),
      writable: !this.branch.frozen,
      enumerable: true,
      configurable: true,
    };
  }

  defineProperty(target: object, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    return this.set(target, key, definedValue(descriptor));
  }

  getPrototypeOf(): object {
    return Object.prototype;
  }

  /**
   * This draft's changes as a KEYED_DELTA over the DICT its view base reads (delta-input.ts), for
   * `commit`; undefined where a copy is the better layer: no DICT base, a base key deleted and set
   * again (moved to the end), an added array index (`Object.keys` lists those first), many changes.
   */
  override deltaInput(): KeyedDeltaInput | undefined {
    const base = this.base.deltaBase?.();
    const state = this.state;
    if (base === undefined || state === undefined) return undefined;
    const changes: IndexedChange[] = [];
    const added: { key: string; value: unknown; seq: number }[] = [];
    let copy = false;
    state.props.forEachChange((key, value, seq) => {
      const index = base.indexOf(key);
      if (index >= 0 && seq === 0) changes.push({ index, key, value, deleted: value === DELETED });
      else if (index >= 0 || isArrayIndex(key)) copy = true;
      else added.push({ key, value, seq });
    });
    if (copy) return undefined;
    added.sort((a, b) => a.seq - b.seq);
    // The view's own properties, less those deleted now, and the added ones: no walk of all keys.
    const deleted = changes.filter((change) => change.deleted).length;
    const size = (base.delta?.size ?? base.count) - deleted + added.length;
    return deltaOver(base, false, size, changes, added);
  }
}

Object.assign(ObjectDraft.prototype, REFUSED_TRAPS);

const TARGET = { [INSPECT]: inspectObject };

export function objectDraft(branch: Branch, carrier: object, key: NodeKey): object {
  return new Proxy(TARGET, new ObjectDraft(branch, key, carrier));
}
