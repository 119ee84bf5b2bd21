import type { Epoch } from './epoch.js';

/**
 * A persistent sequence for array drafts: a B-tree whose leaves are either runs of the base array
 * (`Run`: a start index and a length, read from the base when asked, never copied) or chunks of
 * values the draft owns (`Chunk`, at most LEAF_MAX). An array draft over a 1M-element base starts as
 * one run; a write copies the aligned window of WINDOW base elements around it into a chunk, so it
 * costs O(log n + WINDOW), never O(n). Inserting or removing in the middle (splice, shift, unshift)
 * is O(log n + k) for k elements moved in or out.
 *
 * Ownership epochs as in hash-trie.ts: a node made in the writer's epoch changes in place, any other
 * is copied once. Invariants: every leaf is at the same depth; an inner node has 1..INNER_MAX children
 * and `sizes[i]` is the length of child i; no node is empty except the root leaf of an empty rope;
 * no node reachable from a rope whose epoch is not the writer's is ever changed. Nodes may be
 * underfull (removal does not rebalance): the depth stays that of the largest size the rope reached.
 */
export class Rope<V> {
  private constructor(
    private root: Node<V>,
    private readonly owner: Epoch | undefined,
    /** Element `i` of the base, for the runs. */
    private readonly readBase: (index: number) => V,
    private readonly fill: V,
  ) {}

  /**
   * The sequence of the base's first `length` elements, as one run. `fill` is the value of the
   * elements `insertFill` adds (an array's hole).
   */
  static over<V>(length: number, readBase: (index: number) => V, fill: V): Rope<V> {
    return new Rope<V>(
      length === 0 ? new Chunk(undefined, []) : new Run(0, length),
      undefined,
      readBase,
      fill,
    );
  }

  /** A rope of `values` (taken, not copied: the caller gives them up), owned by `epoch`. */
  static of<V>(values: V[], epoch: Epoch, fill: V): Rope<V> {
    const rope = new Rope<V>(new Chunk(epoch, []), epoch, noBase, fill);
    return rope.insert(0, values, epoch);
  }

  get length(): number {
    return sizeOf(this.root);
  }

  get(i: number): V {
    let node = this.root;
    for (;;) {
      if (node instanceof Inner) {
        let c = 0;
        while (i >= node.sizes[c]!) i -= node.sizes[c++]!;
        node = node.children[c]!;
      } else if (node instanceof Chunk) {
        return node.values[i]!;
      } else {
        return this.read(node, i);
      }
    }
  }

  /**
   * Calls `visit` on the rope's leaves in order, with the index of their first element: a run of
   * `length` base elements from `start`, of `length` fill values (`start` -1), or values the draft
   * holds (`values`). O(leaves), not O(length).
   */
  forEachLeaf(
    visit: (leaf: { start: number; length: number } | { values: readonly V[] }, offset: number) => void,
  ): void {
    let offset = 0;
    const walk = (node: Node<V>): void => {
      if (node instanceof Inner) for (const child of node.children) walk(child);
      else {
        visit(
          node instanceof Chunk ? { values: node.values } : { start: node.start, length: node.length },
          offset,
        );
        offset += sizeOf(node);
      }
    };
    walk(this.root);
  }

  /** The base index element `i` is read from, or -1 when the draft holds it (or it is a fill). */
  baseIndexAt(i: number): number {
    let node = this.root;
    while (node instanceof Inner) {
      let c = 0;
      while (i >= node.sizes[c]!) i -= node.sizes[c++]!;
      node = node.children[c]!;
    }
    return node instanceof Run && node.start !== FILL ? node.start + i : -1;
  }

  /** Element `i` of a run. */
  private read(run: Run, i: number): V {
    return run.start === FILL ? this.fill : this.readBase(run.start + i);
  }

  /** Calls `visit` on elements `from` (≥ 0) to the end, in order, until it returns false. */
  scan(visit: (value: V, index: number) => boolean | undefined, from = 0): void {
    const walk = (node: Node<V>, offset: number): boolean => {
      if (node instanceof Inner) {
        for (let c = 0; c < node.children.length; c++) {
          const size = node.sizes[c]!;
          if (offset + size > from && !walk(node.children[c]!, offset)) return false;
          offset += size;
        }
        return true;
      }
      const length = sizeOf(node);
      for (let i = Math.max(0, from - offset); i < length; i++) {
        const value = node instanceof Chunk ? node.values[i]! : this.read(node, i);
        if (visit(value, offset + i) === false) return false;
      }
      return true;
    };
    walk(this.root, 0);
  }

  toArray(): V[] {
    const values = new Array<V>(this.length);
    this.scan((value, i) => {
      values[i] = value;
      return true;
    });
    return values;
  }

  /** The rope with element `i` (below `length`) set to `value`. */
  set(i: number, value: V, epoch: Epoch): Rope<V> {
    return this.changed(this.replaced(this.setIn(this.root, i, value, epoch), epoch), epoch);
  }

