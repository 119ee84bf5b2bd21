// files/pack-ndjson: `cowshare pack` of an NDJSON file of data set (a)'s records (1 GB at full size,
// 100 MB at small) into a Map keyed by `key`: throughput and peak RSS, each run in a fresh process
// (bench/files/pack-child.ts), against the usual way in memory (parse every line into a Map, then
// writeImage). The streamed image is checked against a sample of the records before any figure counts.

import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFile } from '../../src/node/index.js';
import { type Entry, keyOf, makeEntry, Rng } from '../data.js';
import { runScript } from '../files/spawn.js';
import { assertSame, atMost, type BenchCase, MB, median, Report } from '../harness.js';

/** Input size per run size. */
const INPUT_BYTES = { small: 100 * MB, full: 1000 * MB };
/** Our bar for "bounded": the streamed pack's peak RSS against the input's size. */
const PEAK_OVER_INPUT = 0.5;
/** Every SAMPLE_EVERY-th record is kept to check the output. */
const SAMPLE_EVERY = 997;
const STREAM_RUNS = 3;
const CHILD_TIMEOUT_MS = 20 * 60_000;

type Record = Entry & { key: string };

/** Writes records until the file reaches `bytes`; returns the record count and a sample of them. */
function writeInput(path: string, bytes: number): { records: number; sample: Record[] } {
  const rng = new Rng(7);
  const fd = openSync(path, 'w');
  const sample: Record[] = [];
  let written = 0;
  let records = 0;
  try {
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 10_000; i++, records++) {
        const record: Record = { key: keyOf(records), ...makeEntry(rng, records) };
        if (records % SAMPLE_EVERY === 0) sample.push(record);
        lines.push(JSON.stringify(record));
      }
      written += writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return { records, sample };
}

interface ChildResult {
  ms: number;
  peakRss: number;
}

export const cases: BenchCase[] = [
  {
    name: 'files/pack-ndjson',
    async run(ctx) {
      const dir = mkdtempSync(join(tmpdir(), 'cowshare-pack-ndjson-'));
      try {
        const input = join(dir, 'records.ndjson');
        const { records, sample } = writeInput(input, INPUT_BYTES[ctx.size]);
        const inputBytes = statSync(input).size;
        ctx.log(
          `input: ${records.toLocaleString('en-US')} records, ${(inputBytes / MB).toFixed(0)} MB of NDJSON`,
        );

        const run = (mode: 'stream' | 'memory', output: string) =>
          runScript<ChildResult>(
            'pack-child',
            ['--max-old-space-size=16384'],
            [mode, input, output],
            ctx,
            CHILD_TIMEOUT_MS,
          );
        const streamed = join(dir, 'streamed.cow');
        const stream: ChildResult[] = [];
        for (let i = 0; i < STREAM_RUNS; i++) stream.push(await run('stream', streamed));
        // Check the streamed image before any figure counts: every sampled record, and the count.
        const view = openFile<Map<string, Record>>(streamed);
        if (view.size !== records)
          throw new Error(`the image has ${view.size} entries, the input ${records}`);
        for (const record of sample) assertSame(view.get(record.key), record, `get(${record.key})`);
        const memory = await run('memory', join(dir, 'memory.cow'));

        const streamMs = median(stream.map((r) => r.ms));
        const streamPeak = median(stream.map((r) => r.peakRss));
        const report = new Report();
        report.add('cowshare pack (streamed)', 'ms', streamMs);
        report.add('cowshare pack (streamed)', 'input MB/s', inputBytes / MB / (streamMs / 1e3));
        report.add('cowshare pack (streamed)', 'records/s', records / (streamMs / 1e3));
        report.add('cowshare pack (streamed)', 'peak RSS MB', streamPeak / MB);
        report.add('cowshare pack (streamed)', 'image MB', statSync(streamed).size / MB);
        report.add('parse all + writeImage', 'ms', memory.ms);
        report.add('parse all + writeImage', 'input MB/s', inputBytes / MB / (memory.ms / 1e3));
        report.add('parse all + writeImage', 'records/s', records / (memory.ms / 1e3));
        report.add('parse all + writeImage', 'peak RSS MB', memory.peakRss / MB);
        report.add('parse all + writeImage', 'image MB', statSync(join(dir, 'memory.cow')).size / MB);
        report.check('streamed peak RSS / input size', streamPeak / inputBytes, '×', atMost(PEAK_OVER_INPUT));
        report.check('peak RSS: in memory / streamed', memory.peakRss / streamPeak, '×');
        report.check('speed: streamed / in memory', memory.ms / streamMs, '×');
        report.note(`streamed: median of ${STREAM_RUNS} runs, each a fresh process; in memory: one run`);
        report.note(`checked ${sample.length} sampled records and the entry count in the streamed image`);
        return report;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
