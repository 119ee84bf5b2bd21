// Packing a value into an image (FORMAT.md §5, §8): `pack`, and the Packer — one depth-first walk
// with a writer per kind of value, which the streaming builder (builder.ts) drives too. One concept,
// and long because structuredClone has many kinds, each with its edge cases (sparse arrays, resizable
// buffers, errors, views of images packed again); split by kind, the walk's shared state (identity
// maps, shapes, interned strings) would have to travel between files. Layers over a base are
// pack-layer.ts; what is refused, and how a refusal names its path, pack-refusal.ts.
import { isArrayIndex } from './array-index.js';
import { BigMap } from './big-map.js';
import type { Indexed } from './column.js';
import {
  BUCKET_WORDS,
  hashAddress,
  hashCapacity,
  hashIndexWords,
  hashPrimitive,
  homeBucket,
} from './hash.js';
import type { Image } from './image.js';
import { hashAndAscii, InternTable } from './intern.js';
import {
  Boxed,
  BUFFER_RESIZABLE,
  BUFFER_SHARED,
  Const,
  constantSlot,
  DENSE_ARRAY_MAX,
  DICT_MIN_KEYS,
  ERROR_NAMES,
  ESCAPE,
  Flag,
  HASH_MIN,
  KIND_MASK,
  Kind,
  SMALL_INT_MAX,
  SMALL_INT_MIN,
  VIEW_LENGTH_TRACKING,
  VIEW_TYPE_DATAVIEW,
  VIEW_TYPES,
} from './layout.js';
import { NODE, type NodeRef, nodeOf, PACK_AS, PACK_VALUE } from './node-ref.js';
import { brandOf, keyPart, PackFailure, propertyPart, REFUSED_TAGS } from './pack-refusal.js';
import { type Address, type Reader, segmentOfAddress } from './reader.js';
import { ImageWriter, inlineRef, type Ref, SEGMENT_SPAN, segmentOf, type WriterOptions } from './writer.js';

export interface PackOptions extends WriterOptions {
  /** The root's name in the paths of refusals: `$` by default, as in `$.users[3].callback`. */
  path?: string;
  /**
   * Distinct strings the intern table holds before it starts over, at most 2^24 (default 65,536): a
   * string seen again while it is in the table is stored once. Strings that repeat often (tags, enum
   * values, keys) are back in the table soon after it starts over; unique ones (names, ids) only pass
   * through. A larger table finds rarer repeats, for a smaller image, at the cost of a table that no
   * longer fits in the CPU's caches; 0 stores every string again.
   */
  internLimit?: number;
  /**
   * The value is a tree: pack it without the identity table that finds shared references, which is
   * most of what packing a large value costs beyond the walk itself. An object reachable twice is
   * then stored twice (it reads back as two equal objects, as after a JSON round trip), and a cycle
   * is refused with its path (`UNPACKABLE`). Views of images are still stored once per node.
   * Default false: structuredClone's semantics.
   */
  tree?: boolean;
}

/** What a Packer is made with: `PackOptions`' part that is not the writer's. */
export type PackerOptions = Pick<PackOptions, 'internLimit' | 'tree'>;

/** Objects on a tree-mode path checked one by one for a cycle; deeper ones are in a Set. */
const SHALLOW_PATH = 32;

/** The largest `internLimit`: the table takes about 40 bytes per string it holds (load ≤ 1/2). */
const MAX_INTERN_LIMIT = 2 ** 24;

/** `PackOptions.internLimit` (also the streaming builder's), checked, or its default of 65,536. */
export function internLimitOf(options: { internLimit?: number } | undefined): number {
  const limit = options?.internLimit ?? 65_536;
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_INTERN_LIMIT) {
    throw new RangeError(
      `internLimit must be an integer from 0 to ${MAX_INTERN_LIMIT}, got ${String(limit)}`,
    );
  }
  return limit;
}

/**
 * Packs a value graph into an image: everything `structuredClone` can copy, with the same semantics
 * (FORMAT.md §5). Values that cannot be packed throw a CowshareError whose message starts with the path
 * to them; an exception thrown by a getter propagates as it is.
 */
export function pack(value: unknown, options?: PackOptions): Image {
  const packer = new Packer(new ImageWriter(options), options);
  let root: Ref;
  try {
    root = packer.encode(value);
  } catch (error) {
    if (error instanceof PackFailure) throw error.toError(options?.path ?? '$');
    throw error;
  }
  return packer.finish(root);
}

const UNDEFINED = inlineRef(constantSlot(Const.Undefined));
const NULL = inlineRef(constantSlot(Const.Null));
const FALSE = inlineRef(constantSlot(Const.False));
export const TRUE = inlineRef(constantSlot(Const.True));
export const HOLE = inlineRef(constantSlot(Const.Hole));
const EMPTY_STRING = inlineRef(constantSlot(Const.EmptyString));
export const ABSENT = inlineRef(constantSlot(Const.Absent));
const NAN = inlineRef(constantSlot(Const.NaN));
const NEGATIVE_ZERO = inlineRef(constantSlot(Const.NegativeZero));
const INFINITY = inlineRef(constantSlot(Const.Infinity));
const NEGATIVE_INFINITY = inlineRef(constantSlot(Const.NegativeInfinity));

/** A node of the shape transition tree: the shape reached by adding keys in order from the empty one. */
interface ShapeNode {
  next: Map<string, ShapeNode> | undefined;
  /** Index in the shape table, or -1 before an object of this shape is written. */
  index: number;
}

