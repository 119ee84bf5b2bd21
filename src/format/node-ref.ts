import type { Address, Reader } from './reader.js';

/**
 * Every view answers `view[NODE]` with the node it reads: this is how `toJS`, Map lookups by object key,
 * and `pack` of a view recognise shared nodes without comparing JS identities (each read of a
 * container returns a fresh view object).
 */
export const NODE: unique symbol = Symbol('cowshare.node');

export interface NodeRef {
  readonly reader: Reader;
  readonly address: Address;
}

/** How `pack` should walk a view that has no built-in brand (Map and Set views are not real Maps). */
export const PACK_AS: unique symbol = Symbol('cowshare.packAs');

export function nodeOf(value: unknown): NodeRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [NODE]?: NodeRef })[NODE];
}

/**
 * A method of objects that stand for a built-in they are not (typed-array drafts: Proxies, not typed
 * arrays), returning the real value to pack in their place.
 */
export const PACK_VALUE: unique symbol = Symbol('cowshare.packValue');
