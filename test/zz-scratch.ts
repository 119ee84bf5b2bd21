import { Worker } from 'node:worker_threads';
import { open, pack, type Image } from '../src/index.js';
import { answerWorker, handoffValue, type Handoff } from './workers/handoff-protocol.js';
const image = pack(handoffValue('x'));
const cells = open<Handoff>(image).cells;
// A copy that still looks like an image: fresh SharedArrayBuffers with the same bytes.
const copy: Image = { segments: image.segments.map((s) => { const c = new SharedArrayBuffer(s.byteLength); new Uint8Array(c).set(new Uint8Array(s)); return c; }) };
const w = new Worker(new URL('./workers/handoff-thread.ts', import.meta.url), { workerData: { kind: 'probe', images: [copy] } });
w.on('message', (m) => console.log('worker:', JSON.stringify(m)));
const t0 = performance.now();
try { await answerWorker(cells); } catch (e) { console.log('main:', (e as Error).message, Math.round(performance.now() - t0)); }
await w.terminate();
