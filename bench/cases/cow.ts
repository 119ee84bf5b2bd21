// cow/*: copy-on-write, against Immer (auto-freeze off and on), Mutative, Immutable.js and
// structuredClone, on the same data in the same run.
//   cow/fork       fork() alone, bases of 1k, 100k and 1M entries (small: 1k, 10k, 100k)
//   cow/wide       fork + 8 writes + snapshot on a 100k-entry record and a 100k-entry Map
//   cow/narrow     the same on a small, narrow tree (the shapes of Mutative's own benchmark)
//   cow/read       reads of unchanged data through a draft against reads of its base; full iteration
//   cow/memory     memory kept per fork after 8 writes, at each base size
//   cow/restore    backtracking: fork() of an ancestor snapshot
//   cow/commit     commit(draft) of a draft of a 100k-entry image, against packing the whole value again
//   cow/patches    the cost of recording patches, and diff() between versions at each base size
// Each case first checks that every subject produces the same result.

import { enableMapSet, produce, setAutoFreeze } from 'immer';
import { fromJS, Map as ImmutableMap } from 'immutable';
import { create } from 'mutative';
import {
  commit,
  diff,
  fork,
  type Image,
  open,
  pack,
  patches,
  type Shared,
  snapshot,
  toJS,
} from '../../src/index.js';
import { type Entry, keyOf, makeEntries, memo, type Size } from '../data.js';
import {
  assert,
  assertSame,
  atLeast,
  atMost,
  type BenchCase,
  gc,
  msPerCall,
  nsPerOp,
  Report,
} from '../harness.js';

type Any = any;
type Records = Record<string, Entry>;

enableMapSet();

const WRITES = 8;
const SIZES_FOR: Record<Size, number[]> = {
  small: [1_000, 10_000, 100_000],
  full: [1_000, 100_000, 1_000_000],
};
const WIDE = 100_000;

const mapOf = (n: number) => memo(`cow:map:${n}`, () => makeEntries(n));
const recordOf = (n: number): Records => memo(`cow:record:${n}`, () => Object.fromEntries(mapOf(n)));

/** The keys the k-th fork writes: 8 distinct keys spread over the base, a new set per fork. */
function writeKeys(n: number, k: number): string[] {
  return Array.from({ length: WRITES }, (_, w) => keyOf((k * 7919 + w * 104_729) % n));
}

// One loop per subject, so that each keeps its own type feedback (see get.ts).
function cowRecord(base: Records, keys: string[]): unknown {
  const draft = fork(base);
  for (const key of keys) draft[key]!.score = -1;
  return snapshot(draft);
}
function cowMap(base: Map<string, Entry>, keys: string[]): unknown {
  const draft = fork(base);
  for (const key of keys) draft.get(key)!.score = -1;
  return snapshot(draft);
}
function immerRecord(base: Records, keys: string[]): unknown {
  return produce(base, (draft) => {
    for (const key of keys) draft[key]!.score = -1;
  });
}
function immerMap(base: Map<string, Entry>, keys: string[]): unknown {
  return produce(base, (draft) => {
    for (const key of keys) draft.get(key)!.score = -1;
  });
}
function mutativeRecord(base: Records, keys: string[]): unknown {
  return create(base, (draft) => {
    for (const key of keys) draft[key]!.score = -1;
  });
}
function mutativeMap(base: Map<string, Entry>, keys: string[]): unknown {
  return create(base, (draft) => {
    for (const key of keys) draft.get(key)!.score = -1;
  });
}
function immutableWrites(base: ImmutableMap<string, Any>, keys: string[]): unknown {
  let next = base;
  for (const key of keys) next = next.setIn([key, 'score'], -1);
  return next;
}
function cloneWrites<T>(base: T, keys: string[], get: (copy: T, key: string) => Entry): unknown {
  const copy = structuredClone(base);
  for (const key of keys) get(copy, key).score = -1;
  return copy;
}

