import type { Unshared } from '../view/shared.js';
import { fork } from './fork.js';
import type { Patch } from './patches.js';

/**
 * A draft of `base` with `patches` applied, in order: `applyPatches(base, patches(draft).patches)`
 * reads as the draft, and applying the inverse patches to a fork of the draft reads as the base (up
 * to the order of keys deleted and added again, which move to the end). The base never changes.
 */
export function applyPatches<T>(base: T, list: readonly Patch[]): Unshared<T> {
  const draft = fork(base) as Unshared<T>;
  for (const [i, patch] of list.entries()) {
    try {
      apply(draft, patch);
    } catch (error) {
      throw new TypeError(
        `cowshare: patch ${i} (${patch.op} ${patch.path}) does not apply: ${(error as Error).message}`,
      );
    }
  }
  return draft;
}

// A container a patch reaches: a draft of any kind, used through its public API.
type Container = any;

/** The keys of a patch's path: `keys` when given, else its pointer's tokens. */
function keysOfPatch(pathText: string, keys: unknown[] | undefined): unknown[] {
  if (keys !== undefined) return keys;
  if (pathText === '') return [];
  if (!pathText.startsWith('/')) throw new Error('a path starts with /');
  return pathText
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isMap(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object Map]';
}
function isSet(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object Set]';
}

/** The child of `container` under `key` (a Set member by position). */
function childOf(container: Container, key: unknown): unknown {
  if (isMap(container)) return container.get(key);
  if (isSet(container)) {
    const index = typeof key === 'object' && key !== null ? (key as { member: number }).member : Number(key);
    return [...container][index];
  }
  // Own properties only: a path never leads to a prototype (`/__proto__/x` names a key `__proto__`).
  if (!Object.hasOwn(container, String(key))) throw new Error(`nothing at ${String(key)}`);
  return container[String(key)];
}

function resolve(root: unknown, keys: readonly unknown[]): unknown {
  let node = root;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) throw new Error(`nothing at ${String(key)}`);
    node = childOf(node as Container, key);
  }
  return node;
}

function apply(root: unknown, patch: Patch): void {
  if (typeof patch !== 'object' || patch === null || typeof patch.path !== 'string') {
    throw new Error('a patch is an object with a string path');
  }
  if (!['add', 'remove', 'replace', 'splice', 'link'].includes(patch.op))
    throw new Error(`unknown op ${String(patch.op)}`);
  if (patch.keys !== undefined && !Array.isArray(patch.keys)) throw new Error('keys must be an array');
  const keys = keysOfPatch(patch.path, patch.keys);
  if (patch.op === 'splice') {
    if (!Number.isInteger(patch.index) || !Number.isInteger(patch.remove) || !Array.isArray(patch.values)) {
      throw new Error('a splice has an integer index and remove, and an array of values');
    }
    const target = resolve(root, keys) as unknown[];
    const values = patch.values.slice();
    for (const link of patch.links ?? [])
      values[link.index] = resolve(root, keysOfPatch(link.from, link.fromKeys));
    if (Array.isArray(target)) {
      target.splice(patch.index, patch.remove, ...values);
      // A spread gives a hole as undefined: holes of `values` are holes again.
      for (let k = 0; k < values.length; k++) if (!(k in values)) delete target[patch.index + k];
    } else if (/Array\]$/.test(Object.prototype.toString.call(target))) {
      (target as unknown as { set(values: unknown[], at: number): void }).set(values, patch.index);
    } else throw new Error('a splice of something that is not an array');
    return;
  }
  if (keys.length === 0) {
    if (patch.op !== 'replace') throw new Error(`${patch.op} of the root`);
    replaceContents(root as Container, patch.value);
    return;
  }
  const parent = resolve(root, keys.slice(0, -1)) as Container;
  const last = keys[keys.length - 1];
  if (typeof parent !== 'object' || parent === null) throw new Error('the parent is not a container');
  const array =
    Array.isArray(parent) ||
    ArrayBuffer.isView(parent) ||
    /Array\]$/.test(Object.prototype.toString.call(parent));
  const index = array ? (last === '-' ? parent.length : Number(last)) : Number.NaN;
  switch (patch.op) {
    case 'add':
    case 'replace': {
      if (patch.op === 'replace' && patch.inPlace) {
        replaceContents(childOf(parent, last), patch.value);
        return;
      }
      if (isMap(parent)) parent.set(last, patch.value);
      else if (isSet(parent)) parent.add(patch.value);
      else if (Array.isArray(parent) && patch.op === 'add') parent.splice(index, 0, patch.value);
      else if (Array.isArray(parent) && last === 'length') parent.length = patch.value as number;
      else if (Array.isArray(parent)) parent[index] = patch.value;
      else if (array) (parent as unknown as unknown[])[index] = patch.value;
      else
        Object.defineProperty(parent, String(last), {
          value: patch.value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      return;
    }
    case 'link': {
      const target = resolve(root, keysOfPatch(patch.from, patch.fromKeys));
      if (isMap(parent)) parent.set(last, target);
      else if (Array.isArray(parent)) parent[index] = target;
      else parent[String(last)] = target;
      return;
    }
    case 'remove': {
      if (isMap(parent)) parent.delete(last);
      else if (isSet(parent))
        parent.delete(typeof last === 'object' && last !== null ? childOf(parent, last) : last);
      else if (Array.isArray(parent) && !patch.hole) parent.splice(index, 1);
      else delete parent[String(last)];
      return;
    }
  }
}

/** A `replace` of the root: the draft's contents become `value`'s (the draft itself stays). */
function replaceContents(root: Container, value: unknown): void {
  const source = value as Container;
  if (Array.isArray(root)) {
    root.length = 0;
    for (let i = 0; i < source.length; i++) if (i in source) root[i] = source[i];
    root.length = source.length;
  } else if (isMap(root)) {
    root.clear();
    for (const [key, item] of source as unknown as Map<unknown, unknown>) root.set(key, item);
  } else if (isSet(root)) {
    root.clear();
    for (const item of source as unknown as Set<unknown>) root.add(item);
  } else if (root instanceof Date) {
    root.setTime((value as Date).getTime());
  } else if (/Array\]$/.test(Object.prototype.toString.call(root))) {
    (root as unknown as { set(values: ArrayLike<unknown>): void }).set(source);
  } else if (Object.prototype.toString.call(root) === '[object DataView]') {
    const bytes = value as DataView;
    for (let i = 0; i < bytes.byteLength; i++) root.setUint8(i, bytes.getUint8(i));
  } else {
    for (const key of Object.keys(root)) delete root[key];
    for (const key of Object.keys(source)) {
      Object.defineProperty(root, key, {
        value: source[key],
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
}
