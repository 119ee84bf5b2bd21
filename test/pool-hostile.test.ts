// The worker pool under attack, with real worker threads (the task modules are in test/workers/): tasks
// that throw anything at all, workers that die mid-task, map inputs that throw, stall or never end,
// aborts at random moments, consumers that leave early, and pools that are closed. Each is checked
// against a model of what was submitted: every result is delivered exactly once or the call rejects,
// nothing hangs, no rejection goes unhandled, and no worker thread outlives `close` or `destroy`.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import fc from 'fast-check';
import { CowshareError, open } from '../src/index.js';
import { Pool, TaskError } from '../src/node/index.js';
import {
  assertTaskError,
  collect,
  range,
  rejection,
  sharedInts,
  staysStill,
  suitePool,
  trackWorkers,
  waitUntil,
  withPool,
  worker,
} from './support/pool.js';
import { params } from './support/runs.js';
import type crash from './workers/crash.js';
import type { Input as CrashInput, Death } from './workers/crash.js';
import type gated from './workers/gated-start.js';
import { LOADS, OPEN } from './workers/gated-start.js';
import type heartbeat from './workers/heartbeat.js';
import { STOP } from './workers/heartbeat.js';
import type stuck from './workers/stuck.js';
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

/**
 * One pool for most tests, since starting a worker (through tsx) costs about half a second: tasks that
 * die mid-task, and with `dies: 0` a count of how often each input started, in attempts[slot]. 32 MB
 * of heap is enough to load the module and quick to exhaust.
 */
const crashPool = suitePool<typeof crash>({
  worker: worker('crash'),
  threads: 2,
  resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
});

const isClosed = (error: unknown): boolean =>
  error instanceof CowshareError && !(error instanceof TaskError) && error.code === 'POOL_CLOSED';

/** No input started twice, and none the iteration had not read when it settled. */
function assertStarts(attempts: Int32Array, read: number): void {
  for (const [slot, count] of attempts.entries()) {
    assert.ok(count <= (slot < read ? 1 : 0), `input ${slot} of ${read} read started ${count} times`);
  }
}

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

