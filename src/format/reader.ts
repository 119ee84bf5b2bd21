// Reading an image in place (FORMAT.md): the Reader checks the headers once at open, then decodes a
// slot, a node header, a shape or a string on demand and never writes the image. One concept, long
// because every node kind has an accessor here that checks its bounds before it is read; views
// (src/view/) and verify (verify.ts) share these accessors, so a check is written once. String
// decoding is string-decode.ts.
import { CowshareError, corrupt } from '../errors.js';
import { BigMap } from './big-map.js';
import { crc32 } from './crc32.js';
import { FNV_OFFSET, FNV_PRIME, fmix32, hashCapacity } from './hash.js';
import { assertImage, type Image } from './image.js';
import {
  BUFFER_RESIZABLE,
  BUFFER_SHARED,
  Const,
  DICT_MIN_KEYS,
  ESCAPE,
  FORMAT_MAJOR,
  HASH_MIN,
  Header,
  INFO_SHIFT,
  KIND_MASK,
  KIND_NAMES,
  Kind,
  KNOWN_FLAGS,
  LayerHeader,
  MAGIC,
  NEAR_MASK,
  PAYLOAD_SHIFT,
  REQUIRED_FLAGS_MASK,
  SEGMENT_ALIGN,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentHeader,
  TAG_MASK,
  Tag,
  VIEW_LENGTH_TRACKING,
  VIEW_TYPE_DATAVIEW,
  VIEW_TYPE_MASK,
  VIEW_TYPES,
} from './layout.js';
import { decodeAscii, decodeUtf16 } from './string-decode.js';

const SPAN = 2 ** 32;
/** A global node address, as in the writer: segment × 2^32 + offset. */
export type Address = number;
export const addressOf = (segment: number, offset: number): Address => segment * SPAN + offset;
/** Most images have one segment: addresses below 2^32 skip the division. */
export const segmentOfAddress = (address: Address): number =>
  address < SPAN ? 0 : Math.floor(address / SPAN);
export const offsetOfAddress = (address: Address): number => (address < SPAN ? address : address % SPAN);

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new CowshareError(
    'PLATFORM',
    'cowshare needs a little-endian platform (typed arrays read the image)',
  );
}

/**
 * Checks the image header at the start of `first` (segment 0, a layer's first segment, or a file's
 * first bytes): the magic, the format version, the checksum, the required flags. A layer's header
 * (`layer`, FORMAT.md §7) is 72 bytes and its reserved field is the base's checksum; a standalone one
 * has no base. The Reader runs it on every open; the file layer before it maps or reads a file.
 */
export function checkHeader(first: Uint8Array, layer = false): void {
  const size = layer ? LayerHeader.Size : Header.Size;
  const where = layer ? 'layer' : 'image';
  if (first.length < size || MAGIC.some((b, i) => first[i] !== b)) {
    throw new CowshareError(
      layer ? 'CORRUPT' : 'NOT_IMAGE',
      `${where}: ${layer ? 'the layer segment' : 'segment 0'} does not start with the COWSHARE magic`,
    );
  }
  const view = new DataView(first.buffer, first.byteOffset, size);
  const word = (offset: Header) => view.getUint32(offset, true);
  const major = view.getUint16(Header.Major, true);
  if (major > FORMAT_MAJOR) {
    throw new CowshareError(
      'VERSION',
      `image: format version ${major}.${view.getUint16(Header.Minor, true)} needs a newer cowshare (this one reads ${FORMAT_MAJOR}.x)`,
    );
  }
  if (!checksumHolds(first, size)) {
    // A sound layer header where an image's should be: the caller left the base out.
    if (!layer && first.length >= LayerHeader.Size && checksumHolds(first, LayerHeader.Size)) {
      throw corrupt(
        'image header',
        'this is a layer (it has a base): open it with its base image’s segments first',
      );
    }
    throw corrupt(`${where} header`, 'checksum mismatch');
  }
  if (!layer && word(Header.BaseSegmentCount) !== 0)
    throw corrupt('image header', 'a base segment count in a standalone header');
  if (major < FORMAT_MAJOR) throw corrupt(`${where} header`, `unknown format version ${major}`);
  if ((word(Header.Flags) & REQUIRED_FLAGS_MASK & ~KNOWN_FLAGS) !== 0) {
    throw new CowshareError('VERSION', `${where}: uses required features this cowshare does not know`);
  }
  if (layer) return;
  if (word(Header.Reserved) !== 0) throw corrupt('image header', 'reserved field is not zero');
}

