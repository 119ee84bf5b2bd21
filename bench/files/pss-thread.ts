// A worker thread of files/pss: says `idle` once its modules are loaded (the same ones in every mode, so
// the baseline is the same), then on `load` gets the data and reads all of it, and keeps it until the
// thread is ended. Reading all of it means: every entry, every field (the checksum the parent checks
// against the native Map's), and for an image also one byte of every 4096 of every segment, so that
// every page of the file is resident in this process whatever the entry scan skips (hash tables).

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { type FileImage, open } from '../../src/node/index.js';
import { type Entry, type PssMode, scanOf, type ThreadLoaded } from './common.js';

const PAGE = 4096;

const init = workerData as { mode: PssMode; json: string };
const port = parentPort!;

/** What this thread read; held so that it stays in memory while the parent measures. */
const held: unknown[] = [];

function load(image: FileImage | undefined): ThreadLoaded {
  const start = performance.now();
  let checksum = 0;
  let pages = 0;
  let pageSum = 0;
  if (init.mode === 'json') {
    const object = JSON.parse(readFileSync(init.json, 'utf8')) as Record<string, Entry>;
    held.push(object);
    for (const key in object) checksum += scanOf(object[key]!);
  } else {
    if (!image) throw new Error('no image was posted');
    const view = open<Map<string, Entry>>(image);
    held.push(view);
    for (const [, record] of view) checksum += scanOf(record);
    for (const segment of image.segments) {
      const bytes = new Uint8Array(segment);
      for (let i = 0; i < bytes.length; i += PAGE) pageSum += bytes[i]!;
      // A segment need not start on a page boundary: its last byte may sit on one more page.
      pageSum += bytes[bytes.length - 1]!;
      pages += Math.ceil(bytes.length / PAGE);
    }
  }
  return { checksum, pages, pageSum, ms: performance.now() - start };
}

port.on('message', (message: { type: 'load'; image?: FileImage } | { type: 'settle' }) => {
  if (message.type === 'load') {
    port.postMessage({ type: 'loaded', ...load(message.image) });
  } else {
    // Two collections: the second takes what the first one's finalisers released (the JSON text).
    globalThis.gc?.();
    globalThis.gc?.();
    port.postMessage({ type: 'settled' });
  }
});
port.postMessage({ type: 'idle' });
