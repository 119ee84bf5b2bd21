/**
 * How `cowshare get` prints values as JSON: what JSON has no syntax for is shown as the nearest JSON
 * (a Map as an object when all its keys are strings, else as [key, value] pairs; a Set or typed array
 * as an array; a bigint as a string of digits; a RegExp as its source; an Error as {name, message};
 * undefined as null). A cycle cannot be shown and is a CowshareError naming where it closes.
 */
import { CowshareError } from '../errors.js';

export function toJson(value: unknown, indent: number): string {
  const open = new Set<unknown>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v === undefined ? null : v;
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof RegExp) return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (ArrayBuffer.isView(v)) {
      return v instanceof DataView
        ? Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
        : Array.from(v as unknown as ArrayLike<number | bigint>, (n) => walk(n, path));
    }
    if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return Array.from(new Uint8Array(v));
    if (open.has(v)) throw new CowshareError('UNPACKABLE', `${path}: a cycle, which JSON cannot show`);
    open.add(v);
    try {
      if (v instanceof Map) {
        const keys = [...v.keys()];
        if (keys.every((k) => typeof k === 'string')) {
          const out: Record<string, unknown> = {};
          // defineProperty, so a key named __proto__ is a key like any other.
          for (const [k, x] of v)
            Object.defineProperty(out, k, { value: walk(x, `${path}.${k}`), enumerable: true });
          return out;
        }
        return [...v].map(([k, x], i) => [walk(k, `${path}[${i}][0]`), walk(x, `${path}[${i}][1]`)]);
      }
      if (v instanceof Set) return [...v].map((x, i) => walk(x, `${path}[${i}]`));
      if (Array.isArray(v)) return Array.from(v, (x, i) => walk(x, `${path}[${i}]`));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        Object.defineProperty(out, k, { value: walk(x, `${path}.${k}`), enumerable: true });
      }
      return out;
    } finally {
      open.delete(v);
    }
  };
  return JSON.stringify(walk(value, '$'), null, indent);
}
