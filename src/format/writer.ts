import { CowshareError } from '../errors.js';
import { AddressIndex } from './address-index.js';
import { crc32 } from './crc32.js';
import type { Image } from './image.js';
import {
  DEFAULT_SEGMENT_SIZE,
  ESCAPE,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  Header,
  Kind,
  LAYER_MINOR,
  LayerHeader,
  MAGIC,
  MAX_FAR_INDEX,
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_SIZE,
  PAYLOAD_SHIFT,
  SEGMENT_ALIGN,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentHeader,
  Tag,
} from './layout.js';

/**
 * A reference as the writer passes it around: a global node address `segment × 2^32 + offset` (≥ 0), or
 * an inline slot `s` encoded as `-1 - s` (< 0). `slotIn` turns it into the u32 slot stored in a segment.
 */
export type Ref = number;
export const SEGMENT_SPAN = 2 ** 32;
export const inlineRef = (slot: number): Ref => -1 - slot;
export const segmentOf = (address: Ref): number => Math.floor(address / SEGMENT_SPAN);

/** One segment under construction: a growable byte buffer with cached typed views. */
class SegmentBuffer {
  /** Bytes in use; the next node is allocated here (after alignment). */
  length: number;
  bytes: Uint8Array;
  /** Word view of `bytes`; rebuilt with it whenever the buffer grows. */
  words: Uint32Array;
  view: DataView;

  constructor(capacity: number, length: number) {
    this.length = length;
    this.bytes = new Uint8Array(capacity);
    this.words = new Uint32Array(this.bytes.buffer);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Drops the buffer (all three views of it), once its bytes are copied into the image. */
  release(): void {
    this.bytes = new Uint8Array(0);
    this.words = new Uint32Array(0);
    this.view = new DataView(this.bytes.buffer);
  }

  /**
   * Grows the buffer to hold at least `needed` bytes, never past `limit`: by doubling, or, for a jump
   * past twice the capacity (a streamed root of millions of entries), to `needed` plus an eighth, so
   * that a huge node does not leave up to half its size unused.
   */
  reserve(needed: number, limit: number): void {
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length;
    if (needed > 2 * capacity) capacity = needed + Math.floor(needed / 8);
    else while (capacity < needed) capacity *= 2;
    const bytes = new Uint8Array(align(Math.min(Math.max(capacity, needed), limit), SEGMENT_ALIGN));
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.words = new Uint32Array(bytes.buffer);
    this.view = new DataView(bytes.buffer);
  }
}

export interface WriterOptions {
  /** Bytes after which the writer starts a new segment (FORMAT.md §2). Default 1 GiB. */
  segmentSize?: number;
}

/** The image a layer is written on (FORMAT.md §7): its segments, and its top header's checksum. */
export interface LayerBase {
  readonly segments: readonly SharedArrayBuffer[];
  readonly checksum: number;
}

/**
 * Where a streaming writer puts the segments it is done with: an image file being written (FORMAT.md
 * §10: segment after segment, so each one's position is the sum of the lengths before it).
 */
export interface SegmentSink {
  /** Writes `bytes` at byte `position` of the file. */
  write(position: number, bytes: Uint8Array): void;
  /** Reads back `length` bytes at `position` (already written). */
  read(position: number, length: number): Uint8Array;
}

const INITIAL_CAPACITY = 1 << 16;
/** `n` rounded up to a multiple of `to` (a power of two); `-n & (to - 1)` keeps the low bits exact for any n < 2^53. */
const align = (n: number, to: number): number => n + (-n & (to - 1));

/**
 * Allocates nodes in segments and turns the finished segments into an Image. It knows nothing of
 * JavaScript values (that is `Packer`): only addresses, slots, the far table and the header. Every
 * segment stays writable until `finish`, because a container is allocated before its children and its
 * slots are filled after them.
 */
export class ImageWriter {
  readonly segments: SegmentBuffer[] = [];
  private readonly segmentSize: number;
  /** Far table entries in order of first use, as global addresses, and their indices (§4). */
  private readonly farAddresses: number[] = [];
  private readonly farIndex = new AddressIndex();
  /** The far table's last entries, not kept (`tailSlots`). */
  private tail: { from: number; refs: Replay; count: number } | undefined;
  /** Value nodes written, for the header's informational count. */
  nodeCount = 0;
  /** The required features (`Flag`s, FORMAT.md §3) of the nodes written: the header's flags. */
  flags = 0;
  /** With a sink: segments before this one are written out and their buffers dropped. */
  private spilled = 0;
  /** With a sink: the file position of every spilled segment, and the end of the last one. */
  private readonly positions: number[] = [0];
  /**
   * For a layer: the base's segment count. `segments` starts with that many empty placeholders, so
   * that a segment's place in it is its global index; they are never written.
   */
  private readonly baseCount: number;
  /** For a layer: the base nodes it replaces, as (from, to) global addresses (FORMAT.md §7). */
  private readonly redirects: [from: Ref, to: Ref][] = [];

