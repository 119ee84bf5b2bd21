import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type BuilderOptions, type BuilderRoot, ImageBuilder } from '../format/builder.js';
import type { SegmentSink } from '../format/writer.js';
import { fileError } from './file-errors.js';
import { syncDirectory } from './write-image.js';

/**
 * Segments of a streamed file default to 64 MiB, not `pack`'s 1 GiB: the segment being written is
 * what a builder holds in memory, besides its root. More segments cost little: a reference to an
 * earlier segment goes through the far table, which the root's entries need anyway.
 */
const FILE_SEGMENT_SIZE = 2 ** 26;

/** What `finish` wrote. */
export interface BuiltImageFile {
  path: string;
  bytes: number;
  segments: number;
  /** Entries (or items) in the root, and keys that were set again (their last value kept). */
  entries: number;
  duplicates: number;
}

/**
 * Builds an image file entry by entry, in bounded memory: each value is written as it is given and
 * each finished segment goes to disk, so the input is never held whole (see `ImageBuilder`). Like
 * `writeImage`, it writes a temporary file beside `path` and renames it over `path` only in `finish`,
 * after an fsync: a failure or crash before then leaves `path` as it was. Call `abort` when giving up
 * (it removes the temporary file).
 *
 * ```ts
 * const builder = new ImageFileBuilder('words.cow', 'map');
 * for await (const record of records) builder.set(record.word, record);
 * await builder.finish();
 * ```
 */
export class ImageFileBuilder {
  private readonly builder: ImageBuilder;
  private readonly file: FileSink;

  constructor(
    readonly path: string,
    root: BuilderRoot,
    options: BuilderOptions = {},
  ) {
    this.file = new FileSink(path);
    try {
      this.builder = new ImageBuilder(root, { segmentSize: FILE_SEGMENT_SIZE, ...options }, this.file);
    } catch (error) {
      this.file.remove();
      throw error;
    }
  }

  get size(): number {
    return this.builder.size;
  }

  get duplicates(): number {
    return this.builder.duplicates;
  }

  /** `ImageBuilder#set`: a key of a 'map' (string or number) or 'object' root (string). */
  set(key: string | number, value: unknown): this {
    this.file.assertOpen();
    this.builder.set(key, value);
    return this;
  }

  /** `ImageBuilder#push`: the next item of an 'array' root. */
  push(value: unknown): this {
    this.file.assertOpen();
    this.builder.push(value);
    return this;
  }

  /** Writes the root and the header, flushes the file to disk and renames it to `path`. */
  async finish(): Promise<BuiltImageFile> {
    try {
      const { bytes, segments } = this.builder.finishToSink();
      this.file.commit(this.path);
      await syncDirectory(dirname(this.path), this.path);
      return {
        path: this.path,
        bytes,
        segments,
        entries: this.builder.size,
        duplicates: this.builder.duplicates,
      };
    } catch (error) {
      this.file.remove();
      throw error;
    }
  }

  /** Gives up: closes and removes the temporary file; `path` stays as it was. */
  abort(): void {
    this.file.remove();
  }
}

/** The temporary file a builder writes: positioned writes and reads, then fsync and rename, or removal. */
class FileSink implements SegmentSink {
  private fd: number | undefined;
  private readonly temporary: string;

  constructor(private readonly path: string) {
    this.temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      this.fd = openSync(this.temporary, 'wx+');
    } catch (error) {
      throw fileError(path, error, 'cannot write');
    }
  }

  write(position: number, bytes: Uint8Array): void {
    const fd = this.open();
    try {
      for (let done = 0; done < bytes.length; ) {
        done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 2 ** 30), position + done);
      }
    } catch (error) {
      throw fileError(this.path, error, 'cannot write');
    }
  }

  read(position: number, length: number): Uint8Array {
    const fd = this.open();
    const bytes = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const read = readSync(fd, bytes, done, length - done, position + done);
      if (read === 0)
        throw fileError(
          this.path,
          new Error('the temporary file is shorter than written'),
          'cannot read back',
        );
      done += read;
    }
    return bytes;
  }

  commit(path: string): void {
    const fd = this.open();
    fsyncSync(fd);
    closeSync(fd);
    this.fd = undefined;
    try {
      renameSync(this.temporary, path);
    } catch (error) {
      throw fileError(path, error, 'cannot write');
    }
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.temporary, { force: true });
  }

  assertOpen(): void {
    this.open();
  }

  private open(): number {
    if (this.fd === undefined) throw new TypeError('ImageFileBuilder: the builder is finished or aborted');
    return this.fd;
  }
}
