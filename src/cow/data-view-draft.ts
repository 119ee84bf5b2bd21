import { PACK_VALUE } from '../format/node-ref.js';
import type { Branch } from './branch.js';
import { type BufferNode, bufferNodeOf, type Region, regionOf } from './buffer-node.js';
import { DRAFT, type DraftNode, type NodeDraft, type NodeState, type Place } from './draft-node.js';
import type { NodeKey } from './node-key.js';
import { recordWhole } from './patch-log.js';

/**
 * The draft of a DataView: its get and set methods over the buffer's pages. Like a typed array draft
 * it is not a real DataView (it has no buffer).
 */
class DataViewDraft {
  readonly #buffer: BufferNode;
  // Accessors on the prototype, as DataView's: a DataView has no own properties.
  readonly #byteOffset: number;
  readonly #byteLength: number;

  readonly #region: Region;

  constructor(
    buffer: BufferNode,
    byteOffset: number,
    byteLength: number,
    key: NodeKey,
    carrier: object,
    region: Region,
  ) {
    this.#buffer = buffer;
    this.#region = region;
    this.#node = {
      branch: buffer.branch,
      key,
      carrier,
      place: undefined,
      plainCopy: (copies) => this.over(buffer.copiedRegion(region, copies)),
    };
    this.#byteOffset = byteOffset;
    this.#byteLength = byteLength;
  }

  get byteOffset(): number {
    return this.#byteOffset;
  }

  get byteLength(): number {
    return this.#byteLength;
  }

  /** The node it stands for (and, when patches are recorded, where it was read from). */
  readonly #node: DraftNode & { place: Place | undefined };

  get [DRAFT](): DraftNode {
    return this.#node;
  }

  get [Symbol.toStringTag](): string {
    return 'DataView';
  }

  /** The view as a real DataView over `buffer`, a copy of its region. */
  over(buffer: ArrayBufferLike): DataView {
    return new DataView(buffer, this.byteOffset - this.#region.start, this.byteLength);
  }

  /** A real DataView over the region's packing copy. */
  [PACK_VALUE](): DataView {
    return this.over(this.#buffer.packedRegion(this.#region));
  }

  /** Bytes `offset` to `offset + size` in a DataView of their own. */
  read(offset: number, size: number): DataView {
    if (!(offset >= 0 && offset + size <= this.byteLength))
      throw new RangeError('Offset is outside the bounds of the DataView');
    const bytes = new Uint8Array(size);
    this.#buffer.read(this.byteOffset + offset, size, bytes);
    return new DataView(bytes.buffer);
  }

  write(offset: number, size: number, put: (view: DataView) => void): void {
    this.#buffer.branch.beginWrite('DataView');
    if (!(offset >= 0 && offset + size <= this.byteLength))
      throw new RangeError('Offset is outside the bounds of the DataView');
    const bytes = new Uint8Array(size);
    put(new DataView(bytes.buffer));
    const before = this.#buffer.branch.recording ? this.read(0, this.byteLength) : undefined;
    this.#buffer.write(this.#region, this.byteOffset + offset, bytes);
    if (before !== undefined)
      recordWhole(this.#node as NodeDraft<NodeState>, before, this.read(0, this.byteLength));
  }
}

for (const [name, size] of [
  ['Int8', 1],
  ['Uint8', 1],
  ['Int16', 2],
  ['Uint16', 2],
  ['Int32', 4],
  ['Uint32', 4],
  ['Float32', 4],
  ['Float64', 8],
  ['BigInt64', 8],
  ['BigUint64', 8],
] as const) {
  const proto = DataView.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const get = proto[`get${name}`]!;
  const set = proto[`set${name}`]!;
  Object.defineProperties(DataViewDraft.prototype, {
    [`get${name}`]: {
      value(this: DataViewDraft, offset: number, littleEndian?: boolean) {
        return get.call(this.read(Number(offset), size), 0, littleEndian);
      },
    },
    [`set${name}`]: {
      value(this: DataViewDraft, offset: number, value: unknown, littleEndian?: boolean) {
        this.write(Number(offset), size, (view) => set.call(view, 0, value, littleEndian));
      },
    },
  });
}

/** The draft of a DataView: one per node, over its buffer's BufferNode. */
export function dataViewDraft(branch: Branch, carrier: object, key: NodeKey): object {
  const view = carrier as DataView;
  return new DataViewDraft(
    bufferNodeOf(branch, view),
    view.byteOffset,
    view.byteLength,
    key,
    carrier,
    regionOf(view),
  );
}
