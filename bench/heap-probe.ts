// Measures how much V8 heap one data set occupies as live objects, in a fresh process so nothing
// else is on the heap: node --expose-gc .bench-build/bench/heap-probe.js (or --import tsx with the .ts) <entries|docs> <small|full>
// Prints one JSON line: { heapBytes, imageBytes }.

import { open, pack } from '../src/index.js';
import { makeDocs, makeEntries, SIZES, type Size } from './data.js';
import { assertSame, imageBytes } from './harness.js';

const [dataset, size] = process.argv.slice(2) as [string, Size];
const gc = globalThis.gc;
if (!gc) throw new Error('heap-probe needs node --expose-gc');
if (!(size in SIZES)) throw new Error(`unknown size ${size}`);
const make = { entries: () => makeEntries(SIZES[size].entries), docs: () => makeDocs(SIZES[size].docs) }[
  dataset
];
if (!make) throw new Error(`unknown data set ${dataset}`);

/** heapUsed after two full collections (the second collects what the first's finalisers freed). */
function settledHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const before = settledHeap();
const value = make();
const heapBytes = settledHeap() - before;

const image = pack(value);
assertSame(open(image), value);
process.stdout.write(`${JSON.stringify({ heapBytes, imageBytes: imageBytes(image) })}\n`);
