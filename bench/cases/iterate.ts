// iterate/map: one full pass over every entry, reading one number field, view against native Map;
// and the scan API (`cursor`), reading the field, then the key too.

import { cursor, open, pack, type Shared } from '../../src/index.js';
import { type Entry, entries, memo, type Size } from '../data.js';
import { assert, atMost, type BenchCase, nsPerOp, Report } from '../harness.js';

type MapView = Shared<Map<string, Entry>>;

const mapImage = (size: Size) => memo(`image:map:${size}`, () => pack(entries(size)));

// Copies of one loop, so that each keeps its own type feedback (see get.ts).
function nativeSum(map: Map<string, Entry>): number {
  let sum = 0;
  for (const [, value] of map) sum += value.score;
  return sum;
}
function viewSum(map: MapView): number {
  let sum = 0;
  for (const [, value] of map) sum += value.score;
  return sum;
}
function recordSum(map: MapView): number {
  let sum = 0;
  for (const [, value] of map) sum += value.score;
  return sum;
}
function cursorSum(map: MapView): number {
  let sum = 0;
  const c = cursor(map);
  while (c.next()) sum += c.value.score;
  return sum;
}
/** The same loop over keys too: a cursor decodes a key only when it is read. */
function cursorKeySum(map: MapView): number {
  let sum = 0;
  const c = cursor(map);
  while (c.next()) sum += c.key.length + c.value.score;
  return sum;
}
function nativeKeySum(map: Map<string, Entry>): number {
  let sum = 0;
  for (const [key, value] of map) sum += key.length + value.score;
  return sum;
}

export const cases: BenchCase[] = [
  {
    name: 'iterate/map',
    async run(ctx) {
      const native = entries(ctx.size);
      const view = open<Map<string, Entry>>(mapImage(ctx.size));
      const records = open<Map<string, Entry>>(mapImage(ctx.size), { objects: 'record' });

      ctx.log('checking the view iterates the same entries in the same order');
      assert(view.size === native.size, `size ${view.size}, expected ${native.size}`);
      let count = 0;
      const expected = native.entries();
      for (const [key, value] of view) {
        const next = expected.next();
        assert(!next.done, `the view has more than ${native.size} entries`);
        const [wantKey, wantValue] = next.value;
        assert(key === wantKey, `entry ${count}: key ${key}, expected ${wantKey}`);
        assert(value.score === wantValue.score, `entry ${count} (${key}): score ${value.score}`);
        count++;
      }
      assert(count === native.size, `the view iterated ${count} entries, expected ${native.size}`);
      assert(viewSum(view) === nativeSum(native), 'the sums differ');
      assert(recordSum(records) === nativeSum(native), 'the record view sums differ');
      assert(cursorSum(view) === nativeSum(native), 'the cursor sums differ');
      assert(cursorKeySum(view) === nativeKeySum(native), 'the cursor key sums differ');

      const ns = await nsPerOp([
        { name: 'native Map', ops: native.size, run: () => nativeSum(native) },
        { name: 'cowshare view', ops: native.size, run: () => viewSum(view) },
        { name: 'cowshare record view', ops: native.size, run: () => recordSum(records) },
        { name: 'cowshare cursor', ops: native.size, run: () => cursorSum(view) },
        { name: 'native Map, key and value', ops: native.size, run: () => nativeKeySum(native) },
        { name: 'cowshare cursor, key and value', ops: native.size, run: () => cursorKeySum(view) },
      ]);
      const report = new Report();
      for (const [name, value] of ns) report.add(name, 'ns/entry', value);
      report.check('cowshare / native Map', ns.ratio('cowshare view', 'native Map'), '×', atMost(3));
      report.check(
        'cowshare records / native Map',
        ns.ratio('cowshare record view', 'native Map'),
        '×',
        atMost(3),
      );
      report.check('cursor / native Map', ns.ratio('cowshare cursor', 'native Map'), '×', atMost(1.5));
      report.check(
        'cursor / native Map, key and value',
        ns.ratio('cowshare cursor, key and value', 'native Map, key and value'),
        '×',
        atMost(1.5),
      );
      return report;
    },
  },
];