/** Whether the CRC-32 of the first `size` bytes of a header (its checksum field as 0) is that field. */
function checksumHolds(header: Uint8Array, size: number): boolean {
  const checked = header.slice(0, size);
  const view = new DataView(checked.buffer);
  const recorded = view.getUint32(Header.Checksum, true);
  view.setUint32(Header.Checksum, 0, true);
  return crc32(checked) === recorded;
}

/** One layer of an image (FORMAT.md §7): its segments and its tables. A standalone image is one layer. */
export interface Layer {
  /** Its first segment (a global index) and how many it has. */
  readonly first: number;
  readonly count: number;
  readonly shapeTable: Address;
  readonly shapeCount: number;
  readonly farTable: Address;
  readonly farCount: number;
  /** Its REDIRECT_TABLE, or 0. */
  readonly redirectTable: Address;
  readonly redirectCount: number;
  /** Its header's checksum: the layer above names it as its base. */
  readonly checksum: number;
  /** Its header's flags (§3): the required features its own nodes use. */
  readonly flags: number;
  readonly rootSlot: number;
  readonly rootSegment: number;
  /** Shapes decoded so far, by index. */
  readonly shapes: (Shape | undefined)[];
}

/** The value of a constant slot (FORMAT.md §4); `Hole` and `Absent` are returned as their codes. */
export function constantValue(slot: number): unknown {
  switch (slot >>> PAYLOAD_SHIFT) {
    case Const.Undefined:
      return undefined;
    case Const.Null:
      return null;
    case Const.False:
      return false;
    case Const.True:
      return true;
    case Const.EmptyString:
      return '';
    case Const.NaN:
      return Number.NaN;
    case Const.NegativeZero:
      return -0;
    case Const.Infinity:
      return Number.POSITIVE_INFINITY;
    case Const.NegativeInfinity:
      return Number.NEGATIVE_INFINITY;
    default:
      throw new CowshareError('CORRUPT', `constant ${slot >>> PAYLOAD_SHIFT} is not a value`);
  }
}

type TableField = Header.ShapeTableSegment | Header.FarTableSegment | LayerHeader.RedirectTableSegment;

/** A shape: its key count, its keys (decoded on demand), and how to find a key's index. */
export interface Shape {
  readonly count: number;
  /** A slot the view layer fills: the record class of this shape for this reader (FORMAT knows no views). */
  recordClass?: unknown;
  /** The keys in order, decoded at the first call and kept by the reader. */
  keys(): readonly string[];
  /** The slot index of `key`, or -1. */
  indexOf(key: string): number;
}

/**
 * Bounds-checked access to one opened image. Opening reads only the header (O(segments)); every
 * node is checked when it is reached: its header lies in its segment, its body does not run past the
 * segment's end, every reference lands on a word boundary. So a damaged or crafted image ends in a
 * CowshareError, never in an out-of-bounds read or an allocation sized by an unchecked length.
 *
 * A Reader never writes to the image. It caches decoded shapes in its own memory, per thread.
 */
export class Reader {
  /** Per segment: byte, word and DataView views of the same SharedArrayBuffer, and its length. */
  readonly bytes: Uint8Array[];
  readonly words: Uint32Array[];
  readonly views: DataView[];
  readonly lengths: number[];
  readonly image: Image;
  readonly rootSlot: number;
  readonly rootSegment: number;
  /** How views of this reader show objects (see OpenOptions.objects); set by `open`. */
  objects: 'facade' | 'record' = 'facade';
  /** The image's layers, the base first (one for a standalone image), and the layer of each segment. */
  readonly layers: Layer[] = [];
  private readonly layerOf: Uint32Array;
  /** Whether some layer redirects nodes: every reference is then resolved through them (§7). */
  readonly redirecting: boolean;
  /** Each redirect's `to`, with its `from`: made at the first `identity` of a redirected node. */
  private origins: BigMap<Address, Address> | undefined;