describe('a worker that dies mid-task', () => {
  test(
    'exit, out of heap, an uncaught error in a timer: each is retried, and map yields every result once',
    HANG,
    async () => {
      const pool = crashPool();
      const deaths: (Death | undefined)[] = [
        undefined,
        'exit',
        undefined,
        'oom',
        undefined,
        'timer',
        undefined,
        undefined,
      ];
      const attempts = sharedInts(deaths.length);
      const inputs = deaths.map((how, slot) => ({
        attempts,
        slot,
        value: slot * 10,
        ms: 15,
        ...(how ? { how, dies: 1 } : {}),
      }));
      assert.deepEqual(
        await collect(pool.map(inputs)),
        inputs.map((input) => input.value),
      );
      // The tasks that did not die ran once: a crash beside them did not run them again.
      assert.deepEqual(
        [...attempts],
        deaths.map((how) => (how ? 2 : 1)),
      );
    },
  );

  test(
    'a task whose worker always dies is WORKER_DIED after 1 + retries attempts; those beside it resolve once',
    HANG,
    async () => {
      const pool = crashPool();
      const causes: Record<Death, (cause: unknown) => void> = {
        exit: (cause) => assert.match((cause as Error).message, /exited with code:? 7/),
        oom: (cause) => assert.equal((cause as { code?: unknown }).code, 'ERR_WORKER_OUT_OF_MEMORY'),
        timer: (cause) => assert.equal((cause as Error).message, 'thrown from a timer at input 5'),
      };
      // Inputs 1, 3 and 5 kill their worker on every attempt, each its own way, among tasks that do not.
      const deaths = [undefined, 'exit', undefined, 'oom', undefined, 'timer'] as const;
      const attempts = sharedInts(deaths.length);
      const runs = deaths.map((how, slot) =>
        pool.run({ attempts, slot, value: slot, ms: 20, ...(how ? { how, dies: 99 } : {}) }),
      );
      for (const [slot, outcome] of (await Promise.allSettled(runs)).entries()) {
        const how = deaths[slot];
        if (how === undefined) {
          assert.deepEqual(outcome, { status: 'fulfilled', value: slot }, `input ${slot}`);
          continue;
        }
        assert.equal(outcome.status, 'rejected', how);
        const error = (outcome as PromiseRejectedResult).reason;
        assertTaskError(error, 'WORKER_DIED', undefined);
        assert.match(error.message, /on all 2 attempts/);
        causes[how](error.cause);
      }
      assert.deepEqual(
        [...attempts],
        deaths.map((how) => (how ? 2 : 1)),
      );
    },
  );

  test(
    'a task aborted on a worker that is still starting does not stop the pool replacing dead workers',
    HANG,
    async () => {
      // piscina's own balancer gave that task to the starting worker; aborting it terminated the worker
      // before it was ready, and piscina then took its worker module for one that cannot start: it
      // replaced no worker that died from then on (only a task finding no worker started one), and
      // once a death left none, the pool refused every task.
      const options = {
        worker: worker('gated-start'),
        threads: 2,
        retries: 0,
        shared: { gate: new Int32Array(2) },
      };
      const workers = trackWorkers();
      await withPool<typeof gated>(options, async (pool) => {
        const gate = open<Int32Array>(pool.images.gate);
        assert.deepEqual(
          await Promise.all([1, 2].map((value) => pool.run({ kind: 'value', value }))),
          [1, 2],
        );

        assertTaskError(await rejection(pool.run({ kind: 'exit' })), 'WORKER_DIED', undefined);
        await waitUntil(gate, LOADS, 3); // the replacement is starting, and held there by the gate
        const cells = sharedInts(1);
        const held = pool.run({ kind: 'hold', cells }); // on the other worker, the only ready one
        const controller = new AbortController();
        const reason = new Error('not needed');
        const queued = pool.run({ kind: 'value', value: 11 }, { signal: controller.signal });
        Atomics.store(cells, 0, 1);
        Atomics.notify(cells, 0);
        await held; // the worker that held it is free: piscina hands the queued task on
        controller.abort(reason);
        const outcome = await queued.catch((error: unknown) => error);
        assert.ok(outcome === 11 || outcome === reason, String(outcome));
        Atomics.store(gate, OPEN, 1);
        Atomics.notify(gate, OPEN);
        // The aborted task's worker is terminated; only once piscina has seen it exit would it stop
        // replacing workers. No shared memory tells when a thread has gone: its async resource does.
        while ((await workers.alive()) > 2) {}
        // And the workers started meanwhile have all loaded: the one replacing the aborted task's worker,
        // unless the task ended first.
        await waitUntil(gate, LOADS, outcome === reason ? 4 : 3);

        // Every dead worker is replaced at once, with no task waiting for it: each start is a load.
        for (let death = 0; death < 2; death++) {
          const loads = Atomics.load(gate, LOADS);
          const error = await rejection(pool.run({ kind: 'exit' }));
          assertTaskError(error, 'WORKER_DIED', undefined);
          assert.match(error.message, /retries are off/, `death ${death}`);
          await waitUntil(gate, LOADS, loads + 1);
        }
        assert.equal(await pool.run({ kind: 'value', value: 5 }), 5);
      }).finally(() => workers.stop());
    },
  );
});

