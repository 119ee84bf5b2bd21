// One configuration of the workers/* benchmark, in a fresh process so that its memory figures carry
// nothing from another configuration:
//
//   node --expose-gc child.js run '<ChildConfig as JSON>'   → one ChildResult line on stdout
//   node --expose-gc child.js calibrate <entries>           → { "heapBytes": … } for that many entries
//
// `run` builds the dictionary, computes the expected answers on the native Map, prepares the
// transport once, starts the workers (ready-only repetitions first when they are cheap, then the
// measured one), measures memory, and times the lookup rounds. Progress goes to stderr.

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { pack } from '../../src/index.js';
import { processMemory } from '../../src/node/memory.js';
import { siblingModule } from '../../src/node/sibling.js';
import { type Entry, makeEntries, makeLookupKeys } from '../data.js';
import { imageBytes, median } from '../harness.js';
import { answerOf, lookupPass, probeKey, repeatedChecksum } from './lookup.js';
import {
  BARE_ANSWER,
  type ChildConfig,
  type ChildFigures,
  type ChildResult,
  type FromWorker,
  type Memory,
  type ToWorker,
  type Transport,
  type WorkerInit,
} from './protocol.js';

const gc = globalThis.gc;
if (!gc) throw new Error('the workers benchmark child needs node --expose-gc');
const collect = (): void => {
  gc();
  gc();
};

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

// The worker module is this file's sibling: .js when compiled (npm run bench), .ts under tsx.
const WORKER_URL = siblingModule(import.meta.url, 'worker');

/** A correctness failure: the case reports it as a failed check, never as "n/a". */
class Mismatch extends Error {
  override name = 'Mismatch';
}

/** heapUsed after two full collections. */
function settledHeap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

// --- transports -----------------------------------------------------------------------------------

/** What the main thread hands to every worker. */
interface Prepared {
  /** Goes in each worker's `workerData` (cowshare's image, or the Map itself). */
  data?: unknown;
  /** Posted to each worker once it is created (a copy per worker, made by structured clone). */
  message?: unknown;
  bytes: number | null;
}

/** A buffer that owns its memory exactly: posting a view would clone its whole underlying buffer. */
const exact = (bytes: Uint8Array): Uint8Array =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();

function prepare(transport: Transport, map: Map<string, Entry> | undefined): Prepared {
  if (transport === 'bare') return { bytes: null };
  if (!map) throw new Error(`${transport} needs the dictionary`);
  switch (transport) {
    case 'cowshare':
    case 'cowshare-record': {
      const image = pack(map);
      return { data: image, bytes: imageBytes(image) };
    }
    case 'workerData':
      return { data: map, bytes: null };
    case 'json': {
      let text: string;
      try {
        text = JSON.stringify([...map]);
      } catch (error) {
        // V8 refuses a string longer than 2^29 − 24 characters (~512 MiB of Latin-1 or ~1 GiB of UTF-16).
        if (error instanceof RangeError) throw new Error(`JSON string too long (${error.message})`);
        throw error;
      }
      return { message: text, bytes: Buffer.byteLength(text) };
    }
    case 'v8': {
      const bytes = exact(serialize(map));
      return { message: bytes, bytes: bytes.byteLength };
    }
    case 'msgpackr': {
      // msgpackr returns a view into its reusable output buffer: keep an exact copy of this output.
      const bytes = exact(new Packr({ useRecords: true }).pack(map));
      return { message: bytes, bytes: bytes.byteLength };
    }
  }
}

// --- workers --------------------------------------------------------------------------------------

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/**
 * One worker and its replies. The worker answers requests in order, so replies are matched to
 * requests first in, first out; an error or an early exit fails every pending and later request.
 */
class Link {
  readonly #waiting: { type: string; resolve(m: FromWorker): void; reject(e: Error): void }[] = [];
  #failure: Error | undefined;
  #ended = false;

  constructor(readonly worker: Worker) {
    worker.on('message', (message: FromWorker) => {
      const waiter = this.#waiting.shift();
      if (!waiter) return this.#fail(new Error(`unexpected ${message.type} message from a worker`));
      if (waiter.type !== message.type)
        waiter.reject(new Error(`expected ${waiter.type}, got ${message.type}`));
      else waiter.resolve(message);
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => {
      if (!this.#ended) this.#fail(new Error(`a worker exited early with code ${code}`));
    });
  }

  /** The next reply, which must be of `type`. */
  next<T extends FromWorker['type']>(type: T): Promise<Reply<T>> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ type, resolve: resolve as (m: FromWorker) => void, reject });
    });
  }

  request<T extends FromWorker['type']>(message: ToWorker, reply: T): Promise<Reply<T>> {
    const answer = this.next(reply);
    this.worker.postMessage(message);
    return answer;
  }

  async end(): Promise<void> {
    this.#ended = true;
    await this.worker.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}

