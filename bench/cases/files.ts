// files/*: image files (cowshare/node writeImage, openFile). One data set, data set (a)'s records sized
// to ~1 GB of live heap (a tenth at small size), is written once per run in every format
// (bench/files/dataset.ts), then:
//   files/startup  a fresh process per run: open (or read) the file + one get, against JSON.parse,
//                  v8.deserialize, msgpackr unpack and lmdb-js open + get;
//   files/pss      4 processes × 2 threads each reading the whole data: PSS of mmap, of the 'read'
//                  fallback and of JSON.parse, against the image file's size;
//   files/get      random get(key).score on a mapped image against lmdb-js get, in this process;
//   files/5GiB     (explicit only) an image file above 4 GiB written, mapped and read back.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Database, open as openLmdb } from 'lmdb';
import { open, pack, type Shared } from '../../src/index.js';
import { loadImage, nativeStatus, openFile, writeImage } from '../../src/node/index.js';
import { processMemory } from '../../src/node/memory.js';
import { type Entry, makeLookupKeys, type Size } from '../data.js';
import {
  FORMAT_NAMES,
  type FromProcess,
  LOOKUP_BATCH,
  PSS_MODES,
  PSS_NAMES,
  type PssConfig,
  type PssMode,
  STARTUP_FORMATS,
  type StartupFormat,
  type StartupResult,
  type ToProcess,
} from '../files/common.js';
import { type Dataset, dataset, LOOKUP, warmPageCache } from '../files/dataset.js';
import { checkHugeView, type HugeValue, makeHugeValue, PART_BYTES, PARTS } from '../files/huge.js';
import { runScript, startScript, type Talking } from '../files/spawn.js';
import {
  assert,
  assertSame,
  atLeast,
  atMost,
  type BenchCase,
  BenchCheckError,
  type Context,
  gc,
  MB,
  median,
  msPerCall,
  nsPerOp,
  Report,
  type Subject,
  Timings,
} from '../harness.js';

const GiB = 2 ** 30;

/** The issue's targets. */
const STARTUP_VS_JSON = 1000;
const STARTUP_VS_LMDB = 1;
const PSS_OVER_FILE = 1.1;
const GET_OVER_LMDB = 1;

/** Rotates `items` by `round`, so that every subject goes first in some round (drift hits all alike). */
const rotate = <T>(items: readonly T[], round: number): T[] => {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
};

// --- files/startup ----------------------------------------------------------------------------------

/** Measured runs per format (each in a fresh process), after one unmeasured run per format. */
const STARTUP_RUNS: Record<Size, number> = { full: 5, small: 7 };
/** A JSON.parse of the full data set needs ~3 GB of heap (the text, then the objects). */
const STARTUP_FLAGS = ['--max-old-space-size=8192'];
const STARTUP_TIMEOUT_MS = 10 * 60_000;

async function startupRun(ctx: Context, set: Dataset, format: StartupFormat): Promise<StartupResult> {
  const args = [format, JSON.stringify(set.files), set.data.probeKey];
  const result = await runScript<StartupResult>('startup', STARTUP_FLAGS, args, ctx, STARTUP_TIMEOUT_MS);
  if (result.status === 'ok')
    assertSame(result.answer, set.data.probe, `${FORMAT_NAMES[format]}: get(${set.data.probeKey})`);
  return result;
}

