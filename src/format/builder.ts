import { CowshareError } from '../errors.js';
import { isArrayIndex } from './array-index.js';
import { Column, type Indexed } from './column.js';
import { hashPrimitive, sameValueZero } from './hash.js';
import type { Image } from './image.js';
import { DICT_MIN_KEYS, KIND_MASK, Kind } from './layout.js';
import { Packer } from './pack.js';
import { propertyPart } from './pack-refusal.js';
import { constantValue } from './reader.js';
import { decodeAscii, decodeUtf16 } from './string-decode.js';
import { ImageWriter, type Ref, type SegmentSink, type WriterOptions } from './writer.js';

/** The root a builder makes: a Map of entries, an array of items, or a plain object of properties. */
export type BuilderRoot = 'map' | 'array' | 'object';

export interface BuilderOptions extends WriterOptions {
  /** As `PackOptions.internLimit`: distinct strings the intern table holds before it starts over. */
  internLimit?: number;
  /**
   * Refuse ±Infinity and NaN (`UNPACKABLE`, with the path): for values parsed from JSON, which has no
   * such numbers — a literal beyond ±1.8e308 (`1e400`) parses as Infinity, silently. Default false.
   */
  finiteNumbers?: boolean;
  /**
   * Each entry's value is a tree, as `PackOptions.tree`: packed without the identity table, an object
   * reachable twice within an entry is stored twice and a cycle is refused. Values parsed from JSON,
   * NDJSON or CSV are always trees (`cowshare pack` sets it). Default false.
   */
  tree?: boolean;
}

/** What `finish` wrote with a sink. */
export interface BuiltFile {
  bytes: number;
  segments: number;
}

/**
 * Builds an image one entry at a time, holding only what the root needs — per entry two references and
 * a hash (20 bytes) and a slot of the duplicate index (8–16 bytes, freed at `finish`, where the root
 * node, about 19 bytes per entry, is built in memory instead; measured in bench/RESULTS.md) — and never
 * the values themselves: each is
 * written into the image as it arrives and forgotten. With a sink (cowshare/node's `ImageFileBuilder`
 * gives a file), finished segments are written out as it goes, so memory stays about one segment plus
 * the root, however large the image (FORMAT.md §8, "Writing incrementally").
 *
 * Semantics are those of the root it makes: `set` on a 'map' or 'object' root with a key that was set
 * before replaces its value and keeps its place (`Map#set`, and `JSON.parse` for duplicate keys); the
 * replaced value stays in the image, unreachable. Each entry is packed on its own: values of different
 * entries never share nodes, except interned strings.
 */
export class ImageBuilder {
  private readonly writer: ImageWriter;
  private readonly packer: Packer;
  /** Per entry: its value's reference and, for keyed roots, its key's reference and hash. */
  private readonly values = new Column(Float64Array);
  private readonly keys = new Column(Float64Array);
  private readonly hashes = new Column(Uint32Array);
  /** Open addressing over the entries by key hash: entry index + 1, 0 for empty; load at most 1/2. */
  private index = new Uint32Array(1024);
  /** An object root's keys while it may still become an OBJECT node (fewer than DICT_MIN_KEYS). */
  private smallKeys: string[] | undefined = [];
  /** An object root's entries whose keys are array indices ('0', '17'), and those keys as numbers. */
  private readonly indexEntries = new Column(Uint32Array);
  private readonly indexKeys = new Column(Uint32Array);
  private done = false;
  /** Keys set again (their first place kept, their last value used). */
  duplicates = 0;

  constructor(
    readonly root: BuilderRoot,
    options: BuilderOptions = {},
    private readonly sink?: SegmentSink,
  ) {
    if (root !== 'map' && root !== 'array' && root !== 'object') {
      throw new TypeError(`root must be 'map', 'array' or 'object', got ${String(root)}`);
    }
    const { finiteNumbers = false, ...writerOptions } = options;
    this.writer = new ImageWriter(writerOptions, sink);
    this.packer = new Packer(this.writer, options);
    this.packer.finiteNumbers = finiteNumbers;
  }

  /** Entries (or items) so far, not counting replaced ones. */
  get size(): number {
    return this.values.length;
  }

