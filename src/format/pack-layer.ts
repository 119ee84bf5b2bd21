// Packing a layer over a base image (FORMAT.md §7), for `commit`: what the layer is written from,
// the changes of a container written in place of a copy (KEYED_DELTA, ARRAY_DELTA), and the Packer
// that keeps base nodes by reference and remembers which base node each replacement stands for.
import { hashAddress, hashIndexWords, hashPrimitive } from './hash.js';
import type { Image } from './image.js';
import {
  ARRAY_DELTA_HEAD,
  DELTA_APPENDED,
  DELTA_HEAD,
  DELTA_STRIDE,
  HASH_MIN,
  Kind,
  PIECE_HOLES,
  PIECE_SLOTS,
} from './layout.js';
import { ABSENT, HOLE, Packer, type PackerOptions, type PackOptions, TRUE } from './pack.js';
import { PackFailure } from './pack-refusal.js';
import { type Address, Reader } from './reader.js';
import { ImageWriter, type Ref, SEGMENT_SPAN, segmentOf } from './writer.js';

/**
 * What a layer (FORMAT.md §7) is written from: the base image, which objects stand for base nodes
 * that are kept by reference (`keep`: the node's address, or undefined to pack the object), and the
 * base nodes it replaces, each with the value that replaces it. A keep of a replaced node is right:
 * the layer's redirect leads every reference to it to the replacement.
 */
export interface LayerInput {
  base: Image;
  keep(o: object): Address | undefined;
  /** Each base node replaced, with what replaces it: a value, or the changes of a Map or Set. */
  replaced: Iterable<readonly [from: Address, value: unknown]>;
}

/**
 * A KEYED_DELTA to write in place of a copy of a changed Map or Set (FORMAT.md §7): the MAP or SET
 * node of the base it changes, the size it then has, the changes of its entries (base index
 * ascending: a new value, or deleted) and the entries it appends, in order. Values and keys are
 * packed as any (a view of the base is kept by reference); a Set's values are ignored.
 */
export class KeyedDeltaInput {
  constructor(
    readonly base: Address,
    readonly isSet: boolean,
    readonly size: number,
    readonly changed: readonly { index: number; key: unknown; value: unknown; deleted: boolean }[],
    readonly appended: readonly { key: unknown; value: unknown }[],
  ) {}
}

/** A piece of an ARRAY_DELTA to write: base elements from index `base` on, values, or holes. */
export type ArrayPiece =
  | { base: number; length: number }
  | { values: readonly unknown[] }
  | { holes: number };

/**
 * An ARRAY_DELTA to write in place of a copy of a changed array (FORMAT.md §7): the ARRAY node of the
 * base it changes, the length it then has, and its pieces in order, each a run of base elements
 * (from index `base`), new values (`hole` among them for a hole), or `holes` holes.
 */
export class ArrayDeltaInput {
  constructor(
    readonly base: Address,
    readonly length: number,
    readonly pieces: readonly ArrayPiece[],
    readonly hole: unknown,
  ) {}
}

/** A container's changes, written in place of a copy of it (FORMAT.md §7). */
export type DeltaInput = KeyedDeltaInput | ArrayDeltaInput;

/**
 * Packs `value` as a layer on `layer.base`: only what `keep` does not keep is written, plus the
 * replacements. Refusals name their path from `$` (the root) or `$replaced` (a replacement).
 */
export function packLayer(value: unknown, layer: LayerInput, options?: PackOptions): Image {
  const base = new Reader(layer.base);
  const checksum = base.layers[base.layers.length - 1]!.checksum;
  const writer = new ImageWriter(options, undefined, { segments: layer.base.segments, checksum });
  const packer = new LayerPacker(writer, base, layer.keep, options);
  const at = (path: string, encode: () => Ref): Ref => {
    try {
      return encode();
    } catch (error) {
      if (error instanceof PackFailure) throw error.toError(path);
      throw error;
    }
  };
  const root = at(options?.path ?? '$', () => packer.encode(value));
  for (const [from, replacement] of layer.replaced) {
    writer.redirect(
      from,
      at('$replaced', () =>
        replacement instanceof KeyedDeltaInput
          ? packer.keyedDelta(replacement, from)
          : replacement instanceof ArrayDeltaInput
            ? packer.arrayDelta(replacement, from)
            : packer.encodeFresh(replacement, from),
      ),
    );
  }
  return packer.finish(root);
}

/**
 * A Packer that writes a layer: objects `keep` keeps are references to base nodes; replacements are
 * written as nodes of their own (`encodeFresh`) or as the changes of a container (the deltas).
 */
