import { randomBytes } from 'node:crypto';
import { type FileHandle, open as openHandle, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Image } from '../format/image.js';
import { type PackOptions, pack } from '../format/pack.js';
import { Reader } from '../format/reader.js';
import { isImage } from '../share/shared-data.js';
import { fileError, inFile } from './file-errors.js';

/** The largest single write we issue (`write` takes at most 2^31 − 1 bytes). */
const WRITE_CHUNK = 2 ** 30;

/**
 * Writes an image file atomically: the image (or the value, packed first) goes to a temporary file in
 * the same directory, which is flushed to disk (fsync) and then renamed over `path`, and the directory
 * is flushed so the rename itself survives a power cut. A crash at any moment leaves under `path`
 * either the old file or the complete new one, never a part; at worst a `.<name>.<random>.tmp` file
 * is left beside it. Readers that mapped the old file keep reading the old file (a rename does not
 * touch its pages).
 */
export async function writeImage(path: string, value: unknown, options: PackOptions = {}): Promise<void> {
  // Pack (or check) before touching the disk: a value that cannot be packed leaves nothing behind.
  const image: Image = isImage(value) ? value : pack(value, options);
  // The Reader checks the header and every segment's length: never write a non-image under an image's name.
  new Reader(image);

  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await openHandle(temporary, 'wx');
    for (const segment of image.segments) await writeAll(handle, new Uint8Array(segment));
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw inFile(path, error, 'cannot write');
  }
  await syncDirectory(directory, path);
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(WRITE_CHUNK, bytes.length - done));
    done += bytesWritten;
  }
}

/** Flushes a directory's entries (the rename). Linux allows fsync on a directory opened read-only. */
export async function syncDirectory(directory: string, path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await openHandle(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on directories; the file itself is already durable.
    if ((error as { code?: unknown }).code !== 'EINVAL')
      throw fileError(path, error, 'cannot sync the directory');
  } finally {
    await handle?.close().catch(() => {});
  }
}
