import { corrupt } from '../errors.js';
import { hashIndexWords } from '../format/hash.js';
import { KeyedDelta } from '../format/keyed-delta.js';
import { DELTA_STRIDE, KIND_MASK, Kind } from '../format/layout.js';
import { type Address, type Reader, type Shape, segmentOfAddress } from '../format/reader.js';
import { findKey } from './lookup.js';

/** How a facade finds a key: the node's shape, or for a DICT the node's own keys and hash index. */
export type Keys = Pick<Shape, 'count' | 'keys' | 'indexOf'>;

/**
 * Where an OBJECT's or DICT's properties are: how to find a key, the first entry, words per entry, and
 * the segment they are in. For a DICT a layer changed (a KEYED_DELTA), those are its base's, `delta`
 * holds the changes, and entries are numbered by virtual index (keyed-delta.ts).
 */
export interface Layout {
  keys: Keys;
  first: number;
  stride: number;
  segment: number;
  delta?: KeyedDelta;
}

/** The layout of the OBJECT or DICT node at `address` (whose header word is `header`). */
export function layoutOf(reader: Reader, address: Address, header: number): Layout {
  if ((header & KIND_MASK) === Kind.Object) {
    const segment = segmentOfAddress(address);
    const shape = reader.shape(reader.count(address, header), segment);
    return { keys: shape, first: reader.need(address, shape.count, header), stride: 1, segment };
  }
  if ((header & KIND_MASK) === Kind.KeyedDelta) return changedDictLayout(reader, address);
  if ((header & KIND_MASK) !== Kind.Dict) throw corrupt(reader.where(address), 'expected an OBJECT or DICT');
  const count = reader.count(address, header);
  const first = reader.need(address, 2 * count + hashIndexWords(count), header);
  const hashAt = reader.hashIndex(address, first + 2 * count, count);
  const segment = segmentOfAddress(address);
  let decoded: string[] | undefined;
  const keys: Keys = {
    count,
    indexOf: (key) => findKey(reader, address, first, 2, count, hashAt, key),
    keys: () => {
      if (decoded === undefined) {
        decoded = new Array<string>(count);
        const words = reader.words[segment]!;
        for (let i = 0; i < count; i++)
          decoded[i] = reader.keyString(segment, words[first + 2 * i]!, address);
        // ownKeys may not repeat a key (a Proxy invariant): a damaged DICT must fail as such.
        if (new Set(decoded).size !== count) throw corrupt(reader.where(address), 'duplicate keys');
      }
      return decoded;
    },
  };
  return { keys, first, stride: 2, segment };
}

/** The layout of a KEYED_DELTA over a DICT: its base's entries, the delta's keys first. */
function changedDictLayout(reader: Reader, address: Address): Layout {
  const delta = new KeyedDelta(reader, address);
  if (delta.baseKind !== Kind.Dict) throw corrupt(reader.where(address), 'expected an OBJECT or DICT');
  const base = layoutOf(reader, delta.base, reader.header(delta.base));
  let decoded: string[] | undefined;
  const keys: Keys = {
    count: delta.span,
    indexOf: (key) => {
      const e = findKey(reader, address, delta.first, DELTA_STRIDE, delta.count, delta.hashAt, key);
      return e >= 0 ? delta.indexOfEntry(e) : base.keys.indexOf(key);
    },
    keys: () => {
      if (decoded === undefined) {
        decoded = [];
        const baseKeys = base.keys.keys();
        const words = reader.words[delta.segment]!;
        for (let i = 0; i < delta.span; i++) {
          if (!delta.live(i)) continue;
          const word = delta.wordAt(i, 0);
          decoded.push(word < 0 ? baseKeys[i]! : reader.keyString(delta.segment, words[word]!, address));
        }
        if (new Set(decoded).size !== decoded.length) throw corrupt(reader.where(address), 'duplicate keys');
      }
      return decoded;
    },
  };
  return { keys, first: base.first, stride: 2, segment: base.segment, delta };
}
