// get/*: a keyed lookup and one field read, cowshare view against the same data as live V8 objects.
// Every loop is its own function so that each keeps its own (monomorphic) type feedback: a shared
// helper called with both a native Map and a view would measure a polymorphic call site instead.

import { open, pack, type Shared, toJS } from '../../src/index.js';
import { type Entry, entries, makeLookupKeys, memo, SIZES, type Size } from '../data.js';
import { assert, assertSame, atMost, type BenchCase, nsPerOp, Report, type Subject } from '../harness.js';

/** Lookups per timed call; the call walks on through the key sequence, so no batch repeats. */
const BATCH = 1000;

type Records = Record<string, Entry>;
type MapView = Shared<Map<string, Entry>>;
type ObjectView = Shared<Records>;

const objectOf = (size: Size): Records => memo(`object:${size}`, () => Object.fromEntries(entries(size)));
const mapImage = (size: Size) => memo(`image:map:${size}`, () => pack(entries(size)));
const objectImage = (size: Size) => memo(`image:object:${size}`, () => pack(objectOf(size)));
const lookupKeys = (size: Size): string[] =>
  memo(`keys:${size}`, () => makeLookupKeys(SIZES[size].entries, SIZES[size].entries));

function nativeMapScore(map: Map<string, Entry>, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.score;
  return sum;
}
function viewMapScore(map: MapView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.score;
  return sum;
}
function nativeMapName(map: Map<string, Entry>, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.name.length;
  return sum;
}
function viewMapName(map: MapView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.name.length;
  return sum;
}
function nativeObjectScore(object: Records, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.score;
  return sum;
}
function viewObjectScore(object: ObjectView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.score;
  return sum;
}
function nativeObjectName(object: Records, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.name.length;
  return sum;
}
function viewObjectName(object: ObjectView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.name.length;
  return sum;
}

// The same loops again for record views (`open(image, { objects: 'record' })`): separate functions, so
// that each keeps its own type feedback.
function recordMapScore(map: MapView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.score;
  return sum;
}
function recordMapName(map: MapView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += map.get(keys[i]!)!.name.length;
  return sum;
}
function recordObjectScore(object: ObjectView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.score;
  return sum;
}
function recordObjectName(object: ObjectView, keys: string[], from: number): number {
  let sum = 0;
  for (let i = from; i < from + BATCH; i++) sum += object[keys[i]!]!.name.length;
  return sum;
}

type Loop<T> = (source: T, keys: string[], from: number) => number;

/** A subject that runs `loop` over the next BATCH keys each call. */
function walker<T>(name: string, source: T, keys: string[], loop: Loop<T>): Subject {
  let from = 0;
  return {
    name,
    ops: BATCH,
    run: () => {
      const sum = loop(source, keys, from);
      from = (from + BATCH) % keys.length;
      return sum;
    },
  };
}

interface GetCase<N, V> {
  name: string;
  native: (size: Size) => N;
  view: (size: Size) => V;
  /** The same image opened with `objects: 'record'`. */
  record: (size: Size) => V;
  /** Reads one key through the public API, for the correctness check. */
  lookup: (source: N | V, key: string) => unknown;
  nativeLoop: Loop<N>;
  viewLoop: Loop<V>;
  recordLoop: Loop<V>;
  peer: string;
  target: number;
}

function getCase<N, V>(spec: GetCase<N, V>): BenchCase {
  return {
    name: spec.name,
    async run(ctx) {
      const keys = lookupKeys(ctx.size);
      assert(keys.length % BATCH === 0, `key count ${keys.length} is not a multiple of ${BATCH}`);
      const native = spec.native(ctx.size);
      const view = spec.view(ctx.size);
      const record = spec.record(ctx.size);

      ctx.log('checking the views against the native data');
      for (let i = 0; i < keys.length; i += 97) {
        assertSame(spec.lookup(view, keys[i]!), spec.lookup(native, keys[i]!), `$[${keys[i]}]`);
        assertSame(
          toJS(spec.lookup(record, keys[i]!)),
          spec.lookup(native, keys[i]!),
          `record $[${keys[i]}]`,
        );
      }
      // Every batch once on both sides: checks every key, and leaves both sides in the same steady
      // state (JIT warm, V8's hash of each key string already cached) before timing starts.
      for (let from = 0; from < keys.length; from += BATCH) {
        const want = spec.nativeLoop(native, keys, from);
        const got = spec.viewLoop(view, keys, from);
        assert(got === want, `batch at ${from}: the view sums to ${got}, native to ${want}`);
        const recordGot = spec.recordLoop(record, keys, from);
        assert(
          recordGot === want,
          `batch at ${from}: the record view sums to ${recordGot}, native to ${want}`,
        );
      }

      const ns = await nsPerOp([
        walker(spec.peer, native, keys, spec.nativeLoop),
        walker('cowshare view', view, keys, spec.viewLoop),
        walker('cowshare record view', record, keys, spec.recordLoop),
      ]);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'ns/op', value);
      report.check(`cowshare / ${spec.peer}`, ns.ratio('cowshare view', spec.peer), '×', atMost(spec.target));
      report.check(
        `cowshare records / ${spec.peer}`,
        ns.ratio('cowshare record view', spec.peer),
        '×',
        atMost(spec.target),
      );
      return report;
    },
  };
}

const mapGet = (source: Map<string, Entry> | MapView, key: string): unknown => source.get(key);
const objectGet = (source: Records | ObjectView, key: string): unknown => source[key];
const mapView = (size: Size): MapView => open<Map<string, Entry>>(mapImage(size));
const objectView = (size: Size): ObjectView => open<Records>(objectImage(size));
const mapRecords = (size: Size): MapView => open<Map<string, Entry>>(mapImage(size), { objects: 'record' });
const objectRecords = (size: Size): ObjectView => open<Records>(objectImage(size), { objects: 'record' });

export const cases: BenchCase[] = [
  getCase({
    name: 'get/map-number',
    native: entries,
    view: mapView,
    record: mapRecords,
    lookup: mapGet,
    nativeLoop: nativeMapScore,
    viewLoop: viewMapScore,
    recordLoop: recordMapScore,
    peer: 'native Map',
    target: 1.3,
  }),
  getCase({
    name: 'get/map-string',
    native: entries,
    view: mapView,
    record: mapRecords,
    lookup: mapGet,
    nativeLoop: nativeMapName,
    viewLoop: viewMapName,
    recordLoop: recordMapName,
    peer: 'native Map',
    target: 1.3,
  }),
  getCase({
    name: 'get/object-number',
    native: objectOf,
    view: objectView,
    record: objectRecords,
    lookup: objectGet,
    nativeLoop: nativeObjectScore,
    viewLoop: viewObjectScore,
    recordLoop: recordObjectScore,
    peer: 'native object',
    target: 1.3,
  }),
  getCase({
    name: 'get/object-string',
    native: objectOf,
    view: objectView,
    record: objectRecords,
    lookup: objectGet,
    nativeLoop: nativeObjectName,
    viewLoop: viewObjectName,
    recordLoop: recordObjectName,
    peer: 'native object',
    target: 1.3,
  }),
];