const asciiEncoder = new TextEncoder();
/** Objects per identity Map, below V8's limit of 2^24 entries. */
const OBJECTS_PER_MAP = 2 ** 23;

/**
 * Walks a value depth-first and writes its nodes (FORMAT.md §8 fixes the order, for determinism).
 * `pack` packs one value; the streaming builder (builder.ts) packs one value per entry and then writes
 * its root from their references (the `Streaming` methods below).
 */
export class Packer {
  /** Strings written, by content (a bounded table: intern.ts). */
  private readonly strings: InternTable;
  /** The format hash of the last string `string()` was given, for the Map key or DICT key it may be. */
  private stringHash = 0;
  /**
   * Every object written, by its address: shared references and cycles are stored once. A V8 Map holds
   * at most 2^24 entries, and a dictionary of 9 million records with a tags array each is past that:
   * full Maps go to `olderObjects` (a plain Map stays on the hot path; BigMap is the general form).
   */
  private objects = new Map<object, Ref>();
  private readonly olderObjects: Map<object, Ref>[] = [];
  /**
   * Views of images being packed again, by the node they show: each read of a view returns a fresh
   * object, so JS identity cannot tell that two reads are one node (or that a view graph has a cycle).
   */
  private readonly views = new Map<Reader, BigMap<Address, Ref>>();
  /** The node of the view being written, between `object()` and its `remember()`. */
  private viewNode: NodeRef | undefined;
  private readonly shapes: ShapeNode = { next: undefined, index: -1 };
  /**
   * Recently used shapes by first key. Objects of one shape give Object.keys arrays of the same
   * (interned) strings, so a candidate is confirmed by pointer comparisons: one Map lookup per object
   * instead of one per key down the transition tree.
   */
  private readonly shapeCache = new Map<string, { keys: readonly string[]; index: number }>();
  private readonly shapeAddresses: Ref[] = [];

  /** Refuse ±Infinity and NaN (BuilderOptions.finiteNumbers). */
  finiteNumbers = false;

  /** For a layer (pack-layer.ts): the base node an object stands for, kept by reference. */
  protected keep: ((o: object) => Address | undefined) | undefined;

  /**
   * With `PackOptions.tree`: the objects from the root to the one being written, for cycles (the
   * identity table is not kept); those past the first SHALLOW_PATH are also in `deepPath`.
   */
  private readonly path: object[] | undefined;
  private readonly deepPath = new Set<object>();

  constructor(
    protected readonly writer: ImageWriter,
    options: PackerOptions = {},
  ) {
    this.strings = new InternTable(internLimitOf(options));
    if (options.tree) this.path = [];
  }

  /**
   * The hash of a Map key or Set member (FORMAT.md §5), given the reference it was written as: an
   * object key is hashed by its identity, its address (a layer's is the base node's, pack-layer.ts).
   */
  protected keyHash(key: unknown, ref: Ref): number {
    const hash = hashPrimitive(key);
    if (hash !== undefined) return hash;
    return hashAddress(segmentOf(ref), ref % SEGMENT_SPAN);
  }

  finish(root: Ref): Image {
    return this.writer.finish(root, this.shapeAddresses);
  }

  // --- Streaming (builder.ts) -------------------------------------------------------------------

  /**
   * `encode`, with a refusal as a CowshareError whose path starts with `path()`: made only then, as
   * formatting a path for every streamed entry costs more than packing a small one.
   */
  encodeAt(value: unknown, path: () => string): Ref {
    try {
      return this.encode(value);
    } catch (error) {
      // The failed entry's objects stay off the next entry's path (tree mode).
      if (this.path !== undefined) this.path.length = 0;
      this.deepPath.clear();
      if (error instanceof PackFailure) throw error.toError(path());
      throw error;
    }
  }

  /**
   * Forgets the objects written so far: a streamed entry shares nothing with the ones before it, and
   * remembering them would hold every input value in memory.
   */
  forgetObjects(): void {
    // A new Map is cheaper than clearing one (V8's clear allocates a new table anyway).
    if (this.objects.size !== 0) this.objects = new Map();
    this.olderObjects.length = 0;
    if (this.views.size !== 0) this.views.clear();
  }

  /**
   * A MAP or DICT node of the entries whose keys and values are written, with the keys' hashes. Its
   * slots are the writer's far-table tail (`ImageWriter.tailSlots`): the columns must stay unchanged
   * until `finish`, which replays them.
   */
  writeKeyed(kind: Kind.Map | Kind.Dict, keys: Indexed, values: Indexed, hashes: Indexed): Ref {
    const count = keys.length;
    const address = this.node(kind, count, 2 * count + hashIndexWords(count));
    const body = this.bodyWord(address, count);
    this.writer.tailSlots(address, body, (visit) => {
      for (let i = 0; i < count; i++) {
        visit(keys.at(i));
        visit(values.at(i));
      }
    });
    if (count >= HASH_MIN) this.hashIndex(address, body + 2 * count, count, (i) => hashes.at(i));
    return address;
  }

  /** An ARRAY node of the values, which are written (a tail, as for `writeKeyed`). */
  writeArray(values: Indexed): Ref {
    const count = values.length;
    const address = this.node(Kind.Array, count, count);
    this.writer.tailSlots(address, this.bodyWord(address, count), (visit) => {
      for (let i = 0; i < count; i++) visit(values.at(i));
    });
    return address;
  }

