// Hostile images: truncated, bit-flipped, overwritten and crafted images must end in a CowshareError or a
// RangeError — never another exception, a hang, or an allocation sized by an unchecked length.
//
// The mutation fuzz runs in a worker thread so that a hang is caught and named: before each attempt the
// worker publishes the mutation's label in shared memory, and the main thread fails the test with that
// label when the worker stops making progress.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Image } from '../src/index.js';
import { CowshareError, commit, fork, open, pack, toJS, verify } from '../src/index.js';
import { smallCases } from './support/corpus.js';
import { walk } from './support/walk.js';

type Any = any;

// --- CRC-32 and header helpers ---------------------------------------------------------------

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3, as zlib) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CHECKSUM_AT = 60;
const FIRST_SEGMENT_BYTES_AT = 16;
const SEGMENT_COUNT_AT = 20;
const BASE_SEGMENT_COUNT_AT = 24;
/** `CSEG` as a little-endian u32: the first word of every segment after the first (FORMAT.md §2). */
const SEGMENT_MAGIC = 0x47455343;
const ROOT_SLOT_AT = 28;

/** The checksum of the header over [0, end) with the checksum field read as zero. */
function headerChecksum(segment: Uint8Array, end: number): number {
  const copy = segment.slice(0, Math.min(end, segment.length));
  copy.fill(0, CHECKSUM_AT, CHECKSUM_AT + 4);
  return crc32(copy);
}

function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

function setU32(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, value >>> 0, true);
}

/** The checksum covers the 64-byte image header (FORMAT.md §3). */
const HEADER_SIZE = 64;

/** Rewrites the header checksum over [0, end). */
function fixChecksum(segment: Uint8Array, end: number): void {
  setU32(segment, CHECKSUM_AT, headerChecksum(segment, end));
}

function shared(bytes: Uint8Array): SharedArrayBuffer {
  const out = new SharedArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

/** A copy of an image whose segments are fresh SharedArrayBuffers, so a test can patch bytes. */
function copyImage(image: Image): Image {
  return { segments: image.segments.map((s) => shared(new Uint8Array(s))) };
}

// --- exercising an image ---------------------------------------------------------------------

type Outcome = 'ok' | 'CowshareError' | 'RangeError';

/** Runs `fn`; an exception other than CowshareError / RangeError is returned as a failure description. */
function attempt(fn: () => void): Outcome | { unexpected: string } {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof CowshareError) return 'CowshareError';
    if (error instanceof RangeError) return 'RangeError';
    const e = error as Error;
    return {
      unexpected: `${e?.name ?? typeof error}: ${e?.message ?? String(error)}\n${(e?.stack ?? '').split('\n').slice(1, 5).join('\n')}`,
    };
  }
}

interface Verdict {
  read: Outcome | 'unexpected';
  verify: Outcome | 'unexpected';
  problems: string[];
}

/** Opens, fully reads and separately verifies one image; returns what happened. */
function exercise(image: Image): Verdict {
  const problems: string[] = [];
  const read = attempt(() => {
    const view = open(image);
    toJS(view);
    walk(view);
  });
  const checked = attempt(() => verify(image));
  const verified = attempt(() => {
    const view = open(image, { verify: true });
    walk(view, { consistent: true });
    walk(toJS(view), { consistent: true });
  });
  for (const [what, outcome] of [
    ['open/toJS/walk', read],
    ['verify', checked],
    ['open(verify: true)', verified],
  ] as const) {
    if (typeof outcome !== 'string') problems.push(`${what} threw ${outcome.unexpected}`);
  }
  if (checked === 'ok' && typeof read === 'string' && read !== 'ok') {
    problems.push(`verify accepted the image but reading it threw a ${read}`);
  }
  if (checked === 'ok' && typeof verified === 'string' && verified !== 'ok') {
    problems.push(`verify accepted the image but open(verify: true) + toJS threw a ${verified}`);
  }
  return {
    read: typeof read === 'string' ? read : 'unexpected',
    verify: typeof checked === 'string' ? checked : 'unexpected',
    problems,
  };
}

// --- mutations -------------------------------------------------------------------------------

interface Mutation {
  label: string;
  image: Image;
  /** When set, the image must be rejected (the read and verify must not succeed). */
  mustFail?: boolean;
}

