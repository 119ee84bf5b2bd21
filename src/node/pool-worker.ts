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
import { CLONE_ERROR, inspectThrown, messageOf } from './thrown.js';

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
 * True from the moment an outcome is handed to piscina until the next task starts. piscina posts the
 * outcome itself, and when posting throws (a result holding a function, or a getter that throws) it
 * rethrows that error as an uncaught exception, which ends the worker. An uncaught exception in this
 * window is that error (or, rarely, one the finished task left in a microtask): the task is at fault,
 * not the worker. A failure outcome is a plain copy, so posting it does not throw.
 */
let answering = false;

/**
 * Ends the worker with an error that reaches the pool whole: an Error named DataCloneError, which the
 * pool reports as TASK_FAILED at once. (The DataCloneError itself is a DOMException, which reaches the
 * parent as an empty object: the pool would take the task for one whose worker crashed, run it again,
 * and report WORKER_DIED with no reason.) Any other uncaught error goes on as is: the worker died.
 */
process.on('uncaughtException', (error: unknown) => {
  if (!answering) throw error;
  const plain = new Error(messageOf(error));
  plain.name = CLONE_ERROR;
  throw plain;
});

/** The task function bound to the opened data, or the outcome of every task when it could not load. */
const loaded: { run: TaskFunction } | { failed: Outcome } = await load().then(
  (run) => ({ run }),
  (error: unknown) => ({ failed: failure(error, true) }),
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
  answering = false;
  const outcome = 'failed' in loaded ? loaded.failed : await settle(loaded.run, input);
  answering = true;
  return outcome;
}

async function settle(run: TaskFunction, input: unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await run(input) };
  } catch (error) {
    return failure(error, false);
  }
}

/**
 * The outcome of a task that threw `thrown` — anything at all. It holds a structured-clone copy of the
 * error (with its `name` and `code`, which the clone would drop), so that posting it cannot fail, and so
 * that a value V8 writes but cannot read back (an Error whose `cause` leads back to itself, on which the
 * parent's read would fail and the task would never answer) is caught here. A value that cannot be
 * copied — a function, a symbol, a getter that throws — is replaced by a description of it.
 */
function failure(thrown: unknown, loading: boolean): Outcome {
  try {
    const { name, code } = thrown instanceof Error ? (thrown as Error & { code?: unknown }) : {};
    const copy = structuredClone({ error: thrown, name: typeof name === 'string' ? name : undefined, code });
    return { ok: false, loading, ...copy };
  } catch (reason) {
    // Its message is short; its stack, where the pool's own frames would say nothing, shows the value.
    const description = new Error(
      `${messageOf(thrown)} (the thrown value cannot cross threads: ${messageOf(reason)})`,
    );
    description.stack = `${CLONE_ERROR}: ${description.message}\n${inspectThrown(thrown)}`;
    return { ok: false, loading, error: description, name: CLONE_ERROR, code: undefined };
  }
}
