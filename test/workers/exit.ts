// A pool task module for the tests: kills its worker with process.exit(3) on the first `exits` attempts
// at an input, then returns the input's value. Attempts are counted per input in `attempts[slot]`, a
// shared Int32Array, so the count survives the worker.
export interface Input {
  attempts: Int32Array;
  slot: number;
  exits: number;
  value: number;
}

export default function exitEarly({ attempts, slot, exits, value }: Input): number {
  if (Atomics.add(attempts, slot, 1) < exits) process.exit(3);
  return value;
}
