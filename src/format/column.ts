/** Numbers by index: a Column, or a reordering of one. */
export interface Indexed {
  readonly length: number;
  at(i: number): number;
}

/**
 * A growable column of numbers (a streamed root's references or key hashes) in fixed chunks of
 * CHUNK entries. A typed array that grows by copying holds up to half again its size unused and needs
 * old and new at once while it copies: at tens of millions of entries those are the largest things a
 * builder holds. Chunks waste at most one chunk and never copy. Indices are below 2^32 (a root's slots
 * are counted in a u32).
 */
export class Column implements Indexed {
  private chunks: (Float64Array | Uint32Array)[] = [];
  length = 0;

  constructor(private readonly Type: typeof Float64Array | typeof Uint32Array) {}

  push(value: number): void {
    const offset = this.length & CHUNK_MASK;
    if (offset === 0) this.chunks.push(new this.Type(CHUNK));
    this.chunks[this.length >>> CHUNK_BITS]![offset] = value;
    this.length++;
  }

  /** Entry `i` (below `length`). */
  at(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  set(i: number, value: number): void {
    this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK] = value;
  }

  /** Drops the entries; `length` stays. */
  release(): void {
    this.chunks = [];
  }
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
