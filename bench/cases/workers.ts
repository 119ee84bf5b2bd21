// workers/<size>: 1, 2 and 4 worker threads that look things up in one dictionary (a Map of small
// records). cowshare packs it once and every worker opens the image from workerData in O(1); the peers
// give every worker its own copy: the Map as workerData (structured clone), a JSON string + JSON.parse,
// a v8.serialize buffer + v8.deserialize, a msgpackr buffer + unpack. `bare` workers get no data: the
// start-up baseline. Every transport × worker count runs in a fresh child process
// (bench/workers/child.ts), so that its memory figures carry nothing from another configuration.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { memo } from '../data.js';
import {
  assert,
  atLeast,
  atMost,
  type BenchCase,
  BenchCheckError,
  type Context,
  formatNumber,
  MB,
  median,
  Report,
} from '../harness.js';
import {
  type ChildConfig,
  type ChildFigures,
  type ChildResult,
  type LookupPlan,
  type Memory,
  TRANSPORT_NAMES,
  TRANSPORTS,
  type Transport,
} from '../workers/protocol.js';

// `npm run bench` runs the compiled suite; from source (tsx) the child is the .ts file, and its worker
// threads need tsx registered in them too (scripts/tsx-in-workers.mjs, as the tests do on Node 20).
const compiled = import.meta.url.endsWith('.js');
const CHILD = fileURLToPath(
  new URL(compiled ? '../workers/child.js' : '../workers/child.ts', import.meta.url),
);
const TSX = [
  '--import',
  'tsx',
  '--import',
  new URL('../../scripts/tsx-in-workers.mjs', import.meta.url).href,
];

const WORKER_COUNTS = [1, 2, 4];
const MOST = WORKER_COUNTS.at(-1)!;

/** The targets. */
const READY_ABOVE_BARE_MS = 1;
const MEMORY_MOST_OVER_ONE = 1.1;
const SCALING_TWO_OVER_ONE = 1.8;

/** Entries built to learn the heap bytes per entry; about the 50 MB size itself. */
const CALIBRATION_ENTRIES = 200_000;
/** The same keys for every transport: 5 passes of 100k keys per worker and round, 3 rounds. */
const LOOKUP: LookupPlan = { keysPerPass: 100_000, passes: 5, rounds: 3, seed: 10 };
/** Ready-time repetitions (each paired with a bare start) within a budget; see child.ts. */
const MAX_REPS = 11;
const REP_BUDGET_MS = 4_000;
/** Copying transports repeat their start only on data up to this size (a 500 MB copy takes seconds). */
const CHEAP_HEAP_BYTES = 100e6;
/** Heap limits: the child holds the 2 GB Map and its serialised form; each worker a decoded copy. */
const CHILD_HEAP_MB = 12_288;
const WORKER_HEAP_MB = 8_192;
/** A configuration that takes longer is killed and reported as n/a. */
const CHILD_TIMEOUT_MS = 30 * 60_000;

interface Sized {
  label: string;
  /** Live heap the dictionary should occupy. */
  bytes: number;
  fullOnly: boolean;
}

const SIZED: Sized[] = [
  { label: '50MB', bytes: 50e6, fullOnly: false },
  { label: '500MB', bytes: 500e6, fullOnly: true },
  { label: '2GB', bytes: 2e9, fullOnly: true },
];

