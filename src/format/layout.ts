/**
 * The constants of the image format. Names follow docs/FORMAT.md, which is the specification; change
 * the two together.
 */

/** `COWSHARE` in ASCII: the first 8 bytes of every image. */
export const MAGIC = [0x43, 0x4f, 0x57, 0x53, 0x48, 0x41, 0x52, 0x45] as const;
/** `CSEG` as a little-endian u32: the first word of every segment after the first. */
export const SEGMENT_MAGIC = 0x47455343;

export const FORMAT_MAJOR = 1;
/** Standalone images are written as 1.0; layers (§7) as 1.1, the first minor that has them. */
export const FORMAT_MINOR = 0;
export const LAYER_MINOR = 1;
/** Flags bits 0–15 are required features: a reader rejects an image with one it does not know. */
export const REQUIRED_FLAGS_MASK = 0x0000ffff;
/** The required features (§3 flags). */
export enum Flag {
  /** Some ARRAY_BUFFER is resizable (BUFFER_RESIZABLE) or some TYPED_ARRAY tracks its length. */
  ResizableBuffers = 1,
}
/** Every required flag this reader knows. */
export const KNOWN_FLAGS = Flag.ResizableBuffers;

/** Byte offsets of the image header fields (§3). */
export enum Header {
  Magic = 0,
  Major = 8,
  Minor = 10,
  Flags = 12,
  FirstSegmentBytes = 16,
  SegmentCount = 20,
  BaseSegmentCount = 24,
  RootSlot = 28,
  RootSegment = 32,
  ShapeTableSegment = 36,
  ShapeTableOffset = 40,
  FarTableSegment = 44,
  FarTableOffset = 48,
  NodeCount = 52,
  /** Reserved (0) in a standalone image; a layer's `baseChecksum` (§7). */
  Reserved = 56,
  Checksum = 60,
  /** Size of the header; the checksum covers all of it. */
  Size = 64,
}
/** A layer's header (§7): the image header's fields, `Reserved` as the base's checksum, and more. */
export enum LayerHeader {
  BaseChecksum = 56,
  RedirectTableSegment = 64,
  RedirectTableOffset = 68,
  /** Size of a layer's header; the checksum covers all of it. */
  Size = 72,
}
/** Word offsets of the header of segments other than the image's first (§2). */
export enum SegmentHeader {
  Magic = 0,
  Index = 1,
  Length = 2,
  Reserved = 3,
}
export const SEGMENT_HEADER_BYTES = 16;

/** A segment's byte length is below 2^32 (offsets are u32) and a multiple of 8. */
export const MAX_SEGMENT_BYTES = 2 ** 32 - 8;
export const DEFAULT_SEGMENT_SIZE = 2 ** 30;
/** The smallest segmentSize option; small values exist to exercise multi-segment images in tests. */
export const MIN_SEGMENT_SIZE = 4096;
export const SEGMENT_ALIGN = 8;

/** Node kinds: the low byte of a node header word (§5). */
export enum Kind {
  StringAscii = 0x01,
  StringUtf16 = 0x02,
  Float64 = 0x03,
  BigIntPositive = 0x04,
  BigIntNegative = 0x05,
  Date = 0x06,
  RegExp = 0x07,
  Array = 0x08,
  SparseArray = 0x09,
  Object = 0x0a,
  Map = 0x0b,
  Set = 0x0c,
  ArrayBuffer = 0x0d,
  TypedArray = 0x0e,
  Error = 0x0f,
  Boxed = 0x10,
  Shape = 0x11,
  ShapeTable = 0x12,
  FarTable = 0x13,
  Dict = 0x14,
  RedirectTable = 0x15,
  KeyedDelta = 0x16,
  ArrayDelta = 0x17,
}
export const KIND_NAMES: Readonly<Record<number, string>> = {
  1: 'STRING_ASCII',
  2: 'STRING_UTF16',
  3: 'FLOAT64',
  4: 'BIGINT_POSITIVE',
  5: 'BIGINT_NEGATIVE',
  6: 'DATE',
  7: 'REGEXP',
  8: 'ARRAY',
  9: 'SPARSE_ARRAY',
  10: 'OBJECT',
  11: 'MAP',
  12: 'SET',
  13: 'ARRAY_BUFFER',
  14: 'TYPED_ARRAY',
  15: 'ERROR',
  16: 'BOXED',
  17: 'SHAPE',
  18: 'SHAPE_TABLE',
  19: 'FAR_TABLE',
  20: 'DICT',
  21: 'REDIRECT_TABLE',
  22: 'KEYED_DELTA',
  23: 'ARRAY_DELTA',
};

