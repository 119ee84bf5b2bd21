// A pool task module for the tests: blocks its worker for `ms` in a synchronous child process, native
// code that terminating the worker cannot interrupt — the thread lives on for up to `ms` after the pool
// ended it. Cell 0 of `started` counts the tasks that started.
import { spawnSync } from 'node:child_process';

export default function stuck({ started, ms }: { started: Int32Array; ms: number }): string {
  Atomics.add(started, 0, 1);
  Atomics.notify(started, 0);
  spawnSync(process.execPath, ['-e', `setTimeout(() => {}, ${ms})`]);
  return 'unstuck';
}
