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
  /** The issue holds the image to ≤ msgpack size on this data set. */
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
const REPS = 5;

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
      const outputs = new Map<string, number>([
        [MSGPACKR, records.pack(value).length],
        [MSGPACKR_CLONE, recordsClone.pack(value).length],
        [V8, serialize(value).length],
        [COWSHARE, imageBytes(image)],
      ]);
      assertSame(records.unpack(records.pack(value)), value, '$msgpackr');
      assertSame(recordsClone.unpack(recordsClone.pack(value)), value, '$msgpackrClone');
      assertSame(deserialize(serialize(value)), value, '$v8');

      const subjects: Subject[] = [
        { name: MSGPACKR, ops: 1, run: () => records.pack(value) },
        { name: MSGPACKR_CLONE, ops: 1, run: () => recordsClone.pack(value) },
        { name: V8, ops: 1, run: () => serialize(value) },
        { name: COWSHARE, ops: 1, run: () => pack(value) },
      ];
      ctx.log(`timing ${subjects.length} encoders × ${REPS}`);
      const ms = msPerCall(subjects, REPS);

      const report = new Report();
      const count = set.count?.(ctx.size);
      for (const { name } of subjects) {
        const time = ms.get(name);
        const out = outputs.get(name)!;
        report
          .add(name, 'ms', time)
          .add(name, 'output MB', out / MB)
          .add(name, 'output MB/s', out / MB / (time / 1e3));
        if (count === undefined)
          report.add(name, 'input MB/s', (value as Uint8Array).byteLength / MB / (time / 1e3));
        else report.add(name, 'Mvalues/s', count / 1e6 / (time / 1e3));
      }
      report
        .check(`speed vs ${MSGPACKR}`, ms.ratio(MSGPACKR, COWSHARE), '×', atLeast(1))
        .check(`speed vs ${MSGPACKR_CLONE}`, ms.ratio(MSGPACKR_CLONE, COWSHARE), '×')
        .check(`speed vs ${V8}`, ms.ratio(V8, COWSHARE), '×', atLeast(3));
      const size = outputs.get(COWSHARE)! / outputs.get(MSGPACKR)!;
      report.check(`image bytes / ${MSGPACKR} bytes`, size, '×', set.compareSize ? atMost(1) : undefined);
      report.note('speed = peer time / cowshare time on the same value (so ≥ 1× means cowshare is faster)');
      return report;
    },
  };
}

export const cases: BenchCase[] = SETS.map(packCase);