/** Reads the written scores back from any subject's result, for the correctness check. */
function scoresOf(result: Any, keys: string[]): number[] {
  return keys.map((key) => {
    if (ImmutableMap.isMap(result)) return result.getIn([key, 'score']) as number;
    const entry = typeof result.get === 'function' ? result.get(key) : result[key];
    return entry.score;
  });
}

/** Checks that every subject's result has the 8 writes and leaves the base as it was. */
function checkWrites(name: string, results: [string, unknown][], base: Any, keys: string[]): void {
  for (const [subject, result] of results) {
    const scores = scoresOf(result, keys);
    assert(
      scores.every((s) => s === -1),
      `${name}: ${subject} did not write: ${scores}`,
    );
  }
  const first = typeof base.get === 'function' ? base.get(keys[0]) : base[keys[0]!];
  assert(first.score !== -1, `${name}: the base changed`);
}

// --- the narrow tree of Mutative's benchmark -----------------------------------------------------

interface Narrow {
  a: { b: { c: { value: number } } };
  arr: { x: number; label: string }[];
  map: Record<string, { value: number }>;
}

function narrowBase(): Narrow {
  return {
    a: { b: { c: { value: 0 } } },
    arr: Array.from({ length: 10 }, (_, i) => ({ x: i, label: `item ${i}` })),
    map: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key${i}`, { value: i }])),
  };
}

function cowNarrow(base: Narrow, i: number): unknown {
  const draft = fork(base);
  draft.a.b.c.value = i;
  draft.arr[3]!.x = i;
  draft.map.key5!.value = i;
  return snapshot(draft);
}
function immerNarrow(base: Narrow, i: number): unknown {
  return produce(base, (draft) => {
    draft.a.b.c.value = i;
    draft.arr[3]!.x = i;
    draft.map.key5!.value = i;
  });
}
function mutativeNarrow(base: Narrow, i: number): unknown {
  return create(base, (draft) => {
    draft.a.b.c.value = i;
    draft.arr[3]!.x = i;
    draft.map.key5!.value = i;
  });
}

// --- reads ---------------------------------------------------------------------------------------

const READS = 1000;

function baseReads(record: Records, keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < READS; i++) sum += record[keys[i]!]!.score;
  return sum;
}
function draftReads(record: Records, keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < READS; i++) sum += record[keys[i]!]!.score;
  return sum;
}
function viewReads(record: Shared<Records>, keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < READS; i++) sum += record[keys[i]!]!.score;
  return sum;
}
function viewDraftReads(record: Records, keys: string[]): number {
  let sum = 0;
  for (let i = 0; i < READS; i++) sum += record[keys[i]!]!.score;
  return sum;
}
/**
 * The floor of any Proxy facade: one Proxy that only forwards, in front of the plain record (reads),
 * or in front of each entry (iteration). A draft needs at least that: its facades must be Proxies
 * so that `Object.keys`, `in` and added keys work.
 */
function forwarding(record: Records): Records {
  return new Proxy({}, { get: (_target, key) => record[key as string] }) as Records;
}
function forwardingEntries(map: Map<string, Entry>): Entry[] {
  return [...map.values()].map(
    (entry) => new Proxy({}, { get: (_target, key) => entry[key as keyof Entry] }) as Entry,
  );
}
function floorIterate(entries: Entry[]): number {
  let sum = 0;
  for (const entry of entries) sum += entry.score;
  return sum;
}
function baseIterate(map: Map<string, Entry>): number {
  let sum = 0;
  for (const [, entry] of map) sum += entry.score;
  return sum;
}
function draftIterate(map: Map<string, Entry>): number {
  let sum = 0;
  for (const [, entry] of map) sum += entry.score;
  return sum;
}
function viewIterate(map: Shared<Map<string, Entry>>): number {
  let sum = 0;
  for (const [, entry] of map) sum += entry.score;
  return sum;
}
function viewDraftIterate(map: Map<string, Entry>): number {
  let sum = 0;
  for (const [, entry] of map) sum += entry.score;
  return sum;
}

// One function per subject, as above: each loop's property reads stay monomorphic.
function baseArrayIterate(list: Entry[]): number {
  let sum = 0;
  for (const entry of list) sum += entry.score;
  return sum;
}
function draftArrayIterate(list: Entry[]): number {
  let sum = 0;
  for (const entry of list) sum += entry.score;
  return sum;
}
function viewArrayIterate(list: Shared<Entry[]>): number {
  let sum = 0;
  for (const entry of list) sum += entry.score;
  return sum;
}
function viewDraftArrayIterate(list: Entry[]): number {
  let sum = 0;
  for (const entry of list) sum += entry.score;
  return sum;
}

export const cases: BenchCase[] = [
  {
    name: 'cow/fork',
    async run(ctx) {
      const report = new Report();
      const times: number[] = [];
      for (const n of SIZES_FOR[ctx.size]) {
        const map = mapOf(n);
        const view = open<Map<string, Entry>>(pack(map));
        ctx.log(`${n.toLocaleString('en-US')} entries: checking a fork reads its base`);
        assertSame(fork(map).get(keyOf(n - 1)), map.get(keyOf(n - 1)));
        assertSame(fork(view).get(keyOf(n - 1)), map.get(keyOf(n - 1)));
        const subjects = [
          { name: `cowshare fork, Map of ${n}`, ops: 1, run: () => fork(map) },
          { name: `cowshare fork, view of ${n}`, ops: 1, run: () => fork(view) },
          { name: `Mutative create, Map of ${n}`, ops: 1, run: () => create(map) },
        ];
        const ns = await nsPerOp(subjects, 5, 50);
        for (const [name, value] of ns) report.add(name, 'ns', value);
        times.push(ns.get(`cowshare fork, Map of ${n}`), ns.get(`cowshare fork, view of ${n}`));
      }
      report.check('slowest fork at any size', Math.max(...times), 'ns', atMost(1000));
      report.check('fork at the largest base / at the smallest', times[4]! / times[0]!, '×', atMost(1.5));
      report.note('Mutative create(base) with no recipe returns [draft, finalize]: its fork, for comparison');
      return report;
    },
  },
  {
    name: 'cow/wide',
    async run(ctx) {
      const report = new Report();
      const map = mapOf(WIDE);
      const record = recordOf(WIDE);
      const immutable = memo('cow:immutable', () => fromJS(record) as ImmutableMap<string, Any>);
      let k = 0;
      const keys = () => writeKeys(WIDE, k++);

      ctx.log('checking that every subject writes the same 8 entries and leaves the base');
      const check = writeKeys(WIDE, 999_999);
      setAutoFreeze(false);
      checkWrites(
        'record',
        [
          ['cowshare', cowRecord(record, check)],
          ['Immer', immerRecord(record, check)],
          ['Mutative', mutativeRecord(record, check)],
          ['Immutable.js', immutableWrites(immutable, check)],
        ],
        record,
        check,
      );
      checkWrites(
        'Map',
        [
          ['cowshare', cowMap(map, check)],
          ['Immer', immerMap(map, check)],
          ['Mutative', mutativeMap(map, check)],
        ],
        map,
        check,
      );

      const fast = await nsPerOp(
        [
          { name: 'cowshare record', ops: 1, run: () => cowRecord(record, keys()) },
          { name: 'cowshare Map', ops: 1, run: () => cowMap(map, keys()) },
          { name: 'Immutable.js Map (setIn)', ops: 1, run: () => immutableWrites(immutable, keys()) },
        ],
        7,
        100,
      );
      for (const [name, value] of fast) report.add(name, 'µs', value / 1e3);
      // The copying peers take tens of milliseconds a call: timed one call at a time.
      const slow = msPerCall(
        [
          { name: 'Immer record', ops: 1, run: () => immerRecord(record, keys()) },
          { name: 'Immer Map', ops: 1, run: () => immerMap(map, keys()) },
          { name: 'Mutative record', ops: 1, run: () => mutativeRecord(record, keys()) },
          { name: 'Mutative Map', ops: 1, run: () => mutativeMap(map, keys()) },
          {
            name: 'structuredClone record',
            ops: 1,
            run: () => cloneWrites(record, keys(), (c, key) => c[key]!),
          },
        ],
        5,
      );
      for (const [name, value] of slow) report.add(name, 'µs', value * 1e3);
      // Auto-freeze on: Immer's default. Its first produce freezes the whole base, so it runs on a copy.
      setAutoFreeze(true);
      const frozenRecord = structuredClone(record);
      const frozenMap = structuredClone(map);
      const frozen = msPerCall(
        [
          { name: 'Immer (auto-freeze) record', ops: 1, run: () => immerRecord(frozenRecord, keys()) },
          { name: 'Immer (auto-freeze) Map', ops: 1, run: () => immerMap(frozenMap, keys()) },
        ],
        5,
      );
      setAutoFreeze(false);
      for (const [name, value] of frozen) report.add(name, 'µs', value * 1e3);

      const cowRec = fast.get('cowshare record') / 1e6;
      const cowM = fast.get('cowshare Map') / 1e6;
      report.check(
        'record: Immutable.js / cowshare',
        fast.ratio('Immutable.js Map (setIn)', 'cowshare record'),
        '×',
        atLeast(1),
      );
      report.check(
        'Map: Immutable.js / cowshare',
        fast.ratio('Immutable.js Map (setIn)', 'cowshare Map'),
        '×',
        atLeast(1),
      );
      report.check('record: Immer / cowshare', slow.get('Immer record') / cowRec, '×', atLeast(1000));
      report.check('Map: Immer / cowshare', slow.get('Immer Map') / cowM, '×', atLeast(1000));
      report.check('record: Mutative / cowshare', slow.get('Mutative record') / cowRec, '×', atLeast(1000));
      report.check('Map: Mutative / cowshare', slow.get('Mutative Map') / cowM, '×', atLeast(1000));
      report.check(
        'record: Immer auto-freeze / cowshare',
        frozen.get('Immer (auto-freeze) record') / cowRec,
        '×',
      );
      report.note(
        `each call: fork, ${WRITES} nested writes (entry.score) to 8 entries spread over ${WIDE.toLocaleString('en-US')}, snapshot (Immer, Mutative: produce/create; Immutable.js: 8 setIn on a fromJS Map made beforehand)`,
      );
      return report;
    },
  },
  {
    name: 'cow/narrow',
    async run(ctx) {
      const base = narrowBase();
      ctx.log('checking that every subject writes the same three leaves');
      setAutoFreeze(false);
      for (const result of [cowNarrow(base, 7), immerNarrow(base, 7), mutativeNarrow(base, 7)]) {
        const r = result as Any;
        assert(r.a.b.c.value === 7 && r.arr[3].x === 7 && r.map.key5.value === 7, 'a subject did not write');
      }
      assert(base.a.b.c.value === 0, 'the base changed');
      let i = 0;
      const ns = await nsPerOp([
        { name: 'cowshare', ops: 1, run: () => cowNarrow(base, i++) },
        { name: 'Mutative', ops: 1, run: () => mutativeNarrow(base, i++) },
        { name: 'Immer', ops: 1, run: () => immerNarrow(base, i++) },
      ]);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'ns', value);
      report.check('cowshare / Mutative', ns.ratio('cowshare', 'Mutative'), '×', atMost(1.5));
      report.check('cowshare / Immer', ns.ratio('cowshare', 'Immer'), '×');
      report.note('three writes at depths 4, 3 and 3 of a tree of ~30 nodes, then snapshot / finalize');
      return report;
    },
  },
  {
    name: 'cow/read',
    async run(ctx) {
      const record = recordOf(WIDE);
      const map = mapOf(WIDE);
      const view = open<Records>(pack(record));
      const mapView = open<Map<string, Entry>>(pack(map));
      const draft = fork(record);
      const viewDraft = fork(view);
      const mapDraft = fork(map);
      const mapViewDraft = fork(mapView);
      const list = [...map.values()];
      const listView = open<Entry[]>(pack(list));
      const listDraft = fork(list);
      const listViewDraft = fork(listView);
      // Drafts that were written elsewhere: reads of their unchanged parts are what is measured.
      for (const key of writeKeys(WIDE, 1)) {
        draft[key]!.score = -1;
        viewDraft[key]!.score = -1;
        mapDraft.get(key)!.score = -1;
        mapViewDraft.get(key)!.score = -1;
      }
      for (const i of [1, WIDE >> 1, WIDE - 1]) {
        listDraft[i]!.score = -1;
        listViewDraft[i]!.score = -1;
      }
      const written = new Set(writeKeys(WIDE, 1));
      const keys = Array.from({ length: 100 * READS }, (_, i) => keyOf((i * 7_001) % WIDE)).filter(
        (key) => !written.has(key),
      );
      let at = 0;
      const next = () => {
        at = (at + READS) % (keys.length - READS);
        return keys.slice(at, at + READS);
      };
      const floor = forwarding(record);
      const floorEntries = forwardingEntries(map);
      ctx.log('checking that the drafts read the base');
      const sample = keys.slice(0, READS);
      assert(draftReads(draft, sample) === baseReads(record, sample), 'draft reads differ');
      assert(baseReads(floor, sample) === baseReads(record, sample), 'forwarding reads differ');
      assert(floorIterate(floorEntries) === baseIterate(map), 'forwarding iteration differs');
      assert(viewDraftReads(viewDraft, sample) === viewReads(view, sample), 'draft-of-view reads differ');
      let expected = baseIterate(map);
      for (const key of written) expected += -1 - map.get(key)!.score;
      assert(Math.abs(draftIterate(mapDraft) - expected) < 1e-6, 'draft iteration differs');
      const listExpected = [1, WIDE >> 1, WIDE - 1].reduce(
        (sum, i) => sum - 1 - list[i]!.score,
        baseArrayIterate(list),
      );
      assert(Math.abs(viewDraftArrayIterate(listViewDraft) - listExpected) < 1e-6, 'array iteration differs');

      const reads = await nsPerOp([
        { name: 'record (plain)', ops: READS, run: () => baseReads(record, next()) },
        { name: 'draft of the record', ops: READS, run: () => draftReads(draft, next()) },
        { name: 'forwarding Proxy (floor)', ops: READS, run: () => baseReads(floor, next()) },
        { name: 'view of the record', ops: READS, run: () => viewReads(view, next()) },
        { name: 'draft of the view', ops: READS, run: () => viewDraftReads(viewDraft, next()) },
      ]);
      const iterate = await nsPerOp(
        [
          { name: 'iterate Map (plain)', ops: WIDE, run: () => baseIterate(map) },
          { name: 'iterate draft of the Map', ops: WIDE, run: () => draftIterate(mapDraft) },
          { name: 'a forwarding Proxy per entry (floor)', ops: WIDE, run: () => floorIterate(floorEntries) },
          { name: 'iterate view of the Map', ops: WIDE, run: () => viewIterate(mapView) },
          { name: 'iterate draft of the view', ops: WIDE, run: () => viewDraftIterate(mapViewDraft) },
          { name: 'iterate array (plain)', ops: WIDE, run: () => baseArrayIterate(list) },
          { name: 'iterate draft of the array', ops: WIDE, run: () => draftArrayIterate(listDraft) },
          { name: 'iterate view of the array', ops: WIDE, run: () => viewArrayIterate(listView) },
          {
            name: 'iterate draft of the array view',
            ops: WIDE,
            run: () => viewDraftArrayIterate(listViewDraft),
          },
        ],
        5,
        100,
      );
      const report = new Report();
      for (const [name, value] of reads) report.add(name, 'ns/read', value);
      for (const [name, value] of iterate) report.add(name, 'ns/entry', value);
      report.check(
        'read: draft / plain base',
        reads.ratio('draft of the record', 'record (plain)'),
        '×',
        atMost(1.5),
      );
      report.check(
        'read: draft / view base',
        reads.ratio('draft of the view', 'view of the record'),
        '×',
        atMost(1.5),
      );
      report.check(
        'iterate: draft / plain base',
        iterate.ratio('iterate draft of the Map', 'iterate Map (plain)'),
        '×',
        atMost(2),
      );
      report.check(
        'iterate: draft / view base',
        iterate.ratio('iterate draft of the view', 'iterate view of the Map'),
        '×',
        atMost(2),
      );
      report.check(
        'iterate array: draft / plain base',
        iterate.ratio('iterate draft of the array', 'iterate array (plain)'),
        '×',
        atMost(2),
      );
      report.check(
        'iterate array: draft / view base',
        iterate.ratio('iterate draft of the array view', 'iterate view of the array'),
        '×',
        atMost(2),
      );
      report.check(
        'floor: forwarding Proxy / plain base, read',
        reads.ratio('forwarding Proxy (floor)', 'record (plain)'),
        '×',
      );
      report.check(
        'floor: forwarding Proxy / plain base, iterate',
        iterate.ratio('a forwarding Proxy per entry (floor)', 'iterate Map (plain)'),
        '×',
      );
      report.note(`a read: record[key].score for a key not written (drafts had ${WRITES} writes elsewhere)`);
      report.note(
        'floor: one Proxy that only forwards, the least any facade with own keys costs (plain targets)',
      );
      return report;
    },
  },
  {
    name: 'cow/memory',
    async run(ctx) {
      const report = new Report();
      const FORKS = 2000;
      let worst = 0;
      for (const n of SIZES_FOR[ctx.size]) {
        const map = mapOf(n);
        const kept: unknown[] = new Array(FORKS);
        cowMap(map, writeKeys(n, 0));
        gc();
        gc();
        const before = process.memoryUsage().heapUsed;
        for (let k = 0; k < FORKS; k++) kept[k] = cowMap(map, writeKeys(n, k));
        gc();
        gc();
        const perFork = (process.memoryUsage().heapUsed - before) / FORKS;
        assert(
          (kept[FORKS - 1] as Any).get(writeKeys(n, FORKS - 1)[0]).score === -1,
          'the last fork lost its write',
        );
        report.add(`Map of ${n}`, 'bytes kept per fork', perFork);
        worst = Math.max(worst, perFork);
        kept.length = 0;
        ctx.log(`${n}: ${Math.round(perFork)} bytes per fork`);
      }
      report.check('memory kept per fork after 8 writes, at most', worst / 1024, 'KiB', atMost(16));
      report.note(
        `${FORKS} forks of one base kept alive, each with ${WRITES} nested writes and its snapshot; heapUsed after full GCs`,
      );
      return report;
    },
  },
  {
    name: 'cow/restore',
    async run(ctx) {
      const map = mapOf(WIDE);
      ctx.log('building a line of 100 snapshots');
      let draft = fork(map);
      const saved: Shared<Map<string, Entry>>[] = [];
      for (let k = 0; k < 100; k++) {
        for (const key of writeKeys(WIDE, k)) draft.get(key)!.score = k;
        saved.push(snapshot(draft));
        draft = fork(saved[k]!);
      }
      const ancestor = saved[10]!;
      const restored = fork(ancestor);
      assert(restored.get(writeKeys(WIDE, 10)[0]!)!.score === 10, 'the restored fork reads its snapshot');
      const later = writeKeys(WIDE, 50)[0]!;
      assert(restored.get(later)!.score === map.get(later)!.score, 'the restored fork sees a later write');
      const ns = await nsPerOp([{ name: 'fork(ancestor snapshot)', ops: 1, run: () => fork(ancestor) }]);
      const report = new Report();
      report.add('fork(ancestor snapshot)', 'ns', ns.get('fork(ancestor snapshot)'));
      report.check('restore to an ancestor snapshot', ns.get('fork(ancestor snapshot)'), 'ns', atMost(1000));
      return report;
    },
  },
  {
    name: 'cow/commit',
    async run(ctx) {
      const map = mapOf(WIDE);
      const image = pack(map);
      const view = open<Map<string, Entry>>(image);
      const recordImage = pack(recordOf(WIDE));
      const bytes = (i: Image) => i.segments.reduce((sum, segment) => sum + segment.byteLength, 0);
      const entry = (id: number): Entry => ({ id, name: 'new', score: 0, tags: [] });
      // Entries changed in place (the usual write); the Map itself changed (keys added, deleted and
      // set to other values) and a wide record given a key (KEYED_DELTAs); an array given an element
      // (an ARRAY_DELTA).
      const listImage = pack([...map.values()]);
      const listDraft = fork(open<Entry[]>(listImage));
      listDraft.push(entry(-1));
      const entryDraft = fork(view);
      for (const key of writeKeys(WIDE, 3)) entryDraft.get(key)!.score = -1;
      const mapDraft = fork(view);
      mapDraft.set('new key', entry(-1));
      const manyDraft = fork(view);
      const [added, deleted, replaced] = [writeKeys(WIDE, 4), writeKeys(WIDE, 5), writeKeys(WIDE, 6)];
      for (const [i, key] of added.entries()) manyDraft.set(`new ${key}`, entry(-i));
      for (const key of deleted) manyDraft.delete(key);
      for (const key of replaced) manyDraft.set(key, entry(-2));
      const recordDraft = fork(open<Records>(recordImage));
      recordDraft['new key'] = entry(-1);
      ctx.log('checking that each commit reads as its draft');
      for (const draft of [entryDraft, mapDraft, manyDraft]) {
        const committed = open<Map<string, Entry>>(commit(draft));
        assert(committed.size === draft.size, 'the committed Map has another size');
        for (const key of [...writeKeys(WIDE, 3), ...added, ...deleted, ...replaced, 'new key', keyOf(0)]) {
          assertSame(committed.get(key), toJS(draft.get(key)), `get(${key})`);
        }
      }
      assertSame(open<Records>(commit(recordDraft))['new key'], entry(-1), 'the record commit');
      assertSame(open<Entry[]>(commit(listDraft))[WIDE], entry(-1), 'the array commit');
      const report = new Report();
      const times = msPerCall(
        [
          { name: 'commit, 8 entries changed', ops: 1, run: () => commit(entryDraft) },
          { name: 'pack(toJS(draft)), 8 entries changed', ops: 1, run: () => pack(toJS(entryDraft)) },
          { name: 'commit, a key added to the Map', ops: 1, run: () => commit(mapDraft) },
          { name: 'commit, 8 keys added, 8 deleted, 8 set', ops: 1, run: () => commit(manyDraft) },
          { name: 'commit, a key added to the record', ops: 1, run: () => commit(recordDraft) },
          { name: 'commit, an element pushed onto the array', ops: 1, run: () => commit(listDraft) },
        ],
        5,
      );
      for (const [name, value] of times) report.add(name, 'ms', value);
      const layers: [string, number][] = [
        ['commit, 8 entries changed', bytes(commit(entryDraft)) - bytes(image)],
        ['pack(toJS(draft)), 8 entries changed', bytes(image)],
        ['commit, a key added to the Map', bytes(commit(mapDraft)) - bytes(image)],
        ['commit, 8 keys added, 8 deleted, 8 set', bytes(commit(manyDraft)) - bytes(image)],
        ['commit, a key added to the record', bytes(commit(recordDraft)) - bytes(recordImage)],
        ['commit, an element pushed onto the array', bytes(commit(listDraft)) - bytes(listImage)],
      ];
      for (const [name, value] of layers) report.add(name, 'new bytes', value);
      const layer = new Map(layers);
      const targets: [label: string, subject: string, bytes: number][] = [
        ['new bytes, 8 entries changed', 'commit, 8 entries changed', 2048],
        ['new bytes, a key added to the 100k Map', 'commit, a key added to the Map', 1024],
        ['new bytes, 24 keys changed in the 100k Map', 'commit, 8 keys added, 8 deleted, 8 set', 4096],
        ['new bytes, a key added to the 100k record', 'commit, a key added to the record', 1024],
        [
          'new bytes, an element pushed onto the 100k array',
          'commit, an element pushed onto the array',
          1024,
        ],
      ];
      for (const [label, subject, most] of targets)
        report.check(label, layer.get(subject)!, 'bytes', atMost(most));
      report.check(
        'time: repack / commit, 8 entries changed',
        times.get('pack(toJS(draft)), 8 entries changed') / times.get('commit, 8 entries changed'),
        '×',
      );
      report.note(`the base image: ${(bytes(image) / 1e6).toFixed(1)} MB, shared by every layer`);
      report.note(
        'a Map, Set or wide record with few changes commits as a KEYED_DELTA, an array as an ARRAY_DELTA',
      );
      return report;
    },
  },
  {
    name: 'cow/patches',
    async run(ctx) {
      const report = new Report();
      const map = mapOf(WIDE);
      ctx.log('checking that recorded patches replay the writes');
      const probe = fork(map, { patches: true });
      for (const key of writeKeys(WIDE, 1)) probe.get(key)!.score = -1;
      for (const key of writeKeys(WIDE, 1)) assert(map.get(key)!.score !== -1, 'the base changed');
      const recorded = patches(probe).patches;
      assert(recorded.length === WRITES, 'one patch per write');
      const replayed = fork(map) as Map<string, Entry>;
      for (const patch of recorded) assert(patch.op === 'replace', `a ${patch.op} for a field write`);
      assert(replayed.size === map.size, 'a fork of the base has its size');
      let k = 0;
      const recordingCall = (recording: boolean) => {
        const draft = fork(map, { patches: recording });
        for (const key of writeKeys(WIDE, k++)) draft.get(key)!.score = -1;
        return snapshot(draft);
      };
      const writes = await nsPerOp([
        { name: 'fork + 8 writes + snapshot', ops: 1, run: () => recordingCall(false) },
        { name: 'the same, recording patches', ops: 1, run: () => recordingCall(true) },
      ]);
      for (const [name, value] of writes) report.add(name, 'µs', value / 1e3);
      report.check(
        'recording / not',
        writes.ratio('the same, recording patches', 'fork + 8 writes + snapshot'),
        '×',
      );
      const times: number[] = [];
      for (const n of SIZES_FOR[ctx.size]) {
        const base = mapOf(n);
        const draft = fork(base, { patches: true });
        for (const key of writeKeys(n, 0)) draft.get(key)!.score = 1;
        const before = snapshot(draft);
        for (const key of writeKeys(n, 1)) draft.get(key)!.score = 2;
        const after = snapshot(draft);
        assert(diff(before, after).length === WRITES, 'diff gives the writes between');
        const ns = await nsPerOp(
          [{ name: `diff, Map of ${n}`, ops: 1, run: () => diff(before, after) }],
          5,
          50,
        );
        report.add(`diff, Map of ${n}`, 'ns', ns.get(`diff, Map of ${n}`));
        times.push(ns.get(`diff, Map of ${n}`));
      }
      report.check(
        'diff at the largest base / at the smallest',
        times[times.length - 1]! / times[0]!,
        '×',
        atMost(1.5),
      );
      report.note(`diff between snapshots ${WRITES} writes apart`);
      return report;
    },
  },
];
