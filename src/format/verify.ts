// verify: the full check of an untrusted image against the invariants of FORMAT.md §6, one pass
// over every node, each structure checked before anything iterates over it, linear in the image even
// under crafted hash collisions (hash-order.ts). One concept — the invariants of every node kind in
// one Verifier, which holds what the checks share (reachability, seen shapes, the layer's bases) —
// and kept whole.
import { corrupt } from '../errors.js';
import { ArrayDelta } from './array-delta.js';
import { isArrayIndex, isExtraKey } from './array-index.js';
import {
  BUCKET_WORDS,
  hashAddress,
  hashBigInt,
  hashIndexWords,
  hashNumber,
  hashPrimitive,
  homeBucket,
  sameValueZero,
} from './hash.js';
import { HashOrder } from './hash-order.js';
import type { Image } from './image.js';
import { DELETED_SLOT, KeyedDelta } from './keyed-delta.js';
import {
  Const,
  DELTA_APPENDED,
  DELTA_STRIDE,
  ERROR_NAMES,
  Flag,
  KIND_MASK,
  KIND_NAMES,
  Kind,
  PAYLOAD_SHIFT,
  PIECE_HOLES,
  PIECE_SLOTS,
  redirectFamily,
  TAG_MASK,
  Tag,
} from './layout.js';
import { type Address, addressOf, type Layer, offsetOfAddress, Reader, segmentOfAddress } from './reader.js';

/**
 * Checks a whole image against the invariants of FORMAT.md §6 and throws a CowshareError (code CORRUPT)
 * naming the first node that breaks one. It visits every reachable node once, iteratively (a crafted
 * image cannot exhaust the stack), and each key of every hash index once, so its cost is linear in the
 * image's size.
 */
export function verify(image: Image): void {
  new Verifier(new Reader(image)).run();
}

/** What a whole-image walk counts (the `inspect` command): only nodes reachable from the root. */
export interface ImageStats {
  /** Value nodes by kind name (`STRING_ASCII`, `MAP`, …). */
  readonly nodes: Record<string, number>;
  /** Object shapes in use: each key list is stored once for every object of that shape. */
  shapes: number;
  /** Interning: every distinct string is stored once, however many slots refer to it. */
  readonly strings: {
    /** String nodes stored, and their bytes. */
    nodes: number;
    bytes: number;
    /** Slots referring to a string node, and the bytes their strings would take stored once per slot. */
    references: number;
    bytesWithoutInterning: number;
  };
}

/** `verify`, counting on the way: same checks, same errors, and what the image holds. */
export function verifyWithStats(image: Image): ImageStats {
  const stats: ImageStats = {
    nodes: {},
    shapes: 0,
    strings: { nodes: 0, bytes: 0, references: 0, bytesWithoutInterning: 0 },
  };
  new Verifier(new Reader(image), stats).run();
  return stats;
}

/** What a slot may hold besides a value, where the format allows it. */
enum Allow {
  Value = 0,
  Hole = 1,
  Absent = 2,
}

/** A key as the verifier compares it: a primitive, or the address of a node compared by identity. */
type Key = { primitive: unknown } | { address: Address };

/** The key slots of a keyed node: `count` slots `stride` words apart from word `first` of `segment`. */
interface KeySlots {
  segment: number;
  first: number;
  stride: number;
  count: number;
}

class Verifier {
  /** One bit per word of each segment: the nodes already queued. A Set of addresses cost a third of the time. */
  private readonly visited: Uint8Array[];
  private readonly pending: Address[] = [];

  constructor(
    private readonly reader: Reader,
    private readonly stats?: ImageStats,
  ) {
    this.visited = reader.lengths.map((length) => new Uint8Array((length >>> 5) + 1));
  }

  run(): void {
    const { reader } = this;
    for (const layer of reader.layers) if (layer.redirectCount > 0) this.redirects(layer);
    this.slot(reader.rootSegment, reader.rootSlot, 0, Allow.Value);
    while (this.pending.length > 0) this.visit(this.pending.pop()!);
  }

