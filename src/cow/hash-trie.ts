import { sameValueZero } from '../format/hash.js';
import type { Epoch } from './epoch.js';

/**
 * A persistent hash map: a hash array mapped trie (Bagwell, "Ideal Hash Trees", 2001) of 32-way
 * branches, with ownership epochs (epoch.ts). Sharing a trie is O(1); a write copies at most the
 * branches on the path to its key — at most seven of 32 slots each — or changes them in place when the
 * writer's epoch made them. Keys compare by SameValueZero (as Map keys do) and come with their 32-bit
 * hash, which the caller computes: the trie never hashes.
 *
 * Invariants: a branch's `children` has one entry per bit set in `bitmap`, in bit order; a branch
 * below the root has two or more children, or one that is a branch; a collision holds two or more
 * leaves of one hash, all keys distinct; no node reachable from a trie whose epoch is not the
 * writer's is ever changed.
 */
export class HashTrie<K, V> {
  private constructor(
    private root: Branch<K, V>,
    /** Entries in the trie. */
    public size: number,
    private readonly owner: Epoch | undefined,
  ) {}

  /** An empty trie, owned by no epoch. */
  static empty<K, V>(): HashTrie<K, V> {
    return new HashTrie<K, V>(new Branch(undefined, 0, []), 0, undefined);
  }

  /** The leaf of `key`, or undefined. */
  leaf(key: K, hash: number): Leaf<K, V> | undefined {
    let node: Child<K, V> = this.root;
    for (let shift = 0; ; shift += BITS) {
      if (node instanceof Branch) {
        const bit = 1 << ((hash >>> shift) & MASK);
        if ((node.bitmap & bit) === 0) return undefined;
        node = node.children[popcount(node.bitmap & (bit - 1))]!;
      } else if (node instanceof Leaf) {
        return sameValueZero(node.key, key) ? node : undefined;
      } else {
        return node.hash === hash ? node.leaves.find((l) => sameValueZero(l.key, key)) : undefined;
      }
    }
  }

  get(key: K, hash: number): V | undefined {
    return this.leaf(key, hash)?.value;
  }

  has(key: K, hash: number): boolean {
    return this.leaf(key, hash) !== undefined;
  }

  /**
   * The trie with `key` set to `value`: this one, changed in place, when `epoch` owns it; otherwise a
   * new one owned by `epoch` that shares every node off the key's path with this one.
   */
  set(key: K, hash: number, value: V, epoch: Epoch): HashTrie<K, V> {
    const change = { added: false };
    const root = setIn(this.root, 0, new Leaf(hash, key, value), epoch, change) as Branch<K, V>;
    return this.changed(root, change.added ? 1 : 0, epoch);
  }

  /** The trie without `key` (this one, unchanged, when it has no such key). */
  delete(key: K, hash: number, epoch: Epoch): HashTrie<K, V> {
    const change = { removed: false };
    const root = deleteIn(this.root, 0, key, hash, epoch, change);
    if (!change.removed) return this;
    return this.changed(root as Branch<K, V>, -1, epoch); // the root is never collapsed away
  }

  /** Calls `visit` on every entry, in hash order (not insertion order). */
  forEach(visit: (value: V, key: K) => void): void {
    forEachIn(this.root, visit);
  }

  private changed(root: Branch<K, V>, sizeChange: number, epoch: Epoch): HashTrie<K, V> {
    if (root === this.root && sizeChange === 0) return this;
    if (this.owner === epoch) {
      this.root = root;
      this.size += sizeChange;
      return this;
    }
    return new HashTrie(root, this.size + sizeChange, epoch);
  }
}

/** An entry. Never changed: a new value is a new leaf. */
export class Leaf<K, V> {
  constructor(
    readonly hash: number,
    readonly key: K,
    readonly value: V,
  ) {}
}

class Branch<K, V> {
  constructor(
    public owner: Epoch | undefined,
    public bitmap: number,
    public children: Child<K, V>[],
  ) {}

  /** This branch when `epoch` owns it, else a copy that it owns. */
  editable(epoch: Epoch): Branch<K, V> {
    return this.owner === epoch ? this : new Branch(epoch, this.bitmap, this.children.slice());
  }
}

/** Leaves whose keys have one 32-bit hash: below the last branch level, only equality tells them apart. */
class Collision<K, V> {
  constructor(
    public owner: Epoch | undefined,
    readonly hash: number,
    public leaves: Leaf<K, V>[],
  ) {}
}

type Child<K, V> = Leaf<K, V> | Branch<K, V> | Collision<K, V>;

const BITS = 5;
const MASK = (1 << BITS) - 1;