function* mutationsOf(name: string, image: Image, fromSegment = 0): Generator<Mutation> {
  const segments = image.segments.map((s) => new Uint8Array(s));
  const withSegment = (index: number, bytes: Uint8Array): Image => ({
    segments: image.segments.map((s, i) => (i === index ? shared(bytes) : s)),
  });
  for (let index = fromSegment; index < segments.length; index++) {
    const original = segments[index]!;
    const where = `${name}, segment ${index}`;
    // (1) truncation at every length: every rounded length is among these too.
    for (let length = 0; length < original.length; length++) {
      yield {
        label: `${where}: truncated to ${length} bytes`,
        image: withSegment(index, original.slice(0, length)),
        mustFail: true,
      };
    }
    // (2) byte flips; in the checksummed header also with the checksum repaired, so the reader sees them.
    for (let at = 0; at < original.length; at++) {
      for (const mask of [0xff, 0x01]) {
        const bytes = original.slice();
        bytes[at]! ^= mask;
        yield { label: `${where}: byte ${at} ^= 0x${mask.toString(16)}`, image: withSegment(index, bytes) };
        if (index === 0 && at < HEADER_SIZE && (at < CHECKSUM_AT || at >= CHECKSUM_AT + 4)) {
          const fixed = bytes.slice();
          fixChecksum(fixed, HEADER_SIZE);
          yield {
            label: `${where}: byte ${at} ^= 0x${mask.toString(16)}, checksum fixed`,
            image: withSegment(index, fixed),
          };
        }
      }
    }
    // (3) every aligned word overwritten with large values.
    for (let at = 0; at + 4 <= original.length; at += 4) {
      for (const word of [0xffffffff, 0x7ffffffc]) {
        const bytes = original.slice();
        setU32(bytes, at, word);
        yield { label: `${where}: word at ${at} = 0x${word.toString(16)}`, image: withSegment(index, bytes) };
        if (index === 0 && at < HEADER_SIZE && at !== CHECKSUM_AT) {
          const fixed = bytes.slice();
          fixChecksum(fixed, HEADER_SIZE);
          yield {
            label: `${where}: word at ${at} = 0x${word.toString(16)}, checksum fixed`,
            image: withSegment(index, fixed),
          };
        }
      }
    }
  }
}

/** Structural damage to a multi-segment image. */
function* segmentMutationsOf(name: string, image: Image): Generator<Mutation> {
  const s = image.segments;
  const n = s.length;
  yield { label: `${name}: last segment dropped`, image: { segments: s.slice(0, -1) }, mustFail: true };
  yield { label: `${name}: first segment dropped`, image: { segments: s.slice(1) }, mustFail: true };
  yield { label: `${name}: segment duplicated`, image: { segments: [...s, s[n - 1]!] }, mustFail: true };
  yield {
    label: `${name}: segments 1 and 2 swapped`,
    image: { segments: [s[0]!, s[2]!, s[1]!, ...s.slice(3)] },
    mustFail: true,
  };
  yield {
    label: `${name}: segment 1 replaced by zeros`,
    image: { segments: [s[0]!, new SharedArrayBuffer(s[1]!.byteLength), ...s.slice(2)] },
    mustFail: true,
  };
  const unshared = new ArrayBuffer(s[1]!.byteLength);
  new Uint8Array(unshared).set(new Uint8Array(s[1]!));
  yield {
    label: `${name}: segment 1 is an ArrayBuffer`,
    image: { segments: [s[0]!, unshared as unknown as SharedArrayBuffer, ...s.slice(2)] },
    mustFail: true,
  };
  // Byte flips and word overwrites in every segment but the first (sampled: every 4th offset).
  for (let index = 1; index < n; index++) {
    const original = new Uint8Array(s[index]!);
    for (let at = 0; at < original.length; at += 4) {
      const bytes = original.slice();
      bytes[at + ((at >> 2) & 3)]! ^= 0xff;
      yield {
        label: `${name}, segment ${index}: byte ${at + ((at >> 2) & 3)} ^= 0xff`,
        image: { segments: s.map((seg, i) => (i === index ? shared(bytes) : seg)) },
      };
      const words = original.slice();
      setU32(words, at, at % 8 ? 0xffffffff : 0x7ffffffc);
      yield {
        label: `${name}, segment ${index}: word at ${at} overwritten`,
        image: { segments: s.map((seg, i) => (i === index ? shared(words) : seg)) },
      };
    }
  }
}

// --- the fuzz, as run by the worker ----------------------------------------------------------

interface FuzzReport {
  count: number;
  outcomes: Record<string, number>;
  failures: { label: string; problem: string }[];
  slowest: { label: string; ms: number };
}