  constructor(image: unknown) {
    assertImage(image);
    this.image = image;
    const segments = image.segments;
    this.bytes = segments.map((s) => new Uint8Array(s));
    this.words = segments.map((s) => new Uint32Array(s, 0, s.byteLength >>> 2));
    this.views = segments.map((s) => new DataView(s));
    this.lengths = segments.map((s) => s.byteLength);

    this.layerOf = new Uint32Array(segments.length);
    for (let first = 0; first < segments.length; ) {
      // Segments after the last layer read: another layer, or segments the headers do not account for.
      if (first > 0 && MAGIC.some((b, i) => this.bytes[first]![i] !== b)) {
        throw corrupt('image', `the headers record ${first} segments, the image has ${segments.length}`);
      }
      const layer = this.readLayer(first, this.layers[this.layers.length - 1]);
      this.layerOf.fill(this.layers.length, first, first + layer.count);
      this.layers.push(layer);
      first += layer.count;
    }
    const top = this.layers[this.layers.length - 1]!;
    this.rootSlot = top.rootSlot;
    this.rootSegment = top.rootSegment;
    this.redirecting = this.layers.some((layer) => layer.redirectCount > 0);
  }

  /** Reads and checks the header, segments and tables of the layer starting at segment `first`. */
  private readLayer(first: number, below: Layer | undefined): Layer {
    checkHeader(this.bytes[first]!, below !== undefined);
    const view = this.views[first]!;
    const word = (offset: Header | LayerHeader) => view.getUint32(offset, true);
    const where = below === undefined ? 'image' : `layer at segment ${first}`;
    const count = word(Header.SegmentCount);
    if (count === 0 || first + count > this.lengths.length) {
      const recorded = first + count;
      throw corrupt(where, `the headers record ${recorded} segments, the image has ${this.lengths.length}`);
    }
    if (below !== undefined) {
      if (word(Header.BaseSegmentCount) !== first) {
        throw corrupt(
          where,
          `its base has ${word(Header.BaseSegmentCount)} segments, not the ${first} below it`,
        );
      }
      if (word(LayerHeader.BaseChecksum) !== below.checksum) {
        throw corrupt(where, 'the segments below it are not the base image it was made on');
      }
    }
    this.checkSegments(first, count, word(Header.FirstSegmentBytes));
    // A layer's tables and root may name its own segments and its base's, never a layer above.
    const end = first + count;
    const table = (field: TableField, kind: Kind) => this.table(view, field, kind, end);
    const shapeTable = table(Header.ShapeTableSegment, Kind.ShapeTable);
    const farTable = table(Header.FarTableSegment, Kind.FarTable);
    const redirectTable =
      below === undefined ? 0 : table(LayerHeader.RedirectTableSegment, Kind.RedirectTable);
    if (redirectTable !== 0 && segmentOfAddress(redirectTable) < first) {
      throw corrupt(where, 'its redirect table is not in its own segments');
    }
    const rootSegment = word(Header.RootSegment);
    if (rootSegment >= end) throw corrupt(`${where} header`, `root segment ${rootSegment} does not exist`);
    return {
      first,
      count,
      shapeTable,
      shapeCount: shapeTable ? this.count(shapeTable) : 0,
      farTable,
      farCount: farTable ? this.count(farTable) : 0,
      redirectTable,
      redirectCount: redirectTable ? this.count(redirectTable) : 0,
      checksum: word(Header.Checksum),
      flags: word(Header.Flags),
      rootSlot: word(Header.RootSlot),
      rootSegment,
      shapes: [],
    };
  }

  private checkSegments(first: number, count: number, firstLength: number): void {
    for (let i = first; i < first + count; i++) {
      const length = this.lengths[i]!;
      const recorded = i === first ? firstLength : this.words[i]![SegmentHeader.Length];
      if (i > first) {
        const words = this.words[i]!;
        if (length < SEGMENT_HEADER_BYTES || words[SegmentHeader.Magic] !== SEGMENT_MAGIC) {
          throw corrupt(`segment ${i}`, 'missing segment header');
        }
        if (words[SegmentHeader.Index] !== i) throw corrupt(`segment ${i}`, 'segment is out of order');
        if (words[SegmentHeader.Reserved] !== 0) throw corrupt(`segment ${i}`, 'reserved field is not zero');
      }
      if (recorded !== length || length % SEGMENT_ALIGN !== 0) {
        throw corrupt(
          `segment ${i}`,
          `length is ${length} bytes, the image records ${recorded} (truncated?)`,
        );
      }
    }
  }

