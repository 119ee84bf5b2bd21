import type { Image } from '../format/image.js';
import { Reader } from '../format/reader.js';
import { verify } from '../format/verify.js';
import { decodeSlot } from './decode.js';
import type { Shared } from './shared.js';

export interface OpenOptions {
  /** Check the whole image first (`verify`); do this for images from untrusted sources. */
  verify?: boolean;
  /**
   * How objects are shown. `'facade'` (the default): a Proxy on which `Object.keys`, spread, `in` and
   * `JSON.stringify` all see the packed properties. `'record'`: one class per shape with prototype
   * getters — property reads several times faster, but `Object.keys` and spread see no keys
   * (docs/pitfalls.md).
   */
  objects?: 'facade' | 'record';
}

/**
 * Opens an image in O(1): reads its header and returns the root value as a lazy read-only view.
 * Each call makes a new reader; views from one `open` share its decoded shapes.
 */
export function open<T = unknown>(image: Image, options: OpenOptions = {}): Shared<T> {
  const reader = new Reader(image);
  reader.objects = options.objects ?? 'facade';
  if (options.verify) verify(image);
  return decodeSlot(reader, reader.rootSegment, reader.rootSlot) as Shared<T>;
}
