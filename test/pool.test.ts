// The worker pool of cowshare/node, with real worker threads (the task modules are in test/workers/):
// shared data reaches every worker once and is one memory for all of them, map yields every result
// exactly once (in order, or as completed) under its concurrency bound, failures are TaskErrors naming
// the input, dead workers are retried then reported, aborting frees the workers, bad options are refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { CowshareError, isImage, open, pack } from '../src/index.js';
import { Pool, TaskError, type TaskShared } from '../src/node/index.js';
import { processMemory } from '../src/node/memory.js';
import {
  assertTaskError,
  collect,
  range,
  rejection,
  sharedInts,
  suitePool,
  waitUntil,
  withPool,
  worker,
} from './support/pool.js';
import type block from './workers/block.js';
import type probe from './workers/concurrency-probe.js';
import type identity from './workers/data-identity.js';
import type exitEarly from './workers/exit.js';
import type lookup from './workers/lookup.js';
import type { Entry } from './workers/lookup.js';
import type oom from './workers/oom.js';
import type echo from './workers/sleep-echo.js';
import type maybeThrow from './workers/throws.js';
import type touchPages from './workers/touch-pages.js';
import type uncaught from './workers/uncaught.js';
import type unclonable from './workers/unclonable-result.js';
import type watch from './workers/watch-shared.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

describe('run', () => {
  const dict = new Map<string, Entry>(range(2000).map((i) => [`key${i}`, { id: i, name: `name ${i}` }]));
  const keys = [...range(60).map((i) => `key${i * 33}`), 'key2000', 'nope', '__proto__', 'constructor', ''];

  for (const [given, shared] of [
    ['a value', { dict }],
    ['a pack() image', { dict: pack(dict) }],
  ] as const) {
    test(`results equal a native Map lookup (shared given as ${given})`, async () => {
      await withPool<typeof lookup>({ worker: worker('lookup'), shared, threads: 2 }, async (pool) => {
        assert.equal(pool.threads, 2);
        assert.ok(isImage(pool.images.dict));
        // An image is used as it is, never packed again; a value is packed once, in the constructor.
        if (isImage(shared.dict)) assert.equal(pool.images.dict, shared.dict);
        else assert.deepEqual([...open<Map<string, Entry>>(pool.images.dict).keys()], [...dict.keys()]);

        const results = await Promise.all(keys.map((key) => pool.run(key)));
        assert.deepEqual(
          results,
          keys.map((key) => dict.get(key)),
        );
        assert.equal(results.filter((result) => result !== undefined).length, 60);
      });
    });
  }

  test('the task function types run, map and shared', () => {
    // Compile-time only: `npm run typecheck` fails if the pool stops following the task's types.
    function typed(pool: Pool<typeof lookup>): void {
      expectType<Equal<Parameters<typeof pool.run>[0], string>>();
      expectType<Equal<Awaited<ReturnType<typeof pool.run>>, Entry | undefined>>();
      expectType<Equal<ReturnType<typeof pool.map>, AsyncGenerator<Entry | undefined, void, undefined>>>();
      expectType<Equal<TaskShared<typeof lookup>, { dict: Map<string, Entry> }>>();
      // @ts-expect-error the task takes a string key
      void pool.run(42);
      // @ts-expect-error map's inputs are the task's inputs
      void pool.map([1, 2]);
      // @ts-expect-error shared.dict must be the Map the task expects, or an Image
      void new Pool<typeof lookup>({ worker: 'x', shared: { dict: [1, 2] } });
      // @ts-expect-error shared must give every entry the task expects
      void new Pool<typeof lookup>({ worker: 'x', shared: {} });
      // @ts-expect-error shared is required when the task expects data
      void new Pool<typeof lookup>({ worker: 'x' });
      void new Pool<typeof lookup>({ worker: 'x', shared: { dict: pack(new Map()) } });
    }
    assert.equal(typeof typed, 'function');
  });
});

