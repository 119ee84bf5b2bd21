// The writer child of files/*: builds the dictionary once and writes it in every format, then prints
// one WrittenData line (sizes, write times, and the answers computed on the native Map):
//
//   node --expose-gc --max-old-space-size=12288 write.js '<WriteConfig as JSON>'
//
// A child of its own so the runner's heap never holds the ~1 GB Map (and the Map's heap can be
// measured without whatever the runner holds). Each format is written and dropped before the next.

import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import { open as openLmdb } from 'lmdb';
import { Packr } from 'msgpackr';
import { writeImage } from '../../src/node/index.js';
import { type Entry, keyOf, makeEntries, makeLookupKeys } from '../data.js';
import {
  answerOf,
  dataFiles,
  LMDB_DATA,
  LOOKUP_BATCH,
  scanOf,
  type WriteConfig,
  type Written,
  type WrittenData,
} from './common.js';

const gc = globalThis.gc;
if (!gc) throw new Error('the files writer needs node --expose-gc');

/** Entries built to learn the heap bytes per entry (as workers/* calibrates). */
const CALIBRATION_ENTRIES = 200_000;
/** The JSON text goes out in pieces of about this many characters (the whole would be ~0.5 G chars). */
const JSON_CHUNK = 1 << 20;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function settledHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Builds `n` entries and measures the live heap they occupy. */
function measured(n: number): { map: Map<string, Entry>; heapBytes: number } {
  const before = settledHeap();
  const map = makeEntries(n);
  return { map, heapBytes: settledHeap() - before };
}

async function timed(path: string, write: () => unknown): Promise<Written> {
  const start = performance.now();
  await write();
  const writeMs = performance.now() - start;
  return { bytes: statSync(path).size, writeMs };
}

/** `{"key":{…},…}` written piece by piece, so no string near V8's length limit is ever built here. */
function writeJson(path: string, map: Map<string, Entry>): void {
  const fd = openSync(path, 'w');
  try {
    let text = '{';
    let first = true;
    for (const [key, value] of map) {
      text += `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`;
      first = false;
      if (text.length >= JSON_CHUNK) {
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, `${text}}`);
  } finally {
    closeSync(fd);
  }
}

/** Entries per lmdb write transaction: keeps each transaction's dirty pages well inside LMDB's limit. */
const LMDB_TXN_ENTRIES = 100_000;

/** Every entry, in synchronous write transactions, values in lmdb-js's default encoding. */
async function writeLmdb(path: string, map: Map<string, Entry>): Promise<void> {
  const db = openLmdb<Entry, string>({ path });
  const all = [...map];
  for (let from = 0; from < all.length; from += LMDB_TXN_ENTRIES) {
    db.transactionSync(() => {
      for (const [key, value] of all.slice(from, from + LMDB_TXN_ENTRIES)) db.put(key, value);
    });
  }
  await db.close();
}

async function main(): Promise<WrittenData> {
  const config = JSON.parse(process.argv[2] ?? '') as WriteConfig;
  const files = dataFiles(config.dir);

  const perEntry = measured(CALIBRATION_ENTRIES).heapBytes / CALIBRATION_ENTRIES;
  // Two significant digits: the calibration moves a little from run to run, the data should not.
  const entries = Number((config.heapBytes / perEntry).toPrecision(2));
  log(`building ${entries} entries (${perEntry.toFixed(0)} heap bytes per entry)`);
  const { map, heapBytes } = measured(entries);

  // The answers, on the native Map.
  const probeKey = keyOf(Math.floor(entries / 2));
  const probe = answerOf(map.get(probeKey)!);
  let scanChecksum = 0;
  for (const value of map.values()) scanChecksum += scanOf(value);
  // Added up as files/get adds them (batch sums, then their sum), so that the floats agree exactly.
  let lookupScoreSum = 0;
  const keys = makeLookupKeys(entries, config.lookupCount, config.lookupSeed);
  for (let from = 0; from < keys.length; from += LOOKUP_BATCH) {
    let batch = 0;
    for (const key of keys.slice(from, from + LOOKUP_BATCH)) batch += map.get(key)!.score;
    lookupScoreSum += batch;
  }

  log('writing the image');
  const image = await timed(files.image, () => writeImage(files.image, map));
  log('writing JSON');
  const json = await timed(files.json, () => writeJson(files.json, map));
  log('writing v8');
  const v8 = await timed(files.v8, () => writeFileSync(files.v8, serialize(map)));
  log('writing msgpack');
  const msgpack = await timed(files.msgpack, () =>
    writeFileSync(files.msgpack, new Packr({ useRecords: true }).pack(map)),
  );
  log('writing lmdb');
  const lmdb = await timed(files.lmdb, () => writeLmdb(files.lmdb, map));
  lmdb.bytes = statSync(join(files.lmdb, LMDB_DATA)).size;

  return {
    entries,
    heapBytes,
    perEntry,
    files: { image, json, v8, msgpack, lmdb },
    probeKey,
    probe,
    scanChecksum,
    lookupScoreSum,
  };
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
