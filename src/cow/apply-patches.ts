// The patch side of drafts: `patches` and `diff` read the write log (patch-log.ts records it) and
// `applyPatches` applies a list to a fork of a base, RFC 6902 plus cowshare's extensions
// (docs/patches.md). One concept, long because every operation is checked against RFC 6902 on every
// kind of container, with a message that names the patch.
import { isArrayIndex } from '../format/array-index.js';
import type { Unshared } from '../view/shared.js';
import { draftOf } from './draft-node.js';
import { fork } from './fork.js';
import type { Patch } from './patch-log.js';
import { toJS } from './to-js.js';

/**
 * The changes recorded in `draft`'s branch since recording began (`fork(base, { patches: true })`),
 * as patches that turn the base into the draft, and the inverse patches that turn the draft back,
 * newest change first. Paths are from the draft the fork returned.
 */
export function patches(draft: unknown): { patches: Patch[]; inverse: Patch[] } {
  const node = typeof draft === 'object' && draft !== null ? draftOf(draft) : undefined;
  if (node === undefined) throw new TypeError('cowshare: patches() takes a draft or a snapshot');
  if (!node.branch.recording) {
    throw new TypeError('cowshare: this draft records no patches: fork it with { patches: true }');
  }
  const forward: Patch[] = [];
  const inverse: Patch[] = [];
  for (let entry = node.branch.log; entry !== undefined; entry = entry.previous) {
    forward.push(entry.patch);
    inverse.push(entry.inverse);
  }
  return { patches: forward.reverse(), inverse };
}

/**
 * The patches that turn snapshot (or draft) `a` into `b`, two versions of one recording lineage
 * (forked from one base with `{ patches: true }`): the inverse patches of `a`'s writes since the two
 * parted, newest first, then `b`'s writes since then. Both logs share their entries up to that point,
 * so the cost is that of the writes since, whatever the size of the value — shared history is never
 * looked at. For `a` an ancestor of `b` (a snapshot and a later one) the result is exactly `b`'s
 * newer patches; otherwise the inverse part restores values as inverse patches do (docs/patches.md).
 */
export function diff(a: unknown, b: unknown): Patch[] {
  const [x, y] = [a, b].map((value) => {
    const node = typeof value === 'object' && value !== null ? draftOf(value) : undefined;
    if (node === undefined) throw new TypeError('cowshare: diff() takes two drafts or snapshots');
    if (!node.branch.recording) {
      throw new TypeError(
        'cowshare: diff() needs versions that record patches: fork the base with { patches: true }',
      );
    }
    return node;
  }) as [NonNullable<ReturnType<typeof draftOf>>, NonNullable<ReturnType<typeof draftOf>>];
  if (x.key !== y.key || x.branch.root !== y.branch.root) {
    throw new TypeError('cowshare: diff() compares two versions of one value, forked from the same base');
  }
  let left = x.branch.log;
  let right = y.branch.log;
  const undo: Patch[] = [];
  const redo: Patch[] = [];
  // Walk the deeper log back to the other's depth, then both together, to their common entry.
  while (left !== right) {
    if ((left?.depth ?? 0) >= (right?.depth ?? 0)) {
      undo.push(left!.inverse);
      left = left!.previous;
    } else {
      redo.push(right!.patch);
      right = right!.previous;
    }
  }
  return [...undo, ...redo.reverse()];
}

/**
 * A draft of `base` with `list` applied, in order: `applyPatches(base, patches(draft).patches)` reads
 * as the draft, and applying the inverse patches to a fork of the draft reads as the base (up to the
 * order of keys deleted and added again, which move to the end). The base never changes.
 *
 * RFC 6902 rules hold (docs/patches.md): an array index token is "0" or digits without a leading
 * zero, `-` is past the end and only `add` takes it, `add` may insert at the length and the other
 * operations need an index below it; `replace` and `remove` need their target to exist. A patch that
 * breaks a rule fails with a TypeError that names it: `cowshare: patch 3 (replace /a/b): no such key "b"`.
 * Every key is data: a path never reaches a prototype.
 */