  /** An OBJECT node (fewer than DICT_MIN_KEYS keys) whose values are written (a tail). */
  writeObject(keys: readonly string[], values: Indexed): Ref {
    const shape = this.shape(keys);
    const address = this.node(Kind.Object, shape, keys.length);
    this.writer.tailSlots(address, this.bodyWord(address, shape), (visit) => {
      for (let i = 0; i < keys.length; i++) visit(values.at(i));
    });
    return address;
  }

  /** `finish` for a writer with a sink. */
  finishToSink(root: Ref): { bytes: number; segments: number } {
    return this.writer.finishToSink(root, this.shapeAddresses);
  }

  encode(value: unknown): Ref {
    switch (typeof value) {
      case 'number':
        return this.number(value);
      case 'string':
        return value.length === 0 ? EMPTY_STRING : this.string(value);
      case 'boolean':
        return value ? TRUE : FALSE;
      case 'undefined':
        return UNDEFINED;
      case 'bigint':
        return this.bigint(value);
      case 'object': {
        if (value === null) return NULL;
        const path = this.path;
        if (path === undefined) {
          const known = this.objects.get(value) ?? this.olderObject(value);
          if (known !== undefined) return known;
        } else this.enter(path, value);
        let ref = this.keep?.(value);
        // Arrays and plain objects go straight to their writer: each level of nesting then costs two
        // stack frames (this and the writer), so `pack` goes as deep as structuredClone does.
        if (ref === undefined) {
          if ((value as { [NODE]?: unknown })[NODE] !== undefined) ref = this.object(value);
          else if (Array.isArray(value)) ref = this.array(value);
          else {
            const proto = Object.getPrototypeOf(value);
            ref =
              proto === Object.prototype || proto === null
                ? this.plain(value as Record<string, unknown>)
                : this.object(value);
          }
        }
        if (path !== undefined) this.leave(path, value);
        return ref;
      }
      case 'function':
        throw new PackFailure('UNPACKABLE', 'functions cannot be packed');
      default:
        throw new PackFailure('UNPACKABLE', 'symbols cannot be packed');
    }
  }

  /** Tree mode: puts `o` on the path from the root, refusing it if it is already there (a cycle). */
  private enter(path: object[], o: object): void {
    const depth = path.length;
    const shallow = Math.min(depth, SHALLOW_PATH);
    for (let i = 0; i < shallow; i++) if (path[i] === o) throw cycle();
    if (depth >= SHALLOW_PATH) {
      if (this.deepPath.has(o)) throw cycle();
      this.deepPath.add(o);
    }
    path.push(o);
  }

  /** Tree mode: takes `o`, whose children are written, off the path. */
  private leave(path: object[], o: object): void {
    if (path.length > SHALLOW_PATH) this.deepPath.delete(o);
    path.pop();
  }

  /** Records that `o` was written at `address`, before its children are, so that cycles find it. */
  protected remember(o: object, address: Ref): void {
    if (this.path === undefined) {
      if (this.objects.size === OBJECTS_PER_MAP) {
        this.olderObjects.push(this.objects);
        this.objects = new Map();
      }
      this.objects.set(o, address);
    }
    const node = this.viewNode;
    if (node !== undefined) {
      this.viewNode = undefined;
      const byAddress = this.views.get(node.reader) ?? new BigMap<Address, Ref>();
      this.views.set(node.reader, byAddress);
      byAddress.set(node.address, address);
    }
  }

  /** The address of `o` in the full Maps of `olderObjects`, if any. */
  private olderObject(o: object): Ref | undefined {
    for (const map of this.olderObjects) {
      const known = map.get(o);
      if (known !== undefined) return known;
    }
    return undefined;
  }

  /** Allocates a node of `kind` with `words` body words after a (possibly escaped) info field. */
  protected node(kind: Kind, info: number, words: number, alignment = 4): Ref {
    const escaped = info >= ESCAPE;
    const address = this.writer.alloc(4 * (1 + (escaped ? 1 : 0) + words), alignment);
    const body = this.writer.header(address, kind, escaped ? ESCAPE : info);
    if (escaped) this.words(address)[body >>> 2] = info;
    this.writer.nodeCount++;
    return address;
  }

  /** The word view of the segment holding `address`; fetch it again after writing children (it may grow). */
  protected words(address: Ref): Uint32Array {
    return this.writer.segments[segmentOf(address)]!.words;
  }

  /** First body word index of the node at `address` whose info is `info`. */
  protected bodyWord(address: Ref, info: number): number {
    return ((address % SEGMENT_SPAN) >>> 2) + (info >= ESCAPE ? 2 : 1);
  }

  /** Stores `ref` in the slot at word `word` of the segment holding `address`. */
  protected setSlot(address: Ref, word: number, ref: Ref): void {
    if (address < SEGMENT_SPAN && ref < SEGMENT_SPAN) {
      // Both in segment 0, the common case: an inline slot or a near reference, no far table.
      this.writer.segments[0]!.words[word] = ref < 0 ? -1 - ref : ref;
      return;
    }
    const segment = segmentOf(address);
    this.writer.segments[segment]!.words[word] = this.writer.slotIn(segment, ref);
  }