  /**
   * The address of a table named by a header (`view`), or 0 when there is none; it must lie in a
   * segment below `end`.
   */
  private table(view: DataView, field: TableField, kind: Kind, end: number): Address {
    const segment = view.getUint32(field, true);
    const offset = view.getUint32(field + 4, true);
    if (offset === 0) return 0;
    if (segment >= end)
      throw corrupt('image header', `${KIND_NAMES[kind]} segment ${segment} does not exist`);
    const address = addressOf(segment, offset);
    const header = this.header(address);
    if ((header & KIND_MASK) !== kind) throw corrupt(this.where(address), `expected ${KIND_NAMES[kind]}`);
    this.need(address, (kind === Kind.RedirectTable ? 4 : 2) * this.count(address));
    return address;
  }

  /** Describes a node's place for error messages: `segment 0 offset 0x48 (ARRAY)`. */
  where(address: Address): string {
    const segment = segmentOfAddress(address);
    const offset = address - segment * SPAN;
    const words = this.words[segment];
    const kind = words && offset + 4 <= this.lengths[segment]! ? words[offset >>> 2]! & KIND_MASK : -1;
    return `segment ${segment} offset 0x${offset.toString(16)}${KIND_NAMES[kind] ? ` (${KIND_NAMES[kind]})` : ''}`;
  }

  /** The header word of the node at `address`, after checking that the word is inside its segment. */
  header(address: Address): number {
    const segment = segmentOfAddress(address);
    const offset = address - segment * SPAN;
    if (offset + 4 > this.lengths[segment]! || offset === 0 || (offset & 3) !== 0) {
      throw corrupt(this.where(address), 'reference outside its segment');
    }
    return this.words[segment]![offset >>> 2]!;
  }

  /** The (possibly escaped) info field of the node at `address`. */
  count(address: Address, header = this.header(address)): number {
    const info = header >>> INFO_SHIFT;
    if (info !== ESCAPE) return info;
    this.need(address, 0, header);
    return this.words[segmentOfAddress(address)]![(offsetOfAddress(address) >>> 2) + 1]!;
  }

  /**
   * The word index of the hash index that follows `count` keys ending at word `end` of the node at
   * `address` (checked by `need` to hold it), or -1 below HASH_MIN keys. Its capacity is checked
   * here, once, since every probe loop is bounded by it and every bucket it names must lie in the node.
   */
  hashIndex(address: Address, end: number, count: number): number {
    if (count < HASH_MIN) return -1;
    if (this.words[segmentOfAddress(address)]![end] !== hashCapacity(count))
      throw corrupt(this.where(address), 'hash index capacity does not match the entry count');
    return end;
  }

  /** Word index (in its segment) of the body of the node at `address`. */
  body(address: Address): number {
    const escaped = this.header(address) >>> INFO_SHIFT === ESCAPE;
    return (offsetOfAddress(address) >>> 2) + (escaped ? 2 : 1);
  }

  /**
   * Checks that the node at `address` has `bodyWords` words of body inside its segment; returns the
   * body's first word index. Lengths come from the image, so they are checked before anything is
   * sized by them. Callers that have read the header already pass it.
   */
  need(address: Address, bodyWords: number, header = this.header(address)): number {
    const segment = segmentOfAddress(address);
    const escaped = header >>> INFO_SHIFT === ESCAPE;
    const body = (offsetOfAddress(address) >>> 2) + (escaped ? 2 : 1);
    if ((body + bodyWords) * 4 > this.lengths[segment]!) {
      throw corrupt(this.where(address), 'node runs past the end of its segment');
    }
    return body;
  }

  /**
   * The node address a slot stored in `segment` refers to, or -1 when the slot holds its value inline
   * (a small integer or a constant: read it with `immediate`).
   */
  slotAddress(segment: number, slot: number): Address {
    if ((slot & 1) === 1) return -1;
    if ((slot & NEAR_MASK) === 0) {
      const address = segment * SPAN + slot;
      return this.redirecting ? this.resolve(address) : address;
    }
    if ((slot & TAG_MASK) === Tag.Constant) return -1;
    return this.target(segment, slot);
  }