const startupCase: BenchCase = {
  name: 'files/startup',
  async run(ctx) {
    const set = await dataset(ctx);
    warmPageCache(set.files);

    // One unmeasured run per format: checks its answer, warms whatever the OS caches for a new
    // process (the node binary's and the modules' pages), and finds what cannot run here (n/a).
    const na = new Map<StartupFormat, string>();
    for (const format of STARTUP_FORMATS) {
      const result = await startupRun(ctx, set, format);
      if (result.status === 'na') na.set(format, result.reason);
    }
    const formats = STARTUP_FORMATS.filter((f) => !na.has(f));
    const startup = new Map<string, number[]>(formats.map((f) => [FORMAT_NAMES[f], []]));
    const imports = new Map<StartupFormat, number[]>(formats.map((f) => [f, []]));
    const runs = STARTUP_RUNS[ctx.size];
    for (let run = 0; run < runs; run++) {
      for (const format of rotate(formats, run)) {
        const result = await startupRun(ctx, set, format);
        if (result.status !== 'ok')
          throw new Error(`${FORMAT_NAMES[format]} ran once, then not: ${result.reason}`);
        startup.get(FORMAT_NAMES[format])!.push(result.startupMs);
        imports.get(format)!.push(result.importMs);
      }
      ctx.log(
        `run ${run + 1}/${runs}: ${formats.map((f) => `${f} ${startup.get(FORMAT_NAMES[f])!.at(-1)!.toFixed(2)} ms`).join(', ')}`,
      );
    }
    const ms = new Timings(startup);

    const report = new Report();
    const fileOf: Record<StartupFormat, keyof typeof set.data.files> = {
      cowshare: 'image',
      'cowshare-read': 'image',
      json: 'json',
      v8: 'v8',
      msgpackr: 'msgpack',
      lmdb: 'lmdb',
    };
    for (const format of formats)
      report.add(FORMAT_NAMES[format], 'start-up ms', ms.get(FORMAT_NAMES[format]));
    for (const format of formats) report.add(FORMAT_NAMES[format], 'import ms', median(imports.get(format)!));
    for (const format of STARTUP_FORMATS) {
      const file = set.data.files[fileOf[format]];
      report.add(FORMAT_NAMES[format], 'file MB', file.bytes / MB);
      if (fileOf[format] !== 'image' || format === 'cowshare')
        report.add(FORMAT_NAMES[format], 'write s', file.writeMs / 1e3);
    }

    const cowshare = FORMAT_NAMES.cowshare;
    if (formats.includes('cowshare')) {
      const speed = (peer: StartupFormat, target?: number): void => {
        if (!formats.includes(peer)) return;
        const value = ms.ratio(FORMAT_NAMES[peer], cowshare);
        report.check(
          `start-up speed vs ${FORMAT_NAMES[peer]}`,
          value,
          '×',
          target === undefined ? undefined : atLeast(target),
        );
      };
      speed('json', STARTUP_VS_JSON);
      speed('lmdb', STARTUP_VS_LMDB);
      speed('v8');
      speed('msgpackr');
      speed('cowshare-read');
      report.check('cowshare openFile (mmap) + get', ms.get(cowshare), 'ms');
    }

    for (const line of set.notes) report.note(line);
    report.note(
      `each run in a fresh process (modules and JIT cold) with the OS page cache warm (every file read ` +
        `first, then one unmeasured run per format); median of ${runs} runs, formats in rotating order; ` +
        'speed = median over runs of (peer ms / cowshare ms) in the same run',
    );
    if (ctx.size !== 'full') {
      report.note(
        "the targets are the issue's for the ~1 GB data set (--size full): here the peers parse a tenth of it",
      );
    }
    report.note(
      'start-up = from just before the open/read call until one get(key) record is read field by field; ' +
        'the import of the modules is timed apart (import ms) and not included',
    );
    report.note('cowshare/node and lmdb-js both load their native addon at import; lmdb-js opens readOnly');
    report.note(
      'write s for information: writeImage and lmdb-js flush to disk (fsync), the other writes do not',
    );
    for (const [format, reason] of na) report.note(`${FORMAT_NAMES[format]}: n/a: ${reason}`);
    return report;
  },
};

// --- files/pss --------------------------------------------------------------------------------------

const PROCESSES = 4;
const THREADS = 2;
const PSS_FLAGS = ['--expose-gc', '--max-old-space-size=8192'];
const THREAD_HEAP_MB = 8192;
/** Memory of one JSON copy per byte of the Map's heap: the objects, young generation, parse garbage. */
const JSON_COPY_FACTOR = 2;
/** Any one step of a process (start, load, settle) taking longer than this ends the configuration. */
const STEP_TIMEOUT_MS = 10 * 60_000;

interface PssFigures {
  /** Summed over the processes: after every thread read everything and settled, minus the baseline. */
  pss: number;
  /** The part of `pss` in file pages (the mapped image) and in anonymous memory (heaps, read copies). */
  pssFile: number;
  pssAnon: number;
  rss: number;
  /** Median over all threads of load + scan, ms. */
  loadMs: number;
}

type Process = Talking<ToProcess, FromProcess>;

/** The process's next message, which must be `type` (a `failed` message, an exit or a timeout throws). */
async function expect<T extends FromProcess['type']>(
  p: Process,
  type: T,
): Promise<Extract<FromProcess, { type: T }>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no ${type} within ${STEP_TIMEOUT_MS / 1e3} s`)),
      STEP_TIMEOUT_MS,
    );
  });
  try {
    const message = await Promise.race([p.next(), timeout]);
    if (message.type === 'failed') throw new Error(message.reason);
    if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`);
    return message as Extract<FromProcess, { type: T }>;
  } finally {
    clearTimeout(timer);
  }
}

const sumOf = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
/** PSS where Linux reports it, else RSS (the note says so). */
const pssOf = (pid: number): number => {
  const memory = processMemory(pid);
  return memory.pss ?? memory.rss;
};