  /**
   * A layer's REDIRECT_TABLE (FORMAT.md §7): pairs in increasing order of the replaced address, each
   * replacing a container node below the layer by a node of the same family in the layer's own
   * segments. (The replacements themselves are checked when the walk reaches them.)
   */
  private redirects(layer: Layer): void {
    const { reader } = this;
    const table = layer.redirectTable;
    const words = reader.words[segmentOfAddress(table)]!;
    const body = reader.body(table);
    let previous = -1;
    const targets = new Set<number>();
    for (let i = 0; i < layer.redirectCount; i++) {
      const at = body + 4 * i;
      const fromSegment = words[at + 1]!;
      const toSegment = words[at + 3]!;
      if (fromSegment >= layer.first)
        throw corrupt(reader.where(table), `redirect ${i} replaces a node of its own layer`);
      if (toSegment < layer.first || toSegment >= layer.first + layer.count) {
        throw corrupt(reader.where(table), `redirect ${i} leads outside its layer`);
      }
      const from = addressOf(fromSegment, words[at]!);
      const to = addressOf(toSegment, words[at + 2]!);
      if (from <= previous) throw corrupt(reader.where(table), `redirect ${i} is out of order`);
      previous = from;
      // A node stands for one replaced node: its identity as a Map key (Reader#identity).
      if (targets.has(to))
        throw corrupt(reader.where(table), `redirect ${i} leads to a node another leads to`);
      targets.add(to);
      const family = this.familyOf(from);
      if (family === undefined)
        throw corrupt(reader.where(from), 'a redirect replaces a node that is not a container');
      if (this.familyOf(to) !== family) {
        throw corrupt(
          reader.where(to),
          `redirect ${i} replaces a ${KIND_NAMES[reader.header(from) & KIND_MASK]} with another kind`,
        );
      }
    }
  }

  /** The redirect family of the node at `address`: a KEYED_DELTA's is its base's (§7). */
  private familyOf(address: Address): number | undefined {
    const kind = this.reader.header(address) & KIND_MASK;
    return redirectFamily(kind === Kind.KeyedDelta ? new KeyedDelta(this.reader, address).baseKind : kind);
  }

  /** Checks a slot's tag and queues the node it refers to. `owner` is for messages (0: the header). */
  private slot(segment: number, slot: number, owner: Address, allow: Allow): void {
    if ((slot & 1) === 1) return;
    if ((slot & TAG_MASK) === Tag.Constant) {
      const c = slot >>> PAYLOAD_SHIFT;
      const ok =
        c < Const.Count &&
        (c !== Const.Hole || allow === Allow.Hole) &&
        (c !== Const.Absent || allow === Allow.Absent);
      if (!ok) throw corrupt(this.where(owner), `constant ${c} is not allowed here`);
      return;
    }
    const address = this.reader.target(segment, slot);
    const header = this.reader.header(address);
    if (this.stats && isString(header)) {
      this.stats.strings.references++;
      this.stats.strings.bytesWithoutInterning += this.stringBytes(address);
    }
    this.reach(address);
  }

  /** Queues the node at `address`, unless it was reached before. */
  private reach(address: Address): void {
    const word = offsetOfAddress(address) >>> 2;
    const marks = this.visited[segmentOfAddress(address)]!;
    const bit = 1 << (word & 7);
    if ((marks[word >>> 3]! & bit) === 0) {
      marks[word >>> 3]! |= bit;
      this.pending.push(address);
    }
  }

  private where(address: Address): string {
    return address === 0 ? 'image header' : this.reader.where(address);
  }

