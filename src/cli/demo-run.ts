/**
 * One mode of `cowshare demo`, run in a fresh child process so that its memory figures are its own:
 * builds the dictionary, hands it to N pool workers — by `workerData` structured clone, or as a
 * cowshare image — waits until every worker has answered, runs the lookups, and reports to the parent
 * over IPC. Started by demo.ts with the options as JSON in argv[2].
 */
import { Piscina } from 'piscina';
import { pack } from '../format/pack.js';
import { processMemory } from '../node/memory.js';
import { Pool } from '../node/pool.js';
import { siblingModule } from '../node/sibling.js';
import { buildDictionary, combine, type DemoTask, type Dictionary, type LookupAnswer } from './demo-data.js';
import type demoTask from './demo-task.js';

export type DemoMode = 'workerData' | 'cowshare';

export interface DemoRunOptions {
  mode: DemoMode;
  entries: number;
  workers: number;
  lookups: number;
}

/** What one mode measured. Times in ms, memory in bytes. */
export interface ModeResult {
  mode: DemoMode;
  buildMs: number;
  /** `pack` time (cowshare), or 0: the usual way has nothing to prepare before starting workers. */
  packMs: number;
  imageBytes: number | undefined;
  /** From starting the pool until every worker has answered a lookup. */
  readyMs: number;
  /** Process memory with all workers alive, after the lookups. */
  rss: number;
  pss: number | undefined;
  peakRss: number;
  lookupMs: number;
  answer: LookupAnswer;
}

/** Progress is a step (`step: true`, always shown) or a percentage within one (may be throttled). */
export type DemoMessage =
  | { type: 'progress'; text: string; step: boolean }
  | { type: 'result'; result: ModeResult };

/** Lookups per task: enough to make a task's message cost negligible, small enough for smooth progress. */
const BATCH = 20_000;

/** The part of a pool both modes use. */
interface LookupPool {
  run(task: DemoTask): Promise<LookupAnswer>;
  map(
    tasks: DemoTask[],
    options: { onProgress: (p: { done: number; total: number | undefined }) => void },
  ): AsyncIterable<LookupAnswer>;
  destroy(): Promise<void>;
}

const send = (message: DemoMessage): void => {
  process.send?.(message);
};
const progress = (text: string, step = false): void => send({ type: 'progress', text, step });

async function runMode({ mode, entries, workers, lookups }: DemoRunOptions): Promise<ModeResult> {
  let started = performance.now();
  const dictionary = buildDictionary(entries, (done) =>
    progress(`building: ${Math.round((100 * done) / entries)}%`),
  );
  const buildMs = performance.now() - started;

  let packMs = 0;
  let imageBytes: number | undefined;
  started = performance.now();
  let pool: LookupPool;
  if (mode === 'cowshare') {
    progress('packing', true);
    const image = pack(dictionary);
    packMs = performance.now() - started;
    imageBytes = image.segments.reduce((sum, segment) => sum + segment.byteLength, 0);
    progress('starting workers', true);
    started = performance.now();
    pool = new Pool<typeof demoTask>({
      worker: siblingModule(import.meta.url, 'demo-task'),
      shared: { dictionary: image },
      threads: workers,
    });
  } else {
    progress('starting workers (cloning the dictionary into each)', true);
    pool = clonePool(dictionary, workers);
  }
  const answers = await Promise.all(
    Array.from({ length: workers }, () =>
      pool.run({ kind: 'ready', barrier: new Int32Array(barrier), workers, entries }),
    ),
  );
  const readyMs = performance.now() - started;
  if (answers.some((answer) => answer.found !== 1)) throw new Error('a worker failed its first lookup');

  const tasks: DemoTask[] = [];
  for (let seed = 1; seed <= lookups; seed += BATCH) {
    tasks.push({ kind: 'lookups', batch: { entries, seed, count: Math.min(BATCH, lookups - seed + 1) } });
  }
  progress(`${tasks.length} lookup tasks`, true);
  started = performance.now();
  const results: LookupAnswer[] = [];
  for await (const answer of pool.map(tasks, {
    onProgress: ({ done, total }) =>
      progress(`looking up: ${Math.round((100 * done) / (total ?? tasks.length))}%`),
  })) {
    results.push(answer);
  }
  const lookupMs = performance.now() - started;
  const { rss, pss } = processMemory();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await pool.destroy();
  return {
    mode,
    buildMs,
    packMs,
    imageBytes,
    readyMs,
    rss,
    pss,
    peakRss,
    lookupMs,
    answer: combine(results),
  };
}

/** The barrier the ready probes meet at (see `answerTask`). */
const barrier = new SharedArrayBuffer(4);

/** The usual way: piscina with the dictionary as `workerData`, which `new Worker` clones per worker. */
function clonePool(dictionary: Dictionary, workers: number): LookupPool {
  const piscina = new Piscina<DemoTask, LookupAnswer>({
    filename: siblingModule(import.meta.url, 'demo-clone-task').href,
    workerData: { dictionary },
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return {
    run: (task) => piscina.run(task),
    async *map(tasks, { onProgress }) {
      let done = 0;
      const pending = tasks.map((task) =>
        piscina.run(task).then((answer) => {
          onProgress({ done: ++done, total: tasks.length });
          return answer;
        }),
      );
      // Every promise is awaited in turn; until then a rejection must not count as unhandled.
      for (const answer of pending) answer.catch(() => {});
      for (const answer of pending) yield await answer;
    },
    destroy: () => piscina.destroy(),
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as DemoRunOptions;
send({ type: 'result', result: await runMode(options) });