/**
 * PSS split into file pages and anonymous memory (smaps_rollup's Pss_File, Pss_Anon + Pss_Shmem, Linux
 * 5.1+), so that the image's pages can be told from heap growth; zeros where the kernel does not say.
 */
function pssParts(pid: number): { file: number; anon: number } {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  } catch {}
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { file: kb('Pss_File'), anon: kb('Pss_Anon') + kb('Pss_Shmem') };
}

async function pssRun(ctx: Context, set: Dataset, mode: PssMode): Promise<PssFigures> {
  const config: PssConfig = { mode, files: set.files, threads: THREADS, threadHeapMb: THREAD_HEAP_MB };
  const processes = Array.from({ length: PROCESSES }, () =>
    startScript<ToProcess, FromProcess>('pss-process', PSS_FLAGS, [JSON.stringify(config)], ctx),
  );
  const pids = processes.map((p) => p.child.pid!);
  try {
    // The baseline: all processes alive, their threads started and their modules loaded, no data. Taken
    // with all of them alive, so that the pages they share (the node binary) are split the same way.
    await Promise.all(processes.map((p) => expect(p, 'idle')));
    const pssBefore = sumOf(pids.map(pssOf));
    const partsBefore = pids.map(pssParts);
    const rssBefore = sumOf(pids.map((pid) => processMemory(pid).rss));

    // One process at a time (bounds the peak memory of the JSON copies); each thread checks its scan.
    const threadMs: number[] = [];
    const pageSums = new Set<number>();
    for (const [i, p] of processes.entries()) {
      p.send({ type: 'load' });
      const loaded = await expect(p, 'loaded');
      if (mode !== 'json')
        assert(loaded.backing === mode, `process ${i}: backing ${loaded.backing}, asked for ${mode}`);
      for (const [t, thread] of loaded.threads.entries()) {
        assert(
          thread.checksum === set.data.scanChecksum,
          `${PSS_NAMES[mode]}: process ${i} thread ${t} scanned ${thread.checksum}, expected ${set.data.scanChecksum}`,
        );
        if (mode !== 'json') {
          assert(
            thread.pages * 4096 >= set.data.files.image.bytes,
            `process ${i} thread ${t} touched ${thread.pages} pages only`,
          );
          pageSums.add(thread.pageSum);
        }
        threadMs.push(thread.ms);
      }
    }
    assert(pageSums.size <= 1, `${PSS_NAMES[mode]}: the threads read different bytes from the same pages`);

    await Promise.all(
      processes.map((p) => {
        p.send({ type: 'settle' });
        return expect(p, 'settled');
      }),
    );
    const pss = sumOf(pids.map(pssOf)) - pssBefore;
    const partsAfter = pids.map(pssParts);
    const added = (part: 'file' | 'anon'): number =>
      sumOf(partsAfter.map((p, i) => p[part] - partsBefore[i]![part]));
    const rss = sumOf(pids.map((pid) => processMemory(pid).rss)) - rssBefore;
    return { pss, pssFile: added('file'), pssAnon: added('anon'), rss, loadMs: median(threadMs) };
  } finally {
    for (const p of processes) p.send({ type: 'exit' });
    const killer = setTimeout(() => {
      for (const p of processes) p.child.kill('SIGKILL');
    }, 10_000);
    await Promise.all(processes.map((p) => p.ended));
    clearTimeout(killer);
  }
}

