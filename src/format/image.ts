import { CowshareError } from '../errors.js';

/**
 * A packed image: plain data whose memory is SharedArrayBuffers, so `postMessage(image)` and
 * `workerData: image` share the bytes with the receiving thread instead of copying them.
 */
export interface Image {
  /** The image's own segments; segment 0 starts with the image header (FORMAT.md §2–3). */
  readonly segments: readonly SharedArrayBuffer[];
}

/** Checks the outside shape of an image argument; the bytes are checked when the header is read. */
export function assertImage(value: unknown, where = 'image'): asserts value is Image {
  if (typeof value !== 'object' || value === null) {
    throw new CowshareError('NOT_IMAGE', `${where}: expected a cowshare Image, got ${describe(value)}`);
  }
  const segments = (value as { segments?: unknown }).segments;
  if (!Array.isArray(segments) || segments.length === 0) {
    throw new CowshareError('NOT_IMAGE', `${where}: expected an Image with a non-empty segments array`);
  }
  segments.forEach((segment: unknown, i) => {
    if (segment instanceof SharedArrayBuffer) return;
    const copied = segment instanceof ArrayBuffer || ArrayBuffer.isView(segment);
    throw new CowshareError(
      'NOT_IMAGE',
      copied
        ? `${where}.segments[${i}]: the image memory is not shared (it is a ${describe(segment)}); ` +
            'an Image must be passed as is, so that its SharedArrayBuffers are shared, not copied'
        : `${where}.segments[${i}]: expected a SharedArrayBuffer, got ${describe(segment)}; ` +
            'an Image cannot cross a process boundary or JSON (write it to a file and open that instead)',
    );
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}