  private number(n: number): Ref {
    if (n === (n | 0) && n >= SMALL_INT_MIN && n <= SMALL_INT_MAX) {
      if (n !== 0 || 1 / n > 0) return inlineRef(((n << 1) | 1) >>> 0);
      return NEGATIVE_ZERO;
    }
    if (Number.isFinite(n)) return this.float(Kind.Float64, n);
    if (this.finiteNumbers) {
      throw new PackFailure(
        'UNPACKABLE',
        `${n}: a number out of range (a literal beyond ±1.8e308 reads as ±Infinity)`,
      );
    }
    if (Number.isNaN(n)) return NAN;
    return n > 0 ? INFINITY : NEGATIVE_INFINITY;
  }

  private float(kind: Kind.Float64 | Kind.Date, n: number): Ref {
    const address = this.node(kind, 0, 2);
    const segment = this.writer.segments[segmentOf(address)]!;
    segment.view.setFloat64((address % SEGMENT_SPAN) + 4, n, true);
    return address;
  }

  private string(s: string): Ref {
    const { hash, ascii } = hashAndAscii(s);
    this.stringHash = hash;
    const known = this.strings.find(s, hash);
    if (known >= 0) return known;
    const length = s.length;
    const bytes = ascii ? length : 2 * length;
    const address = this.node(ascii ? Kind.StringAscii : Kind.StringUtf16, length, Math.ceil(bytes / 4));
    const segment = this.writer.segments[segmentOf(address)]!;
    const start = this.bodyWord(address, length) * 4;
    if (!ascii) {
      for (let i = 0; i < length; i++) segment.view.setUint16(start + 2 * i, s.charCodeAt(i), true);
    } else if (length > 32) {
      asciiEncoder.encodeInto(s, segment.bytes.subarray(start, start + length));
    } else {
      const out = segment.bytes;
      for (let i = 0; i < length; i++) out[start + i] = s.charCodeAt(i);
    }
    this.strings.add(s, hash, address);
    return address;
  }

  /**
   * The hash of the key or member just written as `ref` (FORMAT.md §5): a non-empty string's from
   * the `string()` call that wrote it, so that it is computed once.
   */
  private writtenKeyHash(key: unknown, ref: Ref): number {
    return typeof key === 'string' && key.length !== 0 ? this.stringHash : this.keyHash(key, ref);
  }

  /** A BigInt as sign and u32 limbs, least significant first (FORMAT.md §5). */
  private bigint(n: bigint): Ref {
    const negative = n < 0n;
    const hex = (negative ? -n : n).toString(16);
    const limbs = n === 0n ? 0 : Math.ceil(hex.length / 8);
    const address = this.node(negative ? Kind.BigIntNegative : Kind.BigIntPositive, limbs, limbs);
    const words = this.words(address);
    const body = this.bodyWord(address, limbs);
    for (let i = 0; i < limbs; i++) {
      const end = hex.length - 8 * i;
      words[body + i] = Number.parseInt(hex.slice(Math.max(0, end - 8), end), 16);
    }
    return address;
  }

  private object(o: object): Ref {
    const node = nodeOf(o);
    if (node !== undefined) {
      const known = this.views.get(node.reader)?.get(node.address);
      if (known !== undefined) return known;
      this.viewNode = node;
    }
    // Map and Set views and drafts are not real Maps and Sets: they say what to pack them as.
    const packAs = (o as { [PACK_AS]?: string })[PACK_AS];
    if (packAs === 'Map') return this.map(o as Map<unknown, unknown>);
    if (packAs === 'Set') return this.set(o as Set<unknown>);
    const packValue = (o as { [PACK_VALUE]?: () => object })[PACK_VALUE];
    if (typeof packValue === 'function') {
      const address = this.object(packValue.call(o));
      this.remember(o, address);
      return address;
    }
    if (Array.isArray(o)) return this.array(o);
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return this.plain(o as Record<string, unknown>);
    if (o instanceof Map) return this.map(o);
    if (o instanceof Set) return this.set(o);
    if (o instanceof Date) return this.date(o);
    if (ArrayBuffer.isView(o)) return this.typedArray(o);
    if (o instanceof ArrayBuffer) return this.arrayBuffer(o, false);
    if (o instanceof SharedArrayBuffer) return this.arrayBuffer(o, true);
    if (o instanceof RegExp) return this.regexp(o);
    if (o instanceof Error) return this.error(o);
    return this.exotic(o);
  }

  /**
   * Objects that `instanceof` did not recognise: other realms' built-ins (by brand check, since a
   * toStringTag can lie), boxed primitives, refused kinds, and class instances (packed as plain objects).
   */
  private exotic(o: object): Ref {
    const tag = Object.prototype.toString.call(o).slice(8, -1);
    const refused = REFUSED_TAGS[tag];
    if (refused !== undefined) throw new PackFailure('UNPACKABLE', refused);
    const brand = brandOf(o, tag);
    switch (brand) {
      case 'Map':
        return this.map(o as Map<unknown, unknown>);
      case 'Set':
        return this.set(o as Set<unknown>);
      case 'Date':
        return this.date(o as Date);
      case 'ArrayBuffer':
        return this.arrayBuffer(o as ArrayBuffer, false);
      case 'SharedArrayBuffer':
        return this.arrayBuffer(o as SharedArrayBuffer, true);
      case 'RegExp':
        return this.regexp(o as RegExp);
      case 'Error':
        return this.error(o as Error);
      case 'Boolean':
        return this.boxed(o, Boxed.Boolean, Boolean.prototype.valueOf.call(o));
      case 'Number':
        return this.boxed(o, Boxed.Number, Number.prototype.valueOf.call(o));
      case 'String':
        return this.boxed(o, Boxed.String, String.prototype.valueOf.call(o));
      case 'BigInt':
        return this.boxed(o, Boxed.BigInt, BigInt.prototype.valueOf.call(o));
      default:
        return this.plain(o as Record<string, unknown>);
    }
  }

