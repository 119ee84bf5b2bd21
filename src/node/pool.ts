/**
 * A worker pool for read-only shared data, built on piscina (which owns the threads, the queue and
 * cancellation). What this adds: the shared data is packed once and reaches every worker once, at
 * start-up, through `workerData` — its SharedArrayBuffers are shared, never copied — and each task
 * runs as `task(input, data)` with the data already opened. Results stream back through `map`; a task
 * whose worker died is retried on a fresh worker; nothing is dropped silently.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { CowshareError, TaskError } from '../errors.js';
import type { PackOptions } from '../format/pack.js';
import { packShared, type SharedData, type SharedImages, type SharedInput } from '../share/shared-data.js';
import type { OpenOptions } from '../view/open.js';
import type { Outcome, PoolWorkerData } from './pool-worker.js';
import { siblingModule } from './sibling.js';
import { type MapOptions, mapTasks } from './task-stream.js';
import { CLONE_ERROR, messageOf } from './thrown.js';

/** A task function as a worker module exports it: called with one input and the opened shared data. */
export type TaskFunction = (input: any, data: any) => unknown;

/** The input type of a task function. */
export type TaskInput<F extends TaskFunction> = Parameters<F>[0];
/** The result type of a task function, as `run` resolves it. */
export type TaskResult<F extends TaskFunction> = Awaited<ReturnType<F>>;
/** The shared data a task function expects, read back from its `SharedData<S>` parameter. */
export type TaskShared<F extends TaskFunction> =
  Parameters<F>[1] extends SharedData<infer S> ? S : Record<string, unknown>;

/**
 * Pool options. `shared` is the named shared data: values (packed once, in the constructor) or images;
 * every worker receives each of them once, opened. It is required when the task function expects data.
 */
export type PoolOptions<S> = PoolSettings &
  ({} extends S ? { shared?: SharedInput<S> } : { shared: SharedInput<S> });

export interface PoolSettings {
  /**
   * The task module (a path or a file URL). Its default export — or the export named by `exportName` —
   * is the task function, called in a worker as `task(input, data)`.
   */
  worker: string | URL;
  exportName?: string;
  /** Worker threads; all start at once and live as long as the pool. Default: the available cores. */
  threads?: number;
  /** How often a task whose worker died is run again on a fresh worker before it is reported. Default 1. */
  retries?: number;
  /** How workers open the shared images (e.g. `{ objects: 'record' }`). */
  open?: OpenOptions;
  /** How shared values are packed. */
  pack?: PackOptions;
  /** V8 heap limits per worker; a worker over them dies and its task is retried, then reported. */
  resourceLimits?: ResourceLimits;
}

export interface RunOptions {
  /** Aborting rejects with the abort reason; a running task's worker is terminated and replaced. */
  signal?: AbortSignal;
}

/**
 * A pool of worker threads that share read-only data. `F` is the task function's type, usually
 * `typeof import('./task.js').default`; it types `run`'s input and result and checks `shared` against
 * the data the task expects.
 */
export class Pool<F extends TaskFunction = TaskFunction> {
  /** The shared data as images, one per name: packed once, sent to each worker once. */
  readonly images: SharedImages<TaskShared<F>>;
  /** The number of worker threads. */
  readonly threads: number;
  readonly #piscina: Piscina<unknown, Outcome>;
  readonly #retries: number;
  readonly #module: string;
  /** Set by `close` and `destroy`: no new task is accepted. */
  #closed = false;
  /** Ending the workers, once: set when they are ended (after `close` has let its tasks finish). */
  #stopping: Promise<void> | undefined;
  /** Why the pool has no worker left and cannot start one (every worker died while starting). */
  #broken: { error: unknown } | undefined;
  /** The tasks accepted and not yet settled, retries included: what `close` waits for. */
  readonly #tasks = new Set<Promise<unknown>>();
  /** Thread ids of the workers piscina has announced ready ('workerCreate'): the only ones given tasks. */
  readonly #ready = new Set<number>();
  /** The exits of the workers piscina is ending or has ended; each promise leaves the set as it resolves. */
  readonly #exits = new Set<Promise<void>>();

