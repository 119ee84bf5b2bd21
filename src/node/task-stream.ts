/**
 * The result queue behind `Pool.map`: runs one task per input with at most `concurrency` in flight and
 * yields their results in input order or as they complete. It knows nothing of workers: it is given
 * `run(input, index, signal)`, which settles with the task's result or its final failure, and settles
 * promptly once `signal` is aborted.
 *
 * Guarantees: every result is yielded exactly once, or the iteration throws (the first task failure,
 * the input's own error, or the abort reason) — nothing is dropped silently. The input is read while
 * results wait for the consumer, and results are yielded while the input is slow to give its next
 * value. When the iteration ends early for any reason (failure, abort, or the consumer's `break`), no
 * input is read and no task is started any more, the tasks in flight are aborted so that their workers
 * are freed, the input iterator is closed (unless it threw or ended), and the iteration settles only
 * once every task it started has settled.
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
  const { iterator, isAsync } = openIterator(inputs);
  let total = sizeOf(inputs);
  const window = concurrency * BUFFER_PER_SLOT;

  /** Aborts the tasks in flight as soon as the iteration is over, however it ends. */
  const inFlightAbort = new AbortController();
  /** The tasks started and not settled; each is handled, so none can reject unhandled. */
  const running = new Set<Promise<void>>();
  /** Completed results not yet yielded: by index when ordered, in completion order otherwise. */
  const completed = new Map<number, R>();
  let started = 0;
  let yielded = 0;
  /** A call to the input's `next` has not settled yet (there is at most one at a time). */
  let pulling = false;
  /** The input will not be read again: it said it is done, or it threw (and so closed itself). */
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  /** The generator has left its loop: nothing starts any more. */
  let ended = false;
  let startTime = 0;
  /** Resolves the wait for the next event: a completion, an input, a failure or an abort. */
  let wake: () => void = () => {};

  /** Aborts the tasks in flight (again is a no-op), so that their workers are freed. */
  const stopTasks = (): void => inFlightAbort.abort(new Error('cowshare: map ended before this task'));

  /** Ends the iteration with `error` (the first one wins) and stops the tasks in flight at once. */
  const fail = (error: unknown): void => {
    failure ??= { error };
    stopTasks();
    wake();
  };
  const onAbort = (): void => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  /** A throwing progress callback ends the iteration like a failed task. */
  const report = (progress: Progress): void => {
    try {
      onProgress?.(progress);
    } catch (error) {
      fail(error);
    }
  };

  const launch = (input: T, index: number): void => {
    if (index === 0) startTime = performance.now();
    const task = run(input, index, inFlightAbort.signal).then((result) => {
      completed.set(index, result);
      report(progressOf(completed.size + yielded, total, startTime));
    }, fail);
    running.add(task);
    void task.then(() => {
      running.delete(task);
      fill();
      wake();
    });
  };

  /** The input is not read again: it ended, or it threw (an iterator that threw is done, not closed). */
  const inputFailed = (error: unknown): void => {
    exhausted = true;
    fail(error);
  };

  /** Takes one answer of the input: starts its task, or notes the end of the input. */
  const take = (next: IteratorResult<T>): void => {
    try {
      if (typeof next !== 'object' || next === null) {
        throw new TypeError(`cowshare: the map input's iterator gave ${String(next)}, not a result object`);
      }
      if (next.done) {
        exhausted = true;
        total = started;
      } else {
        launch(next.value, started++);
      }
    } catch (error) {
      inputFailed(error);
    }
  };

  /**
   * Asks an async input for its next value. The iteration does not wait for the answer — results are
   * yielded meanwhile, and an abort or a failure ends it at once — and an answer that comes after the
   * iteration is over is dropped: its task never starts.
   */
  const pull = (): void => {
    pulling = true;
    let answer: Promise<IteratorResult<T>>;
    try {
      answer = Promise.resolve((iterator as AsyncIterator<T>).next());
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (next) => {
        pulling = false;
        if (ended || failure !== undefined) return;
        take(next);
        fill();
        wake();
      },
      (error: unknown) => {
        pulling = false;
        inputFailed(error);
      },
    );
  };

  /**
   * Reads inputs and starts their tasks while there is room: fewer than `concurrency` in flight, and
   * fewer than `window` results ahead of the consumer. Called at the start, after each yield, after
   * each settled task and after each answer of an async input, so the workers stay busy while the
   * consumer handles a result. A sync input is read in a loop, an async one a value at a time.
   */
  const fill = (): void => {
    while (
      !ended &&
      failure === undefined &&
      !exhausted &&
      !pulling &&
      running.size < concurrency &&
      started - yielded < window
    ) {
      if (isAsync) {
        pull();
      } else {
        let next: IteratorResult<T>;
        try {
          next = (iterator as Iterator<T>).next();
        } catch (error) {
          inputFailed(error);
          return;
        }
        take(next);
      }
    }
  };

  try {
    fill();
    for (;;) {
      if (failure !== undefined) throw failure.error;
      const ready = ordered ? yielded : completed.keys().next().value;
      if (ready !== undefined && completed.has(ready)) {
        const result = completed.get(ready) as R;
        completed.delete(ready);
        yielded++;
        fill(); // the window moved on
        yield result;
        continue;
      }
      if (exhausted && running.size === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    ended = true;
    signal?.removeEventListener('abort', onAbort);
    if (running.size > 0) stopTasks();
    try {
      if (!exhausted) await closeInput(iterator, pulling, failure !== undefined);
    } finally {
      await Promise.all(running);
    }
  }
}

/**
 * Closes an input the iteration did not read to its end, as `for await` would on `break`. When a
 * `next` call is still pending, `return` is called but not awaited: an async generator answers it only
 * after that `next`, which may never settle. When the iteration ends with an error, that error wins
 * over one from `return`.
 */
async function closeInput<T>(
  iterator: Iterator<T> | AsyncIterator<T>,
  pulling: boolean,
  failed: boolean,
): Promise<void> {
  const closing = (async () => {
    await iterator.return?.();
  })();
  if (pulling) void closing.catch(() => {});
  else if (failed) await closing.catch(() => {});
  else await closing;
}

function progressOf(done: number, total: number | undefined, startTime: number): Progress {
  const elapsedMs = performance.now() - startTime;
  return { done, total, elapsedMs, rate: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0 };
}

function openIterator<T>(inputs: Iterable<T> | AsyncIterable<T>): {
  iterator: Iterator<T> | AsyncIterator<T>;
  isAsync: boolean;
} {
  if (inputs != null && typeof (inputs as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return { iterator: (inputs as AsyncIterable<T>)[Symbol.asyncIterator](), isAsync: true };
  }
  if (inputs != null && typeof (inputs as Iterable<T>)[Symbol.iterator] === 'function') {
    return { iterator: (inputs as Iterable<T>)[Symbol.iterator](), isAsync: false };
  }
  throw new TypeError('cowshare: map expects an iterable or async iterable of task inputs');
}

function sizeOf(inputs: unknown): number | undefined {
  if (Array.isArray(inputs) || ArrayBuffer.isView(inputs)) return (inputs as ArrayLike<unknown>).length;
  if (inputs instanceof Set || inputs instanceof Map) return inputs.size;
  return undefined;
}