  private plain(o: Record<string, unknown>): Ref {
    // A view of an OBJECT node (a record view has no own keys) takes its keys from its shape.
    const node = this.viewNode;
    const keys =
      node !== undefined && (node.reader.header(node.address) & KIND_MASK) === Kind.Object
        ? node.reader.shape(node.reader.count(node.address), segmentOfAddress(node.address)).keys()
        : Object.keys(o);
    if (keys.length >= DICT_MIN_KEYS) return this.dict(o, keys);
    const shape = this.shape(keys);
    const address = this.node(Kind.Object, shape, keys.length);
    this.remember(o, address);
    const body = this.bodyWord(address, shape);
    let kept: string[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let ref: Ref;
      try {
        const value = o[key];
        if (node === undefined && vanished(o, key, value)) {
          kept ??= keys.slice(0, i);
          continue;
        }
        ref = this.encode(value);
      } catch (error) {
        PackFailure.rethrow(error, propertyPart(key));
      }
      this.setSlot(address, body + (kept === undefined ? i : kept.push(key) - 1), ref);
    }
    if (kept !== undefined) this.reshape(address, shape, keys.length, kept);
    return address;
  }

  /**
   * Gives the OBJECT at `address` — allocated for `shape` (of `keyCount` keys), filled with the slots
   * of `kept` only, since a getter deleted the others — the shape of `kept`. Its unused slots stay in
   * the image as zeros, which no reference reaches.
   */
  private reshape(address: Ref, shape: number, keyCount: number, kept: readonly string[]): void {
    const index = this.shape(kept);
    // The body stays where it is: an escaped index stays escaped, an unescaped one must fit.
    if (shape < ESCAPE && index >= ESCAPE) throw new PackFailure('LIMIT', 'too many object shapes');
    const words = this.words(address);
    const word = (address % SEGMENT_SPAN) >>> 2;
    const body = this.bodyWord(address, shape);
    if (shape >= ESCAPE) words[word + 1] = index;
    else this.writer.header(address, Kind.Object, index);
    words.fill(0, body + kept.length, body + keyCount);
  }

