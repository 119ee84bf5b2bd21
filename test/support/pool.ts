// Helpers shared by the pool tests (test/pool.test.ts, test/pool-hostile.test.ts): pools that are always
// destroyed, shared-memory cells to synchronise with workers, and assertions on task errors.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CowshareError } from '../../src/index.js';
import {
  Pool,
  type PoolOptions,
  TaskError,
  type TaskFunction,
  type TaskShared,
} from '../../src/node/index.js';

/** The task module `test/workers/<name>.ts`. */
export const worker = (name: string): URL => new URL(`../workers/${name}.ts`, import.meta.url);

/** Runs `body` with a new pool and always destroys the pool, so no test leaves threads running. */
export async function withPool<F extends TaskFunction>(
  options: PoolOptions<TaskShared<F>>,
  body: (pool: Pool<F>) => Promise<void>,
): Promise<void> {
  const pool = new Pool<F>(options);
  try {
    await body(pool);
  } finally {
    await pool.destroy();
  }
}

/** One pool shared by the tests of a describe block (which run one after another), destroyed after them. */
export function suitePool<F extends TaskFunction>(options: PoolOptions<TaskShared<F>>): () => Pool<F> {
  let pool: Pool<F> | undefined;
  after(() => pool?.destroy());
  return () => {
    pool ??= new Pool<F>(options);
    return pool;
  };
}

export function sharedInts(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * length));
}

/** `Atomics.waitAsync` (Node 16+; not in the ES2023 lib). */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
      timeoutMs: number,
    ): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

const WAIT_MS = 10_000;

/** Waits, without blocking the main thread, until `cells[index]` reaches `atLeast` (at most 10 s). */
export async function waitUntil(cells: Int32Array, index: number, atLeast: number): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  // The timeout of Atomics.waitAsync does not keep the event loop alive; this timer does, so that a
  // value that never comes fails here, with its cell named.
  const alive = setTimeout(() => {}, WAIT_MS);
  try {
    for (let now = Atomics.load(cells, index); now < atLeast; now = Atomics.load(cells, index)) {
      if (performance.now() > deadline) throw new Error(`cells[${index}] is ${now}, expected ${atLeast}`);
      const waiting = waitAsync(cells, index, now, 1000);
      if (waiting.async) await waiting.value;
    }
  } finally {
    clearTimeout(alive);
  }
}

/** Whether `cells[index]` stays at its value for `ms`: false as soon as any thread changes and notifies it. */
export async function staysStill(cells: Int32Array, index: number, ms: number): Promise<boolean> {
  const alive = setTimeout(() => {}, ms); // as in waitUntil
  try {
    const waiting = waitAsync(cells, index, Atomics.load(cells, index), ms);
    return (waiting.async ? await waiting.value : waiting.value) === 'timed-out';
  } finally {
    clearTimeout(alive);
  }
}

export async function collect<T>(results: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const result of results) all.push(result);
  return all;
}

/** The error a promise rejects with (failing if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

export function assertTaskError(
  error: unknown,
  code: 'TASK_FAILED' | 'WORKER_DIED',
  index: number | undefined,
): asserts error is TaskError {
  assert.ok(error instanceof TaskError, `expected a TaskError, got ${String(error)}`);
  assert.ok(error instanceof CowshareError);
  assert.equal(error.code, code, error.message);
  assert.equal(error.index, index);
  if (index !== undefined) assert.match(error.message, new RegExp(`^task ${index}: `));
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Counts the worker threads of this process that have not exited, from the moment it is called: every
 * `Worker` is an async resource of type WORKER, destroyed (for async_hooks) once its thread has exited.
 * Independent of the pool and of piscina: a thread the pool forgot still counts.
 */
export function trackWorkers(): { alive(): Promise<number>; stop(): void } {
  const workers = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'WORKER') workers.add(id);
    },
    destroy(id) {
      workers.delete(id);
    },
  }).enable();
  return {
    // async_hooks runs destroy hooks on a later turn of the event loop.
    alive: async () => {
      await nextTurn();
      await nextTurn();
      return workers.size;
    },
    stop: () => void hook.disable(),
  };
}
