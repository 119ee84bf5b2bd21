// open/*: attaching to an image must cost the same at any size (it reads the header and the segment
// table only). open/bytes: reading a big byte array in place against decoding it with the peers.

import { deserialize, serialize } from 'node:v8';
import { Packr } from 'msgpackr';
import { open, pack } from '../../src/index.js';
import { bytes, memo } from '../data.js';
import {
  assert,
  assertSame,
  atLeast,
  atMost,
  type BenchCase,
  imageBytes,
  MB,
  msPerCall,
  nsPerOp,
  Report,
  type Subject,
} from '../harness.js';

/** Bytes of image per Map entry: the images hold a big blob plus a Map that grows with them. */
const BYTES_PER_ENTRY = 4096;
/** Sub-millisecond, from the issue. */
const OPEN_LIMIT_MS = 1;
/** "Flat": open of the big image within this factor of open of the 1 MB one (timer noise allowance). */
const FLAT_RATIO = 2;

interface Sized {
  label: string;
  bytes: number;
  fullOnly: boolean;
}

const SIZED: Sized[] = [
  { label: '1MB', bytes: 1e6, fullOnly: false },
  { label: '100MB', bytes: 100e6, fullOnly: false },
  { label: '1GB', bytes: 1e9, fullOnly: true },
];

/** Byte `i` of the blob, cheap to write and to check anywhere. */
const blobByte = (i: number): number => (i * 2654435761) >>> 24;

/**
 * An image of about `total` bytes: `{ blob: Uint8Array, index: Map<string, number> }`. The value is
 * checked against the image when it is built and then dropped, so only the image stays in memory.
 */
function sizedImage(total: number) {
  return memo(`image:open:${total}`, () => {
    const count = Math.max(1, Math.floor(total / BYTES_PER_ENTRY));
    const index = new Map<string, number>();
    for (let i = 0; i < count; i++) index.set(`k${i}`, i * 7);
    const blob = new Uint8Array(Math.floor(total * 0.99));
    for (let i = 0; i < blob.length; i += 4093) blob[i] = blobByte(i);
    const image = pack({ blob, index });
    assertSame(open(image), { blob, index }, '$open');
    return image;
  });
}

function openCase(sized: Sized, base: Sized): BenchCase {
  return {
    name: `open/${sized.label}`,
    fullOnly: sized.fullOnly,
    async run(ctx) {
      ctx.log('building the images');
      const subjects: Subject[] = [];
      for (const { label, bytes } of sized === base ? [sized] : [base, sized]) {
        const image = sizedImage(bytes);
        assert(imageBytes(image) >= bytes * 0.9, `the ${label} image has only ${imageBytes(image)} bytes`);
        subjects.push({
          name: `open ${label} (${(imageBytes(image) / MB).toFixed(1)} MB)`,
          ops: 1,
          run: () => open(image),
        });
      }
      const ns = await nsPerOp(subjects);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'µs', value / 1e3);
      const big = ns.get(subjects.at(-1)!.name);
      report.check(`open ${sized.label}`, big / 1e6, 'ms', atMost(OPEN_LIMIT_MS));
      if (sized !== base) {
        report.check(
          `open ${sized.label} / open ${base.label}`,
          ns.ratio(subjects.at(-1)!.name, subjects[0]!.name),
          '×',
          atMost(FLAT_RATIO),
        );
      }
      return report;
    },
  };
}

/** The positions read after opening or decoding: a few spread over the whole array. */
const PROBES = 64;

function probe(array: Uint8Array): number {
  let sum = 0;
  const step = Math.floor(array.length / PROBES);
  for (let i = 0; i < PROBES; i++) sum += array[i * step]!;
  return sum;
}

const bytesCase: BenchCase = {
  name: 'open/bytes',
  async run(ctx) {
    const source = bytes(ctx.size);
    const image = memo(`image:bytes:${ctx.size}`, () => pack(source));
    const records = new Packr({ useRecords: true });
    const v8Bytes = serialize(source);
    const msgpackBytes = records.pack(source);

    ctx.log('checking the view is the same bytes, in place');
    const view = open<Uint8Array>(image);
    assertSame(view, source);
    const zeroCopy = image.segments.includes(view.buffer as SharedArrayBuffer);
    const expected = probe(source);
    assert(probe(view) === expected, 'the view reads different bytes');
    assert(probe(deserialize(v8Bytes) as Uint8Array) === expected, 'v8.deserialize reads different bytes');
    assert(probe(records.unpack(msgpackBytes) as Uint8Array) === expected, 'msgpackr reads different bytes');
    assert(probe(structuredClone(source)) === expected, 'structuredClone reads different bytes');

    const peers: Subject[] = [
      { name: 'v8.deserialize + read', ops: 1, run: () => probe(deserialize(v8Bytes) as Uint8Array) },
      {
        name: 'msgpackr unpack + read',
        ops: 1,
        run: () => probe(records.unpack(msgpackBytes) as Uint8Array),
      },
      { name: 'structuredClone + read', ops: 1, run: () => probe(structuredClone(source)) },
    ];
    const cowshare: Subject = {
      name: 'cowshare open + read',
      ops: 1,
      run: () => probe(open<Uint8Array>(image)),
    };
    // The peers copy the whole array (milliseconds, timed by hand); open is far too fast for that.
    const ms = new Map(msPerCall(peers, 5));
    ms.set(cowshare.name, (await nsPerOp([cowshare], 3)).get(cowshare.name) / 1e6);
    const report = new Report();
    for (const [name, value] of ms) report.add(name, 'ms', value);
    const cow = ms.get(cowshare.name)!;
    for (const { name } of peers) report.check(`speed vs ${name}`, ms.get(name)! / cow, '×');
    report.check('view.buffer is an image segment (zero-copy: 1)', zeroCopy ? 1 : 0, '', atLeast(1));
    report.check('open + read', cow, 'ms', atMost(OPEN_LIMIT_MS));
    report.note('v8.deserialize and msgpackr unpack return a view into their input for a lone byte array');
    report.note('(no copy either); structuredClone, which is what workerData does, copies the bytes');
    return report;
  },
};

const base = SIZED[0]!;
export const cases: BenchCase[] = [...SIZED.map((sized) => openCase(sized, base)), bytesCase];
