// A raw worker_threads worker for test/handoff.test.ts. It handles one request from `workerData` at
// start-up (if there is one) and then one per message, and posts one reply per request.
import { parentPort, workerData } from 'node:worker_threads';
import { CowshareError, type Image, open, toJS } from '../../src/index.js';
import { type Probe, probe } from './handoff-protocol.js';

export type Request =
  /** Run the hand-off protocol on each image, in order. */
  | { kind: 'probe'; images: unknown[] }
  /** Open each value and read it whole; report how each failed. */
  | { kind: 'refuse'; values: unknown[] }
  /** Open each image `repeats` times; report the median time per image. */
  | { kind: 'time'; images: unknown[]; repeats: number };

export type Reply =
  | { kind: 'probe'; probes: Probe[] }
  | { kind: 'refuse'; outcomes: Outcome[] }
  | { kind: 'time'; medianMs: number[] }
  | { kind: 'error'; error: Outcome };

/** How opening and reading one value ended. */
export interface Outcome {
  ok: boolean;
  cowshare?: boolean;
  name?: string;
  code?: string;
  message?: string;
}

function handle(request: Request): Reply {
  switch (request.kind) {
    case 'probe':
      return { kind: 'probe', probes: request.images.map(probe) };
    case 'refuse':
      return { kind: 'refuse', outcomes: request.values.map(openAndRead) };
    case 'time':
      return { kind: 'time', medianMs: request.images.map((image) => medianOpenMs(image, request.repeats)) };
  }
}

function openAndRead(value: unknown): Outcome {
  try {
    toJS(open(value as Image));
    return { ok: true };
  } catch (error) {
    return outcomeOf(error);
  }
}

function outcomeOf(error: unknown): Outcome {
  if (!(error instanceof Error)) return { ok: false, message: String(error) };
  const code = error instanceof CowshareError ? error.code : undefined;
  return {
    ok: false,
    cowshare: error instanceof CowshareError,
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
  };
}

function medianOpenMs(image: unknown, repeats: number): number {
  open(image as Image); // the first open also compiles the reader's code
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    open(image as Image);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

function reply(request: Request): void {
  let answer: Reply;
  try {
    answer = handle(request);
  } catch (error) {
    answer = { kind: 'error', error: outcomeOf(error) };
  }
  parentPort!.postMessage(answer);
}

if (workerData != null) reply(workerData as Request);
parentPort!.on('message', reply);
