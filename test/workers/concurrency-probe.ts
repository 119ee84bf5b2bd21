// A pool task module for the tests: counts the tasks running at once in a shared Int32Array that every
// task receives in its input — cell 0: running now, cell 1: the most ever running, cell 2: started.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Input {
  counter: Int32Array;
  value: number;
  ms: number;
}

export default async function probe({ counter, value, ms }: Input): Promise<number> {
  Atomics.add(counter, 2, 1);
  const running = Atomics.add(counter, 0, 1) + 1;
  for (let max = Atomics.load(counter, 1); running > max; max = Atomics.load(counter, 1)) {
    if (Atomics.compareExchange(counter, 1, max, running) === max) break;
  }
  try {
    if (ms > 0) await sleep(ms);
    return value * 2;
  } finally {
    Atomics.sub(counter, 0, 1);
  }
}
