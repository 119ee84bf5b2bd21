// verify/<dataset>: checking a whole image, as one would on every open of an untrusted file, against
// JSON.parse of the same data (the usual way to read an untrusted file) in the same process.

import { pack, verify } from '../../src/index.js';
import { docs, entries, memo, type Size } from '../data.js';
import { assert, atLeast, type BenchCase, imageBytes, MB, msPerCall, Report } from '../harness.js';

const REPS = 5;

function verifyCase(name: string, value: (size: Size) => unknown): BenchCase {
  return {
    name: `verify/${name}`,
    async run(ctx) {
      const data = value(ctx.size);
      const image = memo(`image:verify:${name}:${ctx.size}`, () => pack(data));
      const json = JSON.stringify(data instanceof Map ? [...data] : data);

      ctx.log('checking verify accepts the image and rejects a damaged copy');
      verify(image);
      const damaged = new SharedArrayBuffer(image.segments[0]!.byteLength);
      new Uint8Array(damaged).set(new Uint8Array(image.segments[0]!));
      // Give the root node an unknown kind (header word 7 is the root slot, a near reference to it). A
      // random flip may not do: a flipped bit in a string's bytes is still a valid image.
      const words = new Uint32Array(damaged);
      words[words[7]! >>> 2] = 0xff;
      let rejected = false;
      try {
        verify({ segments: [damaged, ...image.segments.slice(1)] });
      } catch {
        rejected = true;
      }
      assert(rejected, 'verify accepted a damaged image');

      const ms = msPerCall(
        [
          { name: 'JSON.parse', ops: 1, run: () => JSON.parse(json) },
          { name: 'cowshare verify', ops: 1, run: () => verify(image) },
        ],
        REPS,
      );
      const bytes = imageBytes(image);
      const report = new Report();
      for (const [subject, value] of ms) report.add(subject, 'ms', value);
      report.add('cowshare verify', 'MB/s', bytes / MB / (ms.get('cowshare verify') / 1000));
      report.add('JSON.parse', 'MB/s', json.length / MB / (ms.get('JSON.parse') / 1000));
      report.check('speed vs JSON.parse', ms.ratio('JSON.parse', 'cowshare verify'), '×', atLeast(1));
      return report;
    },
  };
}

export const cases: BenchCase[] = [verifyCase('map', entries), verifyCase('docs', docs)];
