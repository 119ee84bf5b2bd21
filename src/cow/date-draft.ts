import type { Branch } from './branch.js';
import { DRAFT, NodeDraft, type NodeState } from './draft-node.js';
import type { Epoch } from './epoch.js';
import type { NodeKey } from './node-key.js';
import { recordWhole } from './patch-log.js';

/** A Date's changes in one branch: its time value. */
class DateState implements NodeState {
  constructor(
    readonly owner: Epoch,
    public time: number,
  ) {}
}

class DateNode extends NodeDraft<DateState> {
  protected fresh(epoch: Epoch): DateState {
    return new DateState(epoch, (this.carrier as Date).getTime());
  }

  protected copy(state: DateState, epoch: Epoch): DateState {
    return new DateState(epoch, state.time);
  }

  get time(): number {
    return this.state === undefined ? (this.carrier as Date).getTime() : this.state.time;
  }

  /** Records the draft's new time value. */
  record(time: number): void {
    recordWhole(this, new Date(this.time), new Date(time));
    this.writable('Date').time = time;
  }
}

/**
 * The draft of a Date: a real Date (so `instanceof Date` and every getter work) whose setters also
 * record the new time in the branch, so that snapshots and forks see it. In a snapshot the setters
 * throw and the Date is left as it was.
 */
class DateDraft extends Date {
  readonly #node: DateNode;

  constructor(node: DateNode) {
    super(node.time);
    this.#node = node;
  }

  get [DRAFT](): DateNode {
    return this.#node;
  }
}

const SETTERS = [
  'setDate',
  'setFullYear',
  'setHours',
  'setMilliseconds',
  'setMinutes',
  'setMonth',
  'setSeconds',
  'setTime',
  'setUTCDate',
  'setUTCFullYear',
  'setUTCHours',
  'setUTCMilliseconds',
  'setUTCMinutes',
  'setUTCMonth',
  'setUTCSeconds',
] as const;

for (const name of SETTERS) {
  const set = Date.prototype[name] as (this: Date, ...args: number[]) => number;
  Object.defineProperty(DateDraft.prototype, name, {
    value(this: DateDraft, ...args: number[]): number {
      const node = this[DRAFT];
      node.branch.beginWrite('Date');
      const time = set.apply(this, args);
      node.record(time);
      return time;
    },
    writable: true,
    configurable: true,
  });
}

export function dateDraft(branch: Branch, carrier: object, key: NodeKey): Date {
  return new DateDraft(new DateNode(branch, key, carrier));
}
