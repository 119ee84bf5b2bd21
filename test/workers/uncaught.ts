// A pool task module for the tests: on its first `throws` attempts, throws an uncaught error from a
// setImmediate callback while the task is still running, so that the worker dies of it; later attempts
// return the value. Attempts are counted in cell 0 of a shared Int32Array.
import { setTimeout as sleep } from 'node:timers/promises';

export default async function uncaught({
  attempts,
  throws,
  value,
}: {
  attempts: Int32Array;
  throws: number;
  value: number;
}): Promise<number> {
  if (Atomics.add(attempts, 0, 1) < throws) {
    setImmediate(() => {
      throw new Error('thrown from setImmediate');
    });
    await sleep(30_000);
  }
  return value;
}