  private visit(address: Address): void {
    const { reader } = this;
    const segment = segmentOfAddress(address);
    const words = reader.words[segment]!;
    const kind = reader.header(address) & KIND_MASK;
    const count = reader.count(address);
    if (this.stats) this.count(kind, address);
    switch (kind) {
      case Kind.StringAscii:
        reader.checkAscii(address);
        return;
      case Kind.StringUtf16:
        reader.string(address);
        return;
      case Kind.Float64:
      case Kind.Date:
        reader.need(address, 2);
        if (count !== 0) throw corrupt(reader.where(address), 'info must be 0');
        return;
      case Kind.BigIntPositive:
      case Kind.BigIntNegative:
        reader.bigint(address, kind === Kind.BigIntNegative);
        return;
      case Kind.RegExp: {
        const body = reader.need(address, 2);
        try {
          new RegExp(
            reader.keyString(segment, words[body]!, address),
            reader.keyString(segment, words[body + 1]!, address),
          );
        } catch (error) {
          if (error instanceof SyntaxError)
            throw corrupt(reader.where(address), 'invalid regular expression');
          throw error;
        }
        return;
      }
      case Kind.Array: {
        const body = reader.need(address, count);
        for (let i = 0; i < count; i++) this.slot(segment, words[body + i]!, address, Allow.Hole);
        return;
      }
      case Kind.SparseArray: {
        const body = reader.need(address, 2 + 2 * count);
        const length = words[body]!;
        let previous = -1;
        for (let k = 0; k < count; k++) {
          const index = words[body + 2 + 2 * k]!;
          if (index <= previous || index >= length)
            throw corrupt(reader.where(address), 'indices out of order');
          previous = index;
          this.slot(segment, words[body + 3 + 2 * k]!, address, Allow.Value);
        }
        const extras = words[body + 1]!;
        if (!this.isConstant(extras, Const.Undefined)) {
          const kind = (extras & 1) === 0 ? reader.header(reader.target(segment, extras)) & KIND_MASK : -1;
          if (kind !== Kind.Object && kind !== Kind.Dict) throw corrupt(reader.where(address), 'bad extras');
          if (!this.objectKeys(reader.target(segment, extras)).every(isExtraKey))
            throw corrupt(reader.where(address), 'bad extras: an index or `length` among them');
          this.slot(segment, extras, address, Allow.Value);
        }
        return;
      }
      case Kind.Object: {
        const shape = reader.shape(count, segment);
        const body = reader.need(address, shape.count);
        for (let i = 0; i < shape.count; i++) this.slot(segment, words[body + i]!, address, Allow.Value);
        this.shape(count, segment);
        return;
      }
      case Kind.Dict:
      case Kind.Map:
      case Kind.Set: {
        const stride = kind === Kind.Set ? 1 : 2;
        const body = reader.need(address, stride * count + hashIndexWords(count));
        for (let i = 0; i < stride * count; i++) this.slot(segment, words[body + i]!, address, Allow.Value);
        if (kind === Kind.Dict) {
          for (let i = 0; i < count; i++) reader.keyString(segment, words[body + 2 * i]!, address);
        }
        const hashAt = reader.hashIndex(address, body + stride * count, count);
        this.keyIndex(address, { segment, first: body, stride, count }, hashAt);
        return;
      }
      case Kind.KeyedDelta:
        this.keyedDelta(address);
        return;
      case Kind.ArrayDelta:
        this.arrayDelta(address);
        return;
      case Kind.ArrayBuffer: {
        if (reader.arrayBuffer(address).resizable) this.needsFlag(address, Flag.ResizableBuffers);
        return;
      }
      case Kind.TypedArray: {
        const body = reader.need(address, 3);
        this.expectKind(segment, words[body]!, Kind.ArrayBuffer, address);
        if (reader.typedArray(address).tracking) this.needsFlag(address, Flag.ResizableBuffers);
        this.slot(segment, words[body]!, address, Allow.Value);
        return;
      }
      case Kind.Error: {
        const body = reader.need(address, 3);
        if (count >= ERROR_NAMES.length) throw corrupt(reader.where(address), `unknown error type ${count}`);
        for (let i = 0; i < 2; i++) {
          const slot = words[body + i]!;
          if (!this.isConstant(slot, Const.Absent)) reader.keyString(segment, slot, address);
        }
        this.slot(segment, words[body + 2]!, address, Allow.Absent);
        return;
      }
      case Kind.Boxed: {
        const body = reader.need(address, 1);
        const slot = words[body]!;
        const key = this.key(segment, slot);
        const value = 'primitive' in key ? key.primitive : undefined;
        if (typeof value !== ['boolean', 'number', 'string', 'bigint'][count]) {
          throw corrupt(reader.where(address), 'bad boxed value');
        }
        return;
      }
      default:
        throw corrupt(reader.where(address), `kind 0x${kind.toString(16)} is not a value`);
    }
  }