export function applyPatches<T>(base: T, list: readonly Patch[]): Unshared<T> {
  if (!Array.isArray(list)) throw new TypeError('cowshare: applyPatches() takes an array of patches');
  const document: Document = { root: fork(base) };
  for (let i = 0; i < list.length; i++) {
    let label = `patch ${i}`;
    try {
      const patch = readPatch(list[i], (op, path) => {
        label = `patch ${i} (${op}${path === undefined ? '' : ` ${path}`})`;
      });
      apply(document, patch);
    } catch (error) {
      throw new TypeError(`cowshare: ${label}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
  return document.root as Unshared<T>;
}

/** What the patches change: the root is replaced by an `add` or `replace` of the path "". */
interface Document {
  root: unknown;
}

/**
 * A location, as keys from the root: the patch's `keys` (typed: a Map key of any type, an array
 * element as a number) or the tokens of its JSON Pointer (strings). Only typed keys may name a
 * property of an array that is not an element: a pointer token there is an index (RFC 6901 §4).
 */
interface Location {
  readonly keys: readonly unknown[];
  readonly typed: boolean;
}

/** A patch read (each member once, so that a getter cannot change it under us) and checked. */
type Operation =
  | {
      readonly op: 'add' | 'replace' | 'test';
      readonly at: Location;
      readonly value: unknown;
      readonly inPlace: boolean;
    }
  | { readonly op: 'remove'; readonly at: Location; readonly hole: boolean }
  | { readonly op: 'move' | 'copy' | 'link'; readonly at: Location; readonly from: Location }
  | {
      readonly op: 'splice';
      readonly at: Location;
      readonly index: number;
      readonly remove: number;
      readonly values: unknown[];
      readonly links: readonly { readonly index: number; readonly from: Location }[];
    };

/** RFC 6902's six operations, then cowshare's two. */
const OPS: readonly string[] = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'splice', 'link'];

/** `patch` as an Operation; `named` hears its op and path as soon as they are known, for messages. */
function readPatch(patch: unknown, named: (op: string, path: string | undefined) => void): Operation {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new Error(`a patch is an object, not ${describe(patch)}`);
  }
  const fields = patch as Record<string, unknown>;
  const op = fields.op;
  if (typeof op !== 'string' || !OPS.includes(op)) {
    throw new Error(`unknown op ${show(op)} (one of ${OPS.join(', ')})`);
  }
  const path = fields.path;
  named(op, typeof path === 'string' ? path : undefined);
  const at = locationOf(path, fields.keys, 'path', 'keys');
  switch (op) {
    case 'add':
    case 'replace':
    case 'test':
      if (!('value' in fields)) throw new Error(`${op} needs a value`);
      return { op, at, value: fields.value, inPlace: op === 'replace' && fields.inPlace === true };
    case 'remove':
      return { op, at, hole: fields.hole === true };
    case 'move':
    case 'copy':
    case 'link':
      return { op, at, from: locationOf(fields.from, fields.fromKeys, 'from', 'fromKeys') };
    default:
      return readSplice(fields, at);
  }
}

function readSplice(fields: Record<string, unknown>, at: Location): Operation {
  const { index, remove, values, links = [] } = fields;
  if (
    !Number.isInteger(index) ||
    !Number.isInteger(remove) ||
    !Array.isArray(values) ||
    !Array.isArray(links)
  ) {
    throw new Error('a splice has an integer index and remove, an array of values and an array of links');
  }
  const own = values.slice(); // holes stay holes
  return {
    op: 'splice',
    at,
    index: index as number,
    remove: remove as number,
    values: own,
    links: links.map((link: unknown) => {
      const { index: slot, from, fromKeys } = (link ?? {}) as Record<string, unknown>;
      if (!Number.isInteger(slot) || (slot as number) < 0 || (slot as number) >= own.length) {
        throw new Error(`a link's index is below the number of values (${own.length})`);
      }
      return { index: slot as number, from: locationOf(from, fromKeys, "a link's from", 'fromKeys') };
    }),
  };
}

/** A location from a JSON Pointer (RFC 6901), or from typed keys when they are given. */
function locationOf(pointer: unknown, keys: unknown, name: string, keysName: string): Location {
  if (typeof pointer !== 'string') throw new Error(`${name} is not a string (a JSON Pointer)`);
  const tokens = tokensOf(pointer);
  if (keys === undefined) return { keys: tokens, typed: false };
  if (!Array.isArray(keys)) throw new Error(`${keysName} is not an array`);
  return { keys: keys.slice(), typed: true };
}

