// A pool task module for the tests: reads a packed Int32Array, tells the main thread it has, then waits
// on that same image memory for the main thread to change it. It wakes with the new value only if the
// worker's view and the main thread's view are one memory, not copies.
import type { SharedData } from '../../src/index.js';

export type Data = { cells: Int32Array };

export default function watch({ ready }: { ready: Int32Array }, { cells }: SharedData<Data>) {
  const before = Atomics.load(cells, 0);
  Atomics.store(ready, 0, 1);
  Atomics.notify(ready, 0);
  const woke = Atomics.wait(cells, 0, before, 10_000);
  return { before, after: Atomics.load(cells, 0), woke };
}
