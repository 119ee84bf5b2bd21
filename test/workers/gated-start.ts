// A pool task module for the tests: its loading is held — the worker stays "starting" — from the third
// load on, until the main thread opens the gate. The gate is the pool's shared `gate` (an Int32Array),
// read here from the pool's workerData because a module loads before any task gives it the data.
// Tasks: `exit` ends the worker, `hold` blocks it until `cells[0]` is set, else returns `value`.
import { isMainThread, workerData } from 'node:worker_threads';
import { type Image, open, type SharedData } from '../../src/index.js';

/** Named cells of the gate. */
export const LOADS = 0;
export const OPEN = 1;
/** Loads that go through before the gate holds the others. */
const FREE_LOADS = 2;

export type Data = { gate: Int32Array };

// Only in a worker: the test imports the names of the cells.
if (!isMainThread) {
  const gate = open<Int32Array>((workerData as { images: { gate: Image } }).images.gate);
  const load = Atomics.add(gate, LOADS, 1);
  Atomics.notify(gate, LOADS);
  if (load >= FREE_LOADS) {
    while (Atomics.load(gate, OPEN) === 0) Atomics.wait(gate, OPEN, 0, 10_000);
  }
}

export default function gated(
  input: { kind: 'exit' } | { kind: 'hold'; cells: Int32Array } | { kind: 'value'; value: number },
  _data: SharedData<Data>,
): number {
  if (input.kind === 'exit') process.exit(9);
  if (input.kind === 'hold') {
    Atomics.wait(input.cells, 0, 0, 10_000);
    return 0;
  }
  return input.value;
}
