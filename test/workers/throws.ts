// A pool task module for the tests: throws when the input says so — an Error subclass with its own name
// and code, or values that are not Errors — and otherwise returns the value doubled. Cell 0 of `attempts`
// counts the calls, to show a throwing task is not retried.
export class QuotaError extends Error {
  override name = 'QuotaError';
  code = 'E_QUOTA';
}

export interface Input {
  value: number;
  fail?: 'custom' | 'string' | 'object' | 'function';
  attempts?: Int32Array;
}

export default function maybeThrow({ value, fail, attempts }: Input): number {
  if (attempts) Atomics.add(attempts, 0, 1);
  if (fail === 'custom') throw new QuotaError(`quota exceeded at ${value}`);
  if (fail === 'string') throw 'a plain string';
  if (fail === 'object') throw { reason: 'not an error', value };
  if (fail === 'function') throw () => value;
  return value * 2;
}
