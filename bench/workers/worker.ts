// The worker thread of the workers/* benchmark, the same module for every transport: it gets the
// dictionary the way its transport gives it, answers one lookup to say it is ready, then serves the
// child's requests (settle, warm, run) one at a time. See bench/workers/protocol.ts.

import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Image } from '../../src/index.js';
import { makeLookupKeys } from '../data.js';
import { answerOf, type Dictionary, lookupPass } from './lookup.js';
import { BARE_ANSWER, BY_MESSAGE, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: FromWorker): void => port.postMessage(message);

// Every worker loads the same libraries, `bare` ones too, so that "cowshare − bare" is what the data
// costs and nothing else; `importMs` reports what loading them costs on its own.
const importStart = performance.now();
const [{ open }, { Packr }, v8] = await Promise.all([
  import('../../src/index.js'),
  import('msgpackr'),
  import('node:v8'),
]);
const importMs = performance.now() - importStart;

/** The worker's dictionary from its transport's payload (a message for json/v8/msgpackr). */
function decode(payload: unknown): Dictionary {
  switch (init.transport) {
    case 'cowshare':
      return open(init.data as Image) as unknown as Dictionary;
    case 'cowshare-record':
      return open(init.data as Image, { objects: 'record' }) as unknown as Dictionary;
    case 'workerData':
      return init.data as Dictionary;
    case 'json':
      return new Map(JSON.parse(payload as string) as [string, { score: number; name: string }][]);
    case 'v8':
      return v8.deserialize(payload as Uint8Array) as Dictionary;
    case 'msgpackr':
      return new Packr({ useRecords: true }).unpack(payload as Uint8Array) as Dictionary;
    case 'bare':
      throw new Error('bare workers have no dictionary');
  }
}

let dictionary: Dictionary | undefined;
let keys: string[] = [];

function serve(request: ToWorker): void {
  switch (request.type) {
    case 'settle':
      // Two collections: the second takes what the first one's finalisers released.
      globalThis.gc?.();
      globalThis.gc?.();
      post({ type: 'settled' });
      return;
    case 'warm': {
      const { keysPerPass, seed } = init.lookup;
      keys = makeLookupKeys(init.entries, keysPerPass, seed + init.index);
      post({ type: 'warmed', checksum: lookupPass(dictionary!, keys) });
      return;
    }
    case 'run': {
      let checksum = 0;
      for (let pass = 0; pass < init.lookup.passes; pass++) checksum += lookupPass(dictionary!, keys);
      post({ type: 'ran', checksum });
      return;
    }
  }
}

/**
 * Decodes (or opens) the data, answers the probe lookup, then serves requests. The payload is a
 * parameter, not kept anywhere, so a decoded copy is all that stays on this worker's heap.
 */
function start(payload: unknown): void {
  const decodeStart = performance.now();
  if (init.transport !== 'bare') dictionary = decode(payload);
  const answer = dictionary ? answerOf(dictionary, init.probeKey) : BARE_ANSWER;
  post({ type: 'ready', answer, importMs, decodeMs: performance.now() - decodeStart });
  port.on('message', serve);
}

// A payload sent by message (rather than as workerData, which the worker_threads module keeps
// referenced for the worker's lifetime) can be collected once it is decoded, as a careful user would.
if (BY_MESSAGE.has(init.transport)) port.once('message', start);
else start(undefined);