/**
 * Hash indexes whose capacity word lies: every probe loop is bounded by a capacity, so each must be
 * checked before anything probes (these hung `verify`, or a read, or read as "no such key").
 */
function* craftedIndexes(): Generator<Mutation> {
  const capacityWord = (at: number, count: number, stride: number) => at + 4 + 4 * stride * count;
  const wide = Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`d${i}`, i]));
  for (const capacity of [0, 1, 0x7fffffff, 0xffffffff]) {
    const image = copyImage(pack(wide));
    const bytes = new Uint8Array(image.segments[0]!);
    setU32(bytes, capacityWord(rootOffset(image), 4096, 2), capacity);
    yield { label: `a DICT whose hash capacity is 0x${capacity.toString(16)}`, image, mustFail: true };
  }
  // A layer's KEYED_DELTA over a MAP whose capacity lies: verify probes the base for appended keys.
  for (const capacity of [0, 0xffffffff]) {
    const base = copyImage(pack(new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))));
    const draft = fork(open(base)) as Map<string, number>;
    draft.set('added', 1);
    const layer = commit(draft);
    setU32(new Uint8Array(base.segments[0]!), capacityWord(rootOffset(base), 40, 2), capacity);
    yield {
      label: `a layer over a MAP whose hash capacity is 0x${capacity.toString(16)}`,
      image: { segments: [base.segments[0]!, ...layer.segments.slice(1)] },
      mustFail: true,
    };
  }
}

/** Damage that a reader without verify must catch itself: it hung, or broke a Proxy invariant. */
function* craftedStructures(): Generator<Mutation> {
  // A layer's redirects made to lead into each other: the identity of a replaced Map key walked them.
  // (Eight keys at least: a Map with a hash index hashes an object key by its identity.)
  const keys = Array.from({ length: 8 }, (_, id) => ({ id }));
  const base = pack({ map: new Map(keys.map((k, i) => [k, i])), keys });
  const draft = fork(open(base)) as { keys: { id: number }[] };
  draft.keys[1]!.id = 10;
  draft.keys[2]!.id = 20;
  const layer = copyImage(commit(draft));
  const own = new Uint8Array(layer.segments[1]!);
  const table = u32(own, 64) === 1 ? u32(own, 68) : -1;
  assert.ok(table > 0, 'the layer has a redirect table in its own segment');
  const pairs = u32(own, table) >>> 8;
  assert.ok(pairs >= 2, 'two redirects at least');
  const pair = (i: number) => table + 4 + 16 * i;
  // from of pair 0 := to of pair 1, from of pair 1 := to of pair 0.
  for (const [i, j] of [
    [0, 1],
    [1, 0],
  ] as const) {
    setU32(own, pair(i), u32(own, pair(j) + 8));
    setU32(own, pair(i) + 4, u32(own, pair(j) + 12));
  }
  yield { label: 'redirects that lead into each other', image: layer, mustFail: true };

  // An ARRAY_DELTA whose pieces overlap: its elements were listed twice (a Proxy invariant).
  const list = pack({ list: Array.from({ length: 60 }, (_, i) => i) });
  const pushed = fork(open(list)) as { list: unknown[] };
  pushed.list.splice(10, 2, 'x');
  const delta = copyImage(commit(pushed));
  const deltaBytes = new Uint8Array(delta.segments[1]!);
  // ARRAY_DELTA of 3 pieces: 0.. from base 0, 10.. a new slot, 11.. from base 12.
  const header = (0x03 << 8) | 0x17;
  let node = -1;
  for (let at = 72; at + 4 <= deltaBytes.length; at += 4) if (u32(deltaBytes, at) === header) node = at;
  assert.ok(node > 0, 'the layer holds an ARRAY_DELTA of three pieces');
  const piece2 = node + 4 + 16 + 16; // header, head (base, length, slots), pieces 0 and 1
  setU32(deltaBytes, piece2, 5); // piece 2 starts at 5, inside piece 0 …
  setU32(deltaBytes, piece2 + 4, 5); // … from base element 5, so its elements exist
  yield { label: 'an ARRAY_DELTA whose pieces overlap', image: delta, mustFail: true };

  // SPARSE_ARRAYs: an index listed twice, extras named `length` or an index.
  const sparse = (extras: Record<string, unknown>) => {
    const a: unknown[] = [];
    a[5000] = 'x';
    a[90_000] = 'y';
    return Object.assign(a, extras);
  };
  const twice = copyImage(pack(sparse({ label: 1 })));
  const at = rootOffset(twice) + 4 + 8; // header, length, extras; then (index, slot) pairs
  setU32(new Uint8Array(twice.segments[0]!), at + 8, u32(new Uint8Array(twice.segments[0]!), at));
  yield { label: 'a SPARSE_ARRAY that lists an index twice', image: twice, mustFail: true };
  for (const [name, replacement] of [
    ['length', 'lengt'],
    ['7', 'x'],
  ] as const) {
    // Pack a harmless key of the same length, then rename it in place (an ASCII string node).
    const image = copyImage(pack(sparse({ [replacement]: 1 })));
    const bytes = new Uint8Array(image.segments[0]!);
    const key = Buffer.from(bytes).indexOf(
      Buffer.from(`\x01${String.fromCharCode(replacement.length)}\x00\x00${replacement}`, 'latin1'),
    );
    assert.ok(key > 0, `the key "${replacement}" is a string node`);
    bytes.set(Buffer.from(name.padEnd(replacement.length, '\0'), 'latin1'), key + 4);
    setU32(bytes, key, (name.length << 8) | 1);
    yield { label: `a SPARSE_ARRAY whose extras have a key "${name}"`, image, mustFail: true };
  }
}

