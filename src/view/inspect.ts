/**
 * What `console.log` and `util.inspect` show for views. Node inspects a Proxy's *target* (to avoid
 * running traps), which would print `{}` for every object view; it does call the target's
 * `inspect.custom` method with the Proxy as `this`, so the shared targets and the keyed views carry one
 * that shows a shallow plain copy (its nested views are shown the same way, as deep as inspect goes).
 * `Symbol.for` keeps this free of `node:` imports.
 */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Elements or entries shown before the rest is summarised, like util.inspect's maxArrayLength. */
const SHOWN = 100;

type Inspect = (value: unknown, options: unknown) => string;

export function inspectObject(this: object, _depth: number, options: unknown, inspect: Inspect): string {
  const shown: Record<string, unknown> = {};
  const keys = Object.keys(this);
  for (const key of keys.slice(0, SHOWN * 10)) {
    Object.defineProperty(shown, key, { value: (this as Record<string, unknown>)[key], enumerable: true });
  }
  return inspect(shown, options);
}

export function inspectArray(
  this: readonly unknown[],
  _depth: number,
  options: unknown,
  inspect: Inspect,
): string {
  const shown = this.slice(0, SHOWN);
  const more = this.length - shown.length;
  return inspect(shown, options) + (more > 0 ? ` … ${more} more of ${this.length}` : '');
}

export function inspectKeyed(
  this: Iterable<unknown> & { size: number },
  _depth: number,
  options: unknown,
  inspect: Inspect,
): string {
  const isMap = Object.prototype.toString.call(this) === '[object Map]';
  const shown: unknown[] = [];
  for (const item of this) {
    if (shown.length === SHOWN) break;
    shown.push(item);
  }
  const plain = isMap ? new Map(shown as [unknown, unknown][]) : new Set(shown);
  const more = this.size - shown.length;
  return inspect(plain, options) + (more > 0 ? ` … ${more} more of ${this.size}` : '');
}