  /** The value of a slot that holds it inline: a small integer or a constant. */
  immediate(slot: number): unknown {
    return (slot & 1) === 1 ? slot >> 1 : this.constant(slot);
  }

  /** The node address a reference slot stored in `segment` points at (through any redirects). */
  target(segment: number, slot: number): Address {
    let address: Address;
    if ((slot & NEAR_MASK) === 0) {
      address = segment * SPAN + slot;
    } else {
      if ((slot & TAG_MASK) !== Tag.Far)
        throw corrupt(`segment ${segment}`, `slot 0x${slot.toString(16)} is not a reference`);
      // Far indices are the far table's of the layer that owns the slot's segment.
      const layer = this.layers[this.layerOf[segment]!]!;
      const index = slot >>> PAYLOAD_SHIFT;
      if (index >= layer.farCount)
        throw corrupt(`segment ${segment}`, `far reference ${index} is not in the far table`);
      const table = layer.farTable;
      const word = this.body(table) + 2 * index;
      const words = this.words[segmentOfAddress(table)]!;
      const target = words[word + 1]!;
      if (target >= layer.first + layer.count)
        throw corrupt(this.where(table), `entry ${index} names a missing segment`);
      address = target * SPAN + words[word]!;
    }
    return this.redirecting ? this.resolve(address) : address;
  }

  /**
   * Where a reference to `address` leads: through the redirects of each layer above the address's
   * own, oldest first, each applied to what the one before gave (FORMAT.md §7).
   */
  resolve(address: Address): Address {
    for (let j = this.layerOf[segmentOfAddress(address)]! + 1; j < this.layers.length; j++) {
      const layer = this.layers[j]!;
      if (layer.redirectCount > 0) address = this.redirected(layer, address);
    }
    return address;
  }

  /**
   * The address that identifies the node at `address` as a Map key or Set member (its hash, FORMAT.md
   * §7): the node it replaces, through every layer, down to one no layer put in place. A replaced node
   * thus keeps its place in the hash indexes written before it was replaced. Each step goes to a lower
   * segment (a `to` is in its layer's own segments, a `from` below them), so the walk ends.
   */
  identity(address: Address): Address {
    if (!this.redirecting) return address;
    this.origins ??= this.redirectOrigins();
    for (let from = this.origins.get(address); from !== undefined; from = this.origins.get(address)) {
      address = from;
    }
    return address;
  }

  private redirectOrigins(): BigMap<Address, Address> {
    const origins = new BigMap<Address, Address>();
    for (const layer of this.layers) {
      if (layer.redirectCount === 0) continue;
      const table = layer.redirectTable;
      const words = this.words[segmentOfAddress(table)]!;
      const body = this.need(table, 4 * layer.redirectCount);
      for (let i = 0; i < layer.redirectCount; i++) {
        const at = body + 4 * i;
        // A `from` below the layer and a `to` in it, as verify checks: so every step of `identity`
        // goes down a segment, and the walk ends.
        if (
          words[at + 1]! >= layer.first ||
          words[at + 3]! < layer.first ||
          words[at + 3]! >= layer.first + layer.count
        )
          throw corrupt(this.where(table), `redirect ${i} does not lead from below its layer into it`);
        const to = words[at + 3]! * SPAN + words[at + 2]!;
        if (origins.get(to) !== undefined)
          throw corrupt(this.where(table), `redirect ${i} leads to a node another leads to`);
        origins.set(to, words[at + 1]! * SPAN + words[at]!);
      }
    }
    return origins;
  }