describe('map over inputs that fail, stall or never end', () => {
  const SLOTS = 64;

  test(
    'an input that throws midway: the iteration rejects with its error, starts nothing more, calls no return',
    HANG,
    async () => {
      const pool = crashPool();
      for (const isAsync of [true, false]) {
        const attempts = sharedInts(SLOTS);
        const broke = new Error('the input broke');
        let read = 0;
        let returns = 0;
        const iterator = {
          next() {
            if (read === 5) throw broke;
            const slot = read++;
            const next = { done: false as const, value: { attempts, slot, value: slot, ms: 30 } };
            return isAsync ? Promise.resolve(next) : next;
          },
          // An iterator whose next threw is done: return must not be called, and its error would hide the input's.
          return() {
            returns++;
            throw new Error('return was called after next threw');
          },
        };
        const inputs = isAsync
          ? { [Symbol.asyncIterator]: () => iterator }
          : { [Symbol.iterator]: () => iterator };
        const yielded: number[] = [];
        const error = await rejection(
          (async () => {
            for await (const result of pool.map(inputs as Iterable<CrashInput>, { concurrency: 3 }))
              yielded.push(result);
          })(),
        );
        assert.equal(error, broke);
        assert.equal(returns, 0);
        assert.deepEqual(yielded, range(yielded.length));
        assertStarts(attempts, read);
        assert.equal(await pool.run({ attempts, slot: SLOTS - 1, value: 7 }), 7);
      }
    },
  );

  test(
    'an input whose next never settles: aborting rejects at once, and return is called without waiting',
    HANG,
    async () => {
      const pool = crashPool();
      for (const kind of ['iterator', 'async generator'] as const) {
        const attempts = sharedInts(SLOTS);
        let returns = 0;
        const given = (slot: number) => ({ attempts, slot, value: slot });
        async function* generator() {
          yield given(0);
          yield given(1);
          await new Promise(() => {});
        }
        let read = 0;
        const inputs =
          kind === 'async generator'
            ? generator()
            : {
                [Symbol.asyncIterator]: () => ({
                  next: () =>
                    read < 2
                      ? Promise.resolve({ done: false, value: given(read++) })
                      : new Promise<never>(() => {}),
                  return: () => {
                    returns++;
                    return Promise.resolve({ done: true as const, value: undefined });
                  },
                }),
              };
        const controller = new AbortController();
        const reason = new Error('enough waiting');
        const yielded: number[] = [];
        const iteration = (async () => {
          for await (const result of pool.map(inputs, { signal: controller.signal })) yielded.push(result);
        })();
        await waitUntil(attempts, 1, 1); // both inputs started; the third next is pending for good
        const aborted = performance.now();
        controller.abort(reason);
        assert.equal(await rejection(iteration), reason);
        assert.ok(performance.now() - aborted < 1000, 'the rejection is prompt');
        assert.deepEqual(yielded, range(yielded.length));
        if (kind === 'iterator') assert.equal(returns, 1, kind);
      }
    },
  );

  test('results are yielded while the input waits for them (an input the consumer feeds)', HANG, async () => {
    const pool = crashPool();
    const attempts = sharedInts(SLOTS);
    const inputs = channel<CrashInput>();
    inputs.send({ attempts, slot: 0, value: 0 });
    const results: number[] = [];
    // Each result makes the next input: the map must hand a result over while its next read is pending.
    for await (const result of pool.map(inputs, { concurrency: 2 })) {
      results.push(result);
      if (results.length < 6) inputs.send({ attempts, slot: results.length, value: results.length });
      else inputs.end();
    }
    assert.deepEqual(results, range(6));
  });

  test(
    'an endless input with an abort: rejects with the reason, reads no more, and closes the input',
    HANG,
    async () => {
      const pool = crashPool();
      const attempts = sharedInts(SLOTS);
      let read = 0;
      let closed: () => void = () => {};
      const closing = new Promise<void>((resolve) => {
        closed = resolve;
      });
      async function* endless() {
        try {
          for (;;) {
            await nextTurn();
            const slot = read++;
            yield { attempts, slot: slot % SLOTS, value: slot, ms: 5 };
          }
        } finally {
          closed();
        }
      }
      const controller = new AbortController();
      const reason = new Error('that is enough');
      const yielded: number[] = [];
      const error = await rejection(
        (async () => {
          for await (const result of pool.map(endless(), { signal: controller.signal, concurrency: 2 })) {
            yielded.push(result);
            if (yielded.length === 6) controller.abort(reason);
          }
        })(),
      );
      assert.equal(error, reason);
      // Its return was called; being an async generator, it runs it once its pending next has answered.
      await closing;
      assert.ok(read < SLOTS, `${read} inputs read for 6 results`);
      const readWhenSettled = read;
      assert.deepEqual(yielded, range(6));
      assert.equal(await pool.run({ attempts, slot: SLOTS - 1, value: 1 }), 1);
      assert.equal(read, readWhenSettled, 'nothing read after the iteration settled');
      assertStarts(attempts.subarray(0, SLOTS - 1), readWhenSettled);
    },
  );

  test(
    'break out of a map with concurrency: nothing more starts, nothing leaks, close leaves no worker',
    HANG,
    async () => {
      const workers = trackWorkers();
      try {
        const pool = new Pool<typeof crash>({ worker: worker('crash'), threads: 2 });
        const attempts = sharedInts(SLOTS);
        let read = 0;
        function* inputs() {
          for (; read < SLOTS - 1; ) {
            const slot = read++;
            yield { attempts, slot, value: slot, ms: 40 };
          }
        }
        const yielded: number[] = [];
        for await (const result of pool.map(inputs(), { concurrency: 3, ordered: false })) {
          yielded.push(result);
          if (yielded.length === 2) break;
        }
        const readWhenLeft = read;
        assert.equal(new Set(yielded).size, 2);
        assert.ok(yielded.every((value) => value < readWhenLeft));
        assert.equal(await pool.run({ attempts, slot: SLOTS - 1, value: 1 }), 1);
        await pool.close();
        assert.equal(await workers.alive(), 0, 'worker threads left after close');
        assert.equal(read, readWhenLeft);
        assertStarts(attempts.subarray(0, SLOTS - 1), readWhenLeft);
      } finally {
        workers.stop();
      }
    },
  );
});

