import { CowshareError } from '../errors.js';

/**
 * A packed image: plain data whose memory is SharedArrayBuffers, so `postMessage(image)` and
 * `workerData: image` share the bytes with the receiving thread instead of copying them.
 */
export interface Image {
  /** The image's own segments; segment 0 starts with the image header (FORMAT.md §2–3). */
  readonly segments: readonly SharedArrayBuffer[];
}

/**
 * Checks the outside shape of an image argument; the bytes are checked when the header is read. The
 * messages say what most likely happened: memory copied out of its SharedArrayBuffers, or an image sent
 * where only JSON goes (another process), which turns each SharedArrayBuffer into `{}`.
 */
export function assertImage(value: unknown, where = 'image'): asserts value is Image {
  if (typeof value !== 'object' || value === null) {
    throw new CowshareError('NOT_IMAGE', `${where}: expected a cowshare Image, got ${describe(value)}`);
  }
  const segments = (value as { segments?: unknown }).segments;
  if (!Array.isArray(segments)) {
    throw new CowshareError(
      'NOT_IMAGE',
      `${where}: expected a cowshare Image ({ segments: SharedArrayBuffer[] }), got ${describe(value)} with no segments array`,
    );
  }
  if (segments.length === 0) {
    throw new CowshareError('NOT_IMAGE', `${where}: expected a cowshare Image, got one with no segments`);
  }
  segments.forEach((segment: unknown, i) => {
    if (segment instanceof SharedArrayBuffer) return;
    if (ArrayBuffer.isView(segment) && segment.buffer instanceof SharedArrayBuffer) {
      throw new CowshareError(
        'NOT_IMAGE',
        `${where}.segments[${i}]: expected a SharedArrayBuffer, got ${withArticle(describe(segment))} over one; ` +
          'segments are the SharedArrayBuffers themselves',
      );
    }
    const copied = segment instanceof ArrayBuffer || ArrayBuffer.isView(segment);
    throw new CowshareError(
      'NOT_IMAGE',
      copied
        ? `${where}.segments[${i}]: the image's memory is not shared: it is ${withArticle(describe(segment))}, ` +
            'so its bytes were copied out of the SharedArrayBuffer; pass the Image itself ' +
            '(postMessage and workerData share its SharedArrayBuffers)'
        : `${where}.segments[${i}]: expected a SharedArrayBuffer, got ${describe(segment)}; the image's memory ` +
            'is not shared with this process: an Image cannot cross a process boundary or JSON, which turns ' +
            'a SharedArrayBuffer into {} (write it to a file and open that instead)',
    );
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** `an ArrayBuffer`, `an Int32Array`, `a Uint8Array`: the built-in names that take "an" start with A, E, I or O. */
function withArticle(noun: string): string {
  return /^[AEIO]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