describe('shared data reaches each worker once', () => {
  test('every task of a worker gets the same opened data object', async () => {
    const numbers = range(100);
    await withPool<typeof identity>(
      { worker: worker('data-identity'), shared: { numbers }, threads: 3 },
      async (pool) => {
        const results = await collect(pool.map(range(60).map(() => 5)));
        assert.equal(results.length, 60);
        for (const result of results) {
          assert.equal(result.same, true, `thread ${result.threadId} was given a new data object`);
          assert.equal(result.sum, 4950);
        }
        const threads = new Set(results.map((result) => result.threadId));
        assert.ok(threads.size >= 2 && threads.size <= 3, `${threads.size} distinct threads`);
        // Each worker met its data exactly once: as many first meetings as workers.
        assert.equal(results.filter((result) => result.first).length, threads.size);
      },
    );
  });

  test('four workers touching a 256 MB image cost no copy of it; copying it to four workers costs four', async () => {
    const MB = 2 ** 20;
    const size = 256 * MB;
    const bytes = new Uint8Array(size);
    let expected = 0;
    for (let i = 0; i < size; i += 4096) {
      bytes[i] = (i / 4096) % 251;
      expected += bytes[i]!;
    }
    const image = pack(bytes);
    const rss = (): number => processMemory().rss;

    const beforePool = rss();
    await withPool<typeof touchPages>(
      { worker: worker('touch-pages'), shared: { bytes: image }, threads: 4 },
      async (pool) => {
        /** One task on each of the 4 workers at once (the barrier holds them until all 4 arrived). */
        const round = async (touch: boolean) => {
          const arrived = sharedInts(1);
          const results = await Promise.all(range(4).map(() => pool.run({ arrived, parties: 4, touch })));
          assert.equal(new Set(results.map((result) => result.threadId)).size, 4);
          return results;
        };
        await round(false); // all 4 workers started, the data opened, nothing read yet
        const beforeTouch = rss();
        for (const { sum } of await round(true)) assert.equal(sum, expected);
        const shared = rss() - beforeTouch;
        assert.ok(
          shared < 0.5 * size,
          `4 workers reading the image grew RSS by ${(shared / MB).toFixed(1)} MB`,
        );
        // Even with the four workers' own start-up, the pool costs less than one copy of the data.
        const whole = rss() - beforePool;
        assert.ok(whole < size, `the pool grew RSS by ${(whole / MB).toFixed(1)} MB`);

        // The control, measured while the pool still lives: a plain buffer given to 4 workers is copied.
        const beforeCopies = rss();
        const source = `const { workerData, parentPort } = require('node:worker_threads');
          let sum = 0;
          for (let i = 0; i < workerData.length; i += 4096) sum += workerData[i];
          parentPort.postMessage(sum);
          parentPort.on('message', () => {}); // lives, with its copy, until terminated`;
        const copies = range(4).map(
          () => new Worker(source, { eval: true, workerData: bytes, execArgv: [] }),
        );
        try {
          const sums = await Promise.all(
            copies.map((w) => new Promise((resolve) => w.once('message', resolve))),
          );
          assert.deepEqual(sums, [expected, expected, expected, expected]);
          const copied = rss() - beforeCopies;
          assert.ok(copied > 3 * size, `4 copies grew RSS by only ${(copied / MB).toFixed(1)} MB`);
        } finally {
          await Promise.all(copies.map((w) => w.terminate()));
        }
      },
    );
  });

  test('a worker sees the main thread write into a packed typed array, in the same memory', async () => {
    const cells = Int32Array.of(7, 0, 0, 0);
    await withPool<typeof watch>(
      { worker: worker('watch-shared'), shared: { cells }, threads: 1 },
      async (pool) => {
        const ready = sharedInts(1);
        const result = pool.run({ ready });
        await waitUntil(ready, 0, 1); // the task has read 7 and waits on the image memory
        const mine = open<Int32Array>(pool.images.cells);
        assert.ok(mine.buffer instanceof SharedArrayBuffer);
        Atomics.store(mine, 0, 42);
        Atomics.notify(mine, 0);
        const { before, after, woke } = await result;
        assert.equal(before, 7);
        assert.equal(after, 42);
        assert.notEqual(woke, 'timed-out');
        assert.equal(cells[0], 7, 'the packed source is not the image');
      },
    );
  });
});