  constructor(
    options: WriterOptions = {},
    private readonly sink?: SegmentSink,
    private readonly base?: LayerBase,
  ) {
    const size = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
    if (!Number.isInteger(size) || size < MIN_SEGMENT_SIZE || size > MAX_SEGMENT_BYTES) {
      throw new RangeError(
        `segmentSize must be an integer from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_BYTES}, got ${size}`,
      );
    }
    this.segmentSize = Math.floor(size / SEGMENT_ALIGN) * SEGMENT_ALIGN;
    this.check(base === undefined || sink === undefined, 'a layer is written in memory');
    this.baseCount = base?.segments.length ?? 0;
    for (let i = 0; i < this.baseCount; i++) this.segments.push(new SegmentBuffer(0, 0));
    this.openSegment(base === undefined ? Header.Size : LayerHeader.Size);
  }

  /** Records that the layer replaces the base node at `from` with its own node at `to`. */
  redirect(from: Ref, to: Ref): void {
    this.check(
      segmentOf(from) < this.baseCount && segmentOf(to) >= this.baseCount,
      'a redirect across layers',
    );
    this.redirects.push([from, to]);
  }

  private get current(): SegmentBuffer {
    return this.segments[this.segments.length - 1]!;
  }

  private openSegment(start: number): void {
    const segment = new SegmentBuffer(Math.min(INITIAL_CAPACITY, this.segmentSize), start);
    // Every segment but the image's (or layer's) first starts with a segment header.
    if (this.segments.length > this.baseCount) {
      segment.words[SegmentHeader.Magic] = SEGMENT_MAGIC;
      segment.words[SegmentHeader.Index] = this.segments.length;
    }
    this.segments.push(segment);
  }

  /**
   * Reserves `bytes` (a multiple of 4) for a node and returns its global address. The space is zero.
   * A node that does not fit in the current segment starts a new one; a node larger than a whole
   * segment gets a segment of its own.
   */
  alloc(bytes: number, alignment = 4): Ref {
    let segment = this.current;
    let offset = align(segment.length, alignment);
    if (offset + bytes > this.segmentSize && offset > SEGMENT_HEADER_BYTES) {
      if (this.segments.length === 0xffffffff) throw new CowshareError('LIMIT', 'too many segments');
      this.openSegment(SEGMENT_HEADER_BYTES);
      segment = this.current;
      offset = align(segment.length, alignment);
    }
    const end = offset + bytes;
    if (end > MAX_SEGMENT_BYTES) {
      throw new CowshareError('LIMIT', `a node of ${bytes} bytes exceeds the largest segment (4 GiB)`);
    }
    segment.reserve(end, Math.max(this.segmentSize, align(end, SEGMENT_ALIGN)));
    segment.length = end;
    return (this.segments.length - 1) * SEGMENT_SPAN + offset;
  }

  /**
   * The u32 slot that refers to `ref` from a slot stored in segment `from`. A far reference reuses the
   * far table entry of an address referred to before.
   */
  slotIn(from: number, ref: Ref): number {
    const near = nearSlot(from, ref);
    if (near !== undefined) return near;
    this.check(this.tail === undefined, 'a far entry after the tail');
    let index = this.farIndex.get(ref);
    if (index === undefined) {
      index = this.farAddresses.length;
      if (index > MAX_FAR_INDEX) throw new CowshareError('LIMIT', 'too many cross-segment references');
      this.farAddresses.push(ref);
      this.farIndex.add(ref, index);
    }
    return farSlot(index);
  }