const pssCase: BenchCase = {
  name: 'files/pss',
  async run(ctx) {
    const set = await dataset(ctx);
    const results = new Map<PssMode, PssFigures>();
    const na = new Map<PssMode, string>();
    for (const mode of PSS_MODES) {
      if (mode === 'mmap' && !set.native.available) {
        na.set(mode, `the mmap addon is not available: ${set.native.reason}`);
        continue;
      }
      // 8 JSON copies of the full data set take most of the machine: refuse rather than have the
      // kernel kill something (perhaps not ours) when the memory is not there.
      const need = mode === 'json' ? PROCESSES * THREADS * set.data.heapBytes * JSON_COPY_FACTOR : 0;
      if (need > freemem()) {
        na.set(
          mode,
          `needs ~${(need / 2 ** 30).toFixed(1)} GiB, ${(freemem() / 2 ** 30).toFixed(1)} GiB available`,
        );
        continue;
      }
      const started = performance.now();
      try {
        results.set(mode, await pssRun(ctx, set, mode));
      } catch (error) {
        // A wrong answer fails the case; anything else (out of memory, a timeout) is this mode's n/a.
        if (error instanceof BenchCheckError) throw error;
        na.set(mode, error instanceof Error ? error.message : String(error));
      }
      const r = results.get(mode);
      ctx.log(
        `${PSS_NAMES[mode]}: ${r ? `PSS +${(r.pss / MB).toFixed(0)} MB` : `n/a: ${na.get(mode)}`} (${((performance.now() - started) / 1e3).toFixed(1)} s)`,
      );
    }

    const fileBytes = set.data.files.image.bytes;
    const report = new Report();
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], 'PSS added MB', r.pss / MB);
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], '× image file', r.pss / fileBytes);
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], 'of it file MB', r.pssFile / MB);
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], 'of it anon MB', r.pssAnon / MB);
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], 'RSS added MB', r.rss / MB);
    for (const [mode, r] of results) report.add(PSS_NAMES[mode], 'load + scan s', r.loadMs / 1e3);

    const mmap = results.get('mmap');
    if (mmap) {
      report.check(
        `PSS, ${PROCESSES} processes × ${THREADS} threads: cowshare mmap / image file`,
        mmap.pss / fileBytes,
        '×',
        atMost(PSS_OVER_FILE),
      );
    }
    for (const mode of ['read', 'json'] as const) {
      const r = results.get(mode);
      if (r) report.check(`PSS: ${PSS_NAMES[mode]} / image file`, r.pss / fileBytes, '×');
      if (r && mmap) report.check(`PSS: ${PSS_NAMES[mode]} / cowshare mmap`, r.pss / mmap.pss, '×');
    }

    for (const line of set.notes) report.note(line);
    report.note(
      `JSON file ${(set.data.files.json.bytes / MB).toFixed(0)} MB; PSS added = the ${PROCESSES} processes' PSS ` +
        'summed, after every thread read everything and everyone collected garbage, minus the same sum with ' +
        'all processes and threads started and no data loaded',
    );
    report.note(
      "mmap and 'read': each process's main thread calls loadImage once and posts the image to its threads " +
        "(with 'read', one copy per process); JSON: each thread reads and parses the file itself (the usual " +
        'way: parsed objects cannot be shared between threads)',
    );
    report.note(
      'of it file: page-cache pages mapped (the image), split between the processes that map them; ' +
        "of it anon: the 'read' copies and the threads' heaps: JSON copies, and for views the heap the " +
        'scan grew and GC kept (mostly V8 young generation: about a constant per thread, not per byte)',
    );
    report.note(
      'every thread iterates all entries and reads every field (checked against the native Map), and ' +
        'reads one byte of every 4096 of every image segment, so every page of the file is resident',
    );
    if (processMemory().pss === undefined) report.note('no PSS on this OS: the PSS figures are RSS');
    for (const [mode, reason] of na) report.note(`${PSS_NAMES[mode]}: n/a: ${reason}`);
    return report;
  },
};

// --- files/get ----------------------------------------------------------------------------------------

type MapView = Shared<Map<string, Entry>>;

// Each loop is its own function, so that each keeps its own monomorphic type feedback.
function viewScore(view: MapView, keys: readonly string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + LOOKUP_BATCH; i++) sum += view.get(keys[i]!)!.score;
  return sum;
}
function lmdbScore(db: Database<Entry, string>, keys: readonly string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + LOOKUP_BATCH; i++) sum += db.get(keys[i]!)!.score;
  return sum;
}

/** A subject that runs `loop` over the next batch of keys each call, so no call repeats the last. */
function walker<T>(
  name: string,
  source: T,
  keys: readonly string[],
  loop: (source: T, keys: readonly string[], from: number) => number,
): Subject {
  let from = 0;
  return {
    name,
    ops: LOOKUP_BATCH,
    run: () => {
      const sum = loop(source, keys, from);
      from = (from + LOOKUP_BATCH) % keys.length;
      return sum;
    },
  };
}

