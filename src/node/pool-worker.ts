/**
 * The module piscina runs in every pool worker. It receives the shared images once, through
 * `workerData` when the worker starts, opens them (O(1)), loads the user's task module, and then runs
 * each task as `task(input, data)` with the same opened data. Every answer is an `Outcome` envelope,
 * so the pool can tell a task that threw (reported) from a worker that died (retried): a rejection
 * from piscina then always means the worker, never the task.
 */
import { workerData } from 'node:worker_threads';
import { CowshareError } from '../errors.js';
import { openShared, type SharedImages } from '../share/shared-data.js';
import type { OpenOptions } from '../view/open.js';

/** What the pool gives every worker at start-up. */
export interface PoolWorkerData {
  /** The task module's URL. */
  module: string;
  /** The export that is the task function. */
  exportName: string;
  images: SharedImages;
  open: OpenOptions;
}

/** A task's result, or the error it threw with what structured cloning would lose (`name`, `code`). */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown; name: string | undefined; code: unknown; loading: boolean };

type TaskFunction = (input: unknown) => unknown;

const setup = workerData as PoolWorkerData;

/**
 * piscina posts each outcome itself; when it cannot be cloned (a function in a result or in a thrown
 * value) it rethrows the DataCloneError as an uncaught exception, which ends the worker. That error is a
 * DOMException, which reaches the parent as an empty object: the pool would take the task for one whose
 * worker crashed, run it again, and report WORKER_DIED with no reason. Rethrown as an Error named
 * DataCloneError, it reaches the pool whole, which reports TASK_FAILED at once. Other errors go on as is.
 */
process.on('uncaughtException', (error: unknown) => {
  if (error instanceof DOMException && error.name === 'DataCloneError') {
    const plain = new Error(error.message);
    plain.name = 'DataCloneError';
    throw plain;
  }
  throw error;
});

/** The task function bound to the opened data, or why it could not be loaded (reported on every task). */
const loaded: { run: TaskFunction } | { error: unknown } = await load().then(
  (run) => ({ run }),
  (error: unknown) => ({ error }),
);

async function load(): Promise<TaskFunction> {
  const data = openShared(setup.images, setup.open);
  const exports = (await import(setup.module)) as Record<string, unknown>;
  const task = exports[setup.exportName];
  if (typeof task !== 'function') {
    throw new CowshareError(
      'TASK_FAILED',
      `${setup.module}: its export '${setup.exportName}' is ${typeof task}, not a task function`,
    );
  }
  return (input) => task(input, data);
}

export default async function runTask(input: unknown): Promise<Outcome> {
  if ('error' in loaded) return failure(loaded.error, true);
  try {
    return { ok: true, value: await loaded.run(input) };
  } catch (error) {
    return failure(error, false);
  }
}

function failure(error: unknown, loading: boolean): Outcome {
  const { name, code } = error instanceof Error ? (error as Error & { code?: unknown }) : {};
  return { ok: false, error, name, code, loading };
}
