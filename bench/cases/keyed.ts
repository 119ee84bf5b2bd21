// keyed/*: keyed reads in the two warm regimes servers meet (issue 15), native and lmdb-js beside
// cowshare in the same run. get/* is the third, cold regime.
// - `zipf`: keys drawn from a Zipf(1) distribution over the entries (a few hot keys, a long tail),
//   each lookup with a freshly made key string, as a server gets it from a request: its hash is not
//   cached, and every subject pays for making it.
// - `hashed`: uniform keys that are the Map's own key strings: V8's hash of each is already cached, so
//   native pays one hash-table probe and a pointer compare.
// Each through a Map (`map.get(k)`, `map.has(k)`) and a wide plain object (`obj[k]`, `k in obj`: a
// DICT node). lmdb-js runs with `cache: true`, its decoded-value cache; it has no `in`, so its `has`
// is `doesExist`. Loops are separate functions, one per subject and read, for monomorphic feedback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, open as openLmdb } from 'lmdb';
import { open, pack, type Shared, toJS } from '../../src/index.js';
import { type Entry, entries, keyOf, memo, Rng, SIZES, type Size } from '../data.js';
import { assert, assertSame, atMost, type BenchCase, nsPerOp, Report, type Subject } from '../harness.js';

/** Lookups per timed call. */
const BATCH = 1000;
/** Lookups in a stream (then it repeats), a multiple of BATCH: long enough that no pattern repeats soon. */
const STREAM = 1_024_000;

type Records = Record<string, Entry>;
type MapView = Shared<Map<string, Entry>>;
type ObjectView = Shared<Records>;

/** Keys as the entries have them (`key:000042`), made anew from an index: a fresh string each call. */
const freshKey = keyOf;

/** A stream of entry indices: Zipf(1) ranks (P(rank r) ∝ 1/r) mapped to entries at random. */
function zipfStream(n: number, length: number, seed = 11): Int32Array {
  const rng = new Rng(seed);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cumulative[r] = total += 1 / (r + 1);
  // Rank r's entry: a random permutation, so that hot entries are scattered over the image.
  const entryOfRank = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [entryOfRank[i], entryOfRank[j]] = [entryOfRank[j]!, entryOfRank[i]!];
  }
  const stream = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const u = rng.float() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    stream[i] = entryOfRank[lo]!;
  }
  return stream;
}

/** A uniform stream of entry indices. */
function uniformStream(n: number, length: number, seed = 12): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length }, () => rng.int(n));
}

const objectOf = (size: Size): Records => memo(`object:${size}`, () => Object.fromEntries(entries(size)));
const mapImage = (size: Size) => memo(`image:map:${size}`, () => pack(entries(size)));
const objectImage = (size: Size) => memo(`image:object:${size}`, () => pack(objectOf(size)));

