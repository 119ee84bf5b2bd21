import { CowshareError } from '../errors.js';
import { assertImage, type Image } from '../format/image.js';
import { type PackOptions, pack } from '../format/pack.js';
import { propertyPart } from '../format/pack-refusal.js';
import { type OpenOptions, open } from '../view/open.js';
import type { Shared } from '../view/shared.js';

/**
 * Named shared data: what a parent hands every worker once. The parent gives values or images
 * (`SharedInput`), `packShared` turns them into images that cross threads without a copy, and each
 * worker turns those into views with `openShared` (`SharedData`). This is the portable half of the
 * worker pool in `cowshare/node`; with browser workers it is used directly.
 */

/**
 * What a parent may give for shared data `S`: each entry as a value (packed once) or an image of it
 * (an image's content is not typed, so any image is accepted).
 */
export type SharedInput<S> = { readonly [K in keyof S]: S[K] | Image };

/** What a worker receives for shared data `S`: each entry opened as a read-only view. */
export type SharedData<S> = { readonly [K in keyof S]: Shared<S[K]> };

/** Images ready to cross threads: one per name. */
export type SharedImages<S = Record<string, unknown>> = { readonly [K in keyof S]: Image };

/**
 * Packs every entry that is not already an image; images are passed through as they are, so packing
 * happens once however many workers there are. A refusal names the entry: `shared.dict.users[3]: …`.
 */
export function packShared<S>(input: SharedInput<S>, options: PackOptions = {}): SharedImages<S> {
  const images: Record<string, Image> = {};
  for (const name of namesOf(input, 'shared')) {
    const value: unknown = input[name as keyof S];
    images[name] = isImage(value) ? value : pack(value, { ...options, path: `shared${propertyPart(name)}` });
  }
  return images as SharedImages<S>;
}

/** Opens each image in O(1); a value that is not an image (e.g. its memory was copied) is refused by name. */
export function openShared<S>(images: SharedImages<S>, options: OpenOptions = {}): SharedData<S> {
  const data: Record<string, unknown> = {};
  for (const name of namesOf(images, 'shared images')) {
    const image: unknown = images[name as keyof S];
    assertImage(image, `shared${propertyPart(name)}`);
    data[name] = open(image, options);
  }
  return Object.freeze(data) as SharedData<S>;
}

/**
 * Whether a value is an image (rather than data to pack): an object whose `segments` are
 * SharedArrayBuffers. Anything else is packed, so a look-alike that is not an image fails on open,
 * not here.
 */
export function isImage(value: unknown): value is Image {
  if (typeof value !== 'object' || value === null) return false;
  const segments = (value as { segments?: unknown }).segments;
  return (
    Array.isArray(segments) &&
    segments.length > 0 &&
    segments.every((segment: unknown) => segment instanceof SharedArrayBuffer)
  );
}

/** Own enumerable string keys of a plain object; anything else is refused with `what` in the message. */
function namesOf(value: unknown, what: string): string[] {
  const proto = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new CowshareError('UNPACKABLE', `${what}: expected a plain object of named entries`);
  }
  return Object.keys(value as object);
}