describe('map', () => {
  const echoPool = suitePool<typeof echo>({ worker: worker('sleep-echo'), threads: 2 });
  const probePool = suitePool<typeof probe>({ worker: worker('concurrency-probe'), threads: 3 });
  // Later inputs finish first: input i sleeps (12 - i) * 5 ms.
  const inputs = range(12).map((value) => ({ value, ms: (12 - value) * 5 }));

  test('yields every result in input order, or as they complete with ordered: false', async () => {
    const pool = echoPool();
    assert.deepEqual(await collect(pool.map(inputs)), range(12));
    const asCompleted = await collect(pool.map(inputs, { ordered: false }));
    assert.deepEqual(
      [...asCompleted].sort((a, b) => a - b),
      range(12),
    );
    assert.notDeepEqual(asCompleted, range(12), 'the slow first inputs should complete after later ones');
  });

  test('takes an async generator whose length is unknown until it ends', async () => {
    let pulled = 0;
    let closed = false;
    async function* generate() {
      try {
        for (let value = 0; value < 25; value++) {
          await sleep(1);
          pulled++;
          yield { value, ms: value % 3 };
        }
      } finally {
        closed = true;
      }
    }
    const pool = echoPool();
    assert.deepEqual(await collect(pool.map(generate(), { concurrency: 3 })), range(25));
    assert.equal(pulled, 25);
    assert.ok(closed);
    const unordered = await collect(pool.map(generate(), { ordered: false }));
    assert.deepEqual(
      unordered.sort((a, b) => a - b),
      range(25),
    );
  });

  test('never runs more tasks at once than its concurrency', async () => {
    const pool = probePool();
    const counter = sharedInts(3);
    const results = await collect(
      pool.map(
        range(12).map((value) => ({ counter, value, ms: 20 })),
        { concurrency: 2 },
      ),
    );
    assert.deepEqual(
      results,
      range(12).map((value) => value * 2),
    );
    assert.equal(Atomics.load(counter, 1), 2, 'at most 2 ran at once, and 2 did');
    assert.equal(Atomics.load(counter, 0), 0);
    assert.equal(Atomics.load(counter, 2), 12);

    // The default: twice the threads in flight, so all 3 workers are busy.
    const wide = sharedInts(3);
    await collect(pool.map(range(12).map((value) => ({ counter: wide, value, ms: 20 }))));
    assert.equal(Atomics.load(wide, 1), 3);
  });

  test('a slow consumer does not make it run ahead without bound', async () => {
    const pool = probePool();
    const counter = sharedInts(3);
    const results: number[] = [];
    for await (const result of pool.map(
      range(200).map((value) => ({ counter, value, ms: 0 })),
      { concurrency: 2 },
    )) {
      results.push(result);
      if (results.length === 1) {
        await sleep(300); // the consumer is busy; the tasks that run meanwhile wait in memory
        const started = Atomics.load(counter, 2);
        assert.ok(started <= 20, `${started} of 200 tasks started while the consumer held 1 result`);
      }
    }
    assert.deepEqual(
      results,
      range(200).map((value) => value * 2),
    );
  });

  test('break out of for-await aborts the tasks in flight and frees their workers', {
    timeout: 20_000,
  }, async () => {
    await withPool<typeof block>({ worker: worker('block'), threads: 2 }, async (pool) => {
      const cells = sharedInts(2);
      let closed = false;
      function* generate() {
        try {
          yield { cells, ms: 0 };
          for (let i = 0; i < 10; i++) yield { cells };
        } finally {
          closed = true;
        }
      }
      const started = performance.now();
      for await (const result of pool.map(generate(), { concurrency: 3 })) {
        assert.equal(result, 'timed-out');
        await waitUntil(cells, 1, 3); // both workers are now blocked for 60 s
        break;
      }
      assert.ok(closed, 'the input iterator is closed');
      // Both workers were blocked: only terminating them lets this task run.
      assert.equal(await pool.run({ cells, ms: 0 }), 'timed-out');
      assert.ok(performance.now() - started < 10_000);
      assert.equal(Atomics.load(cells, 1), 4, 'no aborted task was started again');
    });
  });
});

