import { readOnly } from '../errors.js';
import { KIND_MASK } from '../format/layout.js';
import { nodeOf } from '../format/node-ref.js';
import type { Address, Reader } from '../format/reader.js';
import { decodeNode, readSlot } from '../view/decode.js';
import { draftOf, type NodeDraft, type NodeState } from './draft-node.js';
import { Epoch } from './epoch.js';
import { HashTrie } from './hash-trie.js';
import { containerKind, isDraftedKind } from './kind.js';
import { makeDraft } from './make-draft.js';
import { hashKey, type NodeKey, tokenOf } from './node-key.js';
import type { LogEntry, Patch } from './patch-log.js';

/**
 * A branch: one line of copy-on-write versions of a value graph, and the facades (drafts) through
 * which it is read and written.
 *
 * The whole state of a branch is one persistent map, `overrides`, from node keys to node states: a
 * node with no state reads its base unchanged; a node that was written has a state (its changed
 * properties, elements or entries) that its draft reads first. Parents are never rewritten when a
 * child is: every read of a child looks its state up by key, so two aliases of one node (or a cycle)
 * see each other's writes in this branch, and never in the base or another branch.
 *
 * Values are stored as they are given, with drafts replaced by the node they stand for (`in`); a
 * stored object is the node's *carrier*: the base object it came from (a plain object, an image
 * view) or a snapshot's facade. `out` turns a stored value back into what a reader sees: a
 * container's draft (one per node and branch, so `draft.a === draft.a`), anything else as it is.
 *
 * Versions: `snapshot` freezes the current overrides (an O(1) pointer copy) and starts a new epoch, so
 * that nothing the snapshot can reach is ever written in place again (epoch.ts); `fork` starts a new
 * branch from a snapshot's overrides. A frozen branch is a snapshot: its facades throw on writes.
 */
export class Branch {
  /** Facades made so far, by node key: at most one per node. */
  private readonly drafts = new Map<NodeKey, object>();
  /** The snapshot of the current state, until the next write. */
  private lastSnapshot: Branch | undefined;

  constructor(
    public overrides: HashTrie<NodeKey, NodeState>,
    /** What every branch forked from the same start shares. */
    private readonly lineage: Lineage,
    readonly frozen: boolean,
    public epoch: Epoch = new Epoch(),
    /** The write log since the fork the recording started at (patch-log.ts), or undefined. */
    public log: LogEntry | undefined = undefined,
    /** Whether writes are logged (fork's `patches` option), and the node paths are relative to. */
    readonly recording = false,
    readonly root?: NodeKey,
  ) {}

  /** A new branch over `base`: nothing overridden yet. */
  static over(base: object, recording = false): Branch {
    const lineage = { reader: nodeOf(base)?.reader };
    const branch = new Branch(HashTrie.empty(), lineage, false);
    if (!recording) return branch;
    return new Branch(branch.overrides, lineage, false, branch.epoch, undefined, true, branch.keyOf(base));
  }

  /** The image whose nodes this lineage keys by address (the one it started from), if any. */
  get reader(): Reader | undefined {
    return this.lineage.reader;
  }

  /**
   * The key of the node a stored object stands for. A draft of this branch found inside a plain value
   * written into it (`draft.list.push({ ref: draft.a })`) stands for its own node: it is an alias.
   */
  keyOf(carrier: object): NodeKey {
    const node = nodeOf(carrier);
    if (node === undefined) {
      const draft = draftOf(carrier);
      return draft !== undefined && draft.branch === this ? draft.key : carrier;
    }
    // Each read of a view makes a new object: a view's identity is its node.
    // The first image a lineage meets gives its addresses as keys: no node of an image can have been
    // keyed (by a token) before a view of it was seen.
    this.lineage.reader ??= node.reader;
    return node.reader === this.lineage.reader ? node.address : tokenOf(node.reader, node.address);
  }

  stateOf(key: NodeKey): NodeState | undefined {
    // A fresh lineage has no states: no need to hash (for a plain object, a WeakMap lookup).
    return this.overrides.size === 0 ? undefined : this.overrides.get(key, hashKey(key));
  }

  /**
   * Records that node `key` now has `state`; called by a draft whose state is new to this epoch.
   * (Writes to a state this epoch owns change it in place and need no call.)
   */
  put(key: NodeKey, state: NodeState): void {
    this.overrides = this.overrides.set(key, hashKey(key), state, this.epoch);
  }

  /** Throws unless this branch may be written; every write calls it first. */
  beginWrite(what: string): Epoch {
    if (this.frozen) throw readOnly(`a snapshot's ${what}`);
    this.lastSnapshot = undefined;
    return this.epoch;
  }

