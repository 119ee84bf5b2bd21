/**
 * The smallest program that shares a Map with worker threads: pack it once, hand the image to two
 * workers through `workerData`, and let each look keys up in place (worker.ts).
 * Run: npm run example:worker-threads
 */
import { Worker } from 'node:worker_threads';
import { pack } from '../../src/index.js';

const capitals = new Map([
  ['France', 'Paris'],
  ['Japan', 'Tokyo'],
  ['Kenya', 'Nairobi'],
  ['Peru', 'Lima'],
  ['Canada', 'Ottawa'],
  ['Norway', 'Oslo'],
]);

// The image lives in SharedArrayBuffers. Sending it to a worker shares that memory: both workers read
// these very bytes, and neither gets a copy — however big the Map is.
const image = pack(capitals);

const questions = [
  ['France', 'Japan', 'Atlantis'],
  ['Kenya', 'Norway'],
];

const workers = questions.map(
  (keys, id) => new Worker(new URL('./worker.ts', import.meta.url), { workerData: { id, image, keys } }),
);
await Promise.all(
  workers.map(
    (worker, id) =>
      new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`worker ${id} exited with ${code}`)),
        );
      }),
  ),
);
console.log(`both workers read the same ${image.segments[0]!.byteLength}-byte image; nothing was copied`);