  private count(kind: Kind, address: Address): void {
    const stats = this.stats!;
    const name = KIND_NAMES[kind] ?? `0x${kind.toString(16)}`;
    stats.nodes[name] = (stats.nodes[name] ?? 0) + 1;
    if (kind === Kind.StringAscii || kind === Kind.StringUtf16) {
      stats.strings.nodes++;
      stats.strings.bytes += this.stringBytes(address);
    }
  }

  /** A string node's size: its header (with an escaped length) and its code units, padded to a word. */
  private stringBytes(address: Address): number {
    const { reader } = this;
    const header = reader.header(address);
    const length = reader.count(address, header);
    const bodyWords = Math.ceil((header & KIND_MASK) === Kind.StringAscii ? length / 4 : length / 2);
    return 4 * (reader.body(address) - (offsetOfAddress(address) >>> 2) + bodyWords);
  }

  /** A node that uses a required feature lies in a layer whose header declares it (§3). */
  private needsFlag(address: Address, flag: Flag): void {
    if ((this.reader.layerAt(segmentOfAddress(address)).flags & flag) === 0)
      throw corrupt(this.reader.where(address), 'uses a feature its image header does not declare');
  }

  private isConstant(slot: number, c: Const): boolean {
    return slot === ((c << PAYLOAD_SHIFT) | Tag.Constant);
  }

  private expectKind(segment: number, slot: number, kind: Kind, owner: Address): void {
    const ok =
      (slot & 1) === 0 &&
      (slot & TAG_MASK) !== Tag.Constant &&
      (this.reader.header(this.reader.target(segment, slot)) & KIND_MASK) === kind;
    if (!ok) throw corrupt(this.reader.where(owner), 'a reference has the wrong kind');
  }

  /** The keys of the OBJECT or DICT node at `address`. */
  private objectKeys(address: Address): readonly string[] {
    const { reader } = this;
    const segment = segmentOfAddress(address);
    const count = reader.count(address);
    if ((reader.header(address) & KIND_MASK) === Kind.Object) return reader.shape(count, segment).keys();
    const body = reader.need(address, 2 * count);
    const words = reader.words[segment]!;
    return Array.from({ length: count }, (_, i) => reader.keyString(segment, words[body + 2 * i]!, address));
  }

  /** Checks a shape once (by its address: each layer has its own table): decoding checks its keys. */
  private readonly shapesChecked = new Set<Address>();
  private shape(index: number, segment: number): void {
    const address = this.reader.shapeAddress(index, segment);
    if (this.shapesChecked.has(address)) return;
    this.shapesChecked.add(address);
    if (this.stats) this.stats.shapes++;
    this.reader.shape(index, segment);
  }

  /** The comparable value of a key slot. */
  private key(segment: number, slot: number): Key {
    if ((slot & 1) === 1) return { primitive: slot >> 1 };
    if ((slot & TAG_MASK) === Tag.Constant) return { primitive: this.reader.constant(slot) };
    const address = this.reader.target(segment, slot);
    const kind = this.reader.header(address) & KIND_MASK;
    switch (kind) {
      case Kind.StringAscii:
      case Kind.StringUtf16:
        return { primitive: this.reader.string(address) };
      case Kind.Float64:
        return { primitive: this.reader.float(address) };
      case Kind.BigIntPositive:
      case Kind.BigIntNegative:
        return { primitive: this.reader.bigint(address, kind === Kind.BigIntNegative) };
      default:
        return { address };
    }
  }

