/**
 * The array index a property key names — "0", "17"; never "01", "-1", "1e3", or 2^32 − 1 and beyond —
 * or -1. `Object.keys` lists such keys first, ascending; wherever keys are told apart from indices
 * (packing, verifying, views, drafts), this is the one test. It reads the characters, without
 * converting the key to a number, since it runs on every property access of an array view.
 */
export function arrayIndex(key: string): number {
  const n = key.length;
  if (n === 0 || n > 10) return -1;
  let c = key.charCodeAt(0);
  if (c < 48 || c > 57 || (c === 48 && n > 1)) return -1;
  let value = c - 48;
  for (let i = 1; i < n; i++) {
    c = key.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + c - 48;
  }
  return value < 2 ** 32 - 1 ? value : -1;
}

export function isArrayIndex(key: string): boolean {
  return arrayIndex(key) >= 0;
}

/** Whether `key` can be a non-index property of an array (a SPARSE_ARRAY's extras): no index, no `length`. */
export function isExtraKey(key: string): boolean {
  return key !== 'length' && arrayIndex(key) < 0;
}

/**
 * A relative index argument of Array.prototype's and %TypedArray%.prototype's methods (`slice(-2)`,
 * `fill(v, 1, -1)`): made an integer, counted from the end when negative, clamped to [0, length];
 * `otherwise` when undefined.
 */
export function relativeIndex(value: unknown, length: number, otherwise: number): number {
  if (value === undefined) return otherwise;
  const n = Math.trunc(Number(value)) || 0;
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}
