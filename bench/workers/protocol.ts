// What the three parts of the workers/* benchmark say to each other: the case (bench/cases/workers.ts)
// starts one child process per configuration (child.ts), which starts the worker threads (worker.ts).

/**
 * How the dictionary reaches the workers. `bare` sends no data at all (its workers answer a constant):
 * the start-up baseline. The others are cowshare (an image as `workerData`, opened in O(1)) and the
 * peers, each of which gives every worker its own copy.
 */
export const TRANSPORTS = [
  'bare',
  'cowshare',
  'cowshare-record',
  'workerData',
  'json',
  'v8',
  'msgpackr',
] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Row names in the report. */
export const TRANSPORT_NAMES: Record<Transport, string> = {
  bare: 'bare (no data)',
  cowshare: 'cowshare',
  'cowshare-record': 'cowshare record',
  workerData: 'workerData (clone)',
  json: 'JSON.parse',
  v8: 'v8.deserialize',
  msgpackr: 'msgpackr',
};

/** The transports whose payload reaches a worker by `postMessage` rather than as `workerData`. */
export const BY_MESSAGE: ReadonlySet<Transport> = new Set<Transport>(['json', 'v8', 'msgpackr']);

/** What `bare` workers answer instead of a lookup. */
export const BARE_ANSWER = 42;

/** The lookup phase: every worker walks its own seeded key sequence, the same for every transport. */
export interface LookupPlan {
  /** Keys per pass; the sequence is generated in the worker before anything is timed. */
  keysPerPass: number;
  /** Passes per timed round (the same keys each pass, so every pass has the same checksum). */
  passes: number;
  /** Timed rounds; lookups/s is the median over rounds. */
  rounds: number;
  /** Worker `i` uses the key seed `seed + i`. */
  seed: number;
}

/** One configuration, run by one fresh child process. */
export interface ChildConfig {
  transport: Transport;
  workers: number;
  /** Dictionary entries (0 for `bare`, which builds none). */
  entries: number;
  /** Ready-time repetitions at most, the measured one included. */
  maxReps: number;
  /** Ready-only repetitions (and their paired bare starts) stop once they have taken this long, ms. */
  repBudgetMs: number;
  /** Extra repetitions only when the data's heap is at most this (or the transport is O(1)). */
  cheapHeapBytes: number;
  /** V8 old-generation limit per worker thread, MB. */
  workerHeapMb: number;
  lookup: LookupPlan;
}

/** A worker's `workerData`. */
export interface WorkerInit {
  transport: Transport;
  /** The worker's number, 0 … workers − 1: it picks the key seed. */
  index: number;
  entries: number;
  /** The key of the first lookup, the one that says the worker is ready. */
  probeKey: string;
  lookup: LookupPlan;
  /** cowshare's image, or the Map itself for `workerData`; absent for the other transports. */
  data?: unknown;
}

/** Requests from the child to a ready worker; each is answered by one message, in order. */
export type ToWorker =
  | { type: 'settle' } // collect garbage (twice), so that memory is measured on live data only
  | { type: 'warm' } // one untimed pass over the key sequence, answered with its checksum
  | { type: 'run' }; // `passes` passes, answered with the checksum over all of them

export type FromWorker =
  | {
      type: 'ready';
      /** The probe lookup's `score + name.length` (or `BARE_ANSWER`). */
      answer: number;
      /** The worker's own figures: its dynamic imports, then decoding/opening its data, ms. */
      importMs: number;
      decodeMs: number;
    }
  | { type: 'settled' }
  | { type: 'warmed'; checksum: number }
  | { type: 'ran'; checksum: number };

export interface Memory {
  rss: number;
  /** Undefined where the OS does not report it (outside Linux). */
  pss: number | undefined;
}

export interface ChildFigures {
  status: 'ok';
  /** `heapUsed` growth (after full GCs) from building the dictionary; null for `bare`. */
  heapBytes: number | null;
  /** The bytes each worker receives: image, UTF-8 JSON, v8 or msgpack buffer; null when none apply. */
  payloadBytes: number | null;
  /** `pack` / `JSON.stringify` / `serialize` / msgpackr `pack`, once, ms (0 when nothing is prepared). */
  prepMs: number;
  /** Per repetition: from before the first `new Worker` until every worker answered its probe, ms. */
  readyMs: number[];
  /** Per repetition: how long the main thread was blocked starting the workers (cloning), ms. */
  blockedMs: number[];
  /**
   * Per ready-only repetition: its ready time minus that of bare workers started right before or after
   * it in the same process (empty for `bare`, and where there was time for the measured repetition only).
   */
  aboveBareMs: number[];
  /** Medians over the measured repetition's workers. */
  importMs: number;
  decodeMs: number;
  /** The process before the workers start (the main's own copy of the data dropped, except for cowshare's image). */
  memoryBefore: Memory;
  /** All workers ready and settled, the main thread's payload dropped. */
  memoryReady: Memory;
  /** After the lookup rounds, settled again. */
  memoryAfter: Memory;
  /** Then, in the same process, with every worker but the first ended (null with one worker). */
  memoryOneLeft: Memory | null;
  /** Per timed round, all workers together; empty for `bare`. */
  lookupsPerSecond: number[];
}

/** A child's one line of stdout. `na`: the transport could not do it (too big, out of memory). */
export type ChildResult =
  | ChildFigures
  | { status: 'na'; reason: string }
  | { status: 'wrong'; reason: string };
