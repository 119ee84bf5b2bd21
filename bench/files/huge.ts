// The value of files/5GiB: six 900 MiB byte arrays (each its own segment, as in big/5GiB) plus a Map,
// and the read-back check of a view of its image file: every page of every part, and the Map.

import { Rng } from '../data.js';
import { assert } from '../harness.js';

export const PARTS = 6;
const MiB = 2 ** 20;
export const PART_BYTES = 900 * MiB;
const INDEX_ENTRIES = 100_000;
/** Positions per part that get a distinct byte, so a read from the wrong place is caught. */
const STAMPS = 1024;
const PAGE = 4096;

export interface HugeValue {
  parts: Uint8Array[];
  index: Map<string, number>;
}

/** Part `p` is filled with p + 1, except at its stamped positions (both ends among them). */
function stamps(p: number): Map<number, number> {
  const rng = new Rng(200 + p);
  const positions = [0, PART_BYTES - 1];
  for (let i = 2; i < STAMPS; i++) positions.push(rng.int(PART_BYTES));
  // A stamp byte never equals the fill, so a stamp that is not read back is seen.
  return new Map(positions.map((i) => [i, 128 + ((p * 31 + i * 2654435761) >>> 25)]));
}

export function makeHugeValue(): HugeValue {
  const parts = Array.from({ length: PARTS }, (_, p) => {
    const part = new Uint8Array(PART_BYTES).fill(p + 1);
    for (const [i, byte] of stamps(p)) part[i] = byte;
    return part;
  });
  const index = new Map<string, number>();
  for (let i = 0; i < INDEX_ENTRIES; i++) index.set(`k${i}`, i * 3);
  return { parts, index };
}

interface HugeView {
  readonly parts: readonly Uint8Array[];
  readonly index: ReadonlyMap<string, number>;
}

/**
 * Reads the view of the image file back: each part must be a zero-copy view of its own segment of the
 * file, hold its stamps, and hold the fill on every page (one byte of every 4096 is read, so every
 * page of the file is faulted in and checked). Returns the pages read.
 */
export function checkHugeView(view: HugeView, segments: readonly SharedArrayBuffer[]): number {
  assert(view.parts.length === PARTS, `parts: ${view.parts.length}, expected ${PARTS}`);
  const buffers = new Set<ArrayBufferLike>();
  let pages = 0;
  for (let p = 0; p < PARTS; p++) {
    const part = view.parts[p]!;
    assert(
      part instanceof Uint8Array && part.length === PART_BYTES,
      `parts[${p}] is not a ${PART_BYTES}-byte array`,
    );
    assert(
      segments.includes(part.buffer as SharedArrayBuffer),
      `parts[${p}] is not a view of a file segment`,
    );
    buffers.add(part.buffer);
    const stamped = stamps(p);
    for (const [i, byte] of stamped)
      assert(part[i] === byte, `parts[${p}][${i}] is ${part[i]}, expected ${byte}`);
    for (let i = 0; i < PART_BYTES; i += PAGE) {
      const want = stamped.get(i) ?? p + 1;
      assert(part[i] === want, `parts[${p}][${i}] is ${part[i]}, expected ${want}`);
      pages++;
    }
  }
  assert(buffers.size === PARTS, `the parts share ${buffers.size} segments, expected one each`);
  for (let i = 0; i < INDEX_ENTRIES; i += 997) assert(view.index.get(`k${i}`) === i * 3, `index k${i}`);
  assert(view.index.size === INDEX_ENTRIES, `index size ${view.index.size}`);
  assert(view.index.get('missing') === undefined, 'the index has a key it should not');
  return pages;
}