  /** The hash of the key in `slot` (FORMAT.md §5), computed without decoding strings. */
  private keyHash(segment: number, slot: number): number {
    if ((slot & 1) === 1) return hashNumber(slot >> 1);
    if ((slot & TAG_MASK) === Tag.Constant) return hashPrimitive(this.reader.constant(slot))!;
    const address = this.reader.target(segment, slot);
    const kind = this.reader.header(address) & KIND_MASK;
    switch (kind) {
      case Kind.StringAscii:
      case Kind.StringUtf16:
        return this.reader.stringHash(address);
      case Kind.Float64:
        return hashNumber(this.reader.float(address));
      case Kind.BigIntPositive:
      case Kind.BigIntNegative:
        return hashBigInt(this.reader.bigint(address, kind === Kind.BigIntNegative));
      default: {
        const identity = this.reader.identity(address);
        return hashAddress(segmentOfAddress(identity), offsetOfAddress(identity));
      }
    }
  }

  /**
   * A KEYED_DELTA (§7): its base (checked on reading, and walked), its changes of base entries in
   * ascending order, each with the base entry's key; appended keys new to the base (and, for a DICT,
   * strings that are no array index, which `Object.keys` would list first); a Set's value slots TRUE,
   * or ABSENT for a deleted member; the size the changes give; its own keys distinct and hashed as a
   * MAP's.
   */
  private keyedDelta(address: Address): void {
    const reader = this.reader;
    const delta = new KeyedDelta(reader, address);
    const { segment, count, changed, base, baseCount } = delta;
    const words = reader.words[segment]!;
    const isSet = delta.baseKind === Kind.Set;
    const stride = isSet ? 1 : 2;
    const baseSegment = segmentOfAddress(base);
    const baseFirst = reader.need(base, stride * baseCount + hashIndexWords(baseCount));
    // The base is walked later; its hash index is probed now, so its capacity is checked now.
    const baseHashAt = reader.hashIndex(base, baseFirst + stride * baseCount, baseCount);
    const baseWords = reader.words[baseSegment]!;
    this.reach(base);
    let previous = -1;
    let deleted = 0;
    for (let e = 0; e < count; e++) {
      const at = delta.word(e);
      const keySlot = words[at]!;
      const valueSlot = words[at + 1]!;
      this.slot(segment, keySlot, address, Allow.Value);
      if (delta.baseKind === Kind.Dict) {
        const name = reader.keyString(segment, keySlot, address);
        if (e >= changed && isArrayIndex(name))
          throw corrupt(reader.where(address), `appended entry ${e} of an object is an array index`);
      }
      const isDeleted = e < changed && valueSlot === DELETED_SLOT;
      if (isDeleted) deleted++;
      else if (isSet && !this.isConstant(valueSlot, Const.True)) {
        throw corrupt(reader.where(address), `entry ${e} of a Set is neither there nor deleted`);
      } else this.slot(segment, valueSlot, address, Allow.Value);
      if (e < changed) {
        const index = words[at + 2]!;
        if (index <= previous || index >= baseCount)
          throw corrupt(reader.where(address), `change ${e} is out of order`);
        previous = index;
        if (isSet && !isDeleted) throw corrupt(reader.where(address), `change ${e} of a Set deletes nothing`);
        const baseKey = this.key(baseSegment, baseWords[baseFirst + stride * index]!);
        if (!same(this.key(segment, keySlot), baseKey))
          throw corrupt(reader.where(address), `change ${e} is not of its base entry's key`);
      } else {
        if (words[at + 2] !== DELTA_APPENDED)
          throw corrupt(reader.where(address), `entry ${e} is not appended`);
        const keys = { segment: baseSegment, first: baseFirst, stride, count: baseCount };
        if (this.holds(base, keys, baseHashAt, segment, keySlot))
          throw corrupt(reader.where(address), `appended entry ${e} is in the base`);
      }
    }
    if (delta.size !== baseCount - deleted + count - changed)
      throw corrupt(reader.where(address), 'its size is not what its changes give');
    this.keyIndex(address, { segment, first: delta.first, stride: DELTA_STRIDE, count }, delta.hashAt);
  }