/** The child's stdout (one JSON line) once it has ended, or n/a with how it ended. */
function runChild(args: string[], ctx: Context): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...(compiled ? [] : TSX), '--expose-gc', `--max-old-space-size=${CHILD_HEAP_MB}`, CHILD, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as ChildResult);
      const lastLines = stderr.trim().split('\n').slice(-3);
      for (const l of lastLines) ctx.log(`  child: ${l}`);
      const how = timedOut
        ? `timed out after ${CHILD_TIMEOUT_MS / 60_000} min`
        : signal
          ? `killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
          : `exit code ${code}`;
      resolve({ status: 'na', reason: `child process ${how}: ${lastLines.at(-1) ?? 'no output'}` });
    });
  });
}

/** Live heap bytes per dictionary entry, measured once per run in a fresh child. */
const heapPerEntry = (ctx: Context): Promise<number> =>
  memo('workers:heap-per-entry', async () => {
    ctx.log(`calibrating: the heap of ${formatNumber(CALIBRATION_ENTRIES)} entries, in a child process`);
    const result = (await runChild(['calibrate', String(CALIBRATION_ENTRIES)], ctx)) as unknown as {
      heapBytes?: number;
    };
    assert(typeof result.heapBytes === 'number', `calibration failed: ${JSON.stringify(result)}`);
    return result.heapBytes / CALIBRATION_ENTRIES;
  });

const pssOf = (memory: Memory): number => memory.pss ?? memory.rss;

/** One line of progress per configuration. */
function describe(result: ChildResult): string {
  if (result.status !== 'ok') return `${result.status}: ${result.reason}`;
  const parts = [
    `ready ${formatNumber(median(result.readyMs))} ms (${result.readyMs.length}×)`,
    `PSS ${formatNumber(pssOf(result.memoryReady) / MB)} MB`,
  ];
  if (result.lookupsPerSecond.length > 0)
    parts.push(`${formatNumber(median(result.lookupsPerSecond) / 1e6)} M lookups/s`);
  return parts.join(', ');
}

/**
 * COWSHARE_BENCH_TRANSPORTS=bare,cowshare runs only those transports: a rerun of the issue's targets
 * (which compare cowshare with bare workers) without the peers' half hour. Every transport by default.
 */
function selectedTransports(): readonly Transport[] {
  const wanted = process.env.COWSHARE_BENCH_TRANSPORTS?.split(',').map((t) => t.trim());
  if (!wanted) return TRANSPORTS;
  const unknown = wanted.filter((t) => !(TRANSPORTS as readonly string[]).includes(t));
  if (unknown.length > 0)
    throw new Error(
      `COWSHARE_BENCH_TRANSPORTS: unknown ${unknown.join(', ')} (known: ${TRANSPORTS.join(', ')})`,
    );
  return TRANSPORTS.filter((t) => wanted.includes(t));
}

function workersCase(sized: Sized): BenchCase {
  return {
    name: `workers/${sized.label}`,
    fullOnly: sized.fullOnly,
    async run(ctx) {
      const perEntry = await heapPerEntry(ctx);
      // Two significant digits: the calibration moves by a byte per entry from run to run, and the
      // entry count (so the data) should not.
      const entries = Number((sized.bytes / perEntry).toPrecision(2));
      ctx.log(
        `${sized.label}: ${formatNumber(entries)} entries (${formatNumber(perEntry)} heap bytes per entry)`,
      );

      const results = new Map<Transport, Map<number, ChildResult>>();
      for (const transport of selectedTransports()) {
        const byCount = new Map<number, ChildResult>();
        results.set(transport, byCount);
        let failed: string | undefined;
        for (const workers of WORKER_COUNTS) {
          if (failed !== undefined) {
            // What failed with fewer workers (a string too long, a heap too small) fails with more.
            byCount.set(workers, { status: 'na', reason: failed });
            continue;
          }
          const config: ChildConfig = {
            transport,
            workers,
            entries: transport === 'bare' ? 0 : entries,
            maxReps: MAX_REPS,
            repBudgetMs: REP_BUDGET_MS,
            cheapHeapBytes: CHEAP_HEAP_BYTES,
            workerHeapMb: WORKER_HEAP_MB,
            lookup: LOOKUP,
          };
          const started = performance.now();
          const result = await runChild(['run', JSON.stringify(config)], ctx);
          byCount.set(workers, result);
          if (result.status === 'na')
            failed = `as with ${workers} worker${workers > 1 ? 's' : ''}: ${result.reason}`;
          const seconds = ((performance.now() - started) / 1e3).toFixed(1);
          ctx.log(
            `${sized.label} ${TRANSPORT_NAMES[transport]} × ${workers}: ${describe(result)} (${seconds} s)`,
          );
        }
      }

      const wrong = [...results.values()].flatMap((byCount) =>
        [...byCount.values()].flatMap((r) => (r.status === 'wrong' ? [r.reason] : [])),
      );
      if (wrong.length > 0) throw new BenchCheckError(wrong.join('; '));
      return report(sized, entries, perEntry, results);
    },
  };
}

function report(
  sized: Sized,
  entries: number,
  perEntry: number,
  results: ReadonlyMap<Transport, ReadonlyMap<number, ChildResult>>,
): Report {
  const ok = (transport: Transport, workers: number): ChildFigures | undefined => {
    const result = results.get(transport)?.get(workers);
    return result?.status === 'ok' ? result : undefined;
  };
  const okAny = (transport: Transport): ChildFigures | undefined =>
    WORKER_COUNTS.map((n) => ok(transport, n)).find((r) => r !== undefined);
  const ready = (t: Transport, n: number): number => {
    const r = ok(t, n);
    return r ? median(r.readyMs) : Number.NaN;
  };
  const pss = (t: Transport, n: number): number => {
    const r = ok(t, n);
    return r ? pssOf(r.memoryReady) : Number.NaN;
  };
  const rss = (t: Transport, n: number): number => ok(t, n)?.memoryReady.rss ?? Number.NaN;
  const lookups = (t: Transport, n: number): number => {
    const r = ok(t, n);
    return r && r.lookupsPerSecond.length > 0 ? median(r.lookupsPerSecond) : Number.NaN;
  };

  // Metric by metric, so that the table's columns keep this order whatever is missing.
  const report = new Report();
  const column = (metric: string, value: (t: Transport) => number | undefined): void => {
    for (const transport of TRANSPORTS) {
      const v = value(transport);
      if (v !== undefined && !Number.isNaN(v)) report.add(TRANSPORT_NAMES[transport], metric, v);
    }
  };
  column('prep ms', (t) => okAny(t)?.prepMs);
  column('payload MB', (t) => {
    const bytes = okAny(t)?.payloadBytes;
    return bytes == null ? undefined : bytes / MB;
  });
  for (const n of WORKER_COUNTS) column(`ready ${n}w ms`, (t) => ready(t, n));
  column(`blocked ${MOST}w ms`, (t) => {
    const r = ok(t, MOST);
    return r ? median(r.blockedMs) : undefined;
  });
  for (const n of [1, MOST]) column(`PSS ${n}w MB`, (t) => pss(t, n) / MB);
  column(`PSS ${MOST}w after MB`, (t) => {
    const r = ok(t, MOST);
    return r ? pssOf(r.memoryAfter) / MB : undefined;
  });
  for (const n of [1, MOST]) column(`RSS ${n}w MB`, (t) => rss(t, n) / MB);
  for (const n of WORKER_COUNTS) column(`M lookups/s ${n}w`, (t) => lookups(t, n) / 1e6);

  // The targets, on cowshare (the default facade views); record views are shown alongside.
  for (const n of WORKER_COUNTS) {
    report.check(`ready ${n}w: cowshare − bare`, aboveBare('cowshare', n), 'ms', atMost(READY_ABOVE_BARE_MS));
  }
  report.check(
    `PSS: cowshare ${MOST}w / 1w`,
    pss('cowshare', MOST) / pss('cowshare', 1),
    '×',
    atMost(MEMORY_MOST_OVER_ONE),
  );
  report.check(
    'lookups/s: cowshare 2w / 1w',
    lookups('cowshare', 2) / lookups('cowshare', 1),
    '×',
    atLeast(SCALING_TWO_OVER_ONE),
  );

  // For information: where the time and memory go, and every peer against cowshare.
  report.check(`ready ${MOST}w: cowshare record − bare`, aboveBare('cowshare-record', MOST), 'ms');
  report.check(
    'cowshare open + first lookup, in the worker',
    ok('cowshare', 1)?.decodeMs ?? Number.NaN,
    'ms',
  );
  report.check(`RSS: cowshare ${MOST}w / 1w`, rss('cowshare', MOST) / rss('cowshare', 1), '×');
  for (const t of ['cowshare', 'bare'] as const) {
    report.check(`PSS after lookups, one process: ${TRANSPORT_NAMES[t]} ${MOST}w / 1 left`, oneLeft(t), '×');
  }
  report.check(
    `PSS added by workers 2…${MOST}: cowshare − bare`,
    (pss('cowshare', MOST) - pss('cowshare', 1) - (pss('bare', MOST) - pss('bare', 1))) / MB,
    'MB',
  );
  report.check(
    'lookups/s 2w: cowshare record / cowshare',
    lookups('cowshare-record', 2) / lookups('cowshare', 2),
    '×',
  );
  for (const peer of ['workerData', 'json', 'v8', 'msgpackr'] as const) {
    const name = TRANSPORT_NAMES[peer];
    if (!okAny(peer)) continue;
    report.check(`ready ${MOST}w: ${name} / cowshare`, ready(peer, MOST) / ready('cowshare', MOST), '×');
    report.check(`PSS ${MOST}w: ${name} / cowshare`, pss(peer, MOST) / pss('cowshare', MOST), '×');
    report.check(`lookups/s 2w: ${name} / cowshare`, lookups(peer, 2) / lookups('cowshare', 2), '×');
  }

  // Notes: the data, what could not run, and how many repetitions each figure had.
  const heap = okAny('cowshare')?.heapBytes ?? okAny('workerData')?.heapBytes;
  report.note(
    `data: ${formatNumber(entries)} entries = ${heap == null ? '?' : formatNumber(heap / MB)} MB of live V8 heap ` +
      `(calibrated at ${formatNumber(perEntry)} B/entry on ${formatNumber(CALIBRATION_ENTRIES)} entries; ` +
      `target ${sized.label})`,
  );
  for (const transport of TRANSPORTS) {
    const failed = WORKER_COUNTS.flatMap((n) => {
      const r = results.get(transport)?.get(n);
      return r && r.status !== 'ok' ? [{ n, reason: r.reason }] : [];
    });
    const reasons = [...new Set(failed.map((f) => f.reason))];
    for (const reason of reasons) {
      const counts = failed.filter((f) => f.reason === reason).map((f) => `${f.n}w`);
      report.note(`${TRANSPORT_NAMES[transport]} ${counts.join('/')}: n/a: ${reason}`);
    }
  }
  const reps = TRANSPORTS.map((t) => {
    const counts = WORKER_COUNTS.map((n) => ok(t, n)?.readyMs.length ?? 0);
    return `${TRANSPORT_NAMES[t]} ${counts.join('/')}`;
  });
  report.note(`ready = median over repetitions (1w/2w/4w): ${reps.join(', ')}`);
  report.note(
    'ready − bare = median over repetitions of (ready − ready of bare workers started next to it in the same process)',
  );
  const bareMost = ok('bare', MOST);
  if (bareMost) {
    const times = bareMost.readyMs;
    report.note(
      `bare ${MOST}w start-up ranged ${formatNumber(Math.min(...times))}–${formatNumber(Math.max(...times))} ms; ` +
        `every worker (bare too) first imports cowshare and msgpackr: ` +
        `${formatNumber(bareMost.importMs)} ms in the worker, inside every ready figure`,
    );
  }
  if (okAny('cowshare')?.memoryReady.pss === undefined)
    report.note('no PSS on this OS: the PSS columns are RSS');
  return report;

  /** PSS with all workers after the lookups / after ending all but one, in the same process. */
  function oneLeft(transport: Transport): number {
    const r = ok(transport, MOST);
    return r?.memoryOneLeft ? pssOf(r.memoryAfter) / pssOf(r.memoryOneLeft) : Number.NaN;
  }

  /** The paired difference measured in cowshare's child; without pairs, the difference of medians. */
  function aboveBare(transport: Transport, n: number): number {
    const r = ok(transport, n);
    if (!r) return Number.NaN;
    return r.aboveBareMs.length > 0 ? median(r.aboveBareMs) : median(r.readyMs) - ready('bare', n);
  }
}

export const cases: BenchCase[] = SIZED.map(workersCase);