/** RFC 6901: "" is the root; else "/" before each token, in which "~1" is "/" and "~0" is "~". */
function tokensOf(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new Error(
      `${JSON.stringify(pointer)} is no JSON Pointer: one starts with "/" (or is "", the root)`,
    );
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new Error(`in ${JSON.stringify(token)}, "~" is followed by 0 or 1`);
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

function apply(document: Document, patch: Operation): void {
  const { at } = patch;
  switch (patch.op) {
    case 'add':
      writeAt(document, at, patch.value, add);
      return;
    case 'replace':
      if (patch.inPlace) replaceContents(valueAt(document.root, at), patch.value);
      else writeAt(document, at, patch.value, replace);
      return;
    case 'remove': {
      const [parent, key] = parentOf(document, at);
      remove(parent, key, at.typed, patch.hole);
      return;
    }
    case 'move':
      move(document, patch.from, at);
      return;
    case 'copy':
      // A copy by value: later patches of either place leave the other alone.
      writeAt(document, at, copyOf(valueAt(document.root, patch.from)), add);
      return;
    case 'test':
      if (!equal(valueAt(document.root, at), patch.value))
        throw new Error("the value there is not equal to the patch's value");
      return;
    case 'link': {
      const target = valueAt(document.root, patch.from);
      const [parent, key] = parentOf(document, at);
      // A link is a write of a node: an array element is set in place (an insert is a splice).
      if (parent.kind === 'array' && !('name' in arrayPlace(key, at.typed)))
        replace(parent, key, at.typed, target);
      else add(parent, key, at.typed, target);
      return;
    }
    case 'splice':
      splice(document.root, valueAt(document.root, at), patch);
      return;
  }
}

/**
 * RFC 6902 §4.1 and §4.3: `write` (add or replace) of `value` at `at`; at the root (which always
 * exists) the document becomes the value.
 */
function writeAt(document: Document, at: Location, value: unknown, write: typeof add): void {
  if (at.keys.length === 0) document.root = fork(value);
  else {
    const [parent, key] = parentOf(document, at);
    write(parent, key, at.typed, value);
  }
}

/**
 * RFC 6902 §4.4: a remove at `from` and an add at `to` of the value removed — the node itself, so it
 * keeps its identity and aliases. `from` must not be a proper prefix of `to` (a value cannot move into
 * itself); a move to where the value is moves nothing.
 */
function move(document: Document, from: Location, to: Location): void {
  const value = valueAt(document.root, from);
  const prefix = from.keys.every((key, i) => Object.is(key, to.keys[i]));
  if (prefix && from.keys.length === to.keys.length) return;
  if (prefix) throw new Error('from is a proper prefix of path: a value cannot move into itself');
  const [parent, key] = parentOf(document, from);
  remove(parent, key, from.typed, false);
  writeAt(document, to, value, add);
}

/** The container that holds the last key of `at`, and that key: the root has none. */
function parentOf(document: Document, at: Location): [Container, unknown] {
  const { keys, typed } = at;
  if (keys.length === 0) throw new Error('the root is replaced, never removed or linked');
  const key = keys[keys.length - 1];
  return [containerOrFail(valueAt(document.root, { keys: keys.slice(0, -1), typed }), key), key];
}

/** A deep plain copy of a value of the document (a primitive as it is). */
function copyOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? toJS(value) : value;
}

/**
 * RFC 6902 §4.6 equality, for every kind a draft holds: primitives by SameValueZero (numbers
 * numerically: 0 equals -0; NaN equals NaN); arrays by length and elements (a hole equals only a
 * hole) and objects by their own keys in any order, their values equal; Maps by key (as `has` finds
 * it) and value; Sets by their primitive members, and their object members in order; Dates by time;
 * typed arrays by type and elements; DataViews by bytes. A pair already being compared counts as
 * equal, so that cycles end.
 */
