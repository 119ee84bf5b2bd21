// A pool task module for the tests: reads one byte of every 4096-byte page of the shared bytes, so that
// the worker touches the whole image. A barrier first holds each task until `parties` tasks have
// arrived, so that that many distinct workers are running at once.
import { threadId } from 'node:worker_threads';
import type { SharedData } from '../../src/index.js';

export type Data = { bytes: Uint8Array };
export interface Input {
  /** Cell 0 counts the tasks that reached the barrier. */
  arrived: Int32Array;
  parties: number;
  touch: boolean;
}

export default function touchPages({ arrived, parties, touch }: Input, { bytes }: SharedData<Data>) {
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const deadline = Date.now() + 10_000;
  for (let n = Atomics.load(arrived, 0); n < parties; n = Atomics.load(arrived, 0)) {
    if (Date.now() > deadline) throw new Error(`barrier: only ${n} of ${parties} tasks arrived`);
    Atomics.wait(arrived, 0, n, 100);
  }
  let sum = 0;
  if (touch) for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i]!;
  return { threadId, sum };
}
