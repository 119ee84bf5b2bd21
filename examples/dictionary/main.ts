/**
 * Packs a dictionary once and reads it back in place: the smallest end-to-end use of cowshare.
 * Run: npm run example   (or: node --import tsx examples/dictionary/main.ts [entries])
 */
import { open, pack, toJS } from '../../src/index.js';

interface Entry {
  id: number;
  name: string;
  score: number;
  tags: string[];
}

const entries = Number(process.argv[2] ?? 200_000);
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

let started = performance.now();
const dictionary = new Map<string, Entry>();
for (let i = 0; i < entries; i++) {
  dictionary.set(`key:${i}`, {
    id: i,
    name: `entry number ${i}`,
    score: ((i * 7919) % 1000) / 10,
    tags: [words[i % words.length]!, words[(i >> 3) % words.length]!],
  });
}
const built = performance.now() - started;

started = performance.now();
const image = pack(dictionary);
const packed = performance.now() - started;
const bytes = image.segments.reduce((sum, s) => sum + s.byteLength, 0);

started = performance.now();
const shared = open<Map<string, Entry>>(image);
const firstOpen = performance.now() - started;
// The first call also pays for compiling cowshare's code; open it again to see what opening costs.
started = performance.now();
open<Map<string, Entry>>(image);
const opened = performance.now() - started;

// Read some entries back and check them against the original.
started = performance.now();
let checked = 0;
for (let i = 0; i < entries; i += 97) {
  const key = `key:${i}`;
  const view = shared.get(key);
  const original = dictionary.get(key)!;
  if (view?.name !== original.name || view.score !== original.score || view.tags[1] !== original.tags[1]) {
    throw new Error(`mismatch at ${key}`);
  }
  checked++;
}
const read = performance.now() - started;

console.log(`built a Map of ${entries} entries in ${built.toFixed(0)} ms`);
console.log(`packed it into ${(bytes / 2 ** 20).toFixed(1)} MiB in ${packed.toFixed(0)} ms`);
console.log(
  `opened the image in ${(opened * 1000).toFixed(0)} µs (the first open, cold: ${(firstOpen * 1000).toFixed(0)} µs);` +
    ' O(1): nothing is decoded up front',
);
console.log(`looked up and checked ${checked} entries in ${read.toFixed(1)} ms`);
console.log('one entry, as a plain copy:', toJS(shared.get('key:42')));