describe('progress', () => {
  const echoPool = suitePool<typeof echo>({ worker: worker('sleep-echo'), threads: 2 });
  test('onProgress counts 1..n with the total, the elapsed time and a rate', async () => {
    const pool = echoPool();
    const seen: { done: number; total: number | undefined; elapsedMs: number; rate: number }[] = [];
    const results = await collect(
      pool.map(
        range(10).map((value) => ({ value, ms: 2 })),
        { onProgress: (progress) => seen.push({ ...progress }) },
      ),
    );
    assert.equal(results.length, 10);
    assert.deepEqual(
      seen.map((progress) => progress.done),
      range(10).map((i) => i + 1),
    );
    let previous = 0;
    for (const { total, elapsedMs, rate } of seen) {
      assert.equal(total, 10);
      assert.ok(elapsedMs >= previous, 'elapsed time does not go back');
      assert.ok(rate > 0 && Number.isFinite(rate), `rate ${rate}`);
      previous = elapsedMs;
    }
  });

  test('with an async iterable the total is undefined until the input ends', async () => {
    async function* generate() {
      // The last task is slow, so the input is known to have ended before it completes.
      for (let value = 0; value < 10; value++) yield { value, ms: value === 9 ? 100 : 5 };
    }
    const pool = echoPool();
    const seen: (number | undefined)[] = [];
    const dones: number[] = [];
    await collect(
      pool.map(generate(), {
        concurrency: 2,
        onProgress: ({ done, total }) => {
          dones.push(done);
          seen.push(total);
        },
      }),
    );
    assert.deepEqual(
      dones,
      range(10).map((i) => i + 1),
    );
    const known = seen.indexOf(10);
    assert.ok(known >= 1, `total ${seen[0]} before the input ended`);
    assert.deepEqual(seen, [...Array(known).fill(undefined), ...Array(10 - known).fill(10)]);
  });
});

describe('a task that throws', () => {
  const throwsPool = suitePool<typeof maybeThrow>({ worker: worker('throws'), threads: 2 });
  test('map rejects with TASK_FAILED naming the input, with the worker error as the cause', async () => {
    const pool = throwsPool();
    const yielded: unknown[] = [];
    const error = await rejection(
      (async () => {
        for await (const result of pool.map(
          range(10).map((value) => ({ value, ...(value === 6 ? { fail: 'custom' } : {}) })),
        )) {
          yielded.push(result);
        }
      })(),
    );
    assertTaskError(error, 'TASK_FAILED', 6);
    assert.match(error.message, /quota exceeded at 6/);
    const cause = error.cause as Error & { code?: unknown };
    assert.ok(cause instanceof Error);
    assert.equal(cause.name, 'QuotaError');
    assert.equal(cause.code, 'E_QUOTA');
    assert.equal(cause.message, 'quota exceeded at 6');
    assert.match(cause.stack ?? '', /throws\.ts/);
    // What was yielded before the failure is correct, each result once.
    assert.deepEqual(
      yielded,
      range(yielded.length).map((value) => value * 2),
    );
    assert.ok(yielded.length <= 6);
  });

  test('run rejects likewise with no index, once: a throwing task is not retried', async () => {
    const pool = throwsPool();
    const attempts = sharedInts(1);
    const error = await rejection(pool.run({ value: 1, fail: 'custom', attempts }));
    assertTaskError(error, 'TASK_FAILED', undefined);
    assert.equal((error.cause as Error).name, 'QuotaError');
    assert.equal(Atomics.load(attempts, 0), 1);
    assert.equal(await pool.run({ value: 4 }), 8);
  });

  test('thrown values that are not Errors come back as they were thrown', async () => {
    const pool = throwsPool();
    const text = await rejection(pool.run({ value: 1, fail: 'string' }));
    assertTaskError(text, 'TASK_FAILED', undefined);
    assert.equal(text.cause, 'a plain string');
    assert.match(text.message, /a plain string/);

    const object = await rejection(pool.run({ value: 2, fail: 'object' }));
    assertTaskError(object, 'TASK_FAILED', undefined);
    assert.deepEqual(object.cause, { reason: 'not an error', value: 2 });
  });

  test('a thrown value that cannot cross threads is TASK_FAILED, not retried', async () => {
    const pool = throwsPool();
    const attempts = sharedInts(1);
    const error = await rejection(pool.run({ value: 1, fail: 'function', attempts }));
    assertTaskError(error, 'TASK_FAILED', undefined);
    assert.match(error.message, /could not be cloned/);
    assert.equal(Atomics.load(attempts, 0), 1);
    assert.equal(await pool.run({ value: 4 }), 8);
  });
});