  /** The rope with `values` inserted before element `i` (0 ≤ i ≤ length). */
  insert(i: number, values: readonly V[], epoch: Epoch): Rope<V> {
    if (values.length === 0) return this;
    return this.changed(this.replaced(this.insertIn(this.root, i, values, epoch), epoch), epoch);
  }

  /** The rope with `count` fill values inserted before element `i`, in O(log n) whatever `count`. */
  insertFill(i: number, count: number, epoch: Epoch): Rope<V> {
    if (count === 0) return this;
    return this.changed(
      this.replaced(this.insertIn(this.root, i, new Run(FILL, count), epoch), epoch),
      epoch,
    );
  }

  /** The rope without elements `i` to `i + count` (within `length`). */
  remove(i: number, count: number, epoch: Epoch): Rope<V> {
    if (count === 0) return this;
    const nodes = this.removeIn(this.root, i, count, epoch);
    let root = nodes.length === 0 ? new Chunk<V>(epoch, []) : this.replaced(nodes, epoch);
    // A root with one inner child is that child: every leaf moves up one level together.
    while (root instanceof Inner && root.children.length === 1) root = root.children[0]!;
    return this.changed(root, epoch);
  }

  private changed(root: Node<V>, epoch: Epoch): Rope<V> {
    if (root === this.root) return this;
    if (this.owner === epoch) {
      this.root = root;
      return this;
    }
    return new Rope(root, epoch, this.readBase, this.fill);
  }

  /** One node for the nodes that replace the root: groups of INNER_MAX under new levels. */
  private replaced(nodes: Node<V>[], epoch: Epoch): Node<V> {
    while (nodes.length > 1) nodes = group(nodes, epoch);
    return nodes[0]!;
  }

  /** The nodes (one or more, of the same depth as `node`) that replace `node` after the write. */
  private setIn(node: Node<V>, i: number, value: V, epoch: Epoch): Node<V>[] {
    if (node instanceof Inner) {
      const c = childAt(node, i);
      return this.within(node, c, this.setIn(node.children[c]!, i - offsetOf(node, c), value, epoch), epoch);
    }
    if (node instanceof Chunk) {
      if (Object.is(node.values[i], value)) return [node];
      const chunk = node.editable(epoch);
      chunk.values[i] = value;
      return [chunk];
    }
    // A run: the window around i (aligned in the base, so that neighbouring writes share one) becomes
    // a chunk; the rest stays runs.
    const aligned = node.start === FILL ? i : node.start + i;
    const from = Math.max(0, i - (aligned % WINDOW));
    const to = Math.min(node.length, from + WINDOW);
    const values = new Array<V>(to - from);
    for (let k = from; k < to; k++) values[k - from] = k === i ? value : this.read(node, k);
    return runsAround(node, from, to, [new Chunk(epoch, values)]);
  }

  /** Inserts `values`, or the leaf of a fill run. */
  private insertIn(node: Node<V>, i: number, values: readonly V[] | Run, epoch: Epoch): Node<V>[] {
    if (node instanceof Inner) {
      // Position i is in child c, or at the end of the last child.
      let c = 0;
      let offset = 0;
      while (c < node.children.length - 1 && i >= offset + node.sizes[c]!) offset += node.sizes[c++]!;
      return this.within(node, c, this.insertIn(node.children[c]!, i - offset, values, epoch), epoch);
    }
    if (values instanceof Run) {
      if (node instanceof Run) return runsAround(node, i, i, [values]);
      const left = node.values.slice(0, i);
      const right = node.values.slice(i);
      return [
        ...(left.length > 0 ? [new Chunk(epoch, left)] : []),
        values,
        ...(right.length > 0 ? [new Chunk(epoch, right)] : []),
      ];
    }
    if (node instanceof Chunk) {
      const all = node.values.slice(0, i).concat(values, node.values.slice(i));
      if (all.length <= LEAF_MAX) {
        const chunk = node.editable(epoch);
        chunk.values = all;
        return [chunk];
      }
      return chunks(all, epoch);
    }
    return runsAround(node, i, i, chunks(values.slice(), epoch));
  }

  /** The nodes (none, one or more, of the depth of `node`) left of `node` after the removal. */
  private removeIn(node: Node<V>, i: number, count: number, epoch: Epoch): Node<V>[] {
    if (node instanceof Inner) {
      const children: Node<V>[] = [];
      let changed = false;
      let offset = 0;
      for (let c = 0; c < node.children.length; c++) {
        const child = node.children[c]!;
        const size = node.sizes[c]!;
        const from = Math.max(i - offset, 0);
        const to = Math.min(i + count - offset, size);
        offset += size;
        if (to <= from) {
          children.push(child);
        } else {
          changed = true;
          if (to - from < size) children.push(...this.removeIn(child, from, to - from, epoch));
        }
      }
      if (!changed) return [node];
      if (children.length === 0) return [];
      if (children.length > INNER_MAX) return group(children, epoch);
      const inner = node.owner === epoch ? node : new Inner<V>(epoch, [], []);
      inner.children = children;
      inner.sizes = children.map(sizeOf);
      return [inner];
    }
    if (node instanceof Chunk) {
      const chunk = node.editable(epoch);
      chunk.values.splice(i, count);
      return chunk.values.length === 0 ? [] : [chunk];
    }
    return runsAround(node, i, i + count, []);
  }

