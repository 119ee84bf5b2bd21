import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { CowshareError } from '../errors.js';
import type { Image } from '../format/image.js';
import {
  Header,
  LayerHeader,
  MAGIC,
  SEGMENT_ALIGN,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SegmentHeader,
} from '../format/layout.js';
import { checkHeader } from '../format/reader.js';
import { type OpenOptions, open } from '../view/open.js';
import type { Shared } from '../view/shared.js';
import { fileError, inFile } from './file-errors.js';
import { nativeAddon, nativeStatus } from './native.js';

/**
 * How a file image's bytes are held. `mmap`: the file's pages, mapped read-only, one physical copy for
 * every process and thread that opens the file. `read`: read once into SharedArrayBuffers, one copy per
 * process (shared by its threads).
 */
export type Backing = 'mmap' | 'read';

/** An image loaded from a file: an ordinary Image (it crosses to workers the same way), and where it came from. */
export interface FileImage extends Image {
  readonly backing: Backing;
  readonly path: string;
  /** The file's size in bytes: the sum of its segments' lengths. */
  readonly byteLength: number;
}

export interface LoadOptions {
  /**
   * `auto` (the default) maps the file when the addon is available and reads it otherwise; `mmap`
   * fails (`NATIVE`) rather than read; `read` never maps.
   */
  backing?: 'auto' | Backing;
}

export interface OpenFileOptions extends OpenOptions, LoadOptions {}

// The addon is loaded with this module, as native modules usually are, rather than inside the first
// openFile: its dlopen (1–4 ms) then counts as start-up, not as the time to the first answer.
nativeAddon();

/** The largest single read: `readSync` takes at most 2^31 − 1 bytes. */
const READ_CHUNK = 2 ** 30;

/**
 * Loads the image in the file at `path`, checking its header and that its segments fill the file
 * exactly (FORMAT.md §10), so a truncated or extended file is refused here, before any view reads it.
 * O(segments) either way; `read` then copies the bytes.
 */