function equal(a: unknown, b: unknown, seen = new Map<object, Set<object>>()): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
  }
  const x = containerOf(a);
  const y = containerOf(b);
  if (x === undefined || y === undefined || x.kind !== y.kind) return a === b;
  const pairs = seen.get(a) ?? new Set<object>();
  if (pairs.has(b)) return true;
  seen.set(a, pairs.add(b));
  switch (x.kind) {
    case 'date':
      return equal(x.value.getTime(), (y.value as Date).getTime());
    case 'typed': {
      const other = y.value as TypedArray;
      if (tagOf(a) !== tagOf(b) || x.value.length !== other.length) return false;
      for (let i = 0; i < other.length; i++) if (!equal(x.value[i], other[i])) return false;
      return true;
    }
    case 'dataview': {
      const other = y.value as DataView;
      if (x.value.byteLength !== other.byteLength) return false;
      for (let i = 0; i < other.byteLength; i++) if (x.value.getUint8(i) !== other.getUint8(i)) return false;
      return true;
    }
    case 'map': {
      const other = y.value as Map<unknown, unknown>;
      if (x.value.size !== other.size) return false;
      for (const [key, item] of x.value)
        if (!other.has(key) || !equal(item, other.get(key), seen)) return false;
      return true;
    }
    case 'set': {
      const other = y.value as Set<unknown>;
      if (x.value.size !== other.size) return false;
      const isObject = (member: unknown) => typeof member === 'object' && member !== null;
      for (const member of x.value) if (!isObject(member) && !other.has(member)) return false;
      const mine = [...x.value].filter(isObject);
      const theirs = [...other].filter(isObject);
      return mine.length === theirs.length && mine.every((member, i) => equal(member, theirs[i], seen));
    }
    default: {
      if (x.kind === 'array' && x.value.length !== (y.value as unknown[]).length) return false;
      const mine = a as Record<string, unknown>;
      const theirs = b as Record<string, unknown>;
      const keys = Object.keys(mine);
      if (keys.length !== Object.keys(theirs).length) return false;
      return keys.every((key) => Object.hasOwn(theirs, key) && equal(mine[key], theirs[key], seen));
    }
  }
}

/** A value a patch reaches into or changes in place, by kind: a draft, used through its public API. */
type Container =
  | { readonly kind: 'object'; readonly value: Record<string, unknown> }
  | { readonly kind: 'array'; readonly value: unknown[] }
  | { readonly kind: 'typed'; readonly value: TypedArray }
  | { readonly kind: 'map'; readonly value: Map<unknown, unknown> }
  | { readonly kind: 'set'; readonly value: Set<unknown> }
  | { readonly kind: 'date'; readonly value: Date }
  | { readonly kind: 'dataview'; readonly value: DataView };

/** A typed array, or a draft of one (which is not a real one, but says which it stands for). */
interface TypedArray {
  readonly length: number;
  [index: number]: number | bigint;
  set(values: ArrayLike<number | bigint>, offset?: number): void;
}

/** What `value` is, when it can have members (tags, not instanceof: drafts and views say their kind). */
function containerOf(value: unknown): Container | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) return { kind: 'array', value };
  const tag = Object.prototype.toString.call(value);
  switch (tag) {
    case '[object Object]':
      return { kind: 'object', value: value as Record<string, unknown> };
    case '[object Map]':
      return { kind: 'map', value: value as Map<unknown, unknown> };
    case '[object Set]':
      return { kind: 'set', value: value as Set<unknown> };
    case '[object Date]':
      return { kind: 'date', value: value as Date };
    case '[object DataView]':
      return { kind: 'dataview', value: value as DataView };
    default:
      return /^\[object \w+Array\]$/.test(tag) ? { kind: 'typed', value: value as TypedArray } : undefined;
  }
}

/** The value at `keys` from `root`: every step must exist. */
function valueAt(root: unknown, at: Location): unknown {
  let value = root;
  for (const key of at.keys) value = childOf(containerOrFail(value, key), key, at.typed);
  return value;
}

/** `value` as a Container, for a step to `key`. */
function containerOrFail(value: unknown, key: unknown): Container {
  const container = containerOf(value);
  if (container === undefined) throw new Error(`${describe(value)} has no member ${show(key)}`);
  return container;
}

/**
 * Where `key` is in an array (RFC 6901 §4): an element (an index token: "0", or digits without a
 * leading zero; typed, a number), `end` for "-" (past the last element), `length` (cowshare's `replace`
 * of the length), or — typed keys only — a named property of the array.
 */
type ArrayPlace = { index: number } | { end: true } | { length: true } | { name: string };

function arrayPlace(key: unknown, typed: boolean): ArrayPlace {
  if (typeof key === 'number' && typed && isArrayIndex(String(key))) return { index: key };
  if (typeof key === 'string') {
    if (isArrayIndex(key)) return { index: Number(key) };
    if (key === '-') return { end: true };
    if (key === 'length') return { length: true };
    if (typed) return { name: key };
  }
  throw new Error(
    `${show(key)} is not an array index (one is 0 or digits without a leading zero, below 2^32 − 1; "-" is past the end)`,
  );
}

/** The index of element `key` of an array of `length`, which must be below `length` + `extra`. */
function elementIndex(place: ArrayPlace, length: number, extra: 0 | 1, op: string): number {
  if ('index' in place) {
    if (place.index < length + extra) return place.index;
    throw new Error(`index ${place.index} is past the end (length ${length})`);
  }
  if ('end' in place) {
    if (extra === 1) return length;
    throw new Error(`"-" is past the end: only add takes it`);
  }
  throw new Error(
    `${'length' in place ? '"length"' : show(place.name)} is not an element: ${op} takes an index`,
  );
}