/** Which fuzz a worker runs. */
type Fuzz = 'small' | 'segments' | 'layers' | 'crafted';

/** Slot for the label of the mutation under test: a u32 byte length, then UTF-8 bytes. */
const LABEL_BYTES = 1024;

function runFuzz(progress: Int32Array, label: Uint8Array, which: Fuzz): FuzzReport {
  const encoder = new TextEncoder();
  const report: FuzzReport = { count: 0, outcomes: {}, failures: [], slowest: { label: '', ms: 0 } };
  const sources: Generator<Mutation>[] = [];
  if (which === 'small') {
    for (const c of smallCases) {
      const image = pack(c.make());
      const bytes = image.segments.reduce((sum, s) => sum + s.byteLength, 0);
      if (bytes > 2048)
        report.failures.push({ label: c.name, problem: `image is ${bytes} bytes, expected a small image` });
      sources.push(mutationsOf(c.name, image));
    }
  } else if (which === 'layers') {
    // A layer of every kind of replacement: KEYED_DELTAs of a Map, a Set and a DICT, an ARRAY_DELTA,
    // a rewritten object and Map, redirects; its own segment damaged every way.
    const base = pack({
      map: new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])),
      set: new Set(Array.from({ length: 40 }, (_, i) => i)),
      list: Array.from({ length: 60 }, (_, i) => i / 3),
      copied: new Map([[{ id: 1 }, 'object key']]),
      record: { a: { n: 1 } },
      dict: Object.fromEntries(Array.from({ length: 4096 }, (_, i) => [`d${i}`, i])),
    });
    const draft = fork(open(base)) as Any;
    draft.dict.d1 = 'changed';
    draft.dict.added = 1;
    delete draft.dict.d2;
    draft.map.set('new', 'added').delete('k3');
    draft.map.set('k5', 5.5);
    draft.set.add(-1);
    draft.set.delete(7);
    draft.list.push('pushed');
    draft.list.splice(10, 2, 'x');
    draft.copied.set('more', 1);
    draft.record.a.n = 2;
    const layer = commit(draft);
    sources.push(mutationsOf('layer', layer, base.segments.length));
  } else if (which === 'crafted') {
    sources.push(craftedIndexes(), craftedStructures());
  } else {
    const value = {
      list: Array.from({ length: 300 }, (_, i) => ({ i, s: `s${i % 50}`, f: i / 7 })),
      map: new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, [i, -i]])),
    };
    const image = pack(value, { segmentSize: 4096 });
    if (image.segments.length < 3)
      report.failures.push({ label: 'multi-segment', problem: `only ${image.segments.length} segments` });
    sources.push(segmentMutationsOf('multi-segment', image));
  }
  for (const source of sources) {
    for (const m of source) {
      const written = encoder.encodeInto(m.label, label.subarray(4)).written;
      new DataView(label.buffer).setUint32(0, written, true);
      Atomics.add(progress, 0, 1);
      const started = performance.now();
      const verdict = exercise(m.image);
      const ms = performance.now() - started;
      report.count++;
      if (ms > report.slowest.ms) report.slowest = { label: m.label, ms };
      const key = `read ${verdict.read} / verify ${verdict.verify}`;
      report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
      for (const problem of verdict.problems) report.failures.push({ label: m.label, problem });
      if (m.mustFail && (verdict.read === 'ok' || verdict.verify === 'ok')) {
        report.failures.push({
          label: m.label,
          problem: `accepted (read ${verdict.read}, verify ${verdict.verify})`,
        });
      }
      if (ms > 2000) report.failures.push({ label: m.label, problem: `took ${ms.toFixed(0)} ms` });
    }
  }
  return report;
}

