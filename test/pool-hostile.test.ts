// The worker pool under attack, with real worker threads (the task modules are in test/workers/): tasks
// that throw anything at all, and results that cannot be sent. Every call settles — a rejection with
// what was thrown, never a hang — no rejection goes unhandled, and the worker lives on.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { assertTaskError, rejection, sharedInts, suitePool, worker } from './support/pool.js';
import type maybeThrow from './workers/throws.js';
import type { Failure } from './workers/throws.js';

/** Every rejection nobody handled, anywhere in the process: the test during which it surfaced fails. */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
afterEach(async () => {
  await nextTurn(); // rejections are reported as unhandled once the microtasks have run
  assert.deepEqual(unhandled.splice(0), [], 'unhandled rejections');
});

/** A test that would hang if the pool lost a result fails by this timeout instead. */
const HANG = { timeout: 30_000 };

describe('a task that throws anything', () => {
  const throwsPool = suitePool<typeof maybeThrow>({ worker: worker('throws'), threads: 1 });

  /** The cause the parent must see: the thrown value itself where it can cross threads. */
  const asThrown = (expected: unknown) => (cause: unknown) => assert.deepEqual(cause, expected);
  /** Else a description of it: an Error named DataCloneError, its message and stack naming the value. */
  const described = (message: RegExp, stack: RegExp) => (cause: unknown) => {
    assert.ok(cause instanceof Error, `the cause is ${String(cause)}`);
    assert.equal(cause.name, 'DataCloneError');
    assert.match(cause.message, message);
    assert.match(cause.message, /the thrown value cannot cross threads/);
    assert.match(cause.stack ?? '', stack);
  };
  const cases: [Failure, (cause: unknown) => void][] = [
    ['one', asThrown(1)],
    ['null', asThrown(null)],
    ['undefined', asThrown(undefined)],
    ['string', asThrown('a plain string')],
    ['object', asThrown({ reason: 'not an error', value: 5 })],
    ['no-string', asThrown({ toString: null, valueOf: null })],
    ['symbol', described(/Symbol\(thrown\)/, /Symbol\(thrown\)/)],
    ['function', described(/could not be cloned/, /\[Function/)],
    ['getter-message', described(/the message getter threw/, /an? thrown Error that cannot be read/)],
    ['getter-stack', described(/^unreadable stack .*the stack getter threw/, /unreadable stack/)],
    ['getter-name', described(/^unreadable name .*the name getter threw/, /unreadable name/)],
    ['getter-object', described(/the secret getter threw/, /secret: \[Getter\]/)],
    ['cause-cycle', described(/^my own cause /, /my own cause[\s\S]*\[Circular \*1\]/)],
  ];

  for (const [fail, checkCause] of cases) {
    test(
      `throwing ${fail}: TASK_FAILED with it (or its description) as cause, once, and the worker lives`,
      HANG,
      async () => {
        const pool = throwsPool();
        const thread = await pool.run({ value: 0, thread: true });
        const attempts = sharedInts(1);
        const error = await rejection(pool.run({ value: 5, fail, attempts }));
        assertTaskError(error, 'TASK_FAILED', undefined);
        assert.match(error.message, /^it threw in its worker: /);
        checkCause(error.cause);
        assert.equal(Atomics.load(attempts, 0), 1, 'a task that throws is not run again');

        // In a map, the rejection names the input; the result before it is yielded once.
        const yielded: unknown[] = [];
        const inMap = await rejection(
          (async () => {
            const inputs = [{ value: 1 }, { value: 5, fail }, { value: 3 }];
            for await (const result of pool.map(inputs, { concurrency: 1 })) yielded.push(result);
          })(),
        );
        assertTaskError(inMap, 'TASK_FAILED', 1);
        checkCause(inMap.cause);
        assert.deepEqual(yielded, [2]);

        // The outcome crossed whole: its worker did not die of it, and answers the next task.
        assert.equal(await pool.run({ value: 0, thread: true }), thread, 'the worker was replaced');
      },
    );
  }

  test(
    'a result whose getter throws as it is sent is TASK_FAILED, not retried, and the pool goes on',
    HANG,
    async () => {
      const pool = throwsPool();
      const attempts = sharedInts(1);
      const error = await rejection(pool.run({ value: 1, fail: 'getter-result', attempts }));
      assertTaskError(error, 'TASK_FAILED', undefined);
      assert.match(error.message, /cannot cross threads: the answer getter threw/);
      assert.equal(Atomics.load(attempts, 0), 1);
      assert.equal(await pool.run({ value: 4 }), 8);
    },
  );
});