  /**
   * An ARRAY_DELTA (§7): its base (checked on reading, and walked); pieces that start at element 0
   * and at ascending elements below the length; base pieces within the base; new-slot pieces that
   * use the slots in order, each once, all of them; slots that are values or holes.
   */
  private arrayDelta(address: Address): void {
    const reader = this.reader;
    const delta = new ArrayDelta(reader, address);
    this.reach(delta.base);
    let nextSlot = 0;
    for (let p = 0; p < delta.pieces; p++) {
      const at = delta.at(p);
      const end = p + 1 < delta.pieces ? delta.at(p + 1) : delta.length;
      if (end <= at || end > delta.length) throw corrupt(reader.where(address), `piece ${p} is out of order`);
      const from = delta.from(p);
      if (from === PIECE_HOLES) continue;
      if (from < PIECE_SLOTS) {
        if (from + end - at > delta.baseLength)
          throw corrupt(reader.where(address), `piece ${p} runs past its base`);
        continue;
      }
      if ((from & ~PIECE_SLOTS) !== nextSlot)
        throw corrupt(reader.where(address), `piece ${p} is not of the next slots`);
      nextSlot += end - at;
    }
    if (nextSlot !== delta.slots) throw corrupt(reader.where(address), 'slots that no piece uses');
    const words = reader.words[delta.segment]!;
    for (let k = 0; k < delta.slots; k++)
      this.slot(delta.segment, words[delta.firstSlot + k]!, address, Allow.Hole);
  }

  /**
   * Whether the keys of a MAP, SET or DICT (with its hash index at `hashAt`, or -1) hold the key in
   * `slot` of `segment`: among the entries of its hash (HashOrder, made once per node; the node's own
   * visit checks that the stored hashes are its keys'), or a scan when there is no index.
   */
  private holds(node: Address, keys: KeySlots, hashAt: number, segment: number, slot: number): boolean {
    const words = this.reader.words[keys.segment]!;
    const key = this.key(segment, slot);
    const keyOf = (i: number) => this.key(keys.segment, words[keys.first + keys.stride * i]!);
    if (hashAt < 0) {
      for (let i = 0; i < keys.count; i++) if (same(key, keyOf(i))) return true;
      return false;
    }
    let order = this.orders.get(node);
    if (order === undefined) {
      order = new HashOrder(words, hashAt + 1, words[hashAt]!, keys.count);
      this.orders.set(node, order);
    }
    const [from, to] = order.group(this.keyHash(segment, slot));
    if (to - from <= SMALL_GROUP) {
      for (let k = from; k < to; k++) if (same(key, keyOf(order.entries[k]!))) return true;
      return false;
    }
    // Many keys of one hash (crafted collisions): their set, made once per group.
    const groups = (this.groupSets.get(node) ?? this.groupSets.set(node, new Map()).get(node))!;
    let group = groups.get(from);
    if (group === undefined) {
      group = new KeySet();
      for (let k = from; k < to; k++) group.add(keyOf(order.entries[k]!));
      groups.set(from, group);
    }
    return group.has(key);
  }

  /** HashOrders of the nodes that deltas change, and sets of their large groups (see `holds`). */
  private readonly orders = new Map<Address, HashOrder>();
  private readonly groupSets = new Map<Address, Map<number, KeySet>>();

  /** Whether two key slots of one segment hold the same key (SameValueZero; objects by node). */
  private sameKey(segment: number, a: number, b: number): boolean {
    return a === b || same(this.key(segment, a), this.key(segment, b));
  }

