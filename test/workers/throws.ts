// A pool task module for the tests: throws when the input says so — an Error subclass with its own name
// and code, values that are not Errors, and values that cannot cross threads as they are — and otherwise
// returns the value doubled (or, with `thread`, its worker's thread id). Cell 0 of `attempts` counts the
// calls, to show a throwing task is not retried.
import { threadId } from 'node:worker_threads';

export class QuotaError extends Error {
  override name = 'QuotaError';
  code = 'E_QUOTA';
}

/** An Error whose `message`, `stack` or `name` cannot be read: the getter throws. */
function unreadableError(property: 'message' | 'stack' | 'name'): Error {
  const error = new Error(`unreadable ${property}`);
  Object.defineProperty(error, property, {
    get() {
      throw new Error(`the ${property} getter threw`);
    },
  });
  return error;
}

/** What each `fail` throws (or, for `getter-result`, returns). */
const failures = {
  custom: (value: number) => new QuotaError(`quota exceeded at ${value}`),
  string: () => 'a plain string',
  object: (value: number) => ({ reason: 'not an error', value }),
  function: (value: number) => () => value,
  one: () => 1,
  null: () => null,
  undefined: () => undefined,
  symbol: () => Symbol('thrown'),
  /** An object that has no string form: `String()` of it throws. */
  'no-string': () => ({ toString: null, valueOf: null }),
  'getter-message': () => unreadableError('message'),
  'getter-stack': () => unreadableError('stack'),
  'getter-name': () => unreadableError('name'),
  'getter-object': () => ({
    get secret(): never {
      throw new Error('the secret getter threw');
    },
  }),
  /** An Error whose cause is itself: V8 writes it but cannot read it back. */
  'cause-cycle': () => {
    const error = new Error('my own cause');
    error.cause = error;
    return error;
  },
  /** Returned, not thrown: a result that cannot be cloned because its getter throws. */
  'getter-result': () => ({
    get answer(): never {
      throw new Error('the answer getter threw');
    },
  }),
} satisfies Record<string, (value: number) => unknown>;

export type Failure = keyof typeof failures;

export interface Input {
  value: number;
  fail?: Failure;
  attempts?: Int32Array;
  thread?: boolean;
}

export default function maybeThrow({ value, fail, attempts, thread }: Input): number | object {
  if (attempts) Atomics.add(attempts, 0, 1);
  if (fail === 'getter-result') return failures[fail]();
  if (fail !== undefined) throw failures[fail](value);
  return thread ? threadId : value * 2;
}
