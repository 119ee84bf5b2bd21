// A worker thread for test/files.test.ts: opens the image in workerData.image and answers, then stays
// alive (holding its view) until terminated. `copy`: answers {backing, value: toJS(view)}. `touch` (a
// packed Uint8Array): answers 'opened', then on each message reads one byte per 4096-byte page and
// answers their sum.
import { parentPort, workerData } from 'node:worker_threads';
import { type FileImage, open, toJS } from '../../src/node/index.js';

const { image, mode } = workerData as { image: FileImage; mode: 'copy' | 'touch' };
const port = parentPort!;
const view = open(image);
if (mode === 'copy') {
  port.postMessage({ backing: image.backing, value: toJS(view) });
  port.on('message', () => {});
} else {
  const bytes = view as Uint8Array;
  port.postMessage('opened');
  port.on('message', () => {
    let sum = 0;
    for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i]!;
    port.postMessage(sum);
  });
}