class LayerPacker extends Packer {
  /** The object being written anew by `encodeFresh`, which `keep` must not keep, and what it replaces. */
  private fresh: object | undefined;
  private freshFrom: Address = 0;
  /** For a layer: each replacement written, with the base node it replaces (see `keyHash`). */
  private readonly origins = new Map<Ref, Address>();

  constructor(
    writer: ImageWriter,
    private readonly base: Reader,
    keep: (o: object) => Address | undefined,
    options?: PackerOptions,
  ) {
    super(writer, options);
    // The object being written anew is never kept: it is what replaces the base node.
    this.keep = (o) => (o === this.fresh ? undefined : keep(o));
  }

  /** `encode` of an object that replaces base node `from`: written as a node of its own, never kept. */
  encodeFresh(value: unknown, from: Address): Ref {
    this.fresh = typeof value === 'object' && value !== null ? value : undefined;
    this.freshFrom = from;
    try {
      return this.encode(value);
    } finally {
      this.fresh = undefined;
    }
  }

  /** A KEYED_DELTA (FORMAT.md §7) that replaces base node `from`. */
  keyedDelta(delta: KeyedDeltaInput, from: Address): Ref {
    const entries = [...delta.changed, ...delta.appended];
    const count = entries.length;
    const address = this.node(
      Kind.KeyedDelta,
      count,
      DELTA_HEAD + DELTA_STRIDE * count + hashIndexWords(count),
    );
    this.origins.set(address, from);
    const body = this.bodyWord(address, count);
    const hashes = new Uint32Array(count);
    entries.forEach((entry, e) => {
      const word = body + DELTA_HEAD + DELTA_STRIDE * e;
      const keyRef = this.encode(entry.key);
      const deleted = e < delta.changed.length && delta.changed[e]!.deleted;
      const valueRef = deleted ? ABSENT : delta.isSet ? TRUE : this.encode(entry.value);
      this.setSlot(address, word, keyRef);
      this.setSlot(address, word + 1, valueRef);
      this.words(address)[word + 2] = e < delta.changed.length ? delta.changed[e]!.index : DELTA_APPENDED;
      hashes[e] = this.keyHash(entry.key, keyRef);
    });
    const words = this.words(address);
    words[body] = delta.base % SEGMENT_SPAN;
    words[body + 1] = segmentOf(delta.base);
    words[body + 2] = delta.size;
    words[body + 3] = delta.changed.length;
    if (count >= HASH_MIN)
      this.hashIndex(address, body + DELTA_HEAD + DELTA_STRIDE * count, count, (e) => hashes[e]!);
    return address;
  }

  /** An ARRAY_DELTA (FORMAT.md §7) that replaces base node `from`. */
  arrayDelta(delta: ArrayDeltaInput, from: Address): Ref {
    const pieces = delta.pieces;
    const slots = pieces.reduce((n, piece) => n + ('values' in piece ? piece.values.length : 0), 0);
    const address = this.node(Kind.ArrayDelta, pieces.length, ARRAY_DELTA_HEAD + 2 * pieces.length + slots);
    this.origins.set(address, from);
    const body = this.bodyWord(address, pieces.length);
    const first = body + ARRAY_DELTA_HEAD + 2 * pieces.length;
    let at = 0;
    let slot = 0;
    pieces.forEach((piece, p) => {
      const word = body + ARRAY_DELTA_HEAD + 2 * p;
      const source =
        'base' in piece ? piece.base : 'holes' in piece ? PIECE_HOLES : (PIECE_SLOTS | slot) >>> 0;
      if ('values' in piece) {
        for (const value of piece.values) {
          this.setSlot(address, first + slot++, value === delta.hole ? HOLE : this.encode(value));
        }
      }
      const words = this.words(address);
      words[word] = at;
      words[word + 1] = source;
      at += 'base' in piece ? piece.length : 'holes' in piece ? piece.holes : piece.values.length;
    });
    const words = this.words(address);
    words[body] = delta.base % SEGMENT_SPAN;
    words[body + 1] = segmentOf(delta.base);
    words[body + 2] = delta.length;
    words[body + 3] = slots;
    return address;
  }

  /**
   * An object key is hashed by its identity (FORMAT.md §7): a kept base node by the node it replaces
   * (if any), and a replacement by the base node it replaces, even when a cycle reaches it by its new
   * address.
   */
  protected override keyHash(key: unknown, ref: Ref): number {
    const hash = hashPrimitive(key);
    if (hash !== undefined) return hash;
    const identity = this.base.identity(this.origins.get(ref) ?? ref);
    return hashAddress(segmentOf(identity), identity % SEGMENT_SPAN);
  }

  protected override remember(o: object, address: Ref): void {
    super.remember(o, address);
    if (o === this.fresh) this.origins.set(address, this.freshFrom);
  }
}