  /**
   * Keys are distinct (SameValueZero), and with a hash index (at word `hashAt`) every key sits in
   * exactly one bucket with its hash, reachable from its home bucket without crossing an empty one.
   * Linear in the buckets, however the hashes collide: reachability is one walk round the buckets,
   * and since equal keys have equal hashes, keys are compared only within a group of one hash
   * (HashOrder); keys themselves are decoded only then.
   */
  private keyIndex(owner: Address, keys: KeySlots, hashAt: number): void {
    const { segment, first, stride, count } = keys;
    const reader = this.reader;
    const words = reader.words[segment]!;
    const keySlot = (i: number) => words[first + stride * i]!;
    if (hashAt < 0) {
      this.distinct(
        owner,
        segment,
        Array.from({ length: count }, (_, i) => keySlot(i)),
      );
      return;
    }
    const capacity = words[hashAt]!; // checked by Reader#hashIndex
    const buckets = hashAt + 1;
    const entryAt = (b: number) => words[buckets + BUCKET_WORDS * b + 1]!;
    const storedHash = (b: number) => words[buckets + BUCKET_WORDS * b]!;
    const seen = new Uint8Array(count);
    let empty = -1;
    for (let b = 0; b < capacity; b++) {
      const entry = entryAt(b);
      if (entry === 0) {
        if (storedHash(b) !== 0) throw corrupt(reader.where(owner), 'empty bucket with a hash');
        empty = b;
        continue;
      }
      if (entry > count || seen[entry - 1]) throw corrupt(reader.where(owner), 'bad hash bucket');
      seen[entry - 1] = 1;
      if (storedHash(b) !== this.keyHash(segment, keySlot(entry - 1)))
        throw corrupt(reader.where(owner), 'wrong stored hash');
    }
    if (seen.includes(0)) throw corrupt(reader.where(owner), 'a key is missing from the hash index');
    // Round the buckets from an empty one (there is one: capacity > count): an entry is reachable
    // when its home bucket lies in the run of full buckets that ends at it. Positions count from
    // the empty bucket.
    let runStart = 1;
    for (let p = 1; p < capacity; p++) {
      const b = (empty + p) % capacity;
      if (entryAt(b) === 0) {
        runStart = p + 1;
        continue;
      }
      const home = (homeBucket(storedHash(b), capacity) - empty + capacity) % capacity;
      if (home < runStart || home > p)
        throw corrupt(reader.where(owner), 'a key cannot be found through the hash index');
    }
    const order = new HashOrder(words, buckets, capacity, count);
    for (let from = 0; from < count; ) {
      let to = from + 1;
      while (to < count && order.hashes[to] === order.hashes[from]) to++;
      if (to - from > 1) {
        this.distinct(
          owner,
          segment,
          Array.from(order.entries.subarray(from, to), (entry) => keySlot(entry)),
        );
      }
      from = to;
    }
  }

  /** The keys in `slots` (of `segment`) are distinct: pairwise when few, else through a KeySet. */
  private distinct(owner: Address, segment: number, slots: readonly number[]): void {
    if (slots.length <= SMALL_GROUP) {
      for (let i = 0; i < slots.length; i++) {
        for (let j = i + 1; j < slots.length; j++) {
          if (this.sameKey(segment, slots[i]!, slots[j]!))
            throw corrupt(this.reader.where(owner), 'duplicate keys');
        }
      }
      return;
    }
    const set = new KeySet();
    for (const slot of slots) {
      const key = this.key(segment, slot);
      if (set.has(key)) throw corrupt(this.reader.where(owner), 'duplicate keys');
      set.add(key);
    }
  }
}

/** Groups of keys up to this size are compared pairwise; larger ones through a KeySet. */
const SMALL_GROUP = 8;

/** Keys as `same` compares them: primitives under SameValueZero (a Set's), nodes by address. */
class KeySet {
  private readonly primitives = new Set<unknown>();
  private readonly addresses = new Set<Address>();

  add(key: Key): void {
    if ('address' in key) this.addresses.add(key.address);
    else this.primitives.add(key.primitive);
  }

  has(key: Key): boolean {
    return 'address' in key ? this.addresses.has(key.address) : this.primitives.has(key.primitive);
  }
}

function isString(header: number): boolean {
  const kind = header & KIND_MASK;
  return kind === Kind.StringAscii || kind === Kind.StringUtf16;
}

function same(a: Key, b: Key): boolean {
  if ('address' in a || 'address' in b) return 'address' in a && 'address' in b && a.address === b.address;
  return sameValueZero(a.primitive, b.primitive);
}