export function loadImage(path: string, options: LoadOptions = {}): FileImage {
  const wanted = options.backing ?? 'auto';
  if (wanted !== 'auto' && wanted !== 'mmap' && wanted !== 'read') {
    throw new TypeError(`backing must be 'auto', 'mmap' or 'read', got ${String(wanted)}`);
  }
  const addon = wanted === 'read' ? undefined : nativeAddon();
  if (wanted === 'mmap' && !addon) {
    const status = nativeStatus();
    const reason = status.available ? '' : `: ${status.reason}`;
    throw new CowshareError(
      'NATIVE',
      `${path}: cannot map the file, the mmap addon is not available${reason}`,
    );
  }

  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO returns (and is refused below) instead of waiting for a
    // writer; a regular file's reads do not block either way.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new CowshareError(
        'FILE',
        `${path}: ${stat.isDirectory() ? 'is a directory' : 'not a regular file'}`,
      );
    }
    const ranges = segmentRanges(fd, stat.size, path);
    let segments: SharedArrayBuffer[] | undefined;
    if (addon) {
      try {
        segments = addon.map(fd, ranges);
      } catch (error) {
        // mmap can fail where reading works (some network and FUSE file systems): `auto` reads instead.
        if (wanted === 'mmap') throw fileError(path, error, 'cannot map');
      }
    }
    const backing: Backing = segments ? 'mmap' : 'read';
    segments ??= readSegments(fd, ranges, path);
    return { segments, backing, path, byteLength: stat.size };
  } catch (error) {
    throw inFile(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the image file at `path` and returns its root as a lazy read-only view, like `open`: mapped
 * when the addon is available (see `loadImage` for the backing and `nativeStatus` for why not).
 * Errors name the file.
 */
export function openFile<T = unknown>(path: string, options: OpenFileOptions = {}): Shared<T> {
  const image = loadImage(path, options);
  try {
    return open<T>(image, options);
  } catch (error) {
    throw inFile(path, error);
  }
}

/**
 * The [offset, length] of every segment in the file: segment 0 at offset 0 with the length its header
 * records, then each further segment right after the one before, with the length in its own header.
 * After the image's segments, a layer (FORMAT.md §7) may follow: its header starts its first segment.
 */
function segmentRanges(fd: number, size: number, path: string): number[] {
  const first = readAt(fd, 0, Math.min(size, Header.Size));
  if (first.length < MAGIC.length || MAGIC.some((b, i) => first[i] !== b)) {
    throw new CowshareError('NOT_IMAGE', `${path}: not a cowshare image (${whatItLooksLike(first)})`);
  }
  if (first.length < Header.Size) {
    throw new CowshareError('CORRUPT', `${path}: truncated: ${size} bytes, shorter than the image header`);
  }
  checkHeader(first);
  const ranges: number[] = [];
  let end = layerRanges(fd, size, path, first, 0, ranges);
  while (end < size) {
    const next = readAt(fd, end, Math.min(size - end, LayerHeader.Size));
    if (next.length < MAGIC.length || MAGIC.some((b, i) => next[i] !== b)) {
      throw new CowshareError('CORRUPT', `${path}: ${size - end} bytes follow the image's last segment`);
    }
    if (next.length < LayerHeader.Size) {
      throw new CowshareError('CORRUPT', `${path}: truncated: a layer header at byte ${end} is cut off`);
    }
    checkHeader(next, true);
    const base = new DataView(next.buffer, next.byteOffset).getUint32(Header.BaseSegmentCount, true);
    if (base !== ranges.length / 2) {
      throw new CowshareError(
        'CORRUPT',
        `${path}: the layer at byte ${end} is not on the segments before it`,
      );
    }
    end = layerRanges(fd, size, path, next, end, ranges);
  }
  return ranges;
}

/**
 * Appends the ranges of the layer (or image) whose header is `header`, read at byte `start`, to
 * `ranges`; returns where its last segment ends, which must be within the file.
 */
function layerRanges(
  fd: number,
  size: number,
  path: string,
  header: Uint8Array,
  start: number,
  ranges: number[],
): number {
  const view = new DataView(header.buffer, header.byteOffset, Header.Size);
  const count = view.getUint32(Header.SegmentCount, true);
  const truncated = (recorded: string) =>
    new CowshareError(
      'CORRUPT',
      `${path}: truncated: the image records ${recorded}, the file has ${size} bytes`,
    );
  // Each segment is at least a segment header long, which bounds the loop below by the file's size.
  if (count === 0 || count > 1 + (size - start) / SEGMENT_HEADER_BYTES) throw truncated(`${count} segments`);
  const firstLength = view.getUint32(Header.FirstSegmentBytes, true);
  if (firstLength < Header.Size) {
    throw new CowshareError(
      'CORRUPT',
      `${path}: image header: segment ${ranges.length / 2} is ${firstLength} bytes long`,
    );
  }
  ranges.push(start, firstLength);
  let end = start + firstLength;
  for (let i = 1; i < count; i++) {
    const index = ranges.length / 2;
    if (end + SEGMENT_HEADER_BYTES > size)
      throw truncated(`${index + count - i} segments (segment ${index} starts at ${end})`);
    const segmentHeader = new DataView(readAt(fd, end, SEGMENT_HEADER_BYTES).buffer);
    const word = (at: SegmentHeader) => segmentHeader.getUint32(4 * at, true);
    const length = word(SegmentHeader.Length);
    if (word(SegmentHeader.Magic) !== SEGMENT_MAGIC || length < SEGMENT_HEADER_BYTES) {
      throw new CowshareError('CORRUPT', `${path}: segment ${index}: no segment header at byte ${end}`);
    }
    ranges.push(end, length);
    end += length;
  }
  if (ranges.some((n, i) => i % 2 === 1 && n % SEGMENT_ALIGN !== 0)) {
    throw new CowshareError('CORRUPT', `${path}: a segment length is not a multiple of ${SEGMENT_ALIGN}`);
  }
  if (end > size) throw truncated(`${end} bytes in ${ranges.length / 2} segments`);
  return end;
}

/** Reads each range into a SharedArrayBuffer of its own: the `read` backing. */
function readSegments(fd: number, ranges: readonly number[], path: string): SharedArrayBuffer[] {
  const segments: SharedArrayBuffer[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    const [offset, length] = [ranges[i]!, ranges[i + 1]!];
    const segment = new SharedArrayBuffer(length);
    const bytes = new Uint8Array(segment);
    for (let done = 0; done < length; ) {
      const read = readSync(fd, bytes, done, Math.min(READ_CHUNK, length - done), offset + done);
      // The file shrank after its size was read: someone truncated an image in place.
      if (read === 0) throw new CowshareError('CORRUPT', `${path}: truncated while it was read`);
      done += read;
    }
    segments.push(segment);
  }
  return segments;
}

/** Up to `length` bytes at `position` (fewer only at the end of the file). */
function readAt(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, bytes, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return bytes.subarray(0, done);
}

/** A hint for a file that is not an image: the usual mistake is opening the input instead of the packed file. */
function whatItLooksLike(start: Uint8Array): string {
  if (start.length === 0) return 'the file is empty';
  const first = String.fromCharCode(...start.subarray(0, 64)).trimStart()[0];
  if (first === '{' || first === '[') return 'it looks like JSON; `cowshare pack` turns it into an image';
  return 'it does not start with COWSHARE';
}
