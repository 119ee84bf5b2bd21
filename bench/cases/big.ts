// big/5GiB: an image past 4 GiB on Node 20, where one typed array cannot span it: six 900 MiB byte
// arrays plus a Map, packed, opened and read back from every segment. Runs only when named
// (`npm run bench -- big`): it needs ~11 GiB of memory and a minute or so.

import { performance } from 'node:perf_hooks';
import { open, pack, type Shared } from '../../src/index.js';
import { Rng } from '../data.js';
import { assert, atLeast, atMost, type BenchCase, gc, MiB, nsPerOp, Report } from '../harness.js';

const PARTS = 6;
const PART_BYTES = 900 * MiB;
const INDEX_ENTRIES = 100_000;
/** Positions per part that get a distinct byte, so a read from the wrong place is caught. */
const STAMPS = 1024;
const GiB = 2 ** 30;

interface BigValue {
  parts: Uint8Array[];
  index: Map<string, number>;
}
type BigView = Shared<BigValue>;

/** Stamped positions of part `p`, always including both ends. */
function stamps(p: number): number[] {
  const rng = new Rng(100 + p);
  const out = [0, PART_BYTES - 1];
  for (let i = 2; i < STAMPS; i++) out.push(rng.int(PART_BYTES));
  return out;
}
const stampByte = (p: number, i: number): number => (p * 31 + i * 2654435761) >>> 24;

function makeValue(): BigValue {
  const parts = Array.from({ length: PARTS }, (_, p) => {
    const part = new Uint8Array(PART_BYTES).fill(p + 1);
    for (const i of stamps(p)) part[i] = stampByte(p, i);
    return part;
  });
  const index = new Map<string, number>();
  for (let i = 0; i < INDEX_ENTRIES; i++) index.set(`k${i}`, i * 3);
  return { parts, index };
}

/** Reads every part through the view; each must be a zero-copy view of a distinct image segment. */
function checkView(view: BigView, segments: readonly SharedArrayBuffer[]): void {
  assert(view.parts.length === PARTS, `parts: ${view.parts.length}, expected ${PARTS}`);
  const buffers = new Set<ArrayBufferLike>();
  for (let p = 0; p < PARTS; p++) {
    const part = view.parts[p]!;
    assert(part instanceof Uint8Array, `parts[${p}] is not a Uint8Array`);
    assert(part.length === PART_BYTES, `parts[${p}].length is ${part.length}`);
    for (const i of stamps(p)) assert(part[i] === stampByte(p, i), `parts[${p}][${i}] is ${part[i]}`);
    assert(
      segments.includes(part.buffer as SharedArrayBuffer),
      `parts[${p}] is not a view of an image segment`,
    );
    buffers.add(part.buffer);
  }
  for (let i = 0; i < INDEX_ENTRIES; i += 997) assert(view.index.get(`k${i}`) === i * 3, `index k${i}`);
  assert(view.index.get('missing') === undefined, 'index has a key it should not');
  assert(buffers.size === PARTS, `the parts share ${buffers.size} segments, expected one each`);
}

export const cases: BenchCase[] = [
  {
    name: 'big/5GiB',
    explicit: true,
    async run(ctx) {
      ctx.log(`building ${PARTS} × ${PART_BYTES / MiB} MiB`);
      let value: BigValue | undefined = makeValue();
      gc();
      ctx.log('packing');
      let start = performance.now();
      const image = pack(value);
      const packMs = performance.now() - start;
      value = undefined;
      gc();
      const total = image.segments.reduce((sum, s) => sum + s.byteLength, 0);

      start = performance.now();
      const view = open<BigValue>(image);
      const firstOpenMs = performance.now() - start;
      ctx.log('reading every part back');
      checkView(view, image.segments);

      const openNs = (await nsPerOp([{ name: 'open', ops: 1, run: () => open(image) }], 3)).get('open');
      const report = new Report()
        .add('cowshare', 'image GiB', total / GiB)
        .add('cowshare', 'segments', image.segments.length)
        .add('cowshare', 'pack s', packMs / 1e3)
        .add('cowshare', 'pack MB/s', total / 1e6 / (packMs / 1e3))
        .add('cowshare', 'first open ms', firstOpenMs)
        .add('cowshare', 'open µs (median)', openNs / 1e3);
      report
        .check('image size', total / GiB, 'GiB', atLeast(5))
        .check('open', openNs / 1e6, 'ms', atMost(1))
        .note(`every part read back from its own segment; ${STAMPS} stamped bytes per part checked`);
      return report;
    },
  },
];