  /**
   * Fills consecutive slots from word `body` of the node at `address` with the references `refs`
   * visits, in order, and keeps none of their far entries in memory: they are the far table's tail,
   * which `refs` replays when the table is written. For a streamed root, whose millions of slots refer
   * to nearly as many distinct nodes in earlier segments — a far entry each, which kept in memory would
   * be its largest cost. The format allows an address twice in the far table. Once per writer, for the
   * last node with far slots: `refs` must visit the same references until `finish`.
   */
  tailSlots(address: Ref, body: number, refs: Replay): void {
    this.check(this.tail === undefined, 'a second tail');
    const from = segmentOf(address);
    const base = this.farAddresses.length;
    let count = 0;
    let word = body;
    const words = this.segments[from]!.words;
    refs((ref) => {
      const near = nearSlot(from, ref);
      if (near !== undefined) {
        words[word++] = near;
      } else {
        if (base + count > MAX_FAR_INDEX) {
          throw new CowshareError('LIMIT', 'too many cross-segment references');
        }
        words[word++] = farSlot(base + count++);
      }
    });
    this.tail = { from, refs, count };
  }

  private check(ok: boolean, what: string): void {
    if (!ok) throw new Error(`ImageWriter: ${what}`);
  }

  /** Writes a node header word at `address`; returns the byte offset of its body. */
  header(address: Ref, kind: Kind, info: number): number {
    const segment = segmentOf(address);
    const offset = address - segment * SEGMENT_SPAN;
    this.segments[segment]!.words[offset >>> 2] = (kind | (info << 8)) >>> 0;
    return offset + 4;
  }

  /**
   * With a sink: writes out every segment before the current one and drops its buffer. Call it only
   * when no slot of those segments is still to be filled — between two values of a streamed root —
   * since a spilled segment can no longer be written. Its length is final: nodes go to the current one.
   */
  spill(): void {
    const sink = this.sink!;
    for (; this.spilled < this.segments.length - 1; this.spilled++) {
      const segment = this.segments[this.spilled]!;
      const length = align(segment.length, SEGMENT_ALIGN);
      if (this.spilled > 0) segment.words[SegmentHeader.Length] = length;
      sink.write(this.positions[this.spilled]!, segment.bytes.subarray(0, length));
      this.positions.push(this.positions[this.spilled]! + length);
      segment.release();
    }
  }

  /** `length` bytes of the node at `address`, from its segment or, once spilled, from the sink. */
  read(address: Ref, length: number): Uint8Array {
    const segment = segmentOf(address);
    const offset = address - segment * SEGMENT_SPAN;
    if (segment >= this.spilled) return this.segments[segment]!.bytes.subarray(offset, offset + length);
    return this.sink!.read(this.positions[segment]! + offset, length);
  }

  /** Writes a table of addresses (SHAPE_TABLE or FAR_TABLE) in memory; its address, or 0 when empty. */
  private writeTable(kind: Kind, count: number, addresses: Replay): Ref {
    if (count === 0) return 0;
    const address = this.alloc(tableBytes(count));
    const segment = this.segments[segmentOf(address)]!;
    let word = (address % SEGMENT_SPAN) >>> 2;
    word = tableHead(segment.words, word, kind, count);
    addresses((a) => {
      segment.words[word++] = a % SEGMENT_SPAN;
      segment.words[word++] = segmentOf(a);
    });
    return address;
  }

  /**
   * With a sink: writes a table in a segment of its own straight to the sink, a piece at a time, so
   * that a far table of tens of millions of entries is never in memory. Every segment before it is
   * written out first (it is final: the table is the last thing written). Its address.
   */
  private streamTable(kind: Kind, count: number, addresses: Replay): Ref {
    const length = align(SEGMENT_HEADER_BYTES + tableBytes(count), SEGMENT_ALIGN);
    if (length > MAX_SEGMENT_BYTES) {
      throw new CowshareError('LIMIT', `a table of ${count} addresses exceeds the largest segment (4 GiB)`);
    }
    const index = this.segments.length;
    this.openSegment(SEGMENT_HEADER_BYTES);
    this.spill();
    const segment = this.current;
    segment.release();
    segment.length = length;
    const sink = this.sink!;
    let position = this.positions[index]!;
    const piece = new Uint32Array(TABLE_PIECE_WORDS);
    piece[SegmentHeader.Magic] = SEGMENT_MAGIC;
    piece[SegmentHeader.Index] = index;
    piece[SegmentHeader.Length] = length;
    let word = tableHead(piece, SEGMENT_HEADER_BYTES >>> 2, kind, count);
    const flush = () => {
      const bytes = new Uint8Array(piece.buffer, 0, 4 * word);
      sink.write(position, bytes);
      position += bytes.length;
      word = 0;
    };
    addresses((a) => {
      if (word + 2 > TABLE_PIECE_WORDS) flush();
      piece[word++] = a % SEGMENT_SPAN;
      piece[word++] = segmentOf(a);
    });
    const padding = (length - SEGMENT_HEADER_BYTES - tableBytes(count)) >>> 2;
    if (word + padding > TABLE_PIECE_WORDS) flush();
    piece.fill(0, word, word + padding);
    word += padding;
    flush();
    this.check(position === this.positions[index]! + length, 'a streamed table of the wrong length');
    this.positions.push(position);
    this.spilled = this.segments.length;
    return index * SEGMENT_SPAN + SEGMENT_HEADER_BYTES;
  }

