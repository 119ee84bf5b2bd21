import { Kind } from '../format/layout.js';

/** The containers a draft can stand for; everything else is returned from a draft as it is. */
export type ContainerKind = 'object' | 'array' | 'map' | 'set' | 'date' | 'bytes';

const tagOf = Object.prototype.toString;

/** The kind of draft `value` (an object) gets, or undefined for values a draft returns as they are. */
export function containerKind(value: object): ContainerKind | undefined {
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return 'bytes';
  // Views and snapshot facades of Maps and Sets are not real Maps: their toStringTag says what they are.
  switch (tagOf.call(value)) {
    case '[object Object]':
      return typeof value === 'function' ? undefined : 'object';
    case '[object Map]':
      return 'map';
    case '[object Set]':
      return 'set';
    case '[object Date]':
      return 'date';
    default:
      return undefined;
  }
}

/**
 * The image node kinds whose views `containerKind` gives a kind for: only their nodes can have a
 * draft, so a read of any other slot (a string, a number) need not look for one.
 */
const DRAFTED_KINDS =
  (1 << Kind.Date) |
  (1 << Kind.Array) |
  (1 << Kind.SparseArray) |
  (1 << Kind.Object) |
  (1 << Kind.Map) |
  (1 << Kind.Set) |
  (1 << Kind.TypedArray) |
  (1 << Kind.Dict) |
  (1 << Kind.KeyedDelta) |
  (1 << Kind.ArrayDelta);

/** Whether a node of kind `kind` (its header's low byte) is a container a draft stands for. */
export function isDraftedKind(kind: number): boolean {
  return kind < 32 && ((DRAFTED_KINDS >>> kind) & 1) === 1;
}