const getCase: BenchCase = {
  name: 'files/get',
  async run(ctx) {
    const set = await dataset(ctx);
    const keys = makeLookupKeys(set.data.entries, LOOKUP.count, LOOKUP.seed);
    // loadImage + open is what openFile does; loading apart says which backing the figures are for.
    const image = loadImage(set.files.image);
    const view: MapView = open<Map<string, Entry>>(image);
    const db = openLmdb<Entry, string>({ path: set.files.lmdb, readOnly: true });
    const cowshare = `cowshare get (${image.backing})`;
    const lmdb = 'lmdb-js get';
    try {
      ctx.log('checking cowshare against lmdb-js on every key');
      for (let i = 0; i < keys.length; i += 97)
        assertSame(view.get(keys[i]!), db.get(keys[i]!), `get(${keys[i]})`);
      // Every batch once on both sides: checks every key against the native Map's sums, and leaves both
      // warm (JIT, the pages of both files in this process) before timing.
      let total = 0;
      for (let from = 0; from < keys.length; from += LOOKUP_BATCH) {
        const got = viewScore(view, keys, from);
        const want = lmdbScore(db, keys, from);
        assert(got === want, `batch at ${from}: cowshare sums to ${got}, lmdb-js to ${want}`);
        total += got;
      }
      assert(
        total === set.data.lookupScoreSum,
        `the scores sum to ${total}, the native Map's to ${set.data.lookupScoreSum}`,
      );

      const ns = await nsPerOp([walker(lmdb, db, keys, lmdbScore), walker(cowshare, view, keys, viewScore)]);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'ns/op', value);
      report.check(`${cowshare} / ${lmdb}`, ns.ratio(cowshare, lmdb), '×', atMost(GET_OVER_LMDB));
      for (const line of set.notes) report.note(line);
      report.note(
        `get(key).score, ${LOOKUP.count / 1000}k random keys (the same sequence for both), ${LOOKUP_BATCH} per ` +
          'timed call; lmdb-js opened readOnly, default encoding, no cache',
      );
      if (image.backing !== 'mmap') report.note('the image is read into memory here, not mapped (no addon)');
      return report;
    } finally {
      // The mapping goes with the view, at a later GC (files/pss, which must not share its pages with
      // this process, runs before this case).
      await db.close();
    }
  },
};

// --- files/5GiB -----------------------------------------------------------------------------------------

const hugeCase: BenchCase = {
  name: 'files/5GiB',
  explicit: true,
  async run(ctx) {
    const native = nativeStatus();
    if (!native.available)
      throw new Error(`files/5GiB maps the file, and the addon is not available: ${native.reason}`);
    // The value and its image are both in memory while it is packed.
    const need = 2 * PARTS * PART_BYTES + GiB;
    if (freemem() < need) {
      throw new Error(
        `files/5GiB needs ~${(need / GiB).toFixed(0)} GiB free, ${(freemem() / GiB).toFixed(1)} GiB available`,
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'cowshare-5gib-'));
    const path = join(dir, 'huge.cow');
    try {
      ctx.log(`building ${PARTS} × ${PART_BYTES / 2 ** 20} MiB`);
      let value: HugeValue | undefined = makeHugeValue();
      ctx.log('packing');
      let start = performance.now();
      let image: ReturnType<typeof pack> | undefined = pack(value);
      const packMs = performance.now() - start;
      value = undefined;
      gc();
      const total = image.segments.reduce((sum, s) => sum + s.byteLength, 0);
      const segments = image.segments.length;

      ctx.log(`writing ${(total / GiB).toFixed(2)} GiB to ${path}`);
      start = performance.now();
      await writeImage(path, image);
      const writeMs = performance.now() - start;
      image = undefined;
      gc();
      assert(statSync(path).size === total, `the file has ${statSync(path).size} bytes, the image ${total}`);

      // loadImage + open is exactly openFile, and keeps the segments to check each part against.
      start = performance.now();
      const mapped = loadImage(path, { backing: 'mmap' });
      const view = open<HugeValue>(mapped);
      const openMs = performance.now() - start;
      ctx.log('reading every page back');
      start = performance.now();
      const pages = checkHugeView(view, mapped.segments);
      const readMs = performance.now() - start;
      // The first open comes right after 5 GiB of memory were dropped, whose release can slow it: time a
      // few more (each maps the file again; the harness collects garbage before each).
      const reopen = msPerCall(
        [{ name: 'openFile', ops: 1, run: () => openFile(path, { backing: 'mmap' }) }],
        5,
      );

      const report = new Report()
        .add('cowshare', 'file GiB', total / GiB)
        .add('cowshare', 'segments', segments)
        .add('cowshare', 'pack s', packMs / 1e3)
        .add('cowshare', 'write s', writeMs / 1e3)
        .add('cowshare', 'write MB/s', total / MB / (writeMs / 1e3))
        .add('cowshare', 'first openFile ms', openMs)
        .add('cowshare', 'openFile ms (median)', reopen.get('openFile'))
        .add('cowshare', 'read back s', readMs / 1e3);
      report.check('file size', total / GiB, 'GiB', atLeast(4));
      report.check('pages read back and checked', pages, '');
      report.note(
        'every part read back from the mapped file, one byte of every 4096 checked, plus its stamps; ' +
          'openFile (median): 5 more opens after one warm-up, each after a full GC',
      );
      return report;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      gc();
    }
  },
};

export const cases: BenchCase[] = [startupCase, pssCase, getCase, hugeCase];
