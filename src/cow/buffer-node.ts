import { hashNumber } from '../format/hash.js';
import { nodeOf } from '../format/node-ref.js';
import type { Reader } from '../format/reader.js';
import type { Branch } from './branch.js';
import { NodeDraft, type NodeState } from './draft-node.js';
import type { Epoch } from './epoch.js';
import { HashTrie } from './hash-trie.js';
import { type NodeKey, tokenOf } from './node-key.js';

// The memory under typed-array and DataView drafts (typed-array-draft.ts, data-view-draft.ts): one
// node per buffer and branch, written page by page, which every draft over the buffer reads.

/** Bytes of a page: the unit a write copies. */
export const PAGE_BITS = 12;
export const PAGE = 1 << PAGE_BITS;

/** A page's bytes, copied once in the epoch that owns it. */
export interface Page {
  readonly owner: Epoch;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * The buffer a typed array stands on, as a copy must reproduce it: for a plain one its whole
 * ArrayBuffer; for one read from an image, its ARRAY_BUFFER node's bytes within the segment. Views of
 * one region share one buffer in every copy (`toJS`, `pack`), as in structuredClone.
 */
export interface Region {
  readonly key: NodeKey;
  /** For a region of an image: the reader, and its ARRAY_BUFFER node's address. */
  readonly node?: { readonly reader: Reader; readonly address: number };
  /** Byte offset of the region in the BufferNode's buffer, and its length. */
  readonly start: number;
  readonly length: number;
  readonly shared: boolean;
}

/** The regions of the typed arrays `subarray` makes: their parent's, not their buffer's. */
export const subarrayRegions = new WeakMap<object, Region>();

export function regionOf(view: ArrayBufferView): Region {
  const known = subarrayRegions.get(view);
  if (known !== undefined) return known;
  const node = nodeOf(view);
  if (node !== undefined) {
    const { buffer } = node.reader.typedArray(node.address);
    const { start, length, shared } = node.reader.arrayBuffer(buffer);
    return {
      key: tokenOf(node.reader, buffer),
      node: { reader: node.reader, address: buffer },
      start,
      length,
      shared,
    };
  }
  const shared = view.buffer instanceof SharedArrayBuffer;
  return { key: view.buffer, start: 0, length: view.buffer.byteLength, shared };
}

/** A buffer's changes in one branch: its written pages, by page index. */
class BufferState implements NodeState {
  constructor(
    readonly owner: Epoch,
    public pages: HashTrie<number, Page>,
    /** The regions written through (for `commit`, which replaces each that is an image's node). */
    public regions: readonly Region[],
  ) {}
}

/**
 * The node of one buffer (an ArrayBuffer or SharedArrayBuffer; in an image, a whole segment), shared
 * by every typed-array draft over it, so that two views of the same memory see each other's writes.
 * A write copies the page it falls in, once per epoch: one byte written into a 64 MiB buffer costs one
 * 4 KiB page.
 */
export class BufferNode extends NodeDraft<BufferState> {
  readonly base: Uint8Array;

  constructor(branch: Branch, key: NodeKey, buffer: ArrayBufferLike) {
    super(branch, key, buffer);
    this.base = new Uint8Array(buffer);
  }

  protected fresh(epoch: Epoch): BufferState {
    return new BufferState(epoch, HashTrie.empty(), []);
  }

  protected copy(state: BufferState, epoch: Epoch): BufferState {
    return new BufferState(epoch, state.pages, state.regions);
  }

  /** Page `p` if it was written, else undefined (read the base). */
  page(p: number): Page | undefined {
    return this.state?.pages.get(p, hashNumber(p));
  }