describe('a worker that dies', () => {
  test('process.exit on a first attempt: the task is retried and map yields every result once', async () => {
    await withPool<typeof exitEarly>({ worker: worker('exit'), threads: 2 }, async (pool) => {
      const attempts = sharedInts(8);
      const inputs = range(8).map((slot) => ({
        attempts,
        slot,
        exits: slot === 1 || slot === 5 ? 1 : 0,
        value: slot * 10,
      }));
      assert.deepEqual(
        await collect(pool.map(inputs)),
        range(8).map((slot) => slot * 10),
      );
      assert.deepEqual([...attempts], [1, 2, 1, 1, 1, 2, 1, 1]);
    });
  });

  test('a task that always exits is WORKER_DIED after 1 + retries attempts', async () => {
    for (const retries of [1, 0]) {
      const options = { worker: worker('exit'), threads: 2, ...(retries === 1 ? {} : { retries }) };
      await withPool<typeof exitEarly>(options, async (pool) => {
        const attempts = sharedInts(2);
        const error = await rejection(pool.run({ attempts, slot: 0, exits: 99, value: 1 }));
        assertTaskError(error, 'WORKER_DIED', undefined);
        assert.match((error.cause as Error).message, /exited with code:? 3/);
        assert.equal(Atomics.load(attempts, 0), 1 + retries, `retries: ${retries}`);
        if (retries === 0) {
          // In a map the error names the input.
          const inputs = [0, 1].map((slot) => ({ attempts, slot, exits: slot === 1 ? 99 : 0, value: slot }));
          assertTaskError(await rejection(collect(pool.map(inputs))), 'WORKER_DIED', 1);
        }
        // The pool still answers.
        assert.equal(await pool.run({ attempts, slot: 0, exits: 0, value: 5 }), 5);
      });
    }
  });

  test('an uncaught error from a setImmediate in the task kills the worker: retried, then reported', async () => {
    await withPool<typeof uncaught>({ worker: worker('uncaught'), threads: 1 }, async (pool) => {
      const attempts = sharedInts(1);
      assert.equal(await pool.run({ attempts, throws: 1, value: 7 }), 7);
      assert.equal(Atomics.load(attempts, 0), 2);
    });
    await withPool<typeof uncaught>({ worker: worker('uncaught'), threads: 1, retries: 0 }, async (pool) => {
      const attempts = sharedInts(1);
      const error = await rejection(pool.run({ attempts, throws: 1, value: 7 }));
      assertTaskError(error, 'WORKER_DIED', undefined);
      assert.equal((error.cause as Error).message, 'thrown from setImmediate');
      assert.equal(Atomics.load(attempts, 0), 1);
      assert.equal(await pool.run({ attempts, throws: 0, value: 8 }), 8);
    });
  });

  test('a worker out of memory under resourceLimits is WORKER_DIED with the OOM cause', async () => {
    await withPool<typeof oom>(
      { worker: worker('oom'), threads: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } },
      async (pool) => {
        assert.equal(await pool.run({ grow: false }), 'alive');
        const error = await rejection(pool.run({ grow: true }));
        assertTaskError(error, 'WORKER_DIED', undefined);
        assert.equal((error.cause as { code?: unknown }).code, 'ERR_WORKER_OUT_OF_MEMORY');
        assert.match(error.message, /on all 2 attempts/);
        assert.equal(await pool.run({ grow: false }), 'alive');
      },
    );
  });
});

describe('workers that die as they start', () => {
  test('a module that exits as it loads fails the tasks instead of leaving them waiting', {
    timeout: 20_000,
  }, async () => {
    await withPool({ worker: worker('exit-at-load'), threads: 2 }, async (pool) => {
      const error = await rejection(pool.run(1));
      assertTaskError(error, 'WORKER_DIED', undefined);
      const inMap = await rejection(collect(pool.map([1, 2, 3])));
      assert.ok(inMap instanceof TaskError && inMap.code === 'WORKER_DIED', String(inMap));
      const later = await rejection(pool.run(2));
      assertTaskError(later, 'WORKER_DIED', undefined);
      assert.match(later.message, /no worker left/);
    });
  });

  test('a worker out of memory before its first task fails the tasks instead of ending the process', {
    timeout: 20_000,
  }, async () => {
    await withPool(
      { worker: worker('oom-at-load'), threads: 1, resourceLimits: { maxOldGenerationSizeMb: 32 } },
      async (pool) => {
        const error = await rejection(pool.run(1));
        assertTaskError(error, 'WORKER_DIED', undefined);
        assert.equal((error.cause as { code?: unknown }).code, 'ERR_WORKER_OUT_OF_MEMORY');
      },
    );
  });
});

