// A pool task module for the tests: blocks its worker in Atomics.wait on cell 0 of the input's Int32Array
// for up to `ms` (60 s by default) — a long task that only terminating the worker stops. Cell 1 counts
// the tasks that started. `ms: 0` makes a quick task.
export default function block({ cells, ms = 60_000 }: { cells: Int32Array; ms?: number }): string {
  Atomics.add(cells, 1, 1);
  Atomics.notify(cells, 1);
  return Atomics.wait(cells, 0, 0, ms);
}