  /** Page `p`, owned by the current epoch, for a write. */
  writablePage(p: number): Page {
    const state = this.writable('typed array');
    const epoch = this.branch.epoch;
    const hash = hashNumber(p);
    const prior = state.pages.get(p, hash);
    if (prior !== undefined && prior.owner === epoch) return prior;
    const start = p << PAGE_BITS;
    const bytes = (
      prior?.bytes ?? this.base.subarray(start, Math.min(start + PAGE, this.base.length))
    ).slice();
    const page = { owner: epoch, bytes, view: new DataView(bytes.buffer) };
    state.pages = state.pages.set(p, hash, page, epoch);
    return page;
  }

  /** Copies bytes `from` to `from + length` of the draft's current state into `into`. */
  read(from: number, length: number, into: Uint8Array, at = 0): void {
    for (let done = 0; done < length; ) {
      const p = (from + done) >>> PAGE_BITS;
      const offset = (from + done) & (PAGE - 1);
      const n = Math.min(length - done, PAGE - offset);
      const page = this.page(p);
      if (page === undefined) into.set(this.base.subarray(from + done, from + done + n), at + done);
      else into.set(page.bytes.subarray(offset, offset + n), at + done);
      done += n;
    }
  }

  /** The region's current bytes in a new buffer of their own. */
  copyRegion(region: Region): ArrayBufferLike {
    const copy = region.shared ? new SharedArrayBuffer(region.length) : new ArrayBuffer(region.length);
    this.read(region.start, region.length, new Uint8Array(copy));
    return copy;
  }

  /**
   * The region's copy in one deep copy (`copies`, by region, for `toJS`): made once, so that views of
   * one buffer share one buffer in the copy, as in structuredClone.
   */
  copiedRegion(region: Region, copies: Map<NodeKey, ArrayBufferLike>): ArrayBufferLike {
    let copy = copies.get(region.key);
    if (copy === undefined) {
      copy = this.copyRegion(region);
      copies.set(region.key, copy);
    }
    return copy;
  }

  /** Writes so far: a copy made at one version is the bytes until the next write. */
  private version = 0;
  private readonly packed = new Map<NodeKey, { version: number; buffer: ArrayBufferLike }>();

  /** `copyRegion`, kept until the next write: what `pack` sees, so that views of one region share it. */
  packedRegion(region: Region): ArrayBufferLike {
    const known = this.packed.get(region.key);
    if (known !== undefined && known.version === this.version) return known.buffer;
    const buffer = this.copyRegion(region);
    this.packed.set(region.key, { version: this.version, buffer });
    return buffer;
  }

  /** Writes `bytes` at byte `from` of `region`, page by page. */
  write(region: Region, from: number, bytes: Uint8Array): void {
    this.version++;
    const state = this.writable('typed array');
    if (!state.regions.some((r) => r.key === region.key)) state.regions = [...state.regions, region];
    for (let done = 0; done < bytes.length; ) {
      const p = (from + done) >>> PAGE_BITS;
      const offset = (from + done) & (PAGE - 1);
      const n = Math.min(bytes.length - done, PAGE - offset);
      this.writablePage(p).bytes.set(bytes.subarray(done, done + n), offset);
      done += n;
    }
  }
}

/** The node of `view`'s buffer in `branch`: one per buffer and branch, shared by every draft over it. */
export function bufferNodeOf(branch: Branch, view: ArrayBufferView): BufferNode {
  return branch.memo(view.buffer, () => new BufferNode(branch, view.buffer, view.buffer));
}

/**
 * For `commit`: the base ARRAY_BUFFER nodes a written buffer (`state`, the state of the node keyed by
 * `buffer` in `branch`) replaces, each with a copy of its current bytes. Regions of plain buffers are
 * new values, packed where they are reached.
 */
export function replacedBuffers(
  branch: Branch,
  reader: Reader,
  buffer: object,
  state: NodeState,
): [number, ArrayBufferLike][] {
  if (!(state instanceof BufferState)) return [];
  const node = branch.memo(buffer, () => new BufferNode(branch, buffer, buffer as ArrayBufferLike));
  return state.regions
    .filter((region) => region.node?.reader === reader)
    .map((region) => [region.node!.address, node.copyRegion(region)]);
}
