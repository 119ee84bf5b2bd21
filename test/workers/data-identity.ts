// A pool task module for the tests: remembers the first `data` object its worker was given and reports
// whether every later task gets that same object — the shared data reaches a worker once, not per task.
import { threadId } from 'node:worker_threads';
import type { SharedData } from '../../src/index.js';

export type Data = { numbers: number[] };

let first: SharedData<Data> | undefined;

export default function identity(
  ms: number,
  data: SharedData<Data>,
): { threadId: number; first: boolean; same: boolean; sum: number } {
  const isFirst = first === undefined;
  first ??= data;
  // A short wait, so that the tasks spread over all the workers.
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return { threadId, first: isFirst, same: data === first, sum: data.numbers.reduce((a, b) => a + b, 0) };
}