/** Runs one fuzz in a worker; fails with the current label when the worker stops making progress. */
async function fuzzInWorker(which: Fuzz, stallMs = 20_000): Promise<FuzzReport> {
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const label = new Uint8Array(new SharedArrayBuffer(LABEL_BYTES));
  const tsx = import.meta.resolve('tsx/esm/api');
  const source =
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(source, { eval: true, workerData: { fuzz: which, progress, label } });
  const currentLabel = (): string => {
    const length = new DataView(label.buffer).getUint32(0, true);
    return new TextDecoder().decode(label.slice(4, 4 + length));
  };
  try {
    return await new Promise<FuzzReport>((resolve, reject) => {
      let seen = -1;
      const timer = setInterval(() => {
        const now = Atomics.load(progress, 0);
        if (now === seen) {
          clearInterval(timer);
          reject(new Error(`no progress for ${stallMs} ms (a hang?) at mutation #${now}: ${currentLabel()}`));
        }
        seen = now;
      }, stallMs);
      worker.once('message', (report: FuzzReport) => {
        clearInterval(timer);
        resolve(report);
      });
      worker.once('error', (error) => {
        clearInterval(timer);
        reject(new Error(`the worker died at ${currentLabel()}: ${String(error)}`));
      });
      worker.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`the worker exited (${code}) at ${currentLabel()}`));
      });
    });
  } finally {
    await worker.terminate();
  }
}

/** `minimum`: how many mutations must have run (the generated ones are many). */
function assertReport(report: FuzzReport, minimum = 500): void {
  // Group the failures by what went wrong (the first line after the label), with one example each.
  const groups = new Map<string, { count: number; example: string }>();
  for (const { label, problem } of report.failures) {
    const kind = problem.split('\n')[0]!.replace(/\d+/g, 'N');
    const group = groups.get(kind);
    if (group) group.count++;
    else groups.set(kind, { count: 1, example: `${label}: ${problem}` });
  }
  const shown = [...groups.values()].map(({ count, example }) => `× ${count}: ${example}`).join('\n');
  assert.equal(
    report.failures.length,
    0,
    `${report.failures.length} of ${report.count} mutations misbehaved:\n${shown}\noutcomes: ${JSON.stringify(report.outcomes)}`,
  );
  assert.ok(report.count >= minimum, `only ${report.count} mutations ran`);
}

// --- crafted images and non-images -----------------------------------------------------------

/** The byte offset of the root node, when the root slot is a near reference. */
function rootOffset(image: Image): number {
  const slot = u32(new Uint8Array(image.segments[0]!), ROOT_SLOT_AT);
  assert.equal(slot & 3, 0, 'the root is a near reference');
  return slot;
}

/** Asserts that reading and verifying `image` both fail with a CowshareError or RangeError, quickly. */
function assertRejectedQuickly(image: Image, what: string): void {
  const before = process.memoryUsage();
  const started = performance.now();
  const verdict = exercise(image);
  const ms = performance.now() - started;
  const after = process.memoryUsage();
  assert.deepEqual(verdict.problems, [], what);
  assert.notEqual(verdict.read, 'ok', `${what}: reading succeeded`);
  assert.notEqual(verdict.verify, 'ok', `${what}: verify succeeded`);
  assert.ok(ms < 1000, `${what}: took ${ms.toFixed(0)} ms`);
  const grown = after.arrayBuffers + after.heapUsed - before.arrayBuffers - before.heapUsed;
  assert.ok(grown < 64 * 2 ** 20, `${what}: memory grew by ${(grown / 2 ** 20).toFixed(0)} MiB`);
}

function expectCode(fn: () => unknown, codes: readonly string[], what: string): void {
  assert.throws(
    fn,
    (error: unknown) => {
      assert.ok(error instanceof CowshareError, `${what}: expected a CowshareError, got ${String(error)}`);
      assert.ok(codes.includes(error.code), `${what}: code ${error.code}, expected ${codes.join(' or ')}`);
      return true;
    },
    what,
  );
}

