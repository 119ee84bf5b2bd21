// A pool task module for the tests: returns `value` after `ms` milliseconds, so that tasks can be made to
// complete out of input order.
import { setTimeout as sleep } from 'node:timers/promises';

export default async function echo({ value, ms }: { value: number; ms: number }): Promise<number> {
  if (ms > 0) await sleep(ms);
  return value;
}
