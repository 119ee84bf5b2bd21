/**
 * Every failure the library detects is a CowshareError with a stable `code` (or a standard TypeError /
 * RangeError where the language expects one: writes through read-only views, exhausted call stacks).
 * The message names the place: a value path such as `$.users[3].callback`, or an image location.
 */
export type ErrorCode =
  /** A value cannot be packed (function, symbol, WeakMap, …). */
  | 'UNPACKABLE'
  /** A value is packable in principle but exceeds a limit of the format. */
  | 'LIMIT'
  /** The argument is not a cowshare image at all (wrong type, wrong magic, unshared memory). */
  | 'NOT_IMAGE'
  /** The image needs a newer reader (format major version or required flags). */
  | 'VERSION'
  /** The image is damaged or crafted: a bound, a kind, a checksum or an invariant does not hold. */
  | 'CORRUPT'
  /** The platform cannot run cowshare (big-endian typed arrays). */
  | 'PLATFORM'
  /** A pool task threw in its worker, its worker module failed to load, or it could not cross threads. */
  | 'TASK_FAILED'
  /** A pool task's worker died (uncaught error, `process.exit`, out of memory) on every attempt. */
  | 'WORKER_DIED'
  /** A task was given to a pool that is closed. */
  | 'POOL_CLOSED'
  /** A file could not be opened, read or written (missing, permissions, disk full); `cause` is the system error. */
  | 'FILE'
  /** Memory-mapping was required (`backing: 'mmap'`) but the native addon is not available. */
  | 'NATIVE';

export class CowshareError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CowshareError';
    this.code = code;
  }
}

/**
 * A pool task that failed: `index` is its position in the input of `map` (undefined for `run`), and
 * `cause` is the worker's own error with its stack.
 */
export class TaskError extends CowshareError {
  readonly index: number | undefined;

  constructor(
    code: 'TASK_FAILED' | 'WORKER_DIED',
    index: number | undefined,
    message: string,
    cause: unknown,
  ) {
    super(code, index === undefined ? message : `task ${index}: ${message}`, { cause });
    this.name = 'TaskError';
    this.index = index;
  }
}

/** A damaged image: `where` names the node or field, e.g. `segment 0 offset 0x48 (ARRAY)`. */
export function corrupt(where: string, problem: string): CowshareError {
  return new CowshareError('CORRUPT', `${where}: ${problem}`);
}

/** The error for every attempt to write through a read-only view. */
export function readOnly(what: string): TypeError {
  return new TypeError(`cowshare: ${what} is read-only (use fork() for a mutable copy)`);
}
