// Reading a view the way user code reads one — properties, `in`, Object.keys, spread, iteration, Map
// and Set lookups, array methods — for the hostile tests and the fuzz targets. What it reads is
// thrown away; what counts is how each read ends. With `consistent` (for an image verify accepted),
// a read that breaks a promise a native value keeps — a key that Object.keys lists but `in` denies,
// a Map entry that `has` denies — throws a plain Error, which no caller accepts. Without verify, a
// damaged image may read inconsistently; it must still end in a value or a CowshareError.

import { nodeOf } from '../../src/format/node-ref.js';

export interface WalkOptions {
  /** Check that the reads agree with each other (the image was verified). */
  consistent?: boolean;
  /** How many values to visit at most (views of cycles go on forever). */
  budget?: number;
}

/** Reads `root` as user code does. */
export function walk(root: unknown, { consistent = false, budget = 3000 }: WalkOptions = {}): void {
  const fail = consistent
    ? (problem: string) => {
        throw new Error(problem);
      }
    : () => {};
  const stack: unknown[] = [root];
  // Each node once (a view by its node: every read makes a new view), so a cycle costs what it holds.
  const seen = new Set<unknown>();
  let left = budget;
  while (stack.length > 0 && left-- > 0) {
    const v = stack.pop();
    if (typeof v === 'function') throw new Error('a view produced a function');
    if (typeof v !== 'object' || v === null) {
      String(v);
      continue;
    }
    const identity = nodeOf(v)?.address ?? v;
    if (seen.has(identity)) continue;
    seen.add(identity);
    if (Array.isArray(v)) {
      walkArray(v, stack, fail);
      continue;
    }
    if (ArrayBuffer.isView(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      let sum = 0;
      for (let i = 0; i < Math.min(bytes.length, 64); i++) sum += bytes[i]!;
      if (!(v instanceof DataView) && (v as Uint8Array).length > 0) String((v as Uint8Array)[0]);
      String(sum);
      continue;
    }
    if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
      new Uint8Array(v).slice(0, 16);
      continue;
    }
    if (v instanceof Date) {
      v.getTime();
      continue;
    }
    if (v instanceof RegExp) {
      String(v.source + v.flags);
      continue;
    }
    if (v instanceof Error) {
      String(v.message);
      stack.push(v.cause);
      continue;
    }
    const maybe = v as { entries?: unknown; get?: unknown; has?: unknown; add?: unknown; size?: unknown };
    if (
      typeof maybe.entries === 'function' &&
      typeof maybe.has === 'function' &&
      typeof maybe.get === 'function'
    ) {
      walkMap(v as Map<unknown, unknown>, stack, fail);
      continue;
    }
    if (typeof maybe.has === 'function' && typeof maybe.add === 'function') {
      walkSet(v as Set<unknown>, stack, fail);
      continue;
    }
    walkObject(v, stack, fail);
  }
}

type Fail = (problem: string) => void;

function walkArray(v: unknown[], stack: unknown[], fail: Fail): void {
  const length = v.length;
  for (let i = 0; i < Math.min(length, 32); i++) stack.push(v[i]);
  if (length > 0) stack.push(v[length - 1], v.at(-1));
  const keys = Object.keys(v).slice(0, 32);
  for (const key of keys) {
    if (!(key in v)) fail(`Object.keys of an array lists ${JSON.stringify(key)} but "in" says no`);
  }
  if (length <= 4096) {
    // The array methods that read: through the traps, as user code calls them.
    v.slice(0, 8);
    v.indexOf(undefined);
    v.includes(0);
    v.some((x) => x === null);
    v.join(',');
    for (const x of v.slice(0, 8)) stack.push(x);
    [...v.entries()].slice(0, 4);
  }
}

function walkMap(map: Map<unknown, unknown>, stack: unknown[], fail: Fail): void {
  let i = 0;
  for (const [key, value] of map.entries()) {
    if (i++ >= 32) break;
    if (!map.has(key)) fail('a Map view does not have a key its entries list');
    map.get(key);
    stack.push(key, value);
  }
  map.get('probe');
  map.has(12345);
  String(map.size);
  map.forEach(() => {});
}

function walkSet(set: Set<unknown>, stack: unknown[], fail: Fail): void {
  let i = 0;
  for (const member of set.values()) {
    if (i++ >= 32) break;
    if (!set.has(member)) fail('a Set view does not have a member its values list');
    stack.push(member);
  }
  set.has('probe');
  String(set.size);
}

function walkObject(v: object, stack: unknown[], fail: Fail): void {
  if (typeof (v as { valueOf?: unknown }).valueOf === 'function') (v as { valueOf(): unknown }).valueOf();
  const keys = Object.keys(v);
  for (const key of keys.slice(0, 32)) {
    if (!(key in v)) fail(`Object.keys lists ${JSON.stringify(key)} but "in" says no`);
    stack.push((v as Record<string, unknown>)[key]);
  }
  if (keys.length <= 4096) {
    const spread = { ...v };
    if (Object.keys(spread).length !== keys.length) fail('spread and Object.keys disagree');
  }
  (v as Record<string, unknown>).missingProperty;
}
