/**
 * Words for what a task threw. A task may throw anything — `1`, `null`, an object that cannot be turned
 * into a string, an Error whose `message` getter throws — and the pool must still say what happened:
 * these functions never throw.
 */
import { inspect } from 'node:util';

/** The name the pool reads as "this cannot cross threads": what a failed structured clone throws. */
export const CLONE_ERROR = 'DataCloneError';

/** A thrown value for a one-line message: an Error's message, a string as it is, else as inspected. */
export function messageOf(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message);
    return typeof value === 'string'
      ? value
      : inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
  } catch {
    return unreadable(value);
  }
}

/** The whole of a thrown value, as `util.inspect` shows it (an Error with its stack and cause). */
export function inspectThrown(value: unknown): string {
  try {
    return inspect(value, { depth: 4 });
  } catch {
    return messageOf(value);
  }
}

/** For a value whose own getters or traps throw when it is read. */
function unreadable(value: unknown): string {
  let kind: string = typeof value;
  try {
    kind = Object.prototype.toString.call(value).slice('[object '.length, -1);
  } catch {}
  return `a thrown ${kind} that cannot be read`;
}