  /** Sets `key` of a 'map' root (a string or a number) or an 'object' root (a string) to `value`. */
  set(key: string | number, value: unknown): this {
    this.check(this.root !== 'array', 'set', "use push on an 'array' root");
    if (typeof key !== 'string' && (typeof key !== 'number' || this.root === 'object')) {
      throw new CowshareError(
        'UNPACKABLE',
        `${this.root === 'map' ? 'a streamed Map key must be a string or a number' : 'an object key must be a string'}, got ${typeof key}`,
      );
    }
    // Map#set stores the key -0 as 0 (its keys compare by SameValueZero): so must a 'map' root.
    if (key === 0) key = 0;
    const path = () =>
      this.root === 'map' ? `$.get(${JSON.stringify(key)})` : `$${propertyPart(String(key))}`;
    const hash = hashPrimitive(key)!;
    const found = this.find(key, hash);
    if (found >= 0) {
      this.values.set(found, this.encodeEntry(value, path));
      this.duplicates++;
    } else {
      // Both references before any state changes: a refused value must leave the entries as they were
      // (pushing the key first paired every later key with the value of the entry before it).
      const keyRef = this.packer.encodeAt(key, path);
      const valueRef = this.encodeEntry(value, path);
      this.keys.push(keyRef);
      this.hashes.push(hash);
      this.values.push(valueRef);
      this.smallKeys?.push(key as string);
      if (this.values.length >= DICT_MIN_KEYS) this.smallKeys = undefined;
      if (this.root === 'object' && isArrayIndex(key as string)) {
        this.indexEntries.push(this.values.length - 1);
        this.indexKeys.push(Number(key));
      }
      this.addToIndex(this.values.length - 1);
    }
    this.afterEntry();
    return this;
  }

  /** Appends `value` to an 'array' root. */
  push(value: unknown): this {
    this.check(this.root === 'array', 'push', `use set on a '${this.root}' root`);
    const index = this.values.length;
    this.values.push(this.encodeEntry(value, () => `$[${index}]`));
    this.afterEntry();
    return this;
  }

  /**
   * `encodeAt` for an entry's value. When it is refused, the objects it wrote so far are forgotten:
   * their containers were remembered before their slots were filled, so a later entry that reached
   * one of them again (the same object, retried) would refer to a node with empty slots.
   */
  private encodeEntry(value: unknown, path: () => string): Ref {
    try {
      return this.packer.encodeAt(value, path);
    } catch (error) {
      this.packer.forgetObjects();
      throw error;
    }
  }

  /** Writes the root and returns the image. Without a sink only; the builder is spent afterwards. */
  finish(): Image {
    this.check(this.sink === undefined, 'finish', 'a builder with a sink ends with finishToSink');
    const image = this.packer.finish(this.writeRoot());
    this.release();
    return image;
  }

  /** Writes the root and the rest of the image to the sink (the header last, at byte 0). */
  finishToSink(): BuiltFile {
    this.check(this.sink !== undefined, 'finishToSink', 'a builder without a sink ends with finish');
    const built = this.packer.finishToSink(this.writeRoot());
    this.release();
    return built;
  }

  /** The entries are done with once the far table, which replays them, is written. */
  private release(): void {
    for (const column of [this.values, this.keys, this.hashes]) column.release();
    this.smallKeys = undefined;
  }

  private writeRoot(): Ref {
    this.done = true;
    // The duplicate index is done with: let it go before the root, the largest node, is built.
    this.index = new Uint32Array(0);
    if (this.root === 'array') return this.packer.writeArray(this.values);
    let keys: Indexed = this.keys;
    let values: Indexed = this.values;
    let hashes: Indexed = this.hashes;
    let smallKeys = this.smallKeys;
    const order = this.root === 'object' ? this.objectKeysOrder(this.values.length) : undefined;
    if (order !== undefined) {
      const reordered = (column: Column): Indexed => ({
        length: column.length,
        at: (i) => column.at(order[i]!),
      });
      keys = reordered(this.keys);
      values = reordered(this.values);
      hashes = reordered(this.hashes);
      smallKeys = smallKeys?.map((_, i) => this.smallKeys![order[i]!]!);
    }
    if (this.root === 'object' && smallKeys) return this.packer.writeObject(smallKeys, values);
    return this.packer.writeKeyed(this.root === 'map' ? Kind.Map : Kind.Dict, keys, values, hashes);
  }

