// Fuzz target `ndjson`: the bytes as the NDJSON input of `cowshare pack` (pack-input.ts, through a
// stream, into an ImageBuilder), against JSON.parse of every line that is not blank: what it refuses
// is refused, and the rest is packed as it reads — unless a value nests deeper than MAX_DEPTH or a
// number reads as Infinity, which are refused. Invalid UTF-8 is refused.
import { Readable } from 'node:stream';

import { Input } from '../../src/cli/pack-input.js';
import { ImageBuilder, open, toJS } from '../../src/index.js';
import { expect, expectedOf, outcomeAsync, sameAs } from '../harness.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function fuzz(data: Buffer): Promise<void> {
  let built: unknown;
  const got = await outcomeAsync('the NDJSON reader', async () => {
    const input = new Input(Readable.from([data]), 'ndjson', 'input');
    const builder = new ImageBuilder('array', { finiteNumbers: true, segmentSize: 4096 });
    for await (const batch of input.batches()) for (const item of batch) builder.push(item.value);
    built = toJS(open(builder.finish()));
  });
  const expected = expectedOf(data.toString('latin1'), () =>
    decoder
      .decode(data)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line)),
  );
  expect('NDJSON', got, expected);
  if (got === 'ok') sameAs('packed NDJSON (from JSON.parse)', built, expected.value);
}