  /** A wide object as a DICT node: (key, value) slot pairs and a hash index, like a Map of strings. */
  private dict(o: Record<string, unknown>, keys: readonly string[]): Ref {
    const count = keys.length;
    const address = this.node(Kind.Dict, count, 2 * count + hashIndexWords(count));
    const isView = this.viewNode !== undefined; // (remember() forgets it)
    this.remember(o, address);
    const body = this.bodyWord(address, count);
    const hashes = new Uint32Array(count);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      // The key first, then its value (FORMAT.md §8's order); a vanished key's string stays unused.
      const keyRef = key.length === 0 ? EMPTY_STRING : this.string(key);
      const hash = this.writtenKeyHash(key, keyRef);
      let ref: Ref;
      try {
        const value = o[key];
        if (!isView && vanished(o, key, value)) continue;
        ref = this.encode(value);
      } catch (error) {
        PackFailure.rethrow(error, propertyPart(key));
      }
      this.setSlot(address, body + 2 * kept, keyRef);
      this.setSlot(address, body + 2 * kept + 1, ref);
      hashes[kept++] = hash;
    }
    // Keys a getter deleted are left out: the count shrinks in place (an escaped count stays escaped),
    // and the hash index follows the entries kept. Unused words stay as zeros.
    if (kept < count) {
      const words = this.words(address);
      if (count >= ESCAPE) words[((address % SEGMENT_SPAN) >>> 2) + 1] = kept;
      else this.writer.header(address, Kind.Dict, kept);
      words.fill(0, body + 2 * kept, body + 2 * count + hashIndexWords(count));
    }
    if (kept >= HASH_MIN) this.hashIndex(address, body + 2 * kept, kept, (i) => hashes[i]!);
    return address;
  }

  /** The shape index for an ordered key list, writing the SHAPE node on first use. */
  private shape(keys: readonly string[]): number {
    const first = keys.length === 0 ? '' : keys[0]!;
    const cached = this.shapeCache.get(first);
    if (cached !== undefined && sameKeys(cached.keys, keys)) return cached.index;
    const index = this.shapeIndex(keys);
    this.shapeCache.set(first, { keys, index });
    return index;
  }

  /** The shape index for an ordered key list, through the transition tree. */
  private shapeIndex(keys: readonly string[]): number {
    let node = this.shapes;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      let next = node.next?.get(key);
      if (next === undefined) {
        next = { next: undefined, index: -1 };
        node.next ??= new Map();
        node.next.set(key, next);
      }
      node = next;
    }
    if (node.index < 0) {
      const count = keys.length;
      const address = this.node(Kind.Shape, count, count);
      this.writer.nodeCount--; // a shape is not a value node
      const body = this.bodyWord(address, count);
      for (let i = 0; i < count; i++) {
        const key = keys[i]!;
        this.setSlot(address, body + i, key.length === 0 ? EMPTY_STRING : this.string(key));
      }
      node.index = this.shapeAddresses.push(address) - 1;
    }
    return node.index;
  }

  /** Writes a hash index (capacity word, then buckets) at word `at` for `count` keys with these hashes. */
  protected hashIndex(address: Ref, at: number, count: number, hashOf: (i: number) => number): void {
    const words = this.words(address);
    const capacity = hashCapacity(count);
    words[at] = capacity;
    const buckets = at + 1;
    for (let i = 0; i < count; i++) {
      const hash = hashOf(i);
      let b = homeBucket(hash, capacity);
      while (words[buckets + BUCKET_WORDS * b + 1] !== 0) b = b + 1 === capacity ? 0 : b + 1;
      words[buckets + BUCKET_WORDS * b] = hash;
      words[buckets + BUCKET_WORDS * b + 1] = i + 1;
    }
  }

  /** An ARRAY (holes and all), or a SPARSE_ARRAY when few indices are present or it has named properties. */
  private array(a: unknown[]): Ref {
    const length = a.length;
    const keys = Object.keys(a);
    // Object.keys lists integer indices first, ascending, then other keys: n keys ending with
    // index n-1 means every index is present and nothing else is.
    const holes = !(keys.length === length && (length === 0 || keys[length - 1] === String(length - 1)));
    if (holes) {
      let present = keys.length;
      while (present > 0 && !isArrayIndex(keys[present - 1]!)) present--;
      if (present !== keys.length || (length > DENSE_ARRAY_MAX && 2 * present < length)) {
        return this.sparseArray(a, keys, present);
      }
    }
    const address = this.node(Kind.Array, length, length);
    this.remember(a, address);
    const body = this.bodyWord(address, length);
    for (let i = 0; i < length; i++) {
      const item = a[i];
      let ref: Ref;
      // Also without holes at first: a getter may delete an element (structuredClone leaves a hole).
      if (item === undefined && !(i in a)) ref = HOLE;
      else {
        try {
          ref = this.encode(item);
        } catch (error) {
          PackFailure.rethrow(error, `[${i}]`);
        }
      }
      this.setSlot(address, body + i, ref);
    }
    return address;
  }

  /** Arrays with few of their indices present, or with non-index properties (FORMAT.md §5). */
  private sparseArray(a: unknown[], keys: readonly string[], present: number): Ref {
    const address = this.node(Kind.SparseArray, present, 2 + 2 * present);
    this.remember(a, address);
    const body = this.bodyWord(address, present);
    this.words(address)[body] = a.length;
    let extras: Ref = UNDEFINED;
    if (present < keys.length) {
      // The non-index properties become an OBJECT. Define, never assign: a key such as __proto__
      // must stay data.
      const props: Record<string, unknown> = {};
      for (let i = present; i < keys.length; i++) {
        const key = keys[i]!;
        let value: unknown;
        try {
          value = a[key as unknown as number];
        } catch (error) {
          PackFailure.rethrow(error, propertyPart(key));
        }
        Object.defineProperty(props, key, { value, enumerable: true, writable: true, configurable: true });
      }
      extras = this.plain(props);
    }
    this.setSlot(address, body + 1, extras);
    for (let i = 0; i < present; i++) {
      const index = Number(keys[i]);
      this.words(address)[body + 2 + 2 * i] = index;
      let ref: Ref;
      try {
        ref = this.encode(a[index]);
      } catch (error) {
        PackFailure.rethrow(error, `[${index}]`);
      }
      this.setSlot(address, body + 3 + 2 * i, ref);
    }
    return address;
  }

  private map(m: Map<unknown, unknown>): Ref {
    const count = m.size;
    const hashed = count >= HASH_MIN;
    const address = this.node(Kind.Map, count, 2 * count + hashIndexWords(count));
    this.remember(m, address);
    const body = this.bodyWord(address, count);
    const hashes = hashed ? new Uint32Array(count) : undefined;
    let i = 0;
    for (const [key, value] of m) {
      if (i === count) break;
      let keyRef: Ref;
      let valueRef: Ref;
      try {
        keyRef = this.encode(key);
      } catch (error) {
        PackFailure.rethrow(error, `.keys()[${i}]`);
      }
      if (hashes) hashes[i] = this.writtenKeyHash(key, keyRef);
      try {
        valueRef = this.encode(value);
      } catch (error) {
        PackFailure.rethrow(error, `.get(${keyPart(key)})`);
      }
      this.setSlot(address, body + 2 * i, keyRef);
      this.setSlot(address, body + 2 * i + 1, valueRef);
      i++;
    }
    if (i !== count) throw new PackFailure('UNPACKABLE', 'the Map changed while it was being packed');
    if (hashes) this.hashIndex(address, body + 2 * count, count, (i) => hashes[i]!);
    return address;
  }

  private set(s: Set<unknown>): Ref {
    const count = s.size;
    const hashed = count >= HASH_MIN;
    const address = this.node(Kind.Set, count, count + hashIndexWords(count));
    this.remember(s, address);
    const body = this.bodyWord(address, count);
    const hashes = hashed ? new Uint32Array(count) : undefined;
    let i = 0;
    for (const member of s) {
      if (i === count) break;
      let ref: Ref;
      try {
        ref = this.encode(member);
      } catch (error) {
        PackFailure.rethrow(error, `.values()[${i}]`);
      }
      this.setSlot(address, body + i, ref);
      if (hashes) hashes[i] = this.writtenKeyHash(member, ref);
      i++;
    }
    if (i !== count) throw new PackFailure('UNPACKABLE', 'the Set changed while it was being packed');
    if (hashes) this.hashIndex(address, body + count, count, (i) => hashes[i]!);
    return address;
  }

  private date(d: Date): Ref {
    const address = this.float(Kind.Date, Date.prototype.getTime.call(d));
    this.remember(d, address);
    return address;
  }

  private regexp(r: RegExp): Ref {
    const address = this.node(Kind.RegExp, 0, 2);
    this.remember(r, address);
    const body = this.bodyWord(address, 0);
    const source = r.source;
    const flags = r.flags;
    this.setSlot(address, body, source.length === 0 ? EMPTY_STRING : this.string(source));
    this.setSlot(address, body + 1, flags.length === 0 ? EMPTY_STRING : this.string(flags));
    return address;
  }

  private arrayBuffer(buffer: ArrayBuffer | SharedArrayBuffer, shared: boolean): Ref {
    const resizable = shared ? (buffer as SharedArrayBuffer).growable : (buffer as ArrayBuffer).resizable;
    return this.bytesNode(buffer, bufferBytes(buffer), shared, resizable ? buffer.maxByteLength : -1);
  }

  /**
   * An ARRAY_BUFFER node holding `bytes`, remembered as `owner`; `maxByteLength` is -1 unless the
   * buffer is resizable (growable, if shared).
   */
  private bytesNode(owner: object, bytes: Uint8Array, shared: boolean, maxByteLength: number): Ref {
    const length = bytes.length;
    const resizable = maxByteLength >= 0;
    const info = (shared ? BUFFER_SHARED : 0) | (resizable ? BUFFER_RESIZABLE : 0);
    const byteWords = Math.ceil(length / 4);
    // ARRAY_BUFFER bodies start 8-aligned: header word, length word, the bytes, [maxByteLength].
    const address = this.node(Kind.ArrayBuffer, info, 1 + byteWords + (resizable ? 1 : 0), 8);
    this.remember(owner, address);
    const segment = this.writer.segments[segmentOf(address)]!;
    const start = address % SEGMENT_SPAN;
    segment.words[(start >>> 2) + 1] = length;
    segment.bytes.set(bytes, start + 8);
    if (resizable) {
      segment.words[(start >>> 2) + 2 + byteWords] = maxByteLength;
      this.writer.flags |= Flag.ResizableBuffers;
    }
    return address;
  }

  private typedArray(view: ArrayBufferView): Ref {
    const name = Object.prototype.toString.call(view).slice(8, -1);
    const type = name === 'DataView' ? VIEW_TYPE_DATAVIEW : VIEW_TYPES.findIndex((c) => c?.name === name);
    if (type <= 0) throw new PackFailure('UNPACKABLE', `${name} views cannot be packed`);
    const node = this.viewNode;
    let buffer: Ref;
    let byteOffset: number;
    let length: number;
    let tracking: boolean;
    if (node === undefined) {
      ({ byteOffset, length, tracking } = viewGeometry(view, type));
      // The view's node first, remembered before its buffer is packed, as every container is.
      const address = this.node(Kind.TypedArray, type | (tracking ? VIEW_LENGTH_TRACKING : 0), 3);
      this.remember(view, address);
      buffer = this.encode(view.buffer);
      return this.fillTypedArray(address, type, tracking, buffer, byteOffset, length);
    }
    // A zero-copy view of an image: its .buffer is a whole segment. Pack the ARRAY_BUFFER node it
    // shows instead (once, however many views of it are packed), with the node's own offset.
    const parts = node.reader.typedArray(node.address);
    ({ byteOffset, length, tracking } = parts);
    const address = this.node(Kind.TypedArray, type | (tracking ? VIEW_LENGTH_TRACKING : 0), 3);
    this.remember(view, address);
    buffer = this.imageBuffer(node.reader, parts.buffer);
    return this.fillTypedArray(address, type, tracking, buffer, byteOffset, length);
  }

  /** Fills the body of the TYPED_ARRAY node at `address`. */
  private fillTypedArray(
    address: Ref,
    type: number,
    tracking: boolean,
    buffer: Ref,
    byteOffset: number,
    length: number,
  ): Ref {
    if (tracking) this.writer.flags |= Flag.ResizableBuffers;
    const body = this.bodyWord(address, type);
    this.setSlot(address, body, buffer);
    const words = this.words(address);
    words[body + 1] = byteOffset;
    words[body + 2] = length;
    return address;
  }

  /** The ARRAY_BUFFER node at `address` of an opened image, packed once. */
  private imageBuffer(reader: Reader, address: Address): Ref {
    const known = this.views.get(reader)?.get(address);
    if (known !== undefined) return known;
    const { bytes, start, length, shared, resizable, maxByteLength } = reader.arrayBuffer(address);
    const own = bytes.subarray(start, start + length);
    this.viewNode = { reader, address };
    return this.bytesNode(own, own, shared, resizable ? maxByteLength : -1);
  }

  private error(e: Error): Ref {
    const isView = this.viewNode !== undefined; // (remember() forgets it)
    const name = e.name;
    const type = Math.max(0, ERROR_NAMES.indexOf(name as (typeof ERROR_NAMES)[number]));
    const address = this.node(Kind.Error, type, 3);
    this.remember(e, address);
    const body = this.bodyWord(address, type);
    // As V8's serializer: an own data property `message` (converted to a string), any string `stack`,
    // and an own data property `cause`.
    const message = Object.getOwnPropertyDescriptor(e, 'message');
    const stack = e.stack;
    const cause = Object.getOwnPropertyDescriptor(e, 'cause');
    this.setSlot(address, body, message && 'value' in message ? this.encode(String(message.value)) : ABSENT);
    this.setSlot(address, body + 1, typeof stack === 'string' ? this.encode(stack) : ABSENT);
    let causeRef: Ref = ABSENT;
    // An error view's cause is a getter (it may lead back to the error): it stands for a packed one.
    if (cause && ('value' in cause || (isView && cause.get !== undefined))) {
      try {
        causeRef = this.encode('value' in cause ? cause.value : cause.get!.call(e));
      } catch (error) {
        PackFailure.rethrow(error, '.cause');
      }
    }
    this.setSlot(address, body + 2, causeRef);
    return address;
  }

  private boxed(o: object, type: Boxed, primitive: unknown): Ref {
    const address = this.node(Kind.Boxed, type, 1);
    this.remember(o, address);
    this.setSlot(address, this.bodyWord(address, type), this.encode(primitive));
    return address;
  }
}

