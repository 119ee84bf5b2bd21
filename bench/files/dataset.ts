// The files/* data set: written once per run (by the writer child, write.ts) into a temporary
// directory that is removed when the runner exits, and shared by files/startup, files/pss, files/get.

import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NativeStatus, nativeStatus } from '../../src/node/index.js';
import { memo, type Size } from '../data.js';
import { type Context, formatNumber, MB } from '../harness.js';
import { type DataFiles, dataFiles, LOOKUP_BATCH, type WriteConfig, type WrittenData } from './common.js';
import { runScript } from './spawn.js';

/** About the live heap of the "~1 GB data set"; a tenth at small size. */
const HEAP_BYTES: Record<Size, number> = { full: 1e9, small: 1e8 };
/** files/get's key sequence: 100 batches of random keys. */
export const LOOKUP = { count: 100 * LOOKUP_BATCH, seed: 20 };
/** The writer holds the Map (~1 GB at full size) plus, one at a time, each format's encoding. */
const WRITER_FLAGS = ['--expose-gc', '--max-old-space-size=12288'];
const WRITER_TIMEOUT_MS = 20 * 60_000;

export interface Dataset {
  files: DataFiles;
  data: WrittenData;
  native: NativeStatus;
  /** What a reader of the results should know about the data (one line each). */
  notes: string[];
}

const removeOnExit = (dir: string): void => {
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      remove();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
};

/** The data set for this run's size, written on first use. */
export const dataset = (ctx: Context): Promise<Dataset> =>
  memo(`files:data:${ctx.size}`, async () => {
    const native = nativeStatus();
    const files = dataFiles(mkdtempSync(join(tmpdir(), 'cowshare-files-')));
    removeOnExit(files.dir);
    ctx.log(`writing the data set (~${formatNumber(HEAP_BYTES[ctx.size] / MB)} MB of heap) to ${files.dir}`);
    const config: WriteConfig = {
      dir: files.dir,
      heapBytes: HEAP_BYTES[ctx.size],
      lookupCount: LOOKUP.count,
      lookupSeed: LOOKUP.seed,
    };
    const data = await runScript<WrittenData>(
      'write',
      WRITER_FLAGS,
      [JSON.stringify(config)],
      ctx,
      WRITER_TIMEOUT_MS,
    );
    const notes = [
      `data: ${formatNumber(data.entries)} entries of data set (a), ${formatNumber(data.heapBytes / MB)} MB of live ` +
        `V8 heap as a Map; image file ${formatNumber(data.files.image.bytes / MB)} MB`,
    ];
    if (!native.available) notes.push(`no mmap: ${native.reason}`);
    return { files, data, native, notes };
  });

/** Reads every file of the data set once, so that every run starts with the OS page cache warm. */
export function warmPageCache(files: DataFiles): void {
  const paths = [files.image, files.json, files.v8, files.msgpack];
  for (const name of readdirSync(files.lmdb)) paths.push(join(files.lmdb, name));
  const buffer = new Uint8Array(16 * 2 ** 20);
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      for (let done = 0; done < size; ) {
        const read = readSync(fd, buffer, 0, buffer.length, done);
        if (read === 0) break;
        done += read;
      }
    } finally {
      closeSync(fd);
    }
  }
}
