/**
 * The result queue behind `Pool.map`: runs one task per input with at most `concurrency` in flight and
 * yields their results in input order or as they complete. It knows nothing of workers: it is given
 * `run(input, index, signal)`, which settles with the task's result or its final failure.
 *
 * Guarantees: every result is yielded exactly once, or the iteration throws (the first task failure,
 * or the abort reason) — nothing is dropped silently. When the iteration ends early for any reason
 * (failure, abort, or the consumer's `break`), the tasks still in flight are aborted so that their
 * workers are freed, and the input iterator is closed.
 */

export interface MapOptions {
  /** Tasks in flight at once; default: twice the pool's threads, so no worker waits for its next task. */
  concurrency?: number;
  /** Yield results in input order (default) or as they complete. */
  ordered?: boolean;
  /** Aborting stops the iteration promptly: it throws the abort reason and aborts the tasks in flight. */
  signal?: AbortSignal;
  /** Called after each completed task. */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  /** Tasks completed so far. */
  done: number;
  /** Number of inputs when known: from the start for arrays, Sets and Maps, for others once exhausted. */
  total: number | undefined;
  /** Milliseconds since the first task started. */
  elapsedMs: number;
  /** Completed tasks per second so far. */
  rate: number;
}

export type RunIndexed<T, R> = (input: T, index: number, signal: AbortSignal) => Promise<R>;

/**
 * Results that may wait for the consumer, beyond those in flight: enough for the tasks around a slow
 * one to go on while it finishes (ordered mode), and a bound on memory when the consumer is slow.
 */
const BUFFER_PER_SLOT = 4;

export async function* mapTasks<T, R>(
  run: RunIndexed<T, R>,
  inputs: Iterable<T> | AsyncIterable<T>,
  options: MapOptions & { concurrency: number },
): AsyncGenerator<R, void, undefined> {
  const { concurrency, ordered = true, signal, onProgress } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`cowshare: map concurrency must be a positive integer, got ${concurrency}`);
  }
  signal?.throwIfAborted();
  const iterator = openIterator(inputs);
  let total = sizeOf(inputs);
  const window = concurrency * BUFFER_PER_SLOT;

  /** Aborts the tasks in flight when the iteration ends, however it ends. */
  const inFlightAbort = new AbortController();
  /** Completed results not yet yielded: by index when ordered, in completion order otherwise. */
  const completed = new Map<number, R>();
  let started = 0;
  let inFlight = 0;
  let yielded = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  let startTime = 0;
  /** Resolves the wait for the next event: a completion, a failure or an abort. */
  let wake: () => void = () => {};

  const onAbort = (): void => {
    failure ??= { error: signal?.reason };
    wake();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  /** A throwing progress callback ends the iteration like a failed task. */
  const report = (progress: Progress): void => {
    try {
      onProgress?.(progress);
    } catch (error) {
      failure ??= { error };
    }
  };

  const launch = (input: T, index: number): void => {
    inFlight++;
    run(input, index, inFlightAbort.signal).then(
      (result) => {
        inFlight--;
        completed.set(index, result);
        report(progressOf(completed.size + yielded, total, startTime));
        wake();
      },
      (error: unknown) => {
        inFlight--;
        failure ??= { error };
        wake();
      },
    );
  };

  try {
    for (;;) {
      // Start tasks while there is room; a result waiting for the consumer holds its place in the window.
      while (!exhausted && failure === undefined && inFlight < concurrency && started - yielded < window) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          total = started;
          break;
        }
        if (started === 0) startTime = performance.now();
        launch(next.value, started++);
      }
      if (failure !== undefined) throw failure.error;

      const ready = ordered ? yielded : completed.keys().next().value;
      if (ready !== undefined && completed.has(ready)) {
        const result = completed.get(ready) as R;
        completed.delete(ready);
        yielded++;
        yield result;
        continue;
      }
      if (exhausted && inFlight === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!exhausted || inFlight > 0) inFlightAbort.abort(new Error('cowshare: map ended before this task'));
    if (!exhausted) await iterator.return?.();
  }
}

function progressOf(done: number, total: number | undefined, startTime: number): Progress {
  const elapsedMs = performance.now() - startTime;
  return { done, total, elapsedMs, rate: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0 };
}

function openIterator<T>(inputs: Iterable<T> | AsyncIterable<T>): Iterator<T> | AsyncIterator<T> {
  if (inputs != null && typeof (inputs as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return (inputs as AsyncIterable<T>)[Symbol.asyncIterator]();
  }
  if (inputs != null && typeof (inputs as Iterable<T>)[Symbol.iterator] === 'function') {
    return (inputs as Iterable<T>)[Symbol.iterator]();
  }
  throw new TypeError('cowshare: map expects an iterable or async iterable of task inputs');
}

function sizeOf(inputs: unknown): number | undefined {
  if (Array.isArray(inputs) || ArrayBuffer.isView(inputs)) return (inputs as ArrayLike<unknown>).length;
  if (inputs instanceof Set || inputs instanceof Map) return inputs.size;
  return undefined;
}