function cycle(): PackFailure {
  return new PackFailure(
    'UNPACKABLE',
    'an object that contains itself: { tree: true } cannot store a cycle (pack without it to keep cycles)',
  );
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether own property `key` of `o`, just read as `value`, is gone: a getter deleted it while the
 * object was being packed, and structuredClone leaves such keys out. Only an undefined or a function
 * value can be one (a deleted key reads as undefined, or from the prototype, whose values are
 * methods), so the common case costs no lookup.
 */
function vanished(o: object, key: string, value: unknown): boolean {
  return (value === undefined || typeof value === 'function') && !Object.hasOwn(o, key);
}

/** A buffer's bytes; a detached ArrayBuffer is refused, as structuredClone refuses it. */
function bufferBytes(buffer: ArrayBuffer | SharedArrayBuffer): Uint8Array {
  try {
    return new Uint8Array(buffer);
  } catch {
    throw new PackFailure('UNPACKABLE', 'detached ArrayBuffers cannot be packed');
  }
}

/**
 * Where a plain typed array or DataView lies in its buffer, and whether it tracks the buffer's length
 * (a view made without a length over a resizable buffer). A view whose resizable buffer shrank below
 * it is refused, as structuredClone refuses it; a view over a detached buffer, with the buffer.
 */
function viewGeometry(
  view: ArrayBufferView,
  type: number,
): { byteOffset: number; length: number; tracking: boolean } {
  const buffer = view.buffer as ArrayBuffer | SharedArrayBuffer;
  const resizable = buffer instanceof SharedArrayBuffer ? buffer.growable : buffer.resizable;
  const isDataView = type === VIEW_TYPE_DATAVIEW;
  if (isOutOfBounds(view, isDataView)) {
    bufferBytes(buffer);
    throw new PackFailure('UNPACKABLE', 'a view outside its resizable buffer cannot be packed');
  }
  const size = isDataView ? 1 : (view as Uint8Array).BYTES_PER_ELEMENT;
  const { byteOffset, byteLength } = view;
  const tracking = resizable && tracksLength(view, isDataView, buffer, byteOffset + byteLength, size);
  return { byteOffset, length: byteLength / size, tracking };
}

/**
 * Whether a view is out of its buffer's bounds (a resizable buffer shrank below it, or the buffer
 * was detached). A typed array's offset and length then read as 0, so it is asked through a method
 * that checks; a DataView's getters check themselves.
 */
function isOutOfBounds(view: ArrayBufferView, isDataView: boolean): boolean {
  try {
    if (isDataView) return view.byteLength < 0;
    (view as Uint8Array).at(0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Whether `view` (ending at byte `end` of its resizable buffer) tracks the buffer's length.
 * JavaScript cannot ask. A view that ends an element or more before the buffer's end does not; one
 * that reaches it looks the same either way, so the buffer is resized by one element and back while
 * the view is watched, and its bytes are restored. A growable SharedArrayBuffer cannot shrink back:
 * a view that reaches exactly its end is taken to track it (what growable buffers are for).
 */
function tracksLength(
  view: ArrayBufferView,
  isDataView: boolean,
  buffer: ArrayBuffer | SharedArrayBuffer,
  end: number,
  size: number,
): boolean {
  const length = buffer.byteLength;
  if (length - end >= size) return false;
  // (A view can be made to track a buffer whose length is a multiple of its element size only.)
  if (buffer instanceof SharedArrayBuffer) return end === length && length % size === 0;
  if (length + size <= buffer.maxByteLength) {
    const before = view.byteLength;
    buffer.resize(length + size);
    const grew = view.byteLength !== before;
    buffer.resize(length);
    return grew;
  }
  // Neither kind can grow; a fixed view reaching the end falls out of bounds when the buffer shrinks.
  if (length < size) return true; // nor shrink: both kinds behave alike
  const tail = new Uint8Array(buffer, length - size, size).slice();
  buffer.resize(length - size);
  const tracks = !isOutOfBounds(view, isDataView);
  buffer.resize(length);
  new Uint8Array(buffer, length - size, size).set(tail);
  return tracks;
}