describe('cancellation', () => {
  test('aborting run rejects promptly with the reason and frees the blocked workers', {
    timeout: 20_000,
  }, async () => {
    await withPool<typeof block>({ worker: worker('block'), threads: 2 }, async (pool) => {
      const cells = sharedInts(2);
      const controller = new AbortController();
      const blocked = [
        pool.run({ cells }, { signal: controller.signal }),
        pool.run({ cells }, { signal: controller.signal }),
      ];
      await waitUntil(cells, 1, 2); // both workers are blocked for 60 s
      const reason = new Error('enough');
      const aborted = performance.now();
      controller.abort(reason);
      for (const run of blocked) assert.equal(await rejection(run), reason);
      assert.ok(performance.now() - aborted < 1000, 'the rejection is prompt');
      assert.equal(await pool.run({ cells, ms: 0 }), 'timed-out');
      assert.ok(performance.now() - aborted < 10_000);
    });
  });

  test('aborting map rejects promptly with the reason and frees the blocked workers', {
    timeout: 20_000,
  }, async () => {
    await withPool<typeof block>({ worker: worker('block'), threads: 2 }, async (pool) => {
      const cells = sharedInts(2);
      const controller = new AbortController();
      const reason = new Error('stop the map');
      const yielded: string[] = [];
      const mapping = (async () => {
        for await (const result of pool.map(
          range(6).map(() => ({ cells })),
          { signal: controller.signal },
        )) {
          yielded.push(result);
        }
      })();
      await waitUntil(cells, 1, 2);
      const aborted = performance.now();
      controller.abort(reason);
      assert.equal(await rejection(mapping), reason);
      assert.ok(performance.now() - aborted < 1000, 'the rejection is prompt');
      assert.deepEqual(yielded, []);
      assert.equal(await pool.run({ cells, ms: 0 }), 'timed-out');
      assert.equal(Atomics.load(cells, 1), 3, 'the queued tasks never started');
    });
  });

  test('an already-aborted signal rejects without running anything', { timeout: 20_000 }, async () => {
    await withPool<typeof block>({ worker: worker('block'), threads: 1 }, async (pool) => {
      const cells = sharedInts(2);
      const reason = new Error('too late');
      const signal = AbortSignal.abort(reason);
      assert.equal(await rejection(pool.run({ cells }, { signal })), reason);
      let pulled = false;
      function* generate() {
        pulled = true;
        yield { cells };
      }
      assert.equal(await rejection(collect(pool.map(generate(), { signal }))), reason);
      assert.equal(pulled, false);
      // One worker, first in first out: had the aborted task been queued, it would have run first.
      assert.equal(await pool.run({ cells, ms: 0 }), 'timed-out');
      assert.equal(Atomics.load(cells, 1), 1);
    });
  });
});

