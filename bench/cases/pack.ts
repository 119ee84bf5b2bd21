// pack/<dataset>: how fast a whole data set becomes bytes, and how many bytes, against msgpackr and
// v8.serialize on the same value in the same process.

import { deserialize, serialize } from 'node:v8';
import { Packr } from 'msgpackr';
import { open, pack } from '../../src/index.js';
import { bytes, docs, entries, SIZES, type Size } from '../data.js';
import {
  assertSame,
  atLeast,
  atMost,
  type BenchCase,
  imageBytes,
  MB,
  msPerCall,
  Report,
  type Subject,
} from '../harness.js';

interface DataSet {
  name: string;
  value(size: Size): unknown;
  /** What one "value" is, for values/s; undefined for a single blob. */
  count?(size: Size): number;
  /** Issue 15's targets (speed ≥ 0.5× msgpackr and ≥ 1× v8.serialize, image ≤ 1.25× msgpack) apply. */
  compareSize: boolean;
}

const SETS: DataSet[] = [
  { name: 'map', value: entries, count: (size) => SIZES[size].entries, compareSize: true },
  { name: 'docs', value: docs, count: (size) => SIZES[size].docs, compareSize: true },
  { name: 'bytes', value: bytes, compareSize: false },
];

const MSGPACKR = 'msgpackr (records)';
const MSGPACKR_CLONE = 'msgpackr (records, structuredClone)';
const V8 = 'v8.serialize';
const COWSHARE = 'cowshare pack';
const COWSHARE_TREE = 'cowshare pack (tree: true)';
const FLOOR = 'floor: identity walk';
const REPS = 5;

/**
 * The least any packer written in JavaScript with structuredClone's semantics does, and writes
 * nothing: visit every value, look each object up in an identity Map and add it (shared references
 * and cycles are found so), and read every character of every string (to copy or hash it). v8.serialize
 * does the same walk in C++, with an identity table keyed by address. Returns a checksum, so that no
 * part of the walk is dead code.
 */
function identityWalk(root: unknown): number {
  const seen = new Map<object, number>();
  let sum = 0;
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (let i = 0; i < value.length; i++) sum = (sum + value.charCodeAt(i)) | 0;
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (seen.get(value) !== undefined) return;
    seen.set(value, seen.size);
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k);
        visit(v);
      }
    } else if (ArrayBuffer.isView(value)) {
      sum = (sum + value.byteLength) | 0;
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i]);
    } else {
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) visit((value as Record<string, unknown>)[keys[i]!]);
    }
  };
  visit(root);
  return sum + seen.size;
}

function packCase(set: DataSet): BenchCase {
  return {
    name: `pack/${set.name}`,
    async run(ctx) {
      const value = set.value(ctx.size);
      const records = new Packr({ useRecords: true });
      const recordsClone = new Packr({ useRecords: true, structuredClone: true });

      ctx.log('checking every encoder round-trips the data');
      const image = pack(value);
      assertSame(open(image), value, '$cowshare');
      // The data sets are trees (no object reachable twice), so tree mode reads back the same.
      assertSame(open(pack(value, { tree: true })), value, '$cowshareTree');
      const outputs = new Map<string, number>([
        [MSGPACKR, records.pack(value).length],
        [MSGPACKR_CLONE, recordsClone.pack(value).length],
        [V8, serialize(value).length],
        [COWSHARE, imageBytes(image)],
        [COWSHARE_TREE, imageBytes(pack(value, { tree: true }))],
      ]);
      assertSame(records.unpack(records.pack(value)), value, '$msgpackr');
      assertSame(recordsClone.unpack(recordsClone.pack(value)), value, '$msgpackrClone');
      assertSame(deserialize(serialize(value)), value, '$v8');

      const subjects: Subject[] = [
        { name: MSGPACKR, ops: 1, run: () => records.pack(value) },
        { name: MSGPACKR_CLONE, ops: 1, run: () => recordsClone.pack(value) },
        { name: V8, ops: 1, run: () => serialize(value) },
        { name: COWSHARE, ops: 1, run: () => pack(value) },
        { name: COWSHARE_TREE, ops: 1, run: () => pack(value, { tree: true }) },
        { name: FLOOR, ops: 1, run: () => identityWalk(value) },
      ];
      ctx.log(`timing ${subjects.length} encoders × ${REPS}`);
      const ms = msPerCall(subjects, REPS);

      const report = new Report();
      const count = set.count?.(ctx.size);
      for (const { name } of subjects) {
        const time = ms.get(name);
        const out = outputs.get(name);
        if (out === undefined) {
          report.add(name, 'ms', time);
          continue;
        }
        report
          .add(name, 'ms', time)
          .add(name, 'output MB', out / MB)
          .add(name, 'output MB/s', out / MB / (time / 1e3));
        if (count === undefined)
          report.add(name, 'input MB/s', (value as Uint8Array).byteLength / MB / (time / 1e3));
        else report.add(name, 'Mvalues/s', count / 1e6 / (time / 1e3));
      }
      report
        .check(
          `speed vs ${MSGPACKR}`,
          ms.ratio(MSGPACKR, COWSHARE),
          '×',
          set.compareSize ? atLeast(0.5) : undefined,
        )
        .check(`speed vs ${MSGPACKR_CLONE}`, ms.ratio(MSGPACKR_CLONE, COWSHARE), '×')
        .check(`speed vs ${V8}`, ms.ratio(V8, COWSHARE), '×', set.compareSize ? atLeast(1) : undefined)
        .check(`tree speed vs ${MSGPACKR}`, ms.ratio(MSGPACKR, COWSHARE_TREE), '×')
        .check(`tree speed vs ${V8}`, ms.ratio(V8, COWSHARE_TREE), '×')
        .check(`${FLOOR} vs ${V8}`, ms.ratio(V8, FLOOR), '×')
        .check(`speed vs ${FLOOR}`, ms.ratio(FLOOR, COWSHARE), '×');
      const size = outputs.get(COWSHARE)! / outputs.get(MSGPACKR)!;
      report.check(`image bytes / ${MSGPACKR} bytes`, size, '×', set.compareSize ? atMost(1.25) : undefined);
      report.note('speed = peer time / cowshare time on the same value (so ≥ 1× means cowshare is faster)');
      report.note(
        `${FLOOR}: the walk any JavaScript packer with structuredClone's semantics makes, writing nothing; ` +
          `where it is slower than ${V8}, so is every such packer`,
      );
      return report;
    },
  };
}

export const cases: BenchCase[] = SETS.map(packCase);
