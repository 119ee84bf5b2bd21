// What the files/* cases (bench/cases/files.ts) and their child processes (this folder) share: where the
// data set's files are, the formats, and the answers every reader must give. It imports no cowshare
// module, so that a start-up child can time its `import` of cowshare (or of a peer) on its own.

import { join } from 'node:path';
import type { Entry } from '../data.js';

/** The data set written once per run, in one temporary directory, in every format. */
export interface DataFiles {
  dir: string;
  /** `writeImage(path, map)`: the Map packed. */
  image: string;
  /** `{"key:000000": {...}, ...}`: a JSON object, the usual JSON form of a dictionary. */
  json: string;
  /** `v8.serialize(map)`. */
  v8: string;
  /** msgpackr `new Packr({ useRecords: true }).pack(map)`. */
  msgpack: string;
  /** An lmdb-js database (a directory): key → value, values in lmdb-js's default encoding (msgpackr). */
  lmdb: string;
}

export const dataFiles = (dir: string): DataFiles => ({
  dir,
  image: join(dir, 'data.cow'),
  json: join(dir, 'data.json'),
  v8: join(dir, 'data.v8'),
  msgpack: join(dir, 'data.msgpack'),
  lmdb: join(dir, 'lmdb'),
});

/** The file of the lmdb database whose size is reported (the other one, lock.mdb, is a few KiB). */
export const LMDB_DATA = 'data.mdb';

/**
 * The rows of files/startup: how a fresh process gets from a file to one answer. For information:
 * `cowshare-read` is openFile with the fallback backing (the file read in).
 */
export const STARTUP_FORMATS = ['cowshare', 'cowshare-read', 'json', 'v8', 'msgpackr', 'lmdb'] as const;
export type StartupFormat = (typeof STARTUP_FORMATS)[number];

export const FORMAT_NAMES: Record<StartupFormat, string> = {
  cowshare: 'cowshare openFile (mmap)',
  'cowshare-read': "cowshare openFile ('read')",
  json: 'JSON.parse',
  v8: 'v8.deserialize',
  msgpackr: 'msgpackr unpack',
  lmdb: 'lmdb-js open',
};

/** A record as every reader must give it back: all four fields, as plain values. */
export interface Answer {
  id: number;
  name: string;
  score: number;
  tags: string[];
}

/** What is read of a record, whatever gave it (a view, a decoded copy, an lmdb-js `get`). */
export interface RecordLike {
  readonly id: number;
  readonly name: string;
  readonly score: number;
  readonly tags: ArrayLike<string>;
}

/** Reads every field of `record` into a plain Answer (so a lazy view does all its work). */
export const answerOf = (record: RecordLike): Answer => ({
  id: record.id,
  name: record.name,
  score: record.score,
  tags: Array.from(record.tags),
});

/**
 * One record's part of a whole-data-set scan: every field read, folded into an integer, so that the
 * sum is exact and the same in any iteration order (a view's Map, a parsed object's keys).
 */
export const scanOf = (record: RecordLike): number =>
  record.id + record.name.length + record.tags.length + Math.floor(record.score * 1000);

/** files/get's lookups per timed call; the writer sums the expected scores batch by batch too. */
export const LOOKUP_BATCH = 1000;

/** How the writer child is told what to write: the directory, the data's size, the lookup keys. */
export interface WriteConfig {
  dir: string;
  /** The live V8 heap the Map should occupy; the entry count is calibrated to it. */
  heapBytes: number;
  /** files/get's random key sequence (`makeLookupKeys(entries, count, seed)`). */
  lookupCount: number;
  lookupSeed: number;
}

/** Bytes on disk and the time to write them, per format (information only). */
export interface Written {
  bytes: number;
  writeMs: number;
}

/** The writer child's answer: the data set's size, the files, and the answers computed on the native Map. */
export interface WrittenData {
  entries: number;
  /** `heapUsed` growth (after full GCs) from building the Map. */
  heapBytes: number;
  /** Heap bytes per entry measured on the calibration build. */
  perEntry: number;
  files: Record<'image' | 'json' | 'v8' | 'msgpack' | 'lmdb', Written>;
  /** The key every start-up child looks up, and the record it must give back. */
  probeKey: string;
  probe: Answer;
  /** `scanOf` summed over every record. */
  scanChecksum: number;
  /** `get(key).score` summed per LOOKUP_BATCH keys of files/get's sequence, then the batch sums added. */
  lookupScoreSum: number;
}

/** A start-up child's one line of stdout. */
export type StartupResult =
  | {
      status: 'ok';
      /** `import` of the format's modules, before the clock starts. */
      importMs: number;
      /** From just before the open / read call to the answer of one get, read field by field. */
      startupMs: number;
      answer: Answer;
    }
  | { status: 'na'; reason: string };

/** A record of the data set, for the typed views and decoded copies. */
export type { Entry };

// --- files/pss --------------------------------------------------------------------------------------

/** How the processes of files/pss hold the data: the image mapped, the image read, or JSON.parse. */
export const PSS_MODES = ['mmap', 'read', 'json'] as const;
export type PssMode = (typeof PSS_MODES)[number];

export const PSS_NAMES: Record<PssMode, string> = {
  mmap: 'cowshare mmap',
  read: "cowshare 'read'",
  json: 'JSON.parse per thread',
};

export interface PssConfig {
  mode: PssMode;
  files: DataFiles;
  threads: number;
  /** V8 old-generation limit of each worker thread, MB (a JSON copy of the full data set is ~1 GB). */
  threadHeapMb: number;
}

/** What one thread reports after reading the whole data set. */
export interface ThreadLoaded {
  /** `scanOf` over every entry the thread iterated. */
  checksum: number;
  /** Pages of the image touched by reading one byte per 4096 (0 for JSON, which has no image). */
  pages: number;
  /** The sum of those bytes: the same in every thread of every process. */
  pageSum: number;
  /** Load (the JSON.parse; the view's open) and the full scan, ms. */
  ms: number;
}

/** From the files/pss parent to one of its processes (by IPC). */
export type ToProcess = { type: 'load' } | { type: 'settle' } | { type: 'exit' };

/** From a files/pss process to the parent. */
export type FromProcess =
  | { type: 'idle' }
  | { type: 'loaded'; backing: string | null; threads: ThreadLoaded[] }
  | { type: 'settled' }
  | { type: 'failed'; reason: string };
