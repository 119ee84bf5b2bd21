/** What each worker of main.ts runs: open the image it was handed and look its keys up. */
import { workerData } from 'node:worker_threads';
import { type Image, open } from '../../src/index.js';

const { id, image, keys } = workerData as { id: number; image: Image; keys: string[] };

// O(1): open reads the image's header and decodes nothing else; `get` finds a key through the
// image's hash index and decodes only the value it returns.
const capitals = open<Map<string, string>>(image);

for (const key of keys) {
  console.log(`worker ${id}: ${key} → ${capitals.get(key) ?? '(not in the map)'}`);
}