/** A Set member by itself (typed keys), by `{ member: i }` (its position) or, in a pointer, by its string. */
function memberOf(set: Set<unknown>, key: unknown, typed: boolean): unknown {
  if (set.has(key)) return key;
  if (typed && typeof key === 'object' && key !== null) {
    const position = (key as { member?: unknown }).member;
    if (typeof position === 'number' && isArrayIndex(String(position)) && position < set.size) {
      return [...set][position];
    }
  }
  throw new Error(`no member ${show(key)}`);
}

/** The member of `parent` at `key`, which must exist. A step through a Set goes by position. */
function childOf(parent: Container, key: unknown, typed: boolean): unknown {
  switch (parent.kind) {
    case 'object':
      return parent.value[ownKey(parent.value, key)];
    case 'array': {
      const place = arrayPlace(key, typed);
      if ('name' in place) return Reflect.get(parent.value, ownKey(parent.value, place.name)) as unknown;
      return parent.value[elementIndex(place, parent.value.length, 0, 'a step')];
    }
    case 'typed':
      return parent.value[elementIndex(arrayPlace(key, typed), parent.value.length, 0, 'a step')];
    case 'map':
      if (!parent.value.has(key)) throw new Error(`no such key ${show(key)}`);
      return parent.value.get(key);
    case 'set': {
      if (typed) return memberOf(parent.value, key, true);
      const place = arrayPlace(key, false);
      return [...parent.value][elementIndex(place, parent.value.size, 0, 'a step')];
    }
    default:
      throw new Error(`a ${parent.kind === 'date' ? 'Date' : 'DataView'} has no members`);
  }
}

/** `key` as an own key of `object` (never one it inherits: a path never reaches a prototype). */
function ownKey(object: object, key: unknown): string {
  const name = String(key);
  if (!Object.hasOwn(object, name)) throw new Error(`no such key ${show(name)}`);
  return name;
}