describe('aborts at random moments', () => {
  // Against a model of what was submitted: the values of the inputs, where the input breaks, whether
  // and when the signal fires, when the consumer leaves.
  const scenario = fc.record({
    ms: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 10 }),
    ordered: fc.boolean(),
    concurrency: fc.integer({ min: 1, max: 4 }),
    asyncInput: fc.boolean(),
    /** The input throws instead of giving this index. */
    breaksAt: fc.option(fc.nat(10), { nil: undefined }),
    abort: fc.oneof(
      fc.constant({ when: 'never' as const }),
      fc.constant({ when: 'before' as const }),
      fc.record({ when: fc.constant('after results' as const), count: fc.nat(10) }),
      fc.record({ when: fc.constant('after ms' as const), ms: fc.integer({ min: 0, max: 40 }) }),
    ),
    /** The consumer breaks out after this many results. */
    leavesAfter: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    /** run() calls beside the map, on the same signal. */
    runs: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 2 }),
  });

  test('every result at most once; exactly once, in order or as a permutation, unless the call rejected', {
    timeout: 120_000,
  }, async () => {
    const pool = crashPool();
    /** Each run's start counts and the inputs it had read when it settled, to check again at the end. */
    const settled: { attempts: Int32Array; inputs: number; read: number }[] = [];
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const n = s.ms.length;
        const attempts = sharedInts(n + s.runs.length);
        const values = s.ms.map((_, slot) => slot * 3 + 1);
        const broken = new Error('the input broke');
        const reason = new Error('aborted at random');
        const controller = new AbortController();
        if (s.abort.when === 'before') controller.abort(reason);
        let read = 0;
        const give = (slot: number): CrashInput => {
          if (slot === s.breaksAt) throw broken;
          read++;
          return { attempts, slot, value: values[slot]!, ms: s.ms[slot]! };
        };
        function* syncInput() {
          for (let slot = 0; slot < n; slot++) yield give(slot);
        }
        async function* asyncInput() {
          for (let slot = 0; slot < n; slot++) {
            await nextTurn();
            yield give(slot);
          }
        }
        const timer =
          s.abort.when === 'after ms' ? setTimeout(() => controller.abort(reason), s.abort.ms) : undefined;
        const beside = s.runs.map((ms, i) =>
          pool.run({ attempts, slot: n + i, value: -1 - i, ms }, { signal: controller.signal }).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
        );

        const yielded: number[] = [];
        let outcome: 'completed' | 'left' | { error: unknown } = 'completed';
        try {
          const options = { ordered: s.ordered, concurrency: s.concurrency, signal: controller.signal };
          for await (const result of pool.map(s.asyncInput ? asyncInput() : syncInput(), options)) {
            yielded.push(result);
            if (s.abort.when === 'after results' && yielded.length === s.abort.count)
              controller.abort(reason);
            if (yielded.length === s.leavesAfter) {
              outcome = 'left';
              break;
            }
          }
        } catch (error) {
          outcome = { error };
        } finally {
          clearTimeout(timer);
        }
        settled.push({ attempts, inputs: n, read });

        // At most once, and only what was submitted, in input order when ordered.
        const reached = s.breaksAt === undefined ? n : Math.min(s.breaksAt, n);
        assert.equal(new Set(yielded).size, yielded.length, 'a result was yielded twice');
        for (const value of yielded) assert.ok(values.indexOf(value) < reached, `unexpected result ${value}`);
        if (s.ordered) assert.deepEqual(yielded, values.slice(0, yielded.length));
        assertStarts(attempts.subarray(0, n), read);

        if (outcome === 'left') {
          assert.equal(yielded.length, s.leavesAfter);
        } else if (outcome === 'completed') {
          // Exactly once: every input's result, none missing.
          assert.ok(reached === n, 'the iteration completed although its input broke');
          assert.deepEqual(
            [...yielded].sort((a, b) => a - b),
            values,
          );
        } else {
          // Rejected: only with the abort reason (once the signal fired) or the input's own error.
          const { error } = outcome;
          const allowed = [...(controller.signal.aborted ? [reason] : []), ...(reached < n ? [broken] : [])];
          assert.ok(allowed.includes(error as Error), `the map rejected with ${String(error)}`);
          if (s.abort.when === 'before') assert.deepEqual([yielded.length, read], [0, 0]);
        }

        // run() beside it: the right value, or the abort reason once the signal fired.
        for (const [i, result] of (await Promise.all(beside)).entries()) {
          if ('value' in result) assert.equal(result.value, -1 - i);
          else assert.ok(controller.signal.aborted && result.error === reason, String(result.error));
        }
      }),
      params(20),
    );
    // Later too: no task of a settled map ran again (an aborted task is not retried), and none started
    // for an input it had not read. (A task handed to a worker just before an abort may begin there
    // before the worker is terminated: a start, but of a task already counted as started.)
    for (const { attempts, inputs, read } of settled) assertStarts(attempts.subarray(0, inputs), read);
  });
});

