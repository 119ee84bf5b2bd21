// A pool task module for the tests: with `grow`, allocates without bound until its worker runs out of
// heap (the pool gives it `resourceLimits`); otherwise answers at once.
export default function oom({ grow }: { grow: boolean }): string {
  const hoard: number[][] = [];
  while (grow) hoard.push(new Array(100_000).fill(hoard.length));
  return 'alive';
}
