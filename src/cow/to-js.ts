import { nodeOf } from '../format/node-ref.js';
import type { Unshared } from '../view/shared.js';
import { toJS as viewToJS } from '../view/to-js.js';
import { draftOf } from './draft-node.js';
import { containerKind } from './kind.js';
import type { NodeKey } from './node-key.js';

/**
 * A deep plain copy of a view, a draft or a snapshot, equal to `structuredClone` of the value it
 * shows: shared references and cycles come out shared and cyclic. Values that are neither are returned
 * as they are.
 */
export function toJS<S>(value: S): Unshared<S> {
  if (typeof value !== 'object' || value === null || draftOf(value) === undefined) {
    return viewToJS(value);
  }
  return new DraftCopier().copy(value) as Unshared<S>;
}

/** One deep copy of a draft graph: the memo maps each draft (one per node) to its copy. */
class DraftCopier {
  private readonly memo = new Map<object, unknown>();
  /** Buffers copied so far, by region: views of one buffer share its copy. */
  private readonly buffers = new Map<NodeKey, ArrayBufferLike>();

  copy(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    const node = draftOf(value);
    if (node === undefined) {
      // A value a draft returns as it is: a view's (already a fresh copy, or zero-copy memory to copy),
      // or a plain base's own object, which the copy must not share.
      const copy = nodeOf(value) === undefined ? structuredClone(value) : viewToJS(value);
      this.memo.set(value, copy);
      return copy;
    }
    // A typed-array or DataView draft is not a real one: its copy is, over a copy of its buffer.
    const bytes = node.plainCopy?.(this.buffers);
    if (bytes !== undefined) {
      this.memo.set(value, bytes);
      return bytes;
    }
    switch (containerKind(value)) {
      case 'array':
      case 'object': {
        const source = value as Record<string, unknown>;
        const copy = (Array.isArray(value) ? new Array(value.length) : {}) as Record<string, unknown>;
        this.memo.set(value, copy);
        for (const key of Object.keys(source)) {
          // Defined, not assigned: `__proto__` is a key like any other.
          Object.defineProperty(copy, key, {
            value: this.copy(source[key]),
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        return copy;
      }
      case 'map': {
        const copy = new Map<unknown, unknown>();
        this.memo.set(value, copy);
        for (const [key, item] of value as Map<unknown, unknown>) copy.set(this.copy(key), this.copy(item));
        return copy;
      }
      case 'set': {
        const copy = new Set<unknown>();
        this.memo.set(value, copy);
        for (const item of value as Set<unknown>) copy.add(this.copy(item));
        return copy;
      }
      default: {
        const copy = new Date((value as Date).getTime());
        this.memo.set(value, copy);
        return copy;
      }
    }
  }
}
