// A pool task module for the tests: it allocates without bound as it is loaded, so that a worker with
// `resourceLimits` runs out of memory before it can take a task.
const hoard: number[][] = [];
for (;;) hoard.push(new Array(100_000).fill(hoard.length));

export default function never(): number {
  return hoard.length;
}