/**
 * The family of a container kind, which a redirect (§7) keeps: a node may be replaced by a node of
 * its own family only. Kinds that cannot be replaced are absent.
 */
export function redirectFamily(kind: number): number | undefined {
  switch (kind) {
    case Kind.Object:
    case Kind.Dict:
      return Kind.Object;
    case Kind.Array:
    case Kind.SparseArray:
    case Kind.ArrayDelta:
      return Kind.Array;
    case Kind.Map:
    case Kind.Set:
    case Kind.Date:
    case Kind.TypedArray:
    case Kind.ArrayBuffer:
      return kind;
    default:
      return undefined;
  }
}

/** The info field (high 24 bits of a node header) holds this when the real count is in the next word. */
export const ESCAPE = 0xffffff;
export const INFO_SHIFT = 8;
export const KIND_MASK = 0xff;

/**
 * Slot tags (§4): `slot & 1` is 1 for a small integer; `slot & NEAR_MASK` is 0 for a near reference;
 * otherwise `slot & TAG_MASK` tells a constant from a far reference, whose payload is
 * `slot >>> PAYLOAD_SHIFT`.
 */
export enum Tag {
  Constant = 2,
  Far = 6,
}
export const NEAR_MASK = 3;
export const TAG_MASK = 7;
export const PAYLOAD_SHIFT = 3;
export const SMALL_INT_MIN = -(2 ** 30);
export const SMALL_INT_MAX = 2 ** 30 - 1;
/** Far indices and constants have 29 bits of payload. */
export const MAX_FAR_INDEX = 2 ** 29 - 1;

/** Constants: `slot >>> 3` of a constant slot (§4). */
export enum Const {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Hole = 4,
  EmptyString = 5,
  Absent = 6,
  NaN = 7,
  NegativeZero = 8,
  Infinity = 9,
  NegativeInfinity = 10,
  /** One past the last defined constant. */
  Count = 11,
}
export const constantSlot = (c: Const): number => (c << PAYLOAD_SHIFT) | Tag.Constant;

/** Maps, Sets and shapes with at least this many keys carry a hash index. */
export const HASH_MIN = 8;
/**
 * Plain objects with at least this many keys are DICT nodes (keys beside their values, with a hash
 * index) rather than OBJECTs of a shape: such an object is almost always one of a kind, so a shared key
 * list saves nothing, and a key beside its value is one cache miss fewer per lookup. So shapes have
 * fewer keys than this.
 */
export const DICT_MIN_KEYS = 4096;
/** KEYED_DELTA (§7): words of its body before its entries (base offset, base segment, size, changed). */
export const DELTA_HEAD = 4;
/** KEYED_DELTA: words per entry (key slot, value slot, base index). */
export const DELTA_STRIDE = 3;
/** KEYED_DELTA: the base index word of an appended entry. */
export const DELTA_APPENDED = 0xffffffff;
/** ARRAY_DELTA (§7): words of its body before its pieces (base offset, base segment, length, slots). */
export const ARRAY_DELTA_HEAD = 4;
/** ARRAY_DELTA: a piece's source word for new slots (`| k`: from slot k on), and for holes. */
export const PIECE_SLOTS = 0x80000000;
export const PIECE_HOLES = 0xffffffff;
/** Arrays up to this length are always dense (`ARRAY`), holes and all. */
export const DENSE_ARRAY_MAX = 1 << 16;

/** ARRAY_BUFFER info bits (§5): it was a SharedArrayBuffer; it is resizable (growable, if shared). */
export const BUFFER_SHARED = 1;
export const BUFFER_RESIZABLE = 2;
/** TYPED_ARRAY info (§5): the view type in the low byte, and this bit for a length-tracking view. */
export const VIEW_TYPE_MASK = 0xff;
export const VIEW_LENGTH_TRACKING = 0x100;

/** TYPED_ARRAY view types (§5). */
export const VIEW_TYPES = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as const;
export const VIEW_TYPE_DATAVIEW = 12;

/** ERROR types (§5); `structuredClone` maps any other name to Error. */
export const ERROR_NAMES = [
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
] as const;

/** BOXED primitive types (§5). */
export enum Boxed {
  Boolean = 0,
  Number = 1,
  String = 2,
  BigInt = 3,
}