if (!isMainThread && (workerData as { fuzz?: string } | null)?.fuzz) {
  const data = workerData as { fuzz: Fuzz; progress: Int32Array; label: Uint8Array };
  parentPort!.postMessage(runFuzz(data.progress, data.label, data.fuzz));
} else {
  describe('mutation fuzz', () => {
    test('small images: every truncation, byte flip and word overwrite', { timeout: 120_000 }, async () => {
      assertReport(await fuzzInWorker('small'));
    });

    test('a multi-segment image: dropped, swapped, zeroed and damaged segments', {
      timeout: 120_000,
    }, async () => {
      assertReport(await fuzzInWorker('segments'));
    });

    test("a layer's own segment (deltas, redirects): every truncation, byte flip and word overwrite", {
      timeout: 120_000,
    }, async () => {
      assertReport(await fuzzInWorker('layers'));
    });

    test('crafted: lying hash capacities, redirects into each other, sparse arrays with bad indices', {
      timeout: 60_000,
    }, async () => {
      assertReport(await fuzzInWorker('crafted', 10_000), 11);
    });
  });

  describe('non-images', () => {
    const notImages: [string, unknown][] = [
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['a string', 'COWSHARE'],
      ['{}', {}],
      ['{ segments: [] }', { segments: [] }],
      ['{ segments: "x" }', { segments: 'x' }],
      ['{ segments: [null] }', { segments: [null] }],
      ['a bare SharedArrayBuffer', pack(1).segments[0]],
      ['an unshared ArrayBuffer', { segments: [new ArrayBuffer(8)] }],
      [
        'an unshared copy of a real image',
        { segments: [new Uint8Array(pack({ a: 1 }).segments[0]!).slice().buffer] },
      ],
      ['a Uint8Array over a real image', { segments: [new Uint8Array(pack({ a: 1 }).segments[0]!)] }],
      ['8 zero bytes', { segments: [new SharedArrayBuffer(8)] }],
      ['zeros', { segments: [new SharedArrayBuffer(4096)] }],
    ];
    for (const [name, value] of notImages) {
      test(name, () => {
        expectCode(() => open(value as Image), ['NOT_IMAGE'], `open(${name})`);
        expectCode(() => verify(value as Image), ['NOT_IMAGE'], `verify(${name})`);
      });
    }

    test('wrong magic', () => {
      for (const at of [0, 3, 7]) {
        const image = copyImage(pack({ a: 1 }));
        const bytes = new Uint8Array(image.segments[0]!);
        bytes[at]! ^= 0x20;
        fixChecksum(bytes, HEADER_SIZE);
        expectCode(() => open(image), ['NOT_IMAGE'], `magic byte ${at}`);
        expectCode(() => verify(image), ['NOT_IMAGE'], `magic byte ${at}`);
      }
    });
  });

  describe('the header', () => {
    test('the CRC-32 used here is the standard one', () => {
      assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    });

    test('the header and segment headers are laid out as FORMAT.md §2–3 say', () => {
      for (const segmentSize of [undefined, 4096]) {
        const image = pack(
          Array.from({ length: 2000 }, (_, i) => `v${i}`),
          segmentSize ? { segmentSize } : {},
        );
        const first = new Uint8Array(image.segments[0]!);
        assert.equal(new TextDecoder().decode(first.subarray(0, 8)), 'COWSHARE');
        assert.equal(new DataView(first.buffer).getUint16(8, true), 1, 'major');
        assert.equal(u32(first, FIRST_SEGMENT_BYTES_AT), first.length, 'firstSegmentBytes');
        assert.equal(u32(first, SEGMENT_COUNT_AT), image.segments.length, 'segmentCount');
        assert.equal(u32(first, BASE_SEGMENT_COUNT_AT), 0, 'baseSegmentCount');
        assert.equal(u32(first, CHECKSUM_AT), headerChecksum(first, HEADER_SIZE), 'CRC-32 of [0, 64)');
        if (segmentSize) assert.ok(image.segments.length > 2);
        image.segments.forEach((s, i) => {
          assert.equal(s.byteLength % 8, 0, `segment ${i} length is a multiple of 8`);
          if (i === 0) return;
          const bytes = new Uint8Array(s);
          assert.equal(u32(bytes, 0), SEGMENT_MAGIC, `segment ${i} magic`);
          assert.equal(u32(bytes, 4), i, `segment ${i} index`);
          assert.equal(u32(bytes, 8), s.byteLength, `segment ${i} length`);
          assert.equal(u32(bytes, 12), 0, `segment ${i} reserved`);
        });
      }
    });

    test('a newer major version is VERSION', () => {
      for (const major of [2, 0xffff]) {
        const image = copyImage(pack({ a: [1, 2] }));
        const bytes = new Uint8Array(image.segments[0]!);
        new DataView(bytes.buffer).setUint16(8, major, true);
        fixChecksum(bytes, HEADER_SIZE);
        expectCode(() => open(image), ['VERSION'], `major ${major}`);
        expectCode(() => verify(image), ['VERSION'], `major ${major}`);
      }
    });

    test('an unknown required flag is VERSION; an optional hint is ignored', () => {
      const value = { a: [1, 2] };
      const required = copyImage(pack(value));
      const bytes = new Uint8Array(required.segments[0]!);
      setU32(bytes, 12, 1 << 3);
      fixChecksum(bytes, HEADER_SIZE);
      expectCode(() => open(required), ['VERSION'], 'required flag');

      const hinted = copyImage(pack(value));
      const hintBytes = new Uint8Array(hinted.segments[0]!);
      setU32(hintBytes, 12, 1 << 20);
      fixChecksum(hintBytes, HEADER_SIZE);
      assert.deepEqual(toJS(open(hinted)), value);
      verify(hinted);
    });

    test('pack declares resizable buffers in the required flags; verify refuses them undeclared', () => {
      const plain = pack({ a: new Uint8Array(4) });
      assert.equal(u32(new Uint8Array(plain.segments[0]!), 12), 0);
      for (const value of [
        new ArrayBuffer(4, { maxByteLength: 8 }),
        new Uint8Array(new ArrayBuffer(4, { maxByteLength: 8 }), 1),
      ]) {
        const image = copyImage(pack({ value }));
        const bytes = new Uint8Array(image.segments[0]!);
        assert.equal(u32(bytes, 12), 1, 'flag bit 0: resizable buffers');
        verify(image);
        setU32(bytes, 12, 0);
        fixChecksum(bytes, HEADER_SIZE);
        assert.throws(() => verify(image), /uses a feature its image header does not declare/);
      }
    });

    test('a newer minor version still opens', () => {
      const value = { a: [1, 2] };
      const image = copyImage(pack(value));
      const bytes = new Uint8Array(image.segments[0]!);
      new DataView(bytes.buffer).setUint16(10, 7, true);
      fixChecksum(bytes, HEADER_SIZE);
      assert.deepEqual(toJS(open(image)), value);
      verify(image);
    });

    test('a damaged header without a repaired checksum is CORRUPT', () => {
      for (const at of [12, 20, 28, 36, 52]) {
        const image = copyImage(pack({ a: [1, 2] }));
        new Uint8Array(image.segments[0]!)[at]! ^= 0x10;
        expectCode(() => open(image), ['CORRUPT'], `byte ${at}`);
      }
    });
  });

  describe('crafted lengths are rejected quickly, without allocating', () => {
    const ESCAPE = 0xffffff;
    /** Patches the root node of `pack(value)`: `patch(bytes, rootOffset)`. */
    const craft = (value: unknown, patch: (bytes: Uint8Array, at: number) => void): Image => {
      const image = copyImage(pack(value));
      patch(new Uint8Array(image.segments[0]!), rootOffset(image));
      return image;
    };
    const header = (kind: number, info: number): number => ((info << 8) | kind) >>> 0;
    const cases: [string, Image][] = [];
    for (const [name, value, kind] of [
      ['STRING_ASCII', 'x'.repeat(40), 0x01],
      ['STRING_UTF16', 'é'.repeat(40), 0x02],
      ['ARRAY', [1, 2, 3, 4, 5, 6], 0x08],
      [
        'MAP',
        new Map([
          [1, 2],
          [3, 4],
        ]),
        0x0b,
      ],
      ['SET', new Set([1, 2, 3]), 0x0c],
      ['BIGINT_POSITIVE', 2n ** 200n, 0x04],
    ] as const) {
      for (const length of [0x7fffffff, 0xffffffff, 0x00ffffff + 1]) {
        cases.push([
          `${name} with escaped length 0x${length.toString(16)}`,
          craft(value, (bytes, at) => {
            setU32(bytes, at, header(kind, ESCAPE));
            setU32(bytes, at + 4, length);
          }),
        ]);
      }
      cases.push([
        `${name} with length 0xfffffe`,
        craft(value, (bytes, at) => setU32(bytes, at, header(kind, 0xfffffe))),
      ]);
    }
    cases.push([
      'ARRAY_BUFFER with byteLength 0x7fffffff',
      craft(new ArrayBuffer(16), (bytes, at) => setU32(bytes, at + 4, 0x7fffffff)),
    ]);
    cases.push([
      'ARRAY_BUFFER with byteLength 0xfffffff8',
      craft(new ArrayBuffer(16), (bytes, at) => setU32(bytes, at + 4, 0xfffffff8)),
    ]);
    cases.push([
      'TYPED_ARRAY with length 0x7fffffff',
      craft(new Float64Array(4), (bytes, at) => setU32(bytes, at + 12, 0x7fffffff)),
    ]);
    cases.push([
      'TYPED_ARRAY with byteOffset 0x7ffffff8',
      craft(new Float64Array(4), (bytes, at) => setU32(bytes, at + 8, 0x7ffffff8)),
    ]);
    cases.push([
      'SPARSE_ARRAY with entry count 0x7fffffff',
      craft(Object.assign([], { 500000: 1 }), (bytes, at) => {
        setU32(bytes, at, header(0x09, ESCAPE));
        setU32(bytes, at + 4, 0x7fffffff);
      }),
    ]);
    cases.push([
      'OBJECT with shape index 0xfffffe',
      craft({ a: 1, b: 2 }, (bytes, at) => setU32(bytes, at, header(0x0a, 0xfffffe))),
    ]);
    cases.push(['an unknown node kind', craft([1, 2], (bytes, at) => setU32(bytes, at, header(0x7f, 2)))]);
    cases.push([
      'a root slot pointing past the end',
      (() => {
        const image = copyImage(pack([1, 2]));
        const bytes = new Uint8Array(image.segments[0]!);
        setU32(bytes, ROOT_SLOT_AT, 0x7ffffff0);
        fixChecksum(bytes, HEADER_SIZE);
        return image;
      })(),
    ]);
    cases.push([
      'an array that holds itself as every element',
      craft([1, 2, 3, 4, 5, 6, 7, 8], (bytes, at) => {
        for (let i = 1; i <= 8; i++) setU32(bytes, at + 4 * i, at);
      }),
    ]);
    // Hash indexes: a lookup must end after at most `capacity` buckets whatever the buckets hold.
    const hashed = () => new Map(Array.from({ length: 10 }, (_, i) => [`key${i}`, i]));
    /** Patches the hash index of the 10-entry MAP at the root: `patch(bytes, capacityOffset)`. */
    const craftIndex = (patch: (bytes: Uint8Array, at: number) => void): Image =>
      craft(hashed(), (bytes, at) => patch(bytes, at + 4 + 10 * 8));
    const indexCases: [string, Image][] = [
      [
        'a hash index with every bucket full',
        craftIndex((bytes, at) => {
          const capacity = u32(bytes, at);
          assert.equal(capacity, 10 + Math.floor(12 / 3) + 1, 'capacity as FORMAT.md §5');
          for (let i = 0; i < capacity; i++) setU32(bytes, at + 4 + 4 * i, 1 + (i % 10));
        }),
      ],
      ['a hash index of capacity 0', craftIndex((bytes, at) => setU32(bytes, at, 0))],
      ['a hash index of capacity 0x7fffffff', craftIndex((bytes, at) => setU32(bytes, at, 0x7fffffff))],
      [
        'a hash index whose buckets point past the entries',
        craftIndex((bytes, at) => {
          for (let i = 0; i < u32(bytes, at); i++) setU32(bytes, at + 4 + 4 * i, 0xffffffff - i);
        }),
      ],
    ];
    for (const [name, image] of indexCases) {
      test(name, () => {
        expectCode(() => verify(image), ['CORRUPT'], `verify: ${name}`);
        const verdict = exercise(image);
        assert.deepEqual(verdict.problems, [], name);
        const started = performance.now();
        for (const key of ['key0', 'key5', 'missing', 'also missing', 42, undefined]) {
          const outcome = attempt(() => {
            const view = open(image) as ReadonlyMap<unknown, unknown>;
            const found = view.get(key);
            assert.ok(
              found === undefined || typeof found === 'number',
              `get(${String(key)}) is ${String(found)}`,
            );
            view.has(key);
          });
          assert.ok(typeof outcome === 'string', `${name}, get(${String(key)}): ${JSON.stringify(outcome)}`);
        }
        assert.ok(performance.now() - started < 1000, `${name}: lookups took too long`);
      });
    }

    for (const [name, image] of cases) {
      if (name === 'an array that holds itself as every element') {
        test(name, () => {
          // A cycle is valid: it must be read (lazily) and copied (once per node), not rejected.
          const verdict = exercise(image);
          assert.deepEqual(verdict.problems, []);
        });
        continue;
      }
      test(name, () => {
        assertRejectedQuickly(image, name);
      });
    }
  });
}