  /** The replacement `layer` gives `address`, or `address` itself: a binary search of its table. */
  private redirected(layer: Layer, address: Address): Address {
    const table = layer.redirectTable;
    const words = this.words[segmentOfAddress(table)]!;
    const body = this.body(table);
    let lo = 0;
    let hi = layer.redirectCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = body + 4 * mid;
      const from = words[at + 1]! * SPAN + words[at]!;
      if (from < address) lo = mid + 1;
      else if (from > address) hi = mid - 1;
      else {
        const segment = words[at + 3]!;
        if (segment < layer.first || segment >= layer.first + layer.count) {
          throw corrupt(this.where(table), `redirect ${mid} leads outside its layer`);
        }
        return segment * SPAN + words[at + 2]!;
      }
    }
    return address;
  }

  /** The layer that owns segment `segment`. */
  layerAt(segment: number): Layer {
    return this.layers[this.layerOf[segment]!]!;
  }

  /** The value of a constant slot (FORMAT.md §4); `Hole` and `Absent` are returned as their codes. */
  constant(slot: number): unknown {
    return constantValue(slot);
  }

  /** Throws unless the ASCII string node at `address` holds only bytes below 0x80 (for `verify`). */
  checkAscii(address: Address): void {
    const length = this.count(address);
    const start = this.need(address, Math.ceil(length / 4)) * 4;
    const bytes = this.bytes[segmentOfAddress(address)]!;
    for (let i = start; i < start + length; i++) {
      if (bytes[i]! > 0x7f) throw corrupt(this.where(address), 'non-ASCII byte in an ASCII string');
    }
  }

  /** Decodes the string node at `address` (either encoding). */
  string(address: Address, header = this.header(address)): string {
    const kind = header & KIND_MASK;
    const length = this.count(address, header);
    const segment = segmentOfAddress(address);
    if (kind === Kind.StringAscii) {
      const start = this.need(address, Math.ceil(length / 4), header) * 4;
      return decodeAscii(this.bytes[segment]!, start, length);
    }
    if (kind !== Kind.StringUtf16) throw corrupt(this.where(address), 'expected a string');
    const start = this.need(address, Math.ceil(length / 2), header) * 4;
    return decodeUtf16(this.views[segment]!, start, length);
  }

  /** `hashString` of the string node at `address`, computed from its code units without decoding it. */
  stringHash(address: Address): number {
    const header = this.header(address);
    const length = this.count(address, header);
    const segment = segmentOfAddress(address);
    let h = FNV_OFFSET;
    if ((header & KIND_MASK) === Kind.StringAscii) {
      const start = this.need(address, Math.ceil(length / 4), header) * 4;
      const bytes = this.bytes[segment]!;
      for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
    } else {
      if ((header & KIND_MASK) !== Kind.StringUtf16) throw corrupt(this.where(address), 'expected a string');
      const start = this.need(address, Math.ceil(length / 2), header) * 4;
      const view = this.views[segment]!;
      for (let i = 0; i < length; i++) h = Math.imul(h ^ view.getUint16(start + 2 * i, true), FNV_PRIME);
    }
    return fmix32(h);
  }

  /** Whether the string node at `address` holds exactly `s`, without decoding it. */
  stringEquals(address: Address, s: string): boolean {
    const header = this.header(address);
    const length = this.count(address);
    if (length !== s.length) return false;
    const segment = segmentOfAddress(address);
    if ((header & KIND_MASK) === Kind.StringAscii) {
      const bytes = this.bytes[segment]!;
      const start = this.need(address, Math.ceil(length / 4)) * 4;
      for (let i = 0; i < length; i++) if (bytes[start + i] !== s.charCodeAt(i)) return false;
      return true;
    }
    if ((header & KIND_MASK) !== Kind.StringUtf16) return false;
    const view = this.views[segment]!;
    const start = this.need(address, Math.ceil(length / 2)) * 4;
    for (let i = 0; i < length; i++)
      if (view.getUint16(start + 2 * i, true) !== s.charCodeAt(i)) return false;
    return true;
  }

  /**
   * The bytes of an ARRAY_BUFFER node (`length` bytes of `bytes` from `start`), checked, with its
   * kind: shared, and resizable up to `maxByteLength` (its length, when it is not resizable).
   */
  arrayBuffer(address: Address): {
    bytes: Uint8Array;
    start: number;
    length: number;
    shared: boolean;
    resizable: boolean;
    maxByteLength: number;
  } {
    const segment = segmentOfAddress(address);
    const header = this.header(address);
    if ((header & KIND_MASK) !== Kind.ArrayBuffer)
      throw corrupt(this.where(address), 'expected an ARRAY_BUFFER');
    if (address % 8 !== 0) throw corrupt(this.where(address), 'ARRAY_BUFFER is not 8-aligned');
    const info = header >>> INFO_SHIFT;
    if ((info & ~(BUFFER_SHARED | BUFFER_RESIZABLE)) !== 0)
      throw corrupt(this.where(address), `unknown ARRAY_BUFFER flags ${info}`);
    const resizable = (info & BUFFER_RESIZABLE) !== 0;
    const body = this.need(address, 1, header);
    const words = this.words[segment]!;
    const length = words[body]!;
    const byteWords = Math.ceil(length / 4);
    this.need(address, 1 + byteWords + (resizable ? 1 : 0), header);
    const maxByteLength = resizable ? words[body + 1 + byteWords]! : length;
    if (maxByteLength < length) throw corrupt(this.where(address), 'maxByteLength below the length');
    return {
      bytes: this.bytes[segment]!,
      start: (body + 1) * 4,
      length,
      shared: (info & BUFFER_SHARED) !== 0,
      resizable,
      maxByteLength,
    };
  }

  /**
   * The fields of a TYPED_ARRAY node, checked: its view type, its buffer, where it lies in it, and
   * whether it tracks the buffer's length (then it runs from byteOffset to the buffer's end).
   */
  typedArray(address: Address): {
    type: number;
    buffer: Address;
    byteOffset: number;
    length: number;
    tracking: boolean;
  } {
    const segment = segmentOfAddress(address);
    const body = this.need(address, 3);
    const info = this.count(address);
    const type = info & VIEW_TYPE_MASK;
    const tracking = (info & VIEW_LENGTH_TRACKING) !== 0;
    const words = this.words[segment]!;
    const buffer = this.target(segment, words[body]!);
    const byteOffset = words[body + 1]!;
    const length = words[body + 2]!;
    const View = VIEW_TYPES[type];
    if (View === undefined || (info & ~(VIEW_TYPE_MASK | VIEW_LENGTH_TRACKING)) !== 0)
      throw corrupt(this.where(address), `unknown view type ${info}`);
    const size = type === VIEW_TYPE_DATAVIEW ? 1 : (View as Uint8ArrayConstructor).BYTES_PER_ELEMENT;
    const { length: bufferLength, resizable, shared } = this.arrayBuffer(buffer);
    if (byteOffset % size !== 0 || byteOffset + length * size > bufferLength) {
      throw corrupt(this.where(address), 'view lies outside its buffer');
    }
    // A length-tracking view covers its resizable buffer to the end: as many whole elements as fit.
    // Over a growable SharedArrayBuffer (which a copy cannot shrink to make it), exactly.
    const end = byteOffset + length * size;
    if (tracking && (!resizable || end + size <= bufferLength || (shared && end !== bufferLength)))
      throw corrupt(this.where(address), 'a length-tracking view that does not reach its buffer’s end');
    return { type, buffer, byteOffset, length, tracking };
  }

  /** The f64 of a FLOAT64 or DATE node. */
  float(address: Address, header = this.header(address)): number {
    const body = this.need(address, 2, header);
    return this.views[segmentOfAddress(address)]!.getFloat64(body * 4, true);
  }

  bigint(address: Address, negative: boolean): bigint {
    const limbs = this.count(address);
    const body = this.need(address, limbs);
    const words = this.words[segmentOfAddress(address)]!;
    if (limbs > 0 && words[body + limbs - 1] === 0) throw corrupt(this.where(address), 'leading zero limb');
    if (negative && limbs === 0) throw corrupt(this.where(address), 'negative zero');
    let hex = '';
    for (let i = limbs - 1; i >= 0; i--) hex += words[body + i]!.toString(16).padStart(8, '0');
    const magnitude = limbs === 0 ? 0n : BigInt(`0x${hex}`);
    return negative ? -magnitude : magnitude;
  }

  /**
   * The shape with table index `index` of the layer owning segment `segment` (where the OBJECT that
   * names it is), decoded once per reader.
   */
  shape(index: number, segment: number): Shape {
    const layer = this.layerAt(segment);
    const cached = layer.shapes[index];
    if (cached !== undefined) return cached;
    const shape = this.decodeShape(this.shapeAddress(index, segment));
    layer.shapes[index] = shape;
    return shape;
  }

  /** The address of the SHAPE node with table index `index` in the layer owning `segment`, checked. */
  shapeAddress(index: number, segment: number): Address {
    const layer = this.layerAt(segment);
    if (index >= layer.shapeCount) throw corrupt('shape table', `shape ${index} does not exist`);
    const table = layer.shapeTable;
    const tableWords = this.words[segmentOfAddress(table)]!;
    const entry = this.body(table) + 2 * index;
    const target = tableWords[entry + 1]!;
    if (target >= layer.first + layer.count)
      throw corrupt('shape table', `shape ${index} names a missing segment`);
    const address = addressOf(target, tableWords[entry]!);
    if ((this.header(address) & KIND_MASK) !== Kind.Shape)
      throw corrupt(this.where(address), 'expected a SHAPE');
    return address;
  }

  /**
   * A shape's keys are decoded at its first use (they are needed for ownKeys anyway) and found by a
   * scan or, from HASH_MIN keys, a JS Map. Shapes have fewer than DICT_MIN_KEYS keys, which bounds that
   * work; wider objects are DICT nodes.
   */
  private decodeShape(address: Address): Shape {
    const count = this.count(address);
    if (count >= DICT_MIN_KEYS)
      throw corrupt(this.where(address), `a shape of ${count} keys (DICTs hold wide objects)`);
    const body = this.need(address, count);
    const segment = segmentOfAddress(address);
    const words = this.words[segment]!;
    const list = new Array<string>(count);
    for (let i = 0; i < count; i++) list[i] = internalize(this.keyString(segment, words[body + i]!, address));
    // Distinct keys are a Proxy invariant for object views (ownKeys may not repeat a key), so they are
    // checked here, not only by verify.
    if (new Set(list).size !== count) throw corrupt(this.where(address), 'duplicate keys');
    const keys = () => list;
    if (count < HASH_MIN) return { count, keys, indexOf: (key) => list.indexOf(key) };
    const index = new Map<string, number>();
    list.forEach((key, i) => {
      index.set(key, i);
    });
    return { count, keys, indexOf: (key) => index.get(key) ?? -1 };
  }

  /**
   * Whether the slot (stored in `segment`) refers to a string equal to `key`, comparing a near ASCII
   * string's bytes in place; anything else (UTF-16, far, escaped lengths, damage) takes the general,
   * fully checked path.
   */
  slotIsString(segment: number, slot: number, key: string): boolean {
    const segmentLength = this.lengths[segment]!;
    if ((slot & NEAR_MASK) === 0 && slot !== 0 && slot + 4 <= segmentLength) {
      const header = this.words[segment]![slot >>> 2]!;
      const info = header >>> INFO_SHIFT;
      const length = key.length;
      if (
        (header & KIND_MASK) === Kind.StringAscii &&
        info !== ESCAPE &&
        slot + 4 + length <= segmentLength
      ) {
        if (info !== length) return false;
        const bytes = this.bytes[segment]!;
        const start = slot + 4;
        for (let i = 0; i < length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false;
        return true;
      }
    }
    if ((slot & 1) === 1 || (slot & TAG_MASK) === Tag.Constant) {
      return key === '' && slot === ((Const.EmptyString << PAYLOAD_SHIFT) | Tag.Constant);
    }
    const target = this.target(segment, slot);
    const kind = this.header(target) & KIND_MASK;
    return (kind === Kind.StringAscii || kind === Kind.StringUtf16) && this.stringEquals(target, key);
  }

  /** A slot that must hold a string (shape keys, RegExp and Error fields). */
  keyString(segment: number, slot: number, owner: Address): string {
    if ((slot & TAG_MASK) === Tag.Constant && slot >>> PAYLOAD_SHIFT === Const.EmptyString) return '';
    if ((slot & 1) === 1 || (slot & TAG_MASK) === Tag.Constant)
      throw corrupt(this.where(owner), 'expected a string');
    return this.string(this.target(segment, slot));
  }
}

/**
 * The same string as a property key. Engines intern property keys, so comparing a shape key with the
 * property name a Proxy trap receives is then a pointer comparison.
 */
function internalize(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}
