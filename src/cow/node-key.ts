import { fmix32, hashPrimitive } from '../format/hash.js';
import type { Reader } from '../format/reader.js';

/**
 * What identifies a node in a branch's overrides: an address in the image its lineage started from,
 * or an object (a plain carrier, or the token of a node of another image).
 */
export type NodeKey = object | number;

/** A number per object, for hashing object keys (JS has no identity hash). */
const ids = new WeakMap<object, number>();
let nextId = 1;

/** The hash of a node key, or of a Map draft's entry key (primitives as the format hashes them). */
export function hashKey(key: unknown): number {
  if (typeof key !== 'object' || key === null) return hashPrimitive(key) ?? 0;
  let id = ids.get(key);
  if (id === undefined) {
    id = nextId++;
    ids.set(key, id);
  }
  return fmix32(id);
}

/**
 * One token object per node of an image, for nodes that need an object identity: nodes of an image
 * other than the lineage's own, and object keys of Map and Set drafts (whose primitive keys would
 * otherwise meet addresses). Tokens live as long as their reader.
 */
const tokens = new WeakMap<Reader, Map<number, object>>();

export function tokenOf(reader: Reader, address: number): object {
  let byAddress = tokens.get(reader);
  if (byAddress === undefined) {
    byAddress = new Map();
    tokens.set(reader, byAddress);
  }
  let token = byAddress.get(address);
  if (token === undefined) {
    token = Object.freeze({ address });
    byAddress.set(address, token);
  }
  return token;
}
