// Fuzz target `csv`: the bytes after byte 0 as the CSV input of `cowshare pack` (pack-input.ts on
// csv-parse, typed when byte 0 is odd), into an ImageBuilder: it ends packed or refused with a
// CowshareError naming the input, never with another exception; every record is an object of the
// header's columns.
import { Readable } from 'node:stream';
import { Input } from '../../src/cli/pack-input.js';
import { ImageBuilder, open, toJS } from '../../src/index.js';
import { Finding, outcomeAsync } from '../harness.js';

export async function fuzz(data: Buffer): Promise<void> {
  if (data.length === 0) return;
  const typed = (data[0]! & 1) === 1;
  await outcomeAsync('the CSV reader', async () => {
    const input = new Input(Readable.from([data.subarray(1)]), 'csv', 'input', { typed });
    const builder = new ImageBuilder('array', { finiteNumbers: true, segmentSize: 4096 });
    let columns: number | undefined;
    for await (const batch of input.batches()) {
      for (const item of batch) {
        const count = Object.keys(item.value as object).length;
        columns ??= count;
        if (count !== columns) throw new Finding(`a record of ${count} columns after one of ${columns}`);
        builder.push(item.value);
      }
    }
    toJS(open(builder.finish()));
  });
}
