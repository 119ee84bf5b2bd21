/**
 * The hand-off protocol of test/handoff.test.ts, shared by the test and its worker modules. It proves
 * that an image reached a worker with its memory shared rather than copied: both sides write into the
 * image's own bytes (the `cells` Int32Array, a zero-copy view into segment 0) *after* the hand-off, and
 * each must see the other's write. A copy taken at the hand-off could not see a later write, so a copied
 * image fails with a timeout naming the stage that never came, never with a false pass.
 *
 * The stage slot only moves forward, each step written by one side and awaited by the other:
 *   IDLE → OPENED (worker: "I opened my image") → MAIN_WROTE (main: "the token is in FROM_MAIN")
 *        → WORKER_WROTE (worker: "the answer is in FROM_WORKER").
 * Every value is written before the stage that announces it, with Atomics (sequentially consistent),
 * so whoever sees a stage also sees the value it announces.
 */
import { type Image, open } from '../../src/index.js';

/** The packed value: cells for the protocol, words to look up. */
export interface Handoff {
  cells: Int32Array;
  words: Map<string, string>;
}

/** Named slots of `cells`. */
export const STAGE = 0;
export const FROM_MAIN = 1;
export const FROM_WORKER = 2;
export const CELL_COUNT = 4;

/** Values of the STAGE slot, in the order they are written. */
export const Stage = { IDLE: 0, OPENED: 1, MAIN_WROTE: 2, WORKER_WROTE: 3 } as const;
const STAGE_NAMES = ['IDLE', 'OPENED', 'MAIN_WROTE', 'WORKER_WROTE'];

/** How long either side waits for the other's next stage before failing. */
export const WAIT_MS = 10_000;

/** What the worker writes back for a token: a function of it, so the answer proves the token was read. */
export const answerTo = (token: number): number => Math.imul(token, 31) ^ 0x5a5a5a5a;

/** What a worker reports for one image it was handed. */
export interface Probe {
  /** The image's `label` entry, read through the worker's own view. */
  label: string | undefined;
  /** The image's segment 0 is a SharedArrayBuffer in the worker, and `cells` is a view into it. */
  zeroCopy: boolean;
  /** The token main wrote after the worker opened the image, as the worker read it. */
  token: number;
  /** Milliseconds `open` took in the worker. */
  openMs: number;
}

/** An image for one hand-off: fresh cells, and a few words of which `label` names the image. */
export function handoffValue(label: string): Handoff {
  return {
    cells: new Int32Array(CELL_COUNT),
    words: new Map([
      ['label', label],
      ['apple', 'pomme'],
      ['cherry', 'cerise'],
    ]),
  };
}

/**
 * The worker's half, for an image just received: open it, announce OPENED, wait (blocking this
 * thread) for main's token, answer it. Throws what `open` throws for a value that is not an image.
 */
export function probe(image: unknown): Probe {
  const started = performance.now();
  const view = open<Handoff>(image as Image);
  const openMs = performance.now() - started;
  const { cells } = view;
  const segment = (image as Image).segments[0];
  const zeroCopy = segment instanceof SharedArrayBuffer && cells.buffer === segment;

  advance(cells, Stage.OPENED);
  waitBlocking(cells, Stage.MAIN_WROTE);
  const token = Atomics.load(cells, FROM_MAIN);
  Atomics.store(cells, FROM_WORKER, answerTo(token));
  advance(cells, Stage.WORKER_WROTE);
  return { label: view.words.get('label'), zeroCopy, token, openMs };
}

/**
 * Main's half, run while the worker handles the image: wait (without blocking the event loop, which
 * the pools need to dispatch the task) for OPENED, write a fresh token, wait for the answer. Returns
 * the token; throws when the worker's answer is wrong or a stage never comes.
 */
export async function answerWorker(cells: Int32Array): Promise<number> {
  await waitAsync(cells, Stage.OPENED);
  const token = (Math.random() * 0x7fffffff) | 1;
  Atomics.store(cells, FROM_MAIN, token);
  advance(cells, Stage.MAIN_WROTE);
  await waitAsync(cells, Stage.WORKER_WROTE);
  const answer = Atomics.load(cells, FROM_WORKER);
  if (answer !== answerTo(token)) {
    throw new Error(`the worker answered ${answer} to token ${token}, expected ${answerTo(token)}`);
  }
  return token;
}

function advance(cells: Int32Array, stage: number): void {
  Atomics.store(cells, STAGE, stage);
  Atomics.notify(cells, STAGE);
}

/** Blocks this thread until STAGE reaches `stage` (for workers; the main thread uses `waitAsync`). */
function waitBlocking(cells: Int32Array, stage: number): void {
  const deadline = performance.now() + WAIT_MS;
  for (let seen = Atomics.load(cells, STAGE); seen < stage; seen = Atomics.load(cells, STAGE)) {
    const left = deadline - performance.now();
    if (left <= 0) throw stalled(stage, seen, 'main thread');
    Atomics.wait(cells, STAGE, seen, left);
  }
}

async function waitAsync(cells: Int32Array, stage: number): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  for (let seen = Atomics.load(cells, STAGE); seen < stage; seen = Atomics.load(cells, STAGE)) {
    const left = deadline - performance.now();
    if (left <= 0) throw stalled(stage, seen, 'worker');
    const wait = atomicsWaitAsync(cells, STAGE, seen, left);
    if (wait.async) await wait.value;
  }
}

function stalled(stage: number, seen: number, other: string): Error {
  return new Error(
    `waited ${WAIT_MS} ms for the ${other} to reach stage ${STAGE_NAMES[stage]}, still at ${STAGE_NAMES[seen]}: ` +
      "the image's memory is not shared between the two threads",
  );
}

/** `Atomics.waitAsync` (Node ≥ 16), which the ES2023 lib of tsconfig does not declare. */
const atomicsWaitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
      timeout: number,
    ):
      | { async: false; value: 'not-equal' | 'timed-out' }
      | { async: true; value: Promise<'ok' | 'timed-out'> };
  }
).waitAsync;