  /**
   * The far table, or 0 when empty. After a tail it is a segment of its own: streamed to the sink, or
   * built in memory the same way, so that a builder writes the same bytes with a sink and without.
   */
  private writeFarTable(): Ref {
    const count = this.farAddresses.length + (this.tail?.count ?? 0);
    const addresses: Replay = (put) => this.farAddressesInOrder(put);
    if (count === 0) return 0;
    if (this.tail === undefined) return this.writeTable(Kind.FarTable, count, addresses);
    if (this.sink) return this.streamTable(Kind.FarTable, count, addresses);
    this.openSegment(SEGMENT_HEADER_BYTES);
    return this.writeTable(Kind.FarTable, count, addresses);
  }

  /** Visits the far table's addresses in order: those kept, then the tail's, replayed. */
  private farAddressesInOrder(put: (address: Ref) => void): void {
    for (const a of this.farAddresses) put(a);
    const tail = this.tail;
    if (tail === undefined) return;
    let count = 0;
    tail.refs((ref) => {
      if (nearSlot(tail.from, ref) === undefined) {
        put(ref);
        count++;
      }
    });
    this.check(count === tail.count, 'the tail replayed differently');
  }

  /**
   * Writes the shape and far tables and the header, and copies every segment into a SharedArrayBuffer
   * of its exact length (rounded up to 8). The writer is spent afterwards.
   *
   * Why a copy: building straight into growable SharedArrayBuffers would save it (Node 20 has them),
   * but V8 11 reads typed arrays over growable buffers more slowly — iterating a Map view measured
   * 35 % slower, lookups 7 % — and reads are what an image is for.
   */
  finish(root: Ref, shapeAddresses: readonly number[]): Image {
    const closed = this.close(root, shapeAddresses);
    const lengths = closed.lengths;
    this.segments[this.baseCount]!.bytes.set(headerBytes(closed, this.base), 0);
    // Copy each segment into shared memory and drop its build buffer at once: the peak is the image
    // plus one segment, not twice the image. A layer's base segments are the base's own, shared.
    const own = lengths.map((length, i) => {
      const shared = new SharedArrayBuffer(length);
      const built = this.segments[this.baseCount + i]!;
      new Uint8Array(shared).set(built.bytes.subarray(0, built.length));
      built.release();
      return shared;
    });
    this.segments.length = 0;
    return { segments: [...(this.base?.segments ?? []), ...own] };
  }

  /** `finish` for a writer with a sink: writes the rest of the segments, then the header at byte 0. */
  finishToSink(root: Ref, shapeAddresses: readonly number[]): { bytes: number; segments: number } {
    const closed = this.close(root, shapeAddresses);
    this.segments.push(new SegmentBuffer(0, 0)); // so that spill() writes out every real segment
    this.spill();
    this.sink!.write(0, headerBytes(closed, undefined));
    return { bytes: this.positions[this.positions.length - 1]!, segments: closed.lengths.length };
  }

  /** Writes the tables and every segment header's length: what the header records. */
  private close(root: Ref, shapeAddresses: readonly number[]): Closed {
    // The root slot is interpreted in the root's own segment, so it is near (or inline) and adds no
    // far entry after a tail.
    const rootSegment = root < 0 ? 0 : segmentOf(root);
    const rootSlot = this.slotIn(rootSegment, root);
    const shapeTable = this.writeTable(Kind.ShapeTable, shapeAddresses.length, (put) =>
      shapeAddresses.forEach(put),
    );
    // Writing the shape table adds no far entries (it stores addresses, not slots): the far table is
    // complete once the shape table is written.
    const farTable = this.writeFarTable();
    const redirectTable = this.writeRedirectTable();
    // The lengths of the image's (or layer's) own segments.
    const lengths = this.segments.slice(this.baseCount).map((s, k) => {
      const i = this.baseCount + k;
      if (i < this.spilled) return this.positions[i + 1]! - this.positions[i]!;
      const length = align(s.length, SEGMENT_ALIGN);
      if (k > 0) s.words[SegmentHeader.Length] = length;
      return length;
    });
    return {
      lengths,
      rootSlot,
      rootSegment,
      shapeTable,
      farTable,
      redirectTable,
      nodeCount: this.nodeCount,
      flags: this.flags,
    };
  }