  /**
   * The entries of an 'object' root in `Object.keys` order, or undefined when that is the order they
   * were set in. An OBJECT's shape and a DICT list keys in `Object.keys` order (FORMAT.md §5), which
   * puts array-index keys first, in increasing order: `JSON.parse('{"b":1,"1":2}')` has keys ['1', 'b'].
   * In the order set, a view would enumerate (and JSON.stringify) them unlike the object it stands for.
   */
  private objectKeysOrder(n: number): Uint32Array | undefined {
    const m = this.indexEntries.length;
    const entries = this.indexEntries;
    const numbers = this.indexKeys;
    let inOrder = true;
    for (let i = 0; i < m; i++) {
      if (entries.at(i) !== i || (i > 0 && numbers.at(i - 1) > numbers.at(i))) inOrder = false;
    }
    if (inOrder) return undefined;
    const byNumber = new Uint32Array(m).map((_, i) => i).sort((a, b) => numbers.at(a) - numbers.at(b));
    const order = new Uint32Array(n);
    const isIndex = new Uint8Array(n);
    for (let i = 0; i < m; i++) {
      order[i] = entries.at(byNumber[i]!);
      isIndex[entries.at(i)] = 1;
    }
    for (let e = 0, next = m; e < n; e++) if (isIndex[e] === 0) order[next++] = e;
    return order;
  }

  private check(ok: boolean, method: string, otherwise: string): void {
    if (this.done) throw new TypeError(`ImageBuilder.${method}: the builder is finished`);
    if (!ok) throw new TypeError(`ImageBuilder.${method}: ${otherwise}`);
  }

  /** Between entries no slot of an older segment is pending: memory can be let go of. */
  private afterEntry(): void {
    this.packer.forgetObjects();
    if (this.sink) this.writer.spill();
  }

  /**
   * The entry whose key is `key`, or -1. A key is read back and compared only when its 32-bit hash
   * matches: for a new key among n others that happens with probability about n / 2^32 (0.2 % at ten
   * million), cheaper than keeping a second hash per entry.
   */
  private find(key: string | number, hash: number): number {
    const mask = this.index.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.index[i]!;
      if (slot === 0) return -1;
      const e = slot - 1;
      if (this.hashes.at(e) === hash && sameValueZero(this.storedKey(e), key)) return e;
    }
  }

  private addToIndex(entry: number): void {
    if (2 * (entry + 1) > this.index.length) {
      this.index = new Uint32Array(this.index.length * 2);
      for (let e = 0; e < entry; e++) this.place(e);
    }
    this.place(entry);
  }

  private place(entry: number): void {
    const mask = this.index.length - 1;
    let i = this.hashes.at(entry) & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = entry + 1;
  }

  /** The key of entry `e`, read back from the image (from the sink when its segment is written out). */
  private storedKey(e: number): unknown {
    const ref = this.keys.at(e);
    if (ref < 0) return inlineValue(-1 - ref);
    const head = this.writer.read(ref, 8);
    const header = new DataView(head.buffer, head.byteOffset, 8);
    const first = header.getUint32(0, true);
    const kind = first & KIND_MASK;
    if (kind === Kind.Float64) {
      const node = this.writer.read(ref, 12);
      return new DataView(node.buffer, node.byteOffset, 12).getFloat64(4, true);
    }
    const escaped = first >>> 8 === 0xffffff;
    const length = escaped ? header.getUint32(4, true) : first >>> 8;
    const start = escaped ? 8 : 4;
    if (kind === Kind.StringAscii) return decodeAscii(this.writer.read(ref + start, length), 0, length);
    const units = this.writer.read(ref + start, 2 * length);
    return decodeUtf16(new DataView(units.buffer, units.byteOffset, units.byteLength), 0, length);
  }
}

/** A slot that is not a node: a small integer or a constant (FORMAT.md §4). */
function inlineValue(slot: number): unknown {
  return (slot & 1) === 1 ? slot >> 1 : constantValue(slot);
}