  /** `node` with child `c` replaced by `nodes`, as one node or several (when it grew past INNER_MAX). */
  private within(node: Inner<V>, c: number, nodes: Node<V>[], epoch: Epoch): Node<V>[] {
    // An owned child comes back changed in place, its size perhaps too; its parent is owned as well
    // (a node made in this epoch is linked only from nodes edited in it).
    if (nodes.length === 1 && nodes[0] === node.children[c] && sizeOf(nodes[0]!) === node.sizes[c]) {
      return [node];
    }
    const inner = node.editable(epoch);
    inner.children.splice(c, 1, ...nodes);
    inner.sizes.splice(c, 1, ...nodes.map(sizeOf));
    if (inner.children.length <= INNER_MAX) return [inner];
    return group(inner.children, epoch);
  }
}

/** Elements of a chunk at most, and elements copied out of a run by a write. */
const LEAF_MAX = 64;
const WINDOW = 32;
/** Children of an inner node at most. */
const INNER_MAX = 32;

class Chunk<V> {
  constructor(
    public owner: Epoch | undefined,
    public values: V[],
  ) {}

  editable(epoch: Epoch): Chunk<V> {
    return this.owner === epoch ? this : new Chunk(epoch, this.values.slice());
  }
}

/**
 * Base elements `start` to `start + length`, or (`start` FILL) `length` fill values. Never changed; a
 * run is never empty.
 */
class Run {
  constructor(
    readonly start: number,
    readonly length: number,
  ) {}

  /** Elements `offset` to `offset + length` of this run. */
  part(offset: number, length: number): Run {
    return new Run(this.start === FILL ? FILL : this.start + offset, length);
  }
}

const FILL = -1;

class Inner<V> {
  constructor(
    public owner: Epoch | undefined,
    public children: Node<V>[],
    public sizes: number[],
  ) {}

  editable(epoch: Epoch): Inner<V> {
    return this.owner === epoch ? this : new Inner(epoch, this.children.slice(), this.sizes.slice());
  }
}

type Node<V> = Chunk<V> | Run | Inner<V>;

function noBase(): never {
  throw new Error('Rope: a rope made of values has no base');
}

function sizeOf<V>(node: Node<V>): number {
  if (node instanceof Inner) {
    let size = 0;
    for (const s of node.sizes) size += s;
    return size;
  }
  return node instanceof Chunk ? node.values.length : node.length;
}

/** The child of `node` that holds element `i`. */
function childAt<V>(node: Inner<V>, i: number): number {
  let c = 0;
  while (i >= node.sizes[c]!) i -= node.sizes[c++]!;
  return c;
}

/** Elements before child `c`. */
function offsetOf<V>(node: Inner<V>, c: number): number {
  let offset = 0;
  for (let k = 0; k < c; k++) offset += node.sizes[k]!;
  return offset;
}

/** The leaves replacing `run` when its elements `from` to `to` give way to `middle`. */
function runsAround<V>(run: Run, from: number, to: number, middle: Node<V>[]): Node<V>[] {
  const nodes: Node<V>[] = [];
  if (from > 0) nodes.push(run.part(0, from));
  nodes.push(...middle);
  if (run.length > to) nodes.push(run.part(to, run.length - to));
  return nodes;
}

/** `values` cut into chunks of at most LEAF_MAX. */
function chunks<V>(values: V[], epoch: Epoch): Chunk<V>[] {
  if (values.length <= LEAF_MAX) return [new Chunk(epoch, values)];
  const result: Chunk<V>[] = [];
  const pieces = Math.ceil(values.length / LEAF_MAX);
  const per = Math.ceil(values.length / pieces);
  for (let i = 0; i < values.length; i += per) result.push(new Chunk(epoch, values.slice(i, i + per)));
  return result;
}

/** Nodes of one depth under parents of at most INNER_MAX children each, about equally full. */
function group<V>(nodes: Node<V>[], epoch: Epoch): Inner<V>[] {
  const parents = Math.ceil(nodes.length / INNER_MAX);
  const per = Math.ceil(nodes.length / parents);
  const result: Inner<V>[] = [];
  for (let i = 0; i < nodes.length; i += per) {
    const children = nodes.slice(i, i + per);
    result.push(new Inner(epoch, children, children.map(sizeOf)));
  }
  return result;
}