/** An lmdb-js database of the entries, opened with its decoded-value cache; removed at exit. */
function lmdbOf(size: Size): Database<Entry, string> {
  return memo(`lmdb:${size}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'cowshare-bench-lmdb-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const db = openLmdb<Entry, string>({ path: dir, cache: true });
    const all = [...entries(size)];
    for (let from = 0; from < all.length; from += 100_000) {
      db.transactionSync(() => {
        for (const [key, value] of all.slice(from, from + 100_000)) db.put(key, value);
      });
    }
    return db;
  });
}

// --- the loops: `keys` is the stream; `own` the Map's own key strings (hashed), or undefined (fresh)

type Loop<T> = (source: T, stream: Int32Array, own: string[] | undefined, from: number) => number;
const key = (stream: Int32Array, own: string[] | undefined, i: number): string =>
  own === undefined ? freshKey(stream[i]!) : own[stream[i]!]!;

function mapScore(map: Map<string, Entry>, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.score;
  return sum;
}
function mapViewScore(map: MapView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.score;
  return sum;
}
function mapRecordScore(map: MapView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.score;
  return sum;
}
function lmdbScore(
  db: Database<Entry, string>,
  s: Int32Array,
  own: string[] | undefined,
  from: number,
): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += db.get(key(s, own, i))!.score;
  return sum;
}
function mapName(map: Map<string, Entry>, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.name.length;
  return sum;
}
function mapViewName(map: MapView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.name.length;
  return sum;
}
function mapRecordName(map: MapView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(key(s, own, i))!.name.length;
  return sum;
}
function lmdbName(
  db: Database<Entry, string>,
  s: Int32Array,
  own: string[] | undefined,
  from: number,
): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += db.get(key(s, own, i))!.name.length;
  return sum;
}
function mapHas(map: Map<string, Entry>, s: Int32Array, own: string[] | undefined, from: number): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (map.has(key(s, own, i))) n++;
  return n;
}
function mapViewHas(map: MapView, s: Int32Array, own: string[] | undefined, from: number): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (map.has(key(s, own, i))) n++;
  return n;
}
function lmdbHas(
  db: Database<Entry, string>,
  s: Int32Array,
  own: string[] | undefined,
  from: number,
): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (db.doesExist(key(s, own, i))) n++;
  return n;
}
function objectScore(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.score;
  return sum;
}
function objectViewScore(o: ObjectView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.score;
  return sum;
}
function objectRecordScore(o: ObjectView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.score;
  return sum;
}
function objectName(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.name.length;
  return sum;
}
function objectViewName(o: ObjectView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.name.length;
  return sum;
}
function objectRecordName(o: ObjectView, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.name.length;
  return sum;
}
function objectHas(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (key(s, own, i) in o) n++;
  return n;
}
function objectViewHas(o: ObjectView, s: Int32Array, own: string[] | undefined, from: number): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (key(s, own, i) in o) n++;
  return n;
}

const FLOOR = 'making the key strings alone (floor)';
function keyLengths(stream: Int32Array, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += freshKey(stream[i]!).length;
  return sum;
}

/**
 * The floor of any object facade: a Proxy whose traps only forward to the native Map. A Proxy's `get`
 * with a key string V8 has not internalized makes it a property key first (its `has` does not), which
 * native objects and Map lookups never pay; cowshare's object view is such a Proxy.
 */
const proxyOverMap = (size: Size): Records =>
  memo(`proxy-over-map:${size}`, () => {
    const map = entries(size);
    return new Proxy({} as Records, {
      get: (_, k) => (typeof k === 'string' ? map.get(k) : undefined),
      has: (_, k) => typeof k === 'string' && map.has(k),
    });
  });
const FLOOR_PROXY = 'forwarding Proxy over the Map (floor)';
function floorScore(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.score;
  return sum;
}
function floorName(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += o[key(s, own, i)]!.name.length;
  return sum;
}
function floorHas(o: Records, s: Int32Array, own: string[] | undefined, from: number): number {
  let n = 0;
  for (let i = from; i < from + BATCH; i++) if (key(s, own, i) in o) n++;
  return n;
}

/** One subject of a case: its source, its timed loop, and one read through it for the check. */
interface Side {
  name: string;
  source: (size: Size) => unknown;
  loop: Loop<unknown>;
  lookup: (source: unknown, key: string) => unknown;
}
function side<T>(
  name: string,
  source: (size: Size) => T,
  loop: Loop<T>,
  lookup: (source: T, key: string) => unknown,
): Side {
  return { name, source, loop: loop as Loop<unknown>, lookup: lookup as Side['lookup'] };
}

const mapView = (size: Size): MapView => open<Map<string, Entry>>(mapImage(size));
const mapRecords = (size: Size): MapView => open<Map<string, Entry>>(mapImage(size), { objects: 'record' });
const objectView = (size: Size): ObjectView => open<Records>(objectImage(size));
const objectRecords = (size: Size): ObjectView => open<Records>(objectImage(size), { objects: 'record' });

interface KeyedSpec {
  name: string;
  regime: 'zipf' | 'hashed';
  /** The native subject first: the targets are against it. */
  sides: Side[];
  target: number;
}

function keyedCase(spec: KeyedSpec): BenchCase {
  return {
    name: spec.name,
    async run(ctx) {
      const n = SIZES[ctx.size].entries;
      const stream = memo(`${spec.regime}-stream:${ctx.size}`, () =>
        spec.regime === 'zipf' ? zipfStream(n, STREAM) : uniformStream(n, STREAM),
      );
      const own =
        spec.regime === 'hashed'
          ? memo(`own-keys:${ctx.size}`, () => [...entries(ctx.size).keys()])
          : undefined;
      if (own !== undefined) {
        for (let i = 0; i < n; i += 9973) assert(own[i] === freshKey(i), `own key ${i} is ${own[i]}`);
      }
      ctx.log('opening the sources (the first keyed case writes the lmdb-js database)');
      const sources = spec.sides.map((s) => s.source(ctx.size));

      ctx.log('checking every subject against the native data');
      const [native, ...others] = spec.sides;
      for (let i = 0; i < n; i += 997) {
        const k = freshKey(i);
        const want = native!.lookup(sources[0], k);
        for (const [j, s] of others.entries()) {
          assertSame(toJS(s.lookup(sources[j + 1], k)), want, `${s.name} $[${k}]`);
        }
      }
      // Every subject over the whole stream once: equal sums per batch (every key of the stream
      // checked), and the same steady state for all before timing (JIT warm, lmdb-js's cache filled).
      for (let from = 0; from < STREAM; from += BATCH) {
        const sums = spec.sides.map((s, i) => s.loop(sources[i], stream, own, from));
        assert(
          sums.every((sum) => sum === sums[0]),
          `batch at ${from}: ${spec.sides.map((s, i) => `${s.name} ${sums[i]}`).join(', ')}`,
        );
      }

      const subjects: Subject[] = spec.sides.map((s, i) => {
        let from = 0;
        return {
          name: s.name,
          ops: BATCH,
          run: () => {
            const sum = s.loop(sources[i], stream, own, from);
            from = (from + BATCH) % STREAM;
            return sum;
          },
        };
      });
      if (own === undefined) {
        // What making the key strings alone costs: every subject pays it, so it is the floor.
        let from = 0;
        subjects.push({
          name: FLOOR,
          ops: BATCH,
          run: () => {
            const sum = keyLengths(stream, from);
            from = (from + BATCH) % STREAM;
            return sum;
          },
        });
      }
      const ns = await nsPerOp(subjects);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'ns/op', value);
      for (const s of others) {
        if (s.name === FLOOR_PROXY) {
          report.check(`${s.name} / ${native!.name}`, ns.ratio(s.name, native!.name), '×');
          continue;
        }
        if (s.name === LMDB) continue;
        report.check(`${s.name} / ${native!.name}`, ns.ratio(s.name, native!.name), '×', atMost(spec.target));
        report.check(`${s.name} / ${LMDB}`, ns.ratio(s.name, LMDB), '×');
      }
      report.note(
        spec.regime === 'zipf'
          ? 'Zipf(1) keys, each lookup with a freshly made key string (made by every subject alike)'
          : "uniform keys that are the Map's own key strings (their hashes cached)",
      );
      return report;
    },
  };
}

const LMDB = 'lmdb-js (cache: true)';
const getOf = (m: Map<string, Entry> | MapView, k: string) => m.get(k);
const hasOf = (m: Map<string, Entry> | MapView, k: string) => m.has(k);
const propOf = (o: Records | ObjectView, k: string) => o[k];
const inOf = (o: Records | ObjectView, k: string) => k in o;
const lmdbGet = (db: Database<Entry, string>, k: string) => db.get(k);
const lmdbExists = (db: Database<Entry, string>, k: string) => db.doesExist(k);

const mapSides = (
  native: Loop<Map<string, Entry>>,
  view: Loop<MapView>,
  record: Loop<MapView>,
  lmdb: Loop<Database<Entry, string>>,
): Side[] => [
  side('native Map', entries, native, getOf),
  side('cowshare view', mapView, view, getOf),
  side('cowshare record view', mapRecords, record, getOf),
  side(LMDB, lmdbOf, lmdb, lmdbGet),
];
const objectSides = (
  native: Loop<Records>,
  view: Loop<ObjectView>,
  record: Loop<ObjectView>,
  lmdb: Loop<Database<Entry, string>>,
  floor: Loop<Records>,
): Side[] => [
  side('native object', objectOf, native, propOf),
  side(FLOOR_PROXY, proxyOverMap, floor, propOf),
  side('cowshare view', objectView, view, propOf),
  side('cowshare record view', objectRecords, record, propOf),
  side(LMDB, lmdbOf, lmdb, lmdbGet),
];

/** The issue's targets: ≤ 1.5× native (Zipf, fresh keys), ≤ 3× (hashed keys); `has` ≤ 1.5× in each. */
export const cases: BenchCase[] = (['zipf', 'hashed'] as const).flatMap((regime) => {
  const target = regime === 'zipf' ? 1.5 : 3;
  return [
    keyedCase({
      name: `keyed/${regime}-map-number`,
      regime,
      sides: mapSides(mapScore, mapViewScore, mapRecordScore, lmdbScore),
      target,
    }),
    keyedCase({
      name: `keyed/${regime}-map-string`,
      regime,
      sides: mapSides(mapName, mapViewName, mapRecordName, lmdbName),
      target,
    }),
    keyedCase({
      name: `keyed/${regime}-map-has`,
      regime,
      sides: [
        side('native Map', entries, mapHas, hasOf),
        side('cowshare view', mapView, mapViewHas, hasOf),
        side(LMDB, lmdbOf, lmdbHas, lmdbExists),
      ],
      target: 1.5,
    }),
    keyedCase({
      name: `keyed/${regime}-object-number`,
      regime,
      sides: objectSides(objectScore, objectViewScore, objectRecordScore, lmdbScore, floorScore),
      target,
    }),
    keyedCase({
      name: `keyed/${regime}-object-string`,
      regime,
      sides: objectSides(objectName, objectViewName, objectRecordName, lmdbName, floorName),
      target,
    }),
    keyedCase({
      name: `keyed/${regime}-object-has`,
      regime,
      sides: [
        side('native object', objectOf, objectHas, inOf),
        side(FLOOR_PROXY, proxyOverMap, floorHas, inOf),
        side('cowshare view', objectView, objectViewHas, inOf),
        side(LMDB, lmdbOf, lmdbHas, lmdbExists),
      ],
      target: 1.5,
    }),
  ];
});