interface Started {
  links: Link[];
  readyMs: number;
  blockedMs: number;
  ready: Reply<'ready'>[];
}

/**
 * Starts `config.workers` workers and waits until each has answered its probe lookup. The clock starts
 * before the first `new Worker`, so the main thread's cloning of workerData and of posted payloads is
 * inside `readyMs`; `blockedMs` is that synchronous part alone.
 */
async function startWorkers(config: ChildConfig, prepared: Prepared): Promise<Started> {
  const links: Link[] = [];
  const replies: Promise<Reply<'ready'>>[] = [];
  const start = performance.now();
  for (let index = 0; index < config.workers; index++) {
    const init: WorkerInit = {
      transport: config.transport,
      index,
      entries: config.entries,
      probeKey: probeKey(config.entries),
      lookup: config.lookup,
      ...(prepared.data === undefined ? {} : { data: prepared.data }),
    };
    const link = new Link(
      new Worker(WORKER_URL, {
        workerData: init,
        resourceLimits: { maxOldGenerationSizeMb: config.workerHeapMb },
      }),
    );
    replies.push(link.next('ready'));
    if (prepared.message !== undefined) link.worker.postMessage(prepared.message);
    links.push(link);
  }
  const blockedMs = performance.now() - start;
  try {
    const ready = await Promise.all(replies);
    return { links, readyMs: performance.now() - start, blockedMs, ready };
  } catch (error) {
    await endAll(links);
    throw error;
  }
}

function checkAnswers(started: Started, expected: number, transport: Transport): void {
  started.ready.forEach(({ answer }, index) => {
    if (!Object.is(answer, expected)) {
      throw new Mismatch(`${transport}: worker ${index} answered the probe ${answer}, expected ${expected}`);
    }
  });
}

const endAll = (links: readonly Link[]): Promise<unknown> => Promise.all(links.map((link) => link.end()));

async function settle(links: readonly Link[]): Promise<void> {
  await Promise.all(links.map((link) => link.request({ type: 'settle' }, 'settled')));
  collect();
}

// --- one configuration ----------------------------------------------------------------------------