describe('closing', () => {
  test(
    'close waits for the tasks running on every worker, the queued ones and a retry, then ends',
    HANG,
    async () => {
      const pool = new Pool<typeof crash>({ worker: worker('crash'), threads: 2 });
      try {
        const attempts = sharedInts(5);
        const runs = [
          { ms: 50 },
          { ms: 400 },
          { ms: 5 },
          { ms: 5, how: 'exit' as const, dies: 1 }, // its worker dies while the pool closes: it runs again
          { ms: 5 },
        ].map((task, slot) => pool.run({ attempts, slot, value: slot, ...task }));
        await waitUntil(attempts, 1, 1); // the long task is running
        await pool.close();
        assert.deepEqual(await Promise.all(runs), range(5));
        assert.deepEqual([...attempts], [1, 1, 1, 2, 1]);
      } finally {
        await pool.destroy();
      }
    },
  );

  test('after close or destroy resolves, no worker beats any more and no thread is left', HANG, async () => {
    for (const end of ['close', 'destroy'] as const) {
      const workers = trackWorkers();
      try {
        const pool = new Pool<typeof heartbeat>({ worker: worker('heartbeat'), threads: 2 });
        const beats = sharedInts(3);
        const running = [1, 2].map((slot) => pool.run({ beats, slot }).catch((error: unknown) => error));
        await waitUntil(beats, 1, 1);
        await waitUntil(beats, 2, 1);
        let ended = false;
        const ending = pool[end]().then(() => {
          ended = true;
        });
        if (end === 'close') {
          // close waits for both tasks: the workers beat on until they are told to stop.
          await waitUntil(beats, 1, Atomics.load(beats, 1) + 20);
          await waitUntil(beats, 2, Atomics.load(beats, 2) + 20);
          assert.equal(ended, false, 'close resolved while its tasks ran');
          Atomics.store(beats, STOP, 1);
          Atomics.notify(beats, STOP);
        }
        await ending;
        const results = await Promise.all(running);
        if (end === 'close') for (const beatsSeen of results) assert.equal(typeof beatsSeen, 'number');
        else for (const error of results) assert.ok(isClosed(error), String(error));
        assert.deepEqual(await Promise.all([1, 2].map((slot) => staysStill(beats, slot, 100))), [true, true]);
        assert.equal(await workers.alive(), 0, `worker threads left after ${end}`);
      } finally {
        workers.stop();
      }
    }
  });

  test(
    'a worker ended earlier but slow to stop is waited for, and not replaced after the pool ends',
    HANG,
    async () => {
      for (const end of ['close', 'destroy'] as const) {
        const workers = trackWorkers();
        try {
          const pool = new Pool<typeof stuck>({ worker: worker('stuck'), threads: 1 });
          const started = sharedInts(1);
          const controller = new AbortController();
          const reason = new Error('stop it');
          const running = pool.run({ started, ms: 400 }, { signal: controller.signal });
          await waitUntil(started, 0, 1);
          // Terminated, its thread lives on until the native call it is blocked in returns.
          controller.abort(reason);
          assert.equal(await rejection(running), reason);
          await pool[end]();
          assert.equal(await workers.alive(), 0, `worker threads left after ${end}`);
        } finally {
          workers.stop();
        }
      }
    },
  );

  test(
    'calls after close or destroy reject with POOL_CLOSED, an empty map too; ending again is harmless',
    HANG,
    async () => {
      for (const end of ['close', 'destroy'] as const) {
        const pool = new Pool<typeof crash>({ worker: worker('crash'), threads: 1 });
        const attempts = sharedInts(1);
        await pool[end]();
        assert.ok(isClosed(await rejection(pool.run({ attempts, slot: 0, value: 1 }))), end);
        for (const inputs of [[{ attempts, slot: 0, value: 1 }], []]) {
          assert.ok(isClosed(await rejection(collect(pool.map(inputs)))), `${end}: map of ${inputs.length}`);
        }
        let read = false;
        async function* lazy() {
          read = true;
          yield { attempts, slot: 0, value: 1 };
        }
        assert.ok(isClosed(await rejection(collect(pool.map(lazy())))));
        assert.equal(read, false, 'a closed pool reads no input');
        await Promise.all([pool.close(), pool.destroy(), pool.close()]);
        assert.equal(Atomics.load(attempts, 0), 0, 'nothing ran');
      }
    },
  );
});

/** An async iterable fed by hand: `send` gives its next value, `end` ends it. */
function channel<T>(): AsyncIterable<T> & { send(value: T): void; end(): void } {
  const queued: IteratorResult<T, undefined>[] = [];
  let waiting: ((next: IteratorResult<T, undefined>) => void) | undefined;
  const give = (next: IteratorResult<T, undefined>): void => {
    if (waiting === undefined) {
      queued.push(next);
      return;
    }
    const answer = waiting;
    waiting = undefined;
    answer(next);
  };
  return {
    send: (value) => give({ done: false, value }),
    end: () => give({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => ({
      next: () =>
        queued.length > 0
          ? Promise.resolve(queued.shift()!)
          : new Promise<IteratorResult<T, undefined>>((resolve) => {
              waiting = resolve;
            }),
    }),
  };
}