  /** A layer's REDIRECT_TABLE, pairs ordered by the replaced address (FORMAT.md §7), or 0. */
  private writeRedirectTable(): Ref {
    const count = this.redirects.length;
    if (count === 0) return 0;
    this.redirects.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < count; i++)
      this.check(this.redirects[i - 1]![0] !== this.redirects[i]![0], 'a node redirected twice');
    const address = this.alloc(4 + (count >= ESCAPE ? 4 : 0) + 16 * count);
    const segment = this.segments[segmentOf(address)]!;
    let word = tableHead(segment.words, (address % SEGMENT_SPAN) >>> 2, Kind.RedirectTable, count);
    for (const [from, to] of this.redirects) {
      segment.words[word++] = from % SEGMENT_SPAN;
      segment.words[word++] = segmentOf(from);
      segment.words[word++] = to % SEGMENT_SPAN;
      segment.words[word++] = segmentOf(to);
    }
    return address;
  }
}

/** Visits references (or addresses) in an order it repeats when called again. */
export type Replay = (visit: (ref: Ref) => void) => void;

/** The slot for `ref` from a slot in segment `from` when it needs no far entry (inline or near), else undefined. */
function nearSlot(from: number, ref: Ref): number | undefined {
  if (ref < 0) return -1 - ref;
  const segment = segmentOf(ref);
  if (segment === from) return ref - segment * SEGMENT_SPAN;
  return undefined;
}

const farSlot = (index: number): number => ((index << PAYLOAD_SHIFT) | Tag.Far) >>> 0;

/** Bytes of a SHAPE_TABLE or FAR_TABLE node of `count` addresses. */
const tableBytes = (count: number): number => 4 + (count >= ESCAPE ? 4 : 0) + 8 * count;

/** Writes a table node's header (and escaped count) at `word` of `words`; the word after. */
function tableHead(words: Uint32Array, word: number, kind: Kind, count: number): number {
  const escaped = count >= ESCAPE;
  words[word++] = (kind | ((escaped ? ESCAPE : count) << 8)) >>> 0;
  if (escaped) words[word++] = count;
  return word;
}

/** Words a streamed table is written in (1 MiB). */
const TABLE_PIECE_WORDS = 1 << 18;

/** What the image header records of a finished writer. */
interface Closed {
  lengths: number[];
  rootSlot: number;
  rootSegment: number;
  shapeTable: Ref;
  farTable: Ref;
  redirectTable: Ref;
  nodeCount: number;
  flags: number;
}

/** The image header (FORMAT.md §3), or a layer's (§7, on `base`), checksum included. */
function headerBytes(closed: Closed, base: LayerBase | undefined): Uint8Array {
  const bytes = new Uint8Array(base === undefined ? Header.Size : LayerHeader.Size);
  const view = new DataView(bytes.buffer);
  const word = (at: Header | LayerHeader, value: number) => view.setUint32(at, value, true);
  bytes.set(MAGIC, Header.Magic);
  view.setUint16(Header.Major, FORMAT_MAJOR, true);
  view.setUint16(Header.Minor, base === undefined ? FORMAT_MINOR : LAYER_MINOR, true);
  if (base !== undefined) {
    word(Header.BaseSegmentCount, base.segments.length);
    word(LayerHeader.BaseChecksum, base.checksum);
    word(LayerHeader.RedirectTableSegment, segmentOf(closed.redirectTable));
    word(LayerHeader.RedirectTableOffset, closed.redirectTable % SEGMENT_SPAN);
  }
  word(Header.Flags, closed.flags);
  word(Header.FirstSegmentBytes, closed.lengths[0]!);
  word(Header.SegmentCount, closed.lengths.length);
  word(Header.RootSlot, closed.rootSlot);
  word(Header.RootSegment, closed.rootSegment);
  word(Header.ShapeTableSegment, segmentOf(closed.shapeTable));
  word(Header.ShapeTableOffset, closed.shapeTable % SEGMENT_SPAN);
  word(Header.FarTableSegment, segmentOf(closed.farTable));
  word(Header.FarTableOffset, closed.farTable % SEGMENT_SPAN);
  word(Header.NodeCount, Math.min(closed.nodeCount, 0xffffffff));
  word(Header.Checksum, crc32(bytes));
  return bytes;
}