  constructor(options: PoolOptions<TaskShared<F>>) {
    const { threads = availableParallelism(), retries = 1 } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`cowshare: Pool threads must be a positive integer, got ${threads}`);
    }
    if (!Number.isInteger(retries) || retries < 0) {
      throw new RangeError(`cowshare: Pool retries must be a non-negative integer, got ${retries}`);
    }
    this.#module = moduleUrl(options.worker);
    this.images = packShared(options.shared ?? ({} as SharedInput<TaskShared<F>>), options.pack);
    this.threads = threads;
    this.#retries = retries;
    const workerData: PoolWorkerData = {
      module: this.#module,
      exportName: options.exportName ?? 'default',
      images: this.images,
      open: options.open ?? {},
    };
    this.#piscina = new (loadPiscina())({
      filename: siblingModule(import.meta.url, 'pool-worker').href,
      workerData,
      minThreads: threads,
      maxThreads: threads,
      // Workers live as long as the pool: a replaced worker would receive the images again.
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      // piscina's own balancer also gives tasks to workers that are still starting. When such a task
      // is aborted, piscina terminates the worker, sees it exit before it was ready, takes that for a
      // worker module that cannot start, and from then on replaces no worker that dies: once a death
      // leaves none, the pool fails every task (#checkWorkers). So a task waits for a ready worker.
      loadBalancer: (_task, workers) =>
        workers.find((worker) => worker.currentUsage === 0 && this.#ready.has(worker.id)) ?? null,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    this.#piscina.on('workerCreate', (worker: { id: number }) => {
      // A worker that exited by itself leaves its id here (piscina reports it as -1 then): drop those.
      for (const id of this.#ready) {
        if (!this.#piscina.threads.some((thread) => thread.threadId === id)) this.#ready.delete(id);
      }
      this.#ready.add(worker.id);
    });
    // piscina emits 'error' when a worker dies with no task on it (while starting, or idle); unheard,
    // that event would end the process. A worker that dies while starting is not replaced, and once
    // none is left, tasks would wait forever: the pool then fails them, and every later one, instead.
    this.#piscina.on('error', (error: unknown) => this.#checkWorkers(error));
    this.#piscina.on('workerDestroy', (worker: { id: number }) => {
      this.#ready.delete(worker.id);
      this.#awaitExit(worker.id);
      // After the microtask, piscina has started the replacement if it starts one.
      queueMicrotask(() => this.#checkWorkers(new Error('every worker exited while starting')));
    });
  }

  /** Runs one task in a worker. */
  run(input: TaskInput<F>, options: RunOptions = {}): Promise<TaskResult<F>> {
    return this.#submit(input, undefined, options.signal);
  }

  /**
   * Runs one task per input and yields the results — the result queue. In input order by default;
   * `ordered: false` yields them as they complete. Every result is yielded exactly once, or the
   * iteration throws a `TaskError` naming the input's index (or the abort reason, or the input's error).
   */
  async *map(
    inputs: Iterable<TaskInput<F>> | AsyncIterable<TaskInput<F>>,
    options: MapOptions = {},
  ): AsyncGenerator<TaskResult<F>, void, undefined> {
    if (this.#closed) throw closedError('is closed');
    yield* mapTasks<TaskInput<F>, TaskResult<F>>(
      (input, index, signal) => this.#submit(input, index, signal),
      inputs,
      { ...options, concurrency: options.concurrency ?? this.threads * 2 },
    );
  }

  /**
   * Refuses new tasks, waits for every task already accepted (a retry included) to settle, then ends
   * the workers. Resolves once every worker thread of the pool has exited.
   */
  async close(): Promise<void> {
    this.#closed = true;
    // piscina's own close() is not used: with two workers or more it stops waiting when one of them
    // is idle, and terminates the tasks still running on the others.
    await Promise.allSettled(this.#tasks);
    await this.#stop();
  }

  /**
   * Ends the workers now: tasks in flight reject with POOL_CLOSED. Resolves once every worker thread
   * of the pool has exited.
   */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#stop();
  }

  /** Ends every worker, once, and waits for each to exit (a terminated thread may take a while). */
  #stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // piscina ignores the exit of a worker only while its destroy() runs. A worker it ended before
      // (an aborted task's) may exit after that, and piscina would then start new workers to keep its
      // minimum — threads left running by a closed pool. With no minimum, it starts none.
      this.#piscina.options.minThreads = 0;
      await this.#piscina.destroy();
      await Promise.all(this.#exits);
    })();
    return this.#stopping;
  }

  /** Remembers the exit of a worker piscina is ending (by its thread id; -1 once it has exited). */
  #awaitExit(threadId: number): void {
    // piscina terminates a worker without waiting for it to exit, and its destroy() waits only for the
    // workers still in its list, not for those it ended before (an aborted task's, a crashed one's).
    // When it emits 'workerDestroy' the worker is still in that list.
    const thread = threadId === -1 ? undefined : this.#piscina.threads.find((t) => t.threadId === threadId);
    if (thread === undefined) return;
    const exit = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    this.#exits.add(exit);
    void exit.then(() => this.#exits.delete(exit));
  }

  /** Accepts a task unless the pool is closed, and tracks it until it settles (for `close`). */
  #submit(
    input: unknown,
    index: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TaskResult<F>> {
    if (this.#closed) return Promise.reject(closedError('is closed'));
    const task = this.#run(input, index, signal);
    this.#tasks.add(task);
    const forget = (): void => void this.#tasks.delete(task);
    // Handled here for the bookkeeping only: the caller still sees the rejection.
    task.then(forget, forget);
    return task;
  }

  async #run(
    input: unknown,
    index: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TaskResult<F>> {
    for (let attempt = 0; ; attempt++) {
      if (this.#stopping) throw closedError('closed before the task ended');
      if (this.#broken) throw this.#brokenError(index);
      let outcome: Outcome;
      try {
        outcome = await this.#piscina.run(input, signal ? { signal } : {});
      } catch (error) {
        signal?.throwIfAborted();
        if (this.#stopping) throw closedError('closed before the task ended');
        if (this.#broken) throw this.#brokenError(index);
        if (isCloneError(error)) {
          throw new TaskError(
            'TASK_FAILED',
            index,
            `its input or result cannot cross threads: ${messageOf(error)}`,
            error,
          );
        }
        // piscina rejects only when the worker is gone (the task's own errors come back as outcomes).
        if (attempt < this.#retries) continue;
        const tries = attempt + 1;
        throw new TaskError(
          'WORKER_DIED',
          index,
          `its worker died ${tries === 1 ? 'and retries are off' : `on all ${tries} attempts`}: ${messageOf(error)}`,
          error,
        );
      }
      if (outcome.ok) return outcome.value as TaskResult<F>;
      const error = restore(outcome);
      const where = outcome.loading
        ? `the worker module ${this.#module} failed to load`
        : 'it threw in its worker';
      throw new TaskError('TASK_FAILED', index, `${where}: ${messageOf(error)}`, error);
    }
  }

  #checkWorkers(error: unknown): void {
    if (this.#stopping || this.#broken || this.#piscina.threads.length > 0) return;
    this.#broken = { error };
    // Rejects the queued tasks (which #run then reports with the error) and ends the pool.
    void this.#piscina.destroy();
  }

  #brokenError(index: number | undefined): TaskError {
    const { error } = this.#broken!;
    const message = `the pool has no worker left, and piscina does not replace a worker that dies while starting: ${messageOf(error)}`;
    return new TaskError('WORKER_DIED', index, message, error);
  }
}

/** Gives a worker's error back what structured cloning dropped: its class name and its `code`. */
function restore(outcome: Outcome & { ok: false }): unknown {
  const { error, name, code } = outcome;
  if (!(error instanceof Error)) return error;
  if (name !== undefined && error.name !== name) {
    Object.defineProperty(error, 'name', { value: name, configurable: true, writable: true });
  }
  if (code !== undefined) Object.assign(error, { code });
  return error;
}

function isCloneError(error: unknown): boolean {
  return error instanceof Error && error.name === CLONE_ERROR;
}

function closedError(what: string): CowshareError {
  return new CowshareError('POOL_CLOSED', `cowshare: the pool ${what}`);
}

/** The task module as a file URL; a missing file is refused here rather than in every worker. */
function moduleUrl(worker: string | URL): string {
  if (typeof worker !== 'string' && !(worker instanceof URL)) {
    throw new TypeError(`cowshare: Pool worker must be a path or a file URL, got ${typeof worker}`);
  }
  const url =
    worker instanceof URL ? worker : worker.startsWith('file:') ? new URL(worker) : pathToFileURL(worker);
  if (url.protocol !== 'file:') throw new TypeError(`cowshare: Pool worker must be a file, got ${url.href}`);
  if (!existsSync(fileURLToPath(url))) {
    throw new TypeError(`cowshare: Pool worker module ${fileURLToPath(url)} does not exist`);
  }
  return url.href;
}

/**
 * piscina, loaded at the first Pool rather than with `cowshare/node`: importing it costs about 25 ms,
 * which a program that only opens image files should not pay at start-up.
 */
function loadPiscina(): typeof Piscina {
  return (createRequire(import.meta.url)('piscina') as { Piscina: typeof Piscina }).Piscina;
}
