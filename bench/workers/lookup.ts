// The lookup the workers do, shared by the child (which computes the expected checksums on the native
// Map) and the workers (on whatever their transport gave them). Each thread is its own isolate with its
// own type feedback, and each sees one kind of dictionary only, so this one function stays monomorphic.

import { keyOf } from '../data.js';

/** What a lookup needs of a dictionary and its records: a native Map, a cowshare view, a decoded copy. */
export interface Dictionary {
  get(key: string): { readonly score: number; readonly name: string } | undefined;
}

/** The two fields read per hit, folded into one number. */
export const answerOf = (dictionary: Dictionary, key: string): number => {
  const record = dictionary.get(key);
  if (record === undefined) throw new Error(`no entry for ${key}`);
  return record.score + record.name.length;
};

/** The key every worker looks up first, to say it is ready. */
export const probeKey = (entries: number): string => keyOf(Math.floor(entries / 2));

/** One pass over `keys` (all present): the sum of `score + name.length` over the hits. */
export function lookupPass(dictionary: Dictionary, keys: readonly string[]): number {
  let sum = 0;
  for (let i = 0; i < keys.length; i++) {
    const record = dictionary.get(keys[i]!)!;
    sum += record.score + record.name.length;
  }
  return sum;
}

/** The checksum of `passes` passes with the same keys, added up in the order a worker adds them. */
export function repeatedChecksum(passChecksum: number, passes: number): number {
  let total = 0;
  for (let i = 0; i < passes; i++) total += passChecksum;
  return total;
}
