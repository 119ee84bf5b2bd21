import { corrupt } from '../errors.js';
import {
  ARRAY_DELTA_HEAD,
  Const,
  constantSlot,
  KIND_MASK,
  Kind,
  PIECE_HOLES,
  PIECE_SLOTS,
} from './layout.js';
import { type Address, addressOf, type Reader, segmentOfAddress } from './reader.js';

const HOLE = constantSlot(Const.Hole);

/**
 * An ARRAY_DELTA node (FORMAT.md §7): an array a layer changed, as pieces over the ARRAY of a lower
 * layer it changes, so that a push onto a million-element array costs a few words. Piece `p` starts
 * at element `at(p)` of the new array (ascending from 0) and runs to the next piece's start (the
 * last to `length`); its elements are base elements from `from(p)` on, new slots of the delta, or
 * holes. Element `i` is found by a binary search over the pieces.
 *
 * Checked when read: the base is an ARRAY in a lower layer, the body lies in its segment. `verify`
 * checks the pieces.
 */
export class ArrayDelta {
  readonly base: Address;
  readonly baseLength: number;
  /** Word index of the base's first slot, in `baseSegment`. */
  readonly baseFirst: number;
  readonly baseSegment: number;
  readonly length: number;
  readonly pieces: number;
  /** How many new slots the delta holds, and the word index of the first. */
  readonly slots: number;
  readonly firstSlot: number;
  readonly segment: number;
  /** Word index of piece 0's (at, from) pair. */
  private readonly firstPiece: number;
  /** The piece `pieceOf` found last. */
  private recent = 0;

  constructor(
    readonly reader: Reader,
    readonly address: Address,
  ) {
    this.pieces = reader.count(address);
    this.segment = segmentOfAddress(address);
    const head = reader.need(address, ARRAY_DELTA_HEAD);
    const words = reader.words[this.segment]!;
    const baseSegment = words[head + 1]!;
    if (baseSegment >= reader.layerAt(this.segment).first) {
      throw corrupt(reader.where(address), 'its base is not in a lower layer');
    }
    this.base = addressOf(baseSegment, words[head]!);
    if ((reader.header(this.base) & KIND_MASK) !== Kind.Array) {
      throw corrupt(reader.where(address), 'its base is not an ARRAY');
    }
    this.baseSegment = baseSegment;
    this.baseLength = reader.count(this.base);
    this.baseFirst = reader.need(this.base, this.baseLength);
    this.length = words[head + 2]!;
    this.slots = words[head + 3]!;
    reader.need(address, ARRAY_DELTA_HEAD + 2 * this.pieces + this.slots);
    this.firstPiece = head + ARRAY_DELTA_HEAD;
    this.firstSlot = this.firstPiece + 2 * this.pieces;
    if ((this.pieces === 0) !== (this.length === 0) || (this.pieces > 0 && this.at(0) !== 0)) {
      throw corrupt(reader.where(address), 'pieces that do not start the array');
    }
  }

  /** The first element of piece `p`. */
  at(p: number): number {
    return this.reader.words[this.segment]![this.firstPiece + 2 * p]!;
  }

  /** Where piece `p`'s elements come from: a base index, PIECE_SLOTS | slot, or PIECE_HOLES. */
  from(p: number): number {
    return this.reader.words[this.segment]![this.firstPiece + 2 * p + 1]!;
  }

  /**
   * The piece that holds element `i` (below `length`): the last one found when it still does (a
   * read asks for an element's slot and then its segment; iteration goes piece by piece), else a
   * binary search.
   */
  pieceOf(i: number): number {
    const recent = this.recent;
    if (this.at(recent) <= i && (recent + 1 === this.pieces || i < this.at(recent + 1))) return recent;
    let lo = 0;
    let hi = this.pieces - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.at(mid) <= i) lo = mid;
      else hi = mid - 1;
    }
    this.recent = lo;
    return lo;
  }

  /**
   * Calls `visit` with each element that is not a hole, in order: its index, and its slot and the
   * segment that slot is in. Hole pieces are skipped whole, so the cost is bounded by the base's and
   * the delta's slots, whatever the length (2^32 − 1 with one piece of holes).
   */
  forEachElement(visit: (i: number, segment: number, slot: number) => void): void {
    for (let p = 0; p < this.pieces; p++) {
      const at = this.at(p);
      const end = p + 1 < this.pieces ? this.at(p + 1) : this.length;
      // Ascending, within the length (verify checks it): else an element would be visited twice.
      if (end <= at || end > this.length)
        throw corrupt(this.reader.where(this.address), `piece ${p} is out of order`);
      const from = this.from(p);
      if (from === PIECE_HOLES) continue;
      for (let i = at; i < end; i++) {
        const slot = this.slotOf(i);
        if (slot !== HOLE) visit(i, from < PIECE_SLOTS ? this.baseSegment : this.segment, slot);
      }
    }
  }

  /** The segment element `i`'s slot is in: the base's or the delta's. */
  segmentOf(i: number): number {
    const from = this.from(this.pieceOf(i));
    return from < PIECE_SLOTS ? this.baseSegment : this.segment;
  }

  /** Element `i`'s raw slot (the hole constant for a hole), in `segmentOf(i)`. */
  slotOf(i: number): number {
    const p = this.pieceOf(i);
    const from = this.from(p);
    if (from === PIECE_HOLES) return HOLE;
    const offset = i - this.at(p);
    if (from < PIECE_SLOTS) {
      const index = from + offset;
      if (index >= this.baseLength) throw corrupt(this.reader.where(this.address), 'a piece past its base');
      return this.reader.words[this.baseSegment]![this.baseFirst + index]!;
    }
    const slot = (from & ~PIECE_SLOTS) + offset;
    if (slot >= this.slots) throw corrupt(this.reader.where(this.address), 'a piece past its slots');
    return this.reader.words[this.segment]![this.firstSlot + slot]!;
  }
}