describe('bad inputs', () => {
  const echoWorker = worker('sleep-echo');
  const echoPool = suitePool<typeof echo>({ worker: echoWorker, threads: 1 });

  test('threads and retries must be whole numbers in range', () => {
    for (const threads of [0, 1.5, -1, Number.NaN, 'x' as unknown as number]) {
      assert.throws(() => new Pool({ worker: echoWorker, threads }), RangeError, String(threads));
    }
    for (const retries of [-1, 0.5]) {
      assert.throws(() => new Pool({ worker: echoWorker, retries }), RangeError, String(retries));
    }
  });

  test('the worker module must be an existing file, given as a path or a URL', () => {
    const missing = new URL('./workers/no-such-task.ts', import.meta.url);
    assert.throws(
      () => new Pool({ worker: missing }),
      (error: Error) => error instanceof TypeError && error.message.includes('no-such-task.ts'),
    );
    assert.throws(
      () => new Pool({ worker: '/no/such/dir/task.js' }),
      (error: Error) => error instanceof TypeError && error.message.includes('/no/such/dir/task.js'),
    );
    assert.throws(() => new Pool({ worker: 42 as unknown as string }), TypeError);
    assert.throws(() => new Pool({ worker: new URL('https://example.com/task.js') }), TypeError);
  });

  test('a shared value that cannot be packed is UNPACKABLE at shared.<name> and its path', () => {
    const shared = { config: { users: [{ name: 'a' }, { name: 'b', callback: () => 1 }] } };
    assert.throws(
      () => new Pool({ worker: echoWorker, shared }),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'UNPACKABLE' &&
        error.message.startsWith('shared.config.users[1].callback: '),
    );
    for (const shared of [new Map([['a', 1]]), [1, 2], 'text']) {
      assert.throws(
        () => new Pool({ worker: echoWorker, shared: shared as unknown as Record<string, unknown> }),
        (error: unknown) =>
          error instanceof CowshareError && error.code === 'UNPACKABLE' && /^shared: /.test(error.message),
      );
    }
  });

  test('a worker module with no default-export function fails its tasks with TASK_FAILED', async () => {
    await withPool({ worker: worker('no-default'), threads: 1 }, async (pool) => {
      const error = await rejection(pool.run(1));
      assertTaskError(error, 'TASK_FAILED', undefined);
      assert.match(error.message, /no-default\.ts/);
      assert.match(error.message, /export 'default'/);
    });
    await withPool({ worker: worker('no-default'), exportName: 'task', threads: 1 }, async (pool) => {
      assert.equal(await pool.run(1), 2);
    });
  });

  test('an input that cannot be cloned is TASK_FAILED, and the pool goes on', async () => {
    const pool = echoPool();
    const input = { value: 1, ms: 0, callback: () => 1 };
    const error = await rejection(pool.run(input));
    assertTaskError(error, 'TASK_FAILED', undefined);
    assert.equal((error.cause as Error).name, 'DataCloneError');
    const inMap = await rejection(collect(pool.map([{ value: 0, ms: 0 }, input])));
    assertTaskError(inMap, 'TASK_FAILED', 1);
    assert.equal(await pool.run({ value: 3, ms: 0 }), 3);
  });

  test('a result that cannot be cloned is TASK_FAILED, not retried, and the pool goes on', async () => {
    await withPool<typeof unclonable>({ worker: worker('unclonable-result'), threads: 1 }, async (pool) => {
      const attempts = sharedInts(1);
      const error = await rejection(pool.run({ attempts }));
      assertTaskError(error, 'TASK_FAILED', undefined);
      assert.match(error.message, /could not be cloned/);
      assert.equal((error.cause as Error).name, 'DataCloneError');
      assert.equal(Atomics.load(attempts, 0), 1);
      await assert.rejects(pool.run({ attempts }), { code: 'TASK_FAILED' });
    });
  });

  test('map refuses a bad concurrency and a non-iterable input', async () => {
    const pool = echoPool();
    for (const concurrency of [0, 1.5, -2]) {
      await assert.rejects(collect(pool.map([{ value: 1, ms: 0 }], { concurrency })), RangeError);
    }
    for (const inputs of [42, null, { length: 1, 0: { value: 1, ms: 0 } }]) {
      await assert.rejects(collect(pool.map(inputs as unknown as [])), TypeError);
    }
  });
});

describe('closing', () => {
  test('close waits for running tasks, then run and map are POOL_CLOSED', async () => {
    const pool = new Pool<typeof echo>({ worker: worker('sleep-echo'), threads: 1 });
    try {
      const running = pool.run({ value: 9, ms: 50 });
      await pool.close();
      assert.equal(await running, 9);
      const error = await rejection(pool.run({ value: 1, ms: 0 }));
      assert.ok(error instanceof CowshareError && !(error instanceof TaskError));
      assert.equal(error.code, 'POOL_CLOSED');
      await assert.rejects(collect(pool.map([{ value: 1, ms: 0 }])), { code: 'POOL_CLOSED' });
    } finally {
      await pool.destroy();
    }
  });

  test('destroy ends blocked workers now; their tasks reject with POOL_CLOSED', {
    timeout: 20_000,
  }, async () => {
    const pool = new Pool<typeof block>({ worker: worker('block'), threads: 1 });
    const cells = sharedInts(2);
    const blocked = rejection(pool.run({ cells }));
    await waitUntil(cells, 1, 1);
    await pool.destroy();
    const error = await blocked;
    assert.ok(error instanceof CowshareError);
    assert.equal(error.code, 'POOL_CLOSED');
    await assert.rejects(pool.run({ cells, ms: 0 }), { code: 'POOL_CLOSED' });
  });
});