/** `node` with `leaf` stored at or under it; `change.added` says whether its key was new. */
function setIn<K, V>(
  node: Child<K, V>,
  shift: number,
  leaf: Leaf<K, V>,
  epoch: Epoch,
  change: { added: boolean },
): Child<K, V> {
  if (node instanceof Leaf) {
    if (sameValueZero(node.key, leaf.key)) return Object.is(node.value, leaf.value) ? node : leaf;
    change.added = true;
    return merge(node, leaf, shift, epoch);
  }
  if (node instanceof Collision) {
    if (node.hash !== leaf.hash) {
      change.added = true;
      return merge(node, leaf, shift, epoch);
    }
    const at = node.leaves.findIndex((l) => sameValueZero(l.key, leaf.key));
    if (at >= 0 && Object.is(node.leaves[at]!.value, leaf.value)) return node;
    const editable = node.owner === epoch ? node : new Collision(epoch, node.hash, node.leaves.slice());
    if (at >= 0) {
      editable.leaves[at] = leaf;
    } else {
      editable.leaves.push(leaf);
      change.added = true;
    }
    return editable;
  }
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const at = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    const editable = node.editable(epoch);
    editable.children.splice(at, 0, leaf);
    editable.bitmap |= bit;
    change.added = true;
    return editable;
  }
  const child = node.children[at]!;
  const updated = setIn(child, shift + BITS, leaf, epoch, change);
  if (updated === child) return node;
  const editable = node.editable(epoch);
  editable.children[at] = updated;
  return editable;
}

/** A node holding `a` (a leaf or a collision) and the leaf `b` of a different key, at depth `shift`. */
function merge<K, V>(
  a: Leaf<K, V> | Collision<K, V>,
  b: Leaf<K, V>,
  shift: number,
  epoch: Epoch,
): Child<K, V> {
  if (a.hash === b.hash) return new Collision(epoch, a.hash, [a as Leaf<K, V>, b]);
  // The hashes differ, so some level below tells them apart: 7 levels of 5 bits cover 32.
  const bitA = 1 << ((a.hash >>> shift) & MASK);
  const bitB = 1 << ((b.hash >>> shift) & MASK);
  if (bitA === bitB) return new Branch(epoch, bitA, [merge(a, b, shift + BITS, epoch)]);
  return new Branch(epoch, bitA | bitB, bitA >>> 0 < bitB >>> 0 ? [a, b] : [b, a]);
}

/**
 * `node` without `key`: the same node when the key is absent, undefined when nothing is left;
 * `change.removed` says whether the key was there (an owned node changes in place, so the same node
 * may come back changed).
 */
function deleteIn<K, V>(
  node: Child<K, V>,
  shift: number,
  key: K,
  hash: number,
  epoch: Epoch,
  change: { removed: boolean },
): Child<K, V> | undefined {
  if (node instanceof Leaf) {
    if (!sameValueZero(node.key, key)) return node;
    change.removed = true;
    return undefined;
  }
  if (node instanceof Collision) {
    if (node.hash !== hash) return node;
    const at = node.leaves.findIndex((l) => sameValueZero(l.key, key));
    if (at < 0) return node;
    change.removed = true;
    if (node.leaves.length === 2) return node.leaves[1 - at];
    const editable = node.owner === epoch ? node : new Collision(epoch, node.hash, node.leaves.slice());
    editable.leaves.splice(at, 1);
    return editable;
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const at = popcount(node.bitmap & (bit - 1));
  const child = node.children[at]!;
  const updated = deleteIn(child, shift + BITS, key, hash, epoch, change);
  if (!change.removed) return node;
  // Below the root, a branch left with one leaf (or a collision) becomes that child: the parent holds
  // it directly, as if the other keys had never been there.
  if (shift > 0 && node.children.length === 2 && updated === undefined) {
    const other = node.children[1 - at]!;
    if (!(other instanceof Branch)) return other;
  }
  if (shift > 0 && node.children.length === 1 && updated !== undefined && !(updated instanceof Branch)) {
    return updated;
  }
  const editable = node.editable(epoch);
  if (updated === undefined) {
    editable.children.splice(at, 1);
    editable.bitmap &= ~bit;
    return shift > 0 && editable.bitmap === 0 ? undefined : editable;
  }
  editable.children[at] = updated;
  return editable;
}

function forEachIn<K, V>(node: Child<K, V>, visit: (value: V, key: K) => void): void {
  if (node instanceof Leaf) visit(node.value, node.key);
  else if (node instanceof Collision) for (const leaf of node.leaves) visit(leaf.value, leaf.key);
  else for (const child of node.children) forEachIn(child, visit);
}

/** Bits set in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