  /**
   * What a reader sees of a stored value: a container's draft, anything else as it is. `parent` and
   * `key` say where it was read (a container's draft, and the property, index or Map key there):
   * with patches recorded, a draft made here keeps that first place, so that a write can name its
   * path (patch-log.ts).
   */
  out(value: unknown, parent?: NodeDraft<NodeState>, key?: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const node = this.keyOf(value);
    const known = this.drafts.get(node);
    if (known !== undefined) return known;
    const kind = containerKind(value);
    if (kind === undefined) return nodeOf(value) === undefined ? privateCopy(value) : value;
    const draft = makeDraft(this, kind, value, node);
    if (this.recording && parent !== undefined)
      (draftOf(draft) as NodeDraft<NodeState>).place = { parent, key };
    this.drafts.set(node, draft);
    return draft;
  }

  /**
   * Whether two stored values are the same value: Object.is, or two carriers of one node (each read
   * of a view is a new object). A write of the same value changes nothing.
   */
  same(a: unknown, b: unknown): boolean {
    if (Object.is(a, b)) return true;
    return (
      typeof a === 'object' &&
      a !== null &&
      typeof b === 'object' &&
      b !== null &&
      this.keyOf(a) === this.keyOf(b)
    );
  }

  /**
   * The facade of the node at `address` of the lineage's image: its draft, made now (from a view)
   * when this branch has none yet (its state may come from the branch it was forked from).
   */
  draftAt(address: Address): object {
    return this.drafts.get(address) ?? (this.out(decodeNode(this.lineage.reader!, address)) as object);
  }

  /** The draft node of `key` in this branch, if it has been made. */
  nodeOf(key: NodeKey): NodeDraft<NodeState> | undefined {
    const draft = this.drafts.get(key);
    return draft === undefined ? undefined : (draftOf(draft) as NodeDraft<NodeState> | undefined);
  }

  /** Appends a patch and its inverse to the log (recording branches only; `make` runs only then). */
  record(make: () => [patch: Patch, inverse: Patch] | undefined): void {
    if (!this.recording) return;
    const made = make();
    if (made !== undefined) {
      this.log = { patch: made[0], inverse: made[1], previous: this.log, depth: (this.log?.depth ?? 0) + 1 };
    }
  }

  /**
   * `out` of the value in an image slot stored in `segment`, read at `key` of `parent`: a container
   * this branch has a draft of is found by its address, without decoding a view of it first (the
   * common read of a draft over an image). Other nodes (strings, numbers) are decoded without a look
   * at the drafts.
   */
  outSlot(
    reader: Reader,
    segment: number,
    slot: number,
    parent?: NodeDraft<NodeState>,
    key?: unknown,
  ): unknown {
    if (reader === this.lineage.reader && (slot & 1) === 0) {
      const address = reader.slotAddress(segment, slot);
      if (address >= 0 && isDraftedKind(reader.header(address) & KIND_MASK)) {
        const known = this.drafts.get(address);
        if (known !== undefined) return known;
      }
    }
    return this.out(readSlot(reader, segment, slot), parent, key);
  }

  /**
   * What a write stores for a value: a draft of this branch as its node's carrier; a draft of another
   * live branch as that branch's snapshot of the node (a value is copied by value, in O(1)); anything
   * else as it is.
   */
  in(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const draft = draftOf(value);
    if (draft === undefined) return value;
    if (draft.branch === this) return draft.carrier;
    if (draft.branch.frozen) return value;
    return draft.branch.snapshot().out(draft.carrier);
  }

  /** The object `make` gives for `key`, made once per branch (the node of a buffer, shared by its views). */
  memo<T extends object>(key: NodeKey, make: () => T): T {
    let known = this.drafts.get(key) as T | undefined;
    if (known === undefined) {
      known = make();
      this.drafts.set(key, known);
    }
    return known;
  }

  /** The frozen branch of the current state, in O(1). */
  snapshot(): Branch {
    if (this.frozen) return this;
    if (this.lastSnapshot === undefined) {
      this.lastSnapshot = new Branch(
        this.overrides,
        this.lineage,
        true,
        this.epoch,
        this.log,
        this.recording,
        this.root,
      );
      // Nothing the snapshot reaches may change again: later writes copy into a new epoch.
      this.epoch = new Epoch();
    }
    return this.lastSnapshot;
  }

  /**
   * A new live branch starting from this one's current state, rooted at `root`. It records patches
   * when asked (`recording`): from the start of this one's log when this one records too, else from
   * now.
   */
  fork(recording = this.recording, root = this.root): Branch {
    const from = this.snapshot();
    const log = recording && this.recording && root === this.root ? from.log : undefined;
    return new Branch(from.overrides, this.lineage, false, new Epoch(), log, recording, root);
  }
}

/**
 * What a draft gives for a mutable built-in it does not draft (an ArrayBuffer, a RegExp, an Error) from
 * a plain base: a copy, so that a write to it cannot reach the base. (A view's are fresh copies
 * already.) Changing one changes nothing in the draft: assign it back.
 */
function privateCopy(value: object): object {
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value.slice(0);
  if (value instanceof RegExp) return new RegExp(value);
  if (value instanceof Error) return structuredClone(value);
  return value;
}

/**
 * The branches that descend from one `fork` of a base. They share node keys: `reader` is the image
 * whose nodes are keyed by address (the first one the lineage reads), every other image's by token.
 */
interface Lineage {
  reader: Reader | undefined;
}
