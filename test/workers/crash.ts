// A pool task module for the tests: on the first `dies` attempts at an input, its worker dies mid-task —
// by process.exit, by running out of heap (the pool gives it small `resourceLimits`), or by an error
// thrown from a timer that nothing catches — after `ms` of work; later attempts return the input's
// value. Attempts are counted per input in `attempts[slot]`, a shared Int32Array, so the count survives
// the worker (with `dies: 0`, it counts how often each input started).
import { setTimeout as sleep } from 'node:timers/promises';

export type Death = 'exit' | 'oom' | 'timer';

export interface Input {
  attempts: Int32Array;
  slot: number;
  value: number;
  dies?: number;
  how?: Death;
  ms?: number;
}

export default async function crash({ attempts, slot, value, dies = 0, how = 'exit', ms = 0 }: Input) {
  const attempt = Atomics.add(attempts, slot, 1);
  Atomics.notify(attempts, slot);
  if (ms > 0) await sleep(ms);
  if (attempt < dies) {
    if (how === 'exit') process.exit(7);
    if (how === 'oom') {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array(100_000).fill(hoard.length));
    }
    setTimeout(() => {
      throw new Error(`thrown from a timer at input ${slot}`);
    }, 0);
    await sleep(60_000);
  }
  return value;
}
