import { CowshareError, corrupt } from '../errors.js';
import { crc32 } from './crc32.js';
import { FNV_OFFSET, FNV_PRIME, fmix32 } from './hash.js';
import { assertImage, type Image } from './image.js';
import {
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
  VIEW_TYPE_DATAVIEW,
  VIEW_TYPES,
} from './layout.js';

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
 * Checks the image header at the start of `first` (segment 0, or a file's first bytes): the magic, the
 * format version, the checksum, the required flags. The Reader runs it on every open; the file layer
 * runs it before it maps or reads a file's segments.
 */
export function checkHeader(first: Uint8Array): void {
  if (first.length < Header.Size || MAGIC.some((b, i) => first[i] !== b)) {
    throw new CowshareError('NOT_IMAGE', 'image: segment 0 does not start with the COWSHARE magic');
  }
  const view = new DataView(first.buffer, first.byteOffset, Header.Size);
  const word = (offset: Header) => view.getUint32(offset, true);
  const major = view.getUint16(Header.Major, true);
  if (major > FORMAT_MAJOR) {
    throw new CowshareError(
      'VERSION',
      `image: format version ${major}.${view.getUint16(Header.Minor, true)} needs a newer cowshare (this one reads ${FORMAT_MAJOR}.x)`,
    );
  }
  const checked = first.slice(0, Header.Size);
  new DataView(checked.buffer).setUint32(Header.Checksum, 0, true);
  if (crc32(checked) !== word(Header.Checksum)) throw corrupt('image header', 'checksum mismatch');
  if (major < FORMAT_MAJOR) throw corrupt('image header', `unknown format version ${major}`);
  if ((word(Header.Flags) & REQUIRED_FLAGS_MASK) !== 0) {
    throw new CowshareError('VERSION', 'image: uses required features this cowshare does not know');
  }
  if (word(Header.Reserved) !== 0) throw corrupt('image header', 'reserved field is not zero');
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
  private readonly shapeTable: Address;
  private readonly shapeCount: number;
  private readonly farTable: Address;
  private readonly farCount: number;
  private readonly shapes: (Shape | undefined)[] = [];

  constructor(image: unknown) {
    assertImage(image);
    this.image = image;
    const segments = image.segments;
    this.bytes = segments.map((s) => new Uint8Array(s));
    this.words = segments.map((s) => new Uint32Array(s, 0, s.byteLength >>> 2));
    this.views = segments.map((s) => new DataView(s));
    this.lengths = segments.map((s) => s.byteLength);

    checkHeader(this.bytes[0]!);
    const view = this.views[0]!;
    const word = (offset: Header) => view.getUint32(offset, true);
    if (word(Header.BaseSegmentCount) !== 0) {
      throw new CowshareError('VERSION', 'image: layered images are not supported by this version');
    }
    const count = word(Header.SegmentCount);
    if (count !== segments.length) {
      throw corrupt('image', `the header records ${count} segments, the image has ${segments.length}`);
    }
    this.checkSegments(word(Header.FirstSegmentBytes));

    this.rootSlot = word(Header.RootSlot);
    this.rootSegment = this.segmentIndex(word(Header.RootSegment), 'root segment');
    this.shapeTable = this.table(Header.ShapeTableSegment, Kind.ShapeTable);
    this.shapeCount = this.shapeTable ? this.count(this.shapeTable) : 0;
    this.farTable = this.table(Header.FarTableSegment, Kind.FarTable);
    this.farCount = this.farTable ? this.count(this.farTable) : 0;
  }

  private checkSegments(firstLength: number): void {
    this.lengths.forEach((length, i) => {
      const recorded = i === 0 ? firstLength : this.words[i]![SegmentHeader.Length];
      if (i > 0) {
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
    });
  }

  private segmentIndex(index: number, what: string): number {
    if (index >= this.lengths.length) throw corrupt('image header', `${what} ${index} does not exist`);
    return index;
  }

  /** The address of a SHAPE_TABLE or FAR_TABLE named by the header, or 0 when there is none. */
  private table(field: Header.ShapeTableSegment | Header.FarTableSegment, kind: Kind): Address {
    const view = this.views[0]!;
    const segment = view.getUint32(field, true);
    const offset = view.getUint32(field + 4, true);
    if (offset === 0) return 0;
    const address = addressOf(this.segmentIndex(segment, KIND_NAMES[kind]!), offset);
    const header = this.header(address);
    if ((header & KIND_MASK) !== kind) throw corrupt(this.where(address), `expected ${KIND_NAMES[kind]}`);
    this.need(address, 2 * this.count(address));
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
    if ((slot & NEAR_MASK) === 0) return segment * SPAN + slot;
    if ((slot & TAG_MASK) === Tag.Constant) return -1;
    return this.target(segment, slot);
  }

  /** The value of a slot that holds it inline: a small integer or a constant. */
  immediate(slot: number): unknown {
    return (slot & 1) === 1 ? slot >> 1 : this.constant(slot);
  }

  /** The node address a reference slot stored in `segment` points at. */
  target(segment: number, slot: number): Address {
    if ((slot & NEAR_MASK) === 0) return segment * SPAN + slot;
    if ((slot & TAG_MASK) !== Tag.Far)
      throw corrupt(`segment ${segment}`, `slot 0x${slot.toString(16)} is not a reference`);
    const index = slot >>> PAYLOAD_SHIFT;
    if (index >= this.farCount)
      throw corrupt(`segment ${segment}`, `far reference ${index} is not in the far table`);
    const table = this.farTable;
    const tableSegment = segmentOfAddress(table);
    const word = this.body(table) + 2 * index;
    const words = this.words[tableSegment]!;
    const target = words[word + 1]!;
    if (target >= this.lengths.length)
      throw corrupt(this.where(table), `entry ${index} names a missing segment`);
    return target * SPAN + words[word]!;
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

  /** The bytes of an ARRAY_BUFFER node (`length` bytes of `bytes` from `start`), checked. */
  arrayBuffer(address: Address): { bytes: Uint8Array; start: number; length: number; shared: boolean } {
    const segment = segmentOfAddress(address);
    const header = this.header(address);
    if ((header & KIND_MASK) !== Kind.ArrayBuffer)
      throw corrupt(this.where(address), 'expected an ARRAY_BUFFER');
    if (address % 8 !== 0) throw corrupt(this.where(address), 'ARRAY_BUFFER is not 8-aligned');
    const body = this.need(address, 1, header);
    const length = this.words[segment]![body]!;
    this.need(address, 1 + Math.ceil(length / 4), header);
    return {
      bytes: this.bytes[segment]!,
      start: (body + 1) * 4,
      length,
      shared: header >>> INFO_SHIFT === 1,
    };
  }

  /** The fields of a TYPED_ARRAY node, checked: its view type, its buffer, and where it lies in it. */
  typedArray(address: Address): { type: number; buffer: Address; byteOffset: number; length: number } {
    const segment = segmentOfAddress(address);
    const body = this.need(address, 3);
    const type = this.count(address);
    const words = this.words[segment]!;
    const buffer = this.target(segment, words[body]!);
    const byteOffset = words[body + 1]!;
    const length = words[body + 2]!;
    const View = VIEW_TYPES[type];
    if (View === undefined) throw corrupt(this.where(address), `unknown view type ${type}`);
    const size = type === VIEW_TYPE_DATAVIEW ? 1 : (View as Uint8ArrayConstructor).BYTES_PER_ELEMENT;
    if (byteOffset % size !== 0 || byteOffset + length * size > this.arrayBuffer(buffer).length) {
      throw corrupt(this.where(address), 'view lies outside its buffer');
    }
    return { type, buffer, byteOffset, length };
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

  /** The shape with table index `index`, decoded once per reader. */
  shape(index: number): Shape {
    const cached = this.shapes[index];
    if (cached !== undefined) return cached;
    const shape = this.decodeShape(this.shapeAddress(index));
    this.shapes[index] = shape;
    return shape;
  }

  /** The address of the SHAPE node with table index `index`, checked. */
  shapeAddress(index: number): Address {
    if (index >= this.shapeCount) throw corrupt('shape table', `shape ${index} does not exist`);
    const table = this.shapeTable;
    const tableWords = this.words[segmentOfAddress(table)]!;
    const entry = this.body(table) + 2 * index;
    const segment = tableWords[entry + 1]!;
    if (segment >= this.lengths.length)
      throw corrupt('shape table', `shape ${index} names a missing segment`);
    const address = addressOf(segment, tableWords[entry]!);
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

const CHUNK = 0x2000;

/**
 * ASCII bytes to a string. Short strings (most keys and names) are built eight characters per
 * `fromCharCode` call, several times faster than one call per character or `apply` on a subarray
 * (measured: 46 ns against 150–210 ns for 10 characters). The bytes are not checked to be below 0x80
 * here, on the hot path: `verify` checks that invariant.
 */
export function decodeAscii(b: Uint8Array, start: number, length: number): string {
  if (length > 64) {
    let s = '';
    for (let at = start; at < start + length; at += CHUNK) {
      s += String.fromCharCode.apply(
        null,
        b.subarray(at, Math.min(at + CHUNK, start + length)) as unknown as number[],
      );
    }
    return s;
  }
  let s = '';
  let i = start;
  const end = start + length;
  for (; i + 8 <= end; i += 8) {
    s += String.fromCharCode(
      b[i]!,
      b[i + 1]!,
      b[i + 2]!,
      b[i + 3]!,
      b[i + 4]!,
      b[i + 5]!,
      b[i + 6]!,
      b[i + 7]!,
    );
  }
  for (; i + 2 <= end; i += 2) s += String.fromCharCode(b[i]!, b[i + 1]!);
  if (i < end) s += String.fromCharCode(b[i]!);
  return s;
}

/** UTF-16 decoding that keeps lone surrogates (TextDecoder would replace them). */
export function decodeUtf16(view: DataView, start: number, length: number): string {
  let s = '';
  const units = new Array<number>(Math.min(length, CHUNK));
  for (let done = 0; done < length; done += CHUNK) {
    const n = Math.min(CHUNK, length - done);
    units.length = n;
    for (let i = 0; i < n; i++) units[i] = view.getUint16(start + 2 * (done + i), true);
    s += String.fromCharCode.apply(null, units);
  }
  return s;
}