/** Sets an own data property: `__proto__` and `constructor` are keys like any other. */
function define(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/** RFC 6902 §4.1: a key is set (added or replaced), an element inserted; a Set gains the value. */
function add(parent: Container, key: unknown, typed: boolean, value: unknown): void {
  switch (parent.kind) {
    case 'object':
      define(parent.value, String(key), value);
      return;
    case 'array': {
      const place = arrayPlace(key, typed);
      if ('name' in place) define(parent.value, place.name, value);
      else parent.value.splice(elementIndex(place, parent.value.length, 1, 'add'), 0, value);
      return;
    }
    case 'map':
      parent.value.set(key, value);
      return;
    case 'set':
      parent.value.add(value);
      return;
    default:
      throw new Error(fixed(parent));
  }
}

/** RFC 6902 §4.3: the target must exist. `length` of an array sets its length (an extension). */
function replace(parent: Container, key: unknown, typed: boolean, value: unknown): void {
  switch (parent.kind) {
    case 'object':
      define(parent.value, ownKey(parent.value, key), value);
      return;
    case 'array': {
      const place = arrayPlace(key, typed);
      if ('length' in place) parent.value.length = value as number;
      else if ('name' in place) define(parent.value, ownKey(parent.value, place.name), value);
      else parent.value[elementIndex(place, parent.value.length, 0, 'replace')] = value;
      return;
    }
    case 'typed':
      parent.value[elementIndex(arrayPlace(key, typed), parent.value.length, 0, 'replace')] = value as number;
      return;
    case 'map':
      if (!parent.value.has(key)) throw new Error(`no such key ${show(key)}`);
      parent.value.set(key, value);
      return;
    case 'set':
      throw new Error('a Set member is not replaced: remove it and add the new one');
    default:
      throw new Error(fixed(parent));
  }
}

/** RFC 6902 §4.2: the target must exist; the elements after it shift, unless `hole` (an extension). */
function remove(parent: Container, key: unknown, typed: boolean, hole: boolean): void {
  switch (parent.kind) {
    case 'object':
      delete parent.value[ownKey(parent.value, key)];
      return;
    case 'array': {
      const place = arrayPlace(key, typed);
      if ('name' in place) Reflect.deleteProperty(parent.value, ownKey(parent.value, place.name));
      else {
        const index = elementIndex(place, parent.value.length, 0, 'remove');
        if (hole) delete parent.value[index];
        else parent.value.splice(index, 1);
      }
      return;
    }
    case 'map':
      if (!parent.value.delete(key)) throw new Error(`no such key ${show(key)}`);
      return;
    case 'set':
      parent.value.delete(memberOf(parent.value, key, typed));
      return;
    default:
      throw new Error(fixed(parent));
  }
}

/** Why a container of fixed shape takes no add or remove. */
function fixed(parent: Container): string {
  return parent.kind === 'typed'
    ? 'a typed array has a fixed length: replace its elements'
    : `a ${parent.kind === 'date' ? 'Date' : 'DataView'} has no members`;
}

/** cowshare's `splice`: `remove` elements of an array at `index` give way to `values`, holes kept. */
function splice(root: unknown, target: unknown, patch: Extract<Operation, { op: 'splice' }>): void {
  const container = containerOf(target);
  const { index, remove: count, values } = patch;
  if (container?.kind !== 'array' && container?.kind !== 'typed') {
    throw new Error(`a splice of ${describe(target)}: it splices an array`);
  }
  const length = container.value.length;
  if (index < 0 || index > length || count < 0 || count > length - index) {
    throw new Error(`a splice of ${count} at ${index} in an array of length ${length}`);
  }
  for (const link of patch.links) values[link.index] = valueAt(root, link.from);
  if (container.kind === 'typed') {
    // A typed array keeps its length: as many values in as out.
    if (values.length !== count)
      throw new Error('a splice of a typed array puts in as many values as it takes out');
    container.value.set(values as (number | bigint)[], index);
    return;
  }
  container.value.splice(index, count, ...values);
  // A spread gives a hole as undefined: holes of `values` are holes again.
  for (let k = 0; k < values.length; k++) if (!(k in values)) delete container.value[index + k];
}

/**
 * cowshare's `replace` with `inPlace`: `target` keeps its identity (its aliases see the change) and
 * takes the contents of `value`, which must be of its kind (a typed array: its type and length; a
 * DataView: its length).
 */
function replaceContents(target: unknown, value: unknown): void {
  const into = containerOf(target);
  const from = containerOf(value);
  if (into === undefined) throw new Error(`in place, ${describe(target)} cannot change: replace it`);
  const same =
    from?.kind === into.kind &&
    (into.kind === 'typed'
      ? tagOf(value) === tagOf(target) && (from.value as TypedArray).length === into.value.length
      : into.kind !== 'dataview' || (from.value as DataView).byteLength === into.value.byteLength);
  if (!same || from === undefined) {
    const size =
      into.kind === 'typed'
        ? ` of length ${into.value.length}`
        : into.kind === 'dataview'
          ? ` of ${into.value.byteLength} bytes`
          : '';
    throw new Error(`in place, ${describe(target)} takes ${describe(target)}${size}, not ${describe(value)}`);
  }
  switch (into.kind) {
    case 'array': {
      const source = from.value as unknown[];
      into.value.length = 0;
      for (let i = 0; i < source.length; i++) if (i in source) into.value[i] = source[i];
      into.value.length = source.length;
      return;
    }
    case 'map':
      into.value.clear();
      for (const [key, item] of from.value as Map<unknown, unknown>) into.value.set(key, item);
      return;
    case 'set':
      into.value.clear();
      for (const item of from.value as Set<unknown>) into.value.add(item);
      return;
    case 'date':
      into.value.setTime((from.value as Date).getTime());
      return;
    case 'typed':
      into.value.set(from.value as TypedArray);
      return;
    case 'dataview': {
      const bytes = from.value as DataView;
      for (let i = 0; i < bytes.byteLength; i++) into.value.setUint8(i, bytes.getUint8(i));
      return;
    }
    case 'object': {
      const source = from.value as Record<string, unknown>;
      for (const key of Object.keys(into.value)) delete into.value[key];
      for (const key of Object.keys(source)) define(into.value, key, source[key]);
      return;
    }
  }
}

function tagOf(value: unknown): string {
  return Object.prototype.toString.call(value);
}

/** What `value` is, for a message: "null", "a number", "an object", "a Map", "a Uint8Array". */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = tagOf(value).slice(8, -1);
  return name === 'Object' ? 'an object' : `a ${name}`;
}

/** A key or op as a message shows it: strings quoted, other primitives as they print, objects by kind. */
function show(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  return typeof key === 'object' && key !== null ? describe(key) : String(key);
}