async function run(config: ChildConfig): Promise<ChildFigures> {
  const { transport, workers, entries, lookup } = config;
  const name = `${transport} × ${workers}`;

  // The dictionary, and on it the answers every transport must give: the probe and one pass per worker.
  let map: Map<string, Entry> | undefined;
  let heapBytes: number | null = null;
  let probeAnswer = BARE_ANSWER;
  const passChecksums: number[] = [];
  if (transport !== 'bare') {
    const before = settledHeap();
    map = makeEntries(entries);
    heapBytes = settledHeap() - before;
    probeAnswer = answerOf(map, probeKey(entries));
    for (let index = 0; index < workers; index++) {
      passChecksums.push(lookupPass(map, makeLookupKeys(entries, lookup.keysPerPass, lookup.seed + index)));
    }
  }

  const prepStart = performance.now();
  let prepared: Prepared | undefined = prepare(transport, map);
  const payloadBytes = prepared.bytes;
  const prepMs = transport === 'bare' || transport === 'workerData' ? 0 : performance.now() - prepStart;
  // From here the main thread holds only what it hands out (for workerData, that is the Map itself).
  map = undefined;
  collect();
  const memoryBefore = processMemory();
  log(`${name}: prepared in ${prepMs.toFixed(0)} ms; starting workers`);

  // Ready-only repetitions, when they are cheap: O(1) transports at any size, copying ones on small
  // data. A copying transport on big data gets the measured repetition only: one is all there is time
  // for (a 2 GB workerData start takes minutes). They come before the measured one, whose payload the
  // main thread drops once the workers have it. Each is paired with a start of bare workers in this
  // same process, in alternating order: start-up varies by tens of milliseconds from one to the next
  // on a busy 2-core machine, and a change of load between pairs hits both halves of a pair alike.
  const readyMs: number[] = [];
  const blockedMs: number[] = [];
  const aboveBareMs: number[] = [];
  const cheap =
    transport === 'bare' || transport.startsWith('cowshare') || (heapBytes ?? 0) <= config.cheapHeapBytes;
  const bare: ChildConfig = { ...config, transport: 'bare' };
  const repsStart = performance.now();
  while (cheap && readyMs.length < config.maxReps - 1 && performance.now() - repsStart < config.repBudgetMs) {
    const starts = transport === 'bare' ? [config] : readyMs.length % 2 ? [config, bare] : [bare, config];
    const times = new Map<Transport, number>();
    for (const which of starts) {
      const started = await startWorkers(which, which === bare ? { bytes: null } : prepared);
      await endAll(started.links);
      checkAnswers(started, which === bare ? BARE_ANSWER : probeAnswer, which.transport);
      times.set(which.transport, started.readyMs);
      if (which === config) blockedMs.push(started.blockedMs);
    }
    readyMs.push(times.get(transport)!);
    if (transport !== 'bare') aboveBareMs.push(times.get(transport)! - times.get('bare')!);
  }

  const started = await startWorkers(config, prepared);
  const { links } = started;
  try {
    readyMs.push(started.readyMs);
    blockedMs.push(started.blockedMs);
    checkAnswers(started, probeAnswer, transport);
    log(
      `${name}: ready in ${started.readyMs.toFixed(1)} ms (median of ${readyMs.length}: ${median(readyMs).toFixed(1)})`,
    );

    prepared = undefined;
    await settle(links);
    const memoryReady = processMemory();

    const lookupsPerSecond: number[] = [];
    if (transport !== 'bare') {
      const warmed = await Promise.all(links.map((link) => link.request({ type: 'warm' }, 'warmed')));
      warmed.forEach(({ checksum }, index) => {
        if (!Object.is(checksum, passChecksums[index])) {
          throw new Mismatch(
            `${name}: worker ${index}'s checksum ${checksum}, expected ${passChecksums[index]}`,
          );
        }
      });
      const perRound = workers * lookup.keysPerPass * lookup.passes;
      for (let round = 0; round < lookup.rounds; round++) {
        const roundStart = performance.now();
        const ran = await Promise.all(links.map((link) => link.request({ type: 'run' }, 'ran')));
        const seconds = (performance.now() - roundStart) / 1e3;
        ran.forEach(({ checksum }, index) => {
          const expected = repeatedChecksum(passChecksums[index]!, lookup.passes);
          if (!Object.is(checksum, expected)) {
            throw new Mismatch(`${name}: worker ${index}'s round checksum ${checksum}, expected ${expected}`);
          }
        });
        lookupsPerSecond.push(perRound / seconds);
      }
      log(`${name}: ${(median(lookupsPerSecond) / 1e6).toFixed(2)} M lookups/s`);
    }
    await settle(links);
    const memoryAfter = processMemory();

    // The same process with all workers but one ended: what the other workers cost, free of the
    // differences between processes (how much heap the main thread keeps after dropping its Map
    // varies by a few percent from one process to the next, which is as much as three workers cost).
    let memoryOneLeft: Memory | null = null;
    if (workers > 1) {
      await endAll(links.slice(1));
      await settle(links.slice(0, 1));
      memoryOneLeft = processMemory();
    }

    return {
      status: 'ok',
      heapBytes,
      payloadBytes,
      prepMs,
      readyMs,
      blockedMs,
      aboveBareMs,
      importMs: median(started.ready.map((r) => r.importMs)),
      decodeMs: median(started.ready.map((r) => r.decodeMs)),
      memoryBefore,
      memoryReady,
      memoryAfter,
      memoryOneLeft,
      lookupsPerSecond,
    };
  } finally {
    await endAll(links);
  }
}

// --- entry ----------------------------------------------------------------------------------------

const messageOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
};

async function main(): Promise<unknown> {
  const [mode, argument = ''] = process.argv.slice(2);
  if (mode === 'calibrate') {
    const before = settledHeap();
    const map = makeEntries(Number(argument));
    const heapBytes = settledHeap() - before;
    if (map.size !== Number(argument)) throw new Error('calibration built the wrong number of entries');
    return { heapBytes };
  }
  if (mode !== 'run') throw new Error(`usage: child.js run <config JSON> | calibrate <entries>`);
  const config = JSON.parse(argument) as ChildConfig;
  try {
    return await run(config);
  } catch (error) {
    // A wrong answer is a failure of the benchmark; anything else (a string too long, a heap limit,
    // a worker killed) is something this transport cannot do at this size, reported as n/a.
    const status: ChildResult['status'] = error instanceof Mismatch ? 'wrong' : 'na';
    log(
      `${config.transport} × ${config.workers}: ${status}: ${error instanceof Error ? error.stack : error}`,
    );
    return { status, reason: messageOf(error) } satisfies ChildResult;
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
