// One start-up of files/startup, in a fresh process so that modules and JIT are cold (the OS page cache
// is warm: the case reads every file before the first run):
//
//   node startup.js <format> '<DataFiles as JSON>' <key>   → one StartupResult line on stdout
//
// It imports the format's modules (timed on their own, `importMs`), then times from just before the
// open / read call until one `get(key)`'s record has been read field by field (`startupMs`). Nothing
// else runs in between, and nothing of cowshare is imported before the clock for the peers.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  type Answer,
  answerOf,
  type DataFiles,
  type Entry,
  type RecordLike,
  STARTUP_FORMATS,
  type StartupFormat,
  type StartupResult,
} from './common.js';

type Dictionary = { get(key: string): RecordLike | undefined };

/** Imports what `format` needs and returns the timed start-up: open or read, then one get. */
async function prepare(format: StartupFormat, files: DataFiles): Promise<(key: string) => Answer> {
  const found = (record: RecordLike | undefined, key: string): Answer => {
    if (record === undefined) throw new Error(`${format}: no record for ${key}`);
    return answerOf(record);
  };
  switch (format) {
    case 'cowshare':
    case 'cowshare-read': {
      // cowshare/node loads the mmap addon with its image-file module (as lmdb-js loads its own at
      // import), so the dlopen is part of `import ms`.
      const { openFile } = await import('../../src/node/index.js');
      // 'mmap' fails (NATIVE) rather than quietly read when the addon is missing: that is an n/a.
      const backing = format === 'cowshare-read' ? 'read' : 'mmap';
      return (key) => found(openFile<Map<string, Entry>>(files.image, { backing }).get(key), key);
    }
    case 'json':
      return (key) =>
        found((JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, Entry>)[key], key);
    case 'v8': {
      const { deserialize } = await import('node:v8');
      return (key) => found((deserialize(readFileSync(files.v8)) as Dictionary).get(key), key);
    }
    case 'msgpackr': {
      const { Packr } = await import('msgpackr');
      return (key) =>
        found(
          (new Packr({ useRecords: true }).unpack(readFileSync(files.msgpack)) as Dictionary).get(key),
          key,
        );
    }
    case 'lmdb': {
      const { open } = await import('lmdb');
      // readOnly: a reader's best setting (no write transaction or lock-file setup for writers).
      return (key) => found(open<Entry, string>({ path: files.lmdb, readOnly: true }).get(key), key);
    }
  }
}

async function main(): Promise<StartupResult> {
  const [format, filesJson = '', key = ''] = process.argv.slice(2);
  if (!STARTUP_FORMATS.includes(format as StartupFormat)) throw new Error(`unknown format ${format}`);
  const files = JSON.parse(filesJson) as DataFiles;

  const importStart = performance.now();
  const startup = await prepare(format as StartupFormat, files);
  const importMs = performance.now() - importStart;

  try {
    const start = performance.now();
    const answer = startup(key);
    const startupMs = performance.now() - start;
    return { status: 'ok', importMs, startupMs, answer };
  } catch (error) {
    // A format that cannot do it here (no mmap addon, a string too long for V8) is n/a, not a failure;
    // a wrong answer is caught by the case, which compares every answer with the native Map's.
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'na', reason: typeof code === 'string' ? `${code}: ${message}` : message };
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
