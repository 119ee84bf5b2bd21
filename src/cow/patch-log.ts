import { isArrayIndex } from '../format/array-index.js';
import type { Branch } from './branch.js';
import { draftOf, type NodeDraft, type NodeState } from './draft-node.js';
import type { NodeKey } from './node-key.js';
import { toJS } from './to-js.js';

/**
 * A change, as an RFC 6902 JSON Patch operation — `add`, `remove`, `replace` (what writes record), and
 * `move`, `copy`, `test` (which `applyPatches` takes too) — or one of cowshare's extensions
 * (docs/patches.md):
 * - `splice`: `index`, `remove` and `values` at an array `path`: one operation per splice, push,
 *   pop, shift, unshift, sort or reverse (one that RFC 6902 can say, one element in or out, is `add`
 *   or `remove`); `links` names the values that are nodes of the draft, as `link` does;
 * - `link`: makes `path` refer to the node at `from`, so that the two are one value (an alias);
 * - `hole: true` on `remove` of an array element: the element becomes a hole, nothing shifts;
 * - `inPlace: true` on `replace` of a Date or DataView: the node keeps its identity (its aliases see
 *   the change) and takes `value`'s contents;
 * - `length` as the last token of an array path, for `replace`: the array's new length;
 * - `keys`: the path as its keys with their types, present whenever a step goes through a Map (a key
 *   of any type) or a Set (`{ member: i }`, the i-th member in iteration order), or names a property
 *   of an array that is not an element (a pointer token on an array is an index); `fromKeys`, the
 *   same for `from`.
 * Values are plain copies of what was written (`toJS`), made when it was written.
 */
export type Patch =
  | { op: 'add' | 'replace'; path: string; value: unknown; keys?: unknown[]; inPlace?: true }
  | { op: 'remove'; path: string; hole?: true; keys?: unknown[] }
  | {
      op: 'splice';
      path: string;
      index: number;
      remove: number;
      values: unknown[];
      keys?: unknown[];
      /** Values that are nodes of the draft (aliases): `values[index]` is the node at `from`. */
      links?: { index: number; from: string; fromKeys?: unknown[] }[];
    }
  | { op: 'test'; path: string; value: unknown; keys?: unknown[] }
  | { op: 'move' | 'copy' | 'link'; path: string; from: string; keys?: unknown[]; fromKeys?: unknown[] };

/** One logged write: the patch and the patch that undoes it. Entries are shared by forks. */
export interface LogEntry {
  readonly patch: Patch;
  readonly inverse: Patch;
  readonly previous: LogEntry | undefined;
  /** Entries from the first to this one: how two logs find where they part. */
  readonly depth: number;
}

/**
 * A step of a path: a property or an array index, a named property of an array (not an element: its
 * patch has `keys`, since a pointer token on an array is an index), a Map key, or a Set member (by its
 * position).
 */
export type Step = { key: string | number } | { prop: string } | { mapKey: unknown } | { member: number };

/** A node's path from its branch's root, as steps, or undefined when the node is not reachable. */
export type Path = Step[];

/** How a container finds where a child node sits in it, given where it was when read (`hint`). */
export interface Locates {
  locate(child: NodeKey, hint: unknown): Step | undefined;
}

/**
 * The path from the branch's root to `node` now: up the chain of places each node was first read
 * from, each checked (and, for an array that has shifted, found again); failing that, a search of the
 * draft from its root. Undefined when nothing reachable holds the node any more.
 */
export function pathTo(node: NodeDraft<NodeState>): Path | undefined {
  const branch = node.branch;
  const steps: Step[] = [];
  for (let at: NodeDraft<NodeState> = node; at.key !== branch.root; ) {
    const place = at.place;
    const step =
      place === undefined ? undefined : (place.parent as unknown as Locates).locate(at.key, place.key);
    if (step === undefined) return search(branch, node.key);
    steps.push(step);
    at = place!.parent;
  }
  return steps.reverse();
}

/** A breadth-first search of the branch's draft from its root for node `target`: the fallback of `pathTo`. */
function search(branch: Branch, target: NodeKey): Path | undefined {
  const root = branch.root === undefined ? undefined : branch.nodeOf(branch.root);
  if (root === undefined) return undefined;
  const seen = new Set<NodeKey>([root.key]);
  const queue: [NodeDraft<NodeState>, Path][] = [[root, []]];
  for (let q = 0; q < queue.length; q++) {
    const [node, path] = queue[q]!;
    for (const [step, child] of childrenOf(node)) {
      const draft = typeof child === 'object' && child !== null ? draftOf(child) : undefined;
      if (draft === undefined || draft.branch !== branch || seen.has(draft.key)) continue;
      const childPath = [...path, step];
      if (draft.key === target) return childPath;
      seen.add(draft.key);
      queue.push([draft as NodeDraft<NodeState>, childPath]);
    }
  }
  return undefined;
}

/** A container's children as readers see them, with the step to each. */
function* childrenOf(node: NodeDraft<NodeState>): Generator<[Step, unknown]> {
  const facade = node.branch.out(node.carrier) as Record<string, unknown> & Iterable<unknown>;
  const tag = Object.prototype.toString.call(facade);
  if (tag === '[object Map]') {
    for (const [key, value] of facade as unknown as Map<unknown, unknown>) yield [{ mapKey: key }, value];
  } else if (tag === '[object Set]') {
    let i = 0;
    for (const member of facade as unknown as Set<unknown>) yield [{ member: i++ }, member];
  } else if (Array.isArray(facade)) {
    for (const key of Object.keys(facade))
      yield [isArrayIndex(key) ? { key: Number(key) } : { prop: key }, facade[key]];
  } else if (tag === '[object Object]') {
    for (const key of Object.keys(facade)) yield [{ key }, facade[key]];
  }
}

/** RFC 6901: `~` and `/` escaped, tokens joined by `/`; the root is the empty string. */
export function pointer(path: Path): string {
  return path
    .map((step) => {
      const token =
        'key' in step ? step.key : 'prop' in step ? step.prop : 'mapKey' in step ? step.mapKey : step.member;
      return `/${String(token).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    })
    .join('');
}

/**
 * The `keys` member of a patch for `path` when its pointer cannot say it all — a step through a Map
 * or Set, or to a named property of an array — else nothing.
 */
function keysOf(path: Path): { keys?: unknown[] } {
  if (path.every((step) => 'key' in step)) return {};
  return {
    keys: path.map((step) =>
      'key' in step
        ? step.key
        : 'prop' in step
          ? step.prop
          : 'mapKey' in step
            ? step.mapKey
            : { member: step.member },
    ),
  };
}

/** `path` and, when needed, `keys`, for a patch at `path`. */
export function at(path: Path): { path: string; keys?: unknown[] } {
  return { path: pointer(path), ...keysOf(path) };
}

/** A plain copy of a stored value as a reader of `branch` sees it, for a patch. */
export function copyOf(branch: Branch, stored: unknown): unknown {
  return toJS(branch.out(stored));
}

/**
 * What a write of `written` (as the caller gave it) stores, as a patch value: when it is a node of this
 * branch that is reachable, a `link` to it (so that applying the patch makes the same alias); else a
 * copy.
 */
export function written(branch: Branch, raw: unknown, stored: unknown): { link: Path } | { value: unknown } {
  if (typeof raw === 'object' && raw !== null) {
    // A draft given, or a stored value whose node has a draft here already (fill, copyWithin).
    const given = draftOf(raw);
    const node =
      given ??
      (typeof stored === 'object' && stored !== null ? branch.nodeOf(branch.keyOf(stored)) : undefined);
    if (node !== undefined && node.branch === branch) {
      const path = pathTo(node as NodeDraft<NodeState>);
      if (path !== undefined) return { link: path };
    }
  }
  return { value: copyOf(branch, stored) };
}

/**
 * The values of a splice patch for stored values (`hole` for a hole): copies, with `links` for
 * those that are nodes of the draft reachable now (their places in `values` are holes).
 */
export function spliceValues(
  branch: Branch,
  stored: readonly unknown[],
  hole: unknown,
): { values: unknown[]; links?: { index: number; from: string; fromKeys?: unknown[] }[] } {
  const values = new Array<unknown>(stored.length);
  const links: { index: number; from: string; fromKeys?: unknown[] }[] = [];
  stored.forEach((value, index) => {
    if (value === hole) return;
    const write = written(branch, value, value);
    if ('link' in write) {
      const fromKeys = keysOf(write.link).keys;
      links.push({ index, from: pointer(write.link), ...(fromKeys ? { fromKeys } : {}) });
    } else values[index] = write.value;
  });
  return links.length > 0 ? { values, links } : { values };
}

/** The patch that sets `path` to what `write` says: `add` or `replace` of a copy, or a `link`. */
export function setPatch(
  op: 'add' | 'replace',
  path: Path,
  write: { link: Path } | { value: unknown },
): Patch {
  if ('link' in write) {
    const from = keysOf(write.link).keys;
    return { op: 'link', ...at(path), from: pointer(write.link), ...(from ? { fromKeys: from } : {}) };
  }
  return { op, ...at(path), value: write.value };
}

/**
 * Records a write of the child at `step` of `node` (a property, an index, a Map key): `before` is what
 * it held (`absent` when nothing), `after` what it holds now (`absent` for a delete), `raw` the value
 * as the caller gave it (for a `link`). Call it before the write and the function it returns after:
 * the patch is made from the state before, its inverse from the state after, where the old value,
 * when it is a node still reachable (an alias, a cycle), comes back as a `link` to it.
 */
export function recordChild(
  node: NodeDraft<NodeState>,
  step: Step,
  before: unknown,
  after: unknown,
  raw: unknown,
  absent: unknown,
  hole = false,
): () => void {
  const branch = node.branch;
  if (!branch.recording) return NOTHING;
  const parent = pathTo(node);
  if (parent === undefined) return NOTHING;
  const path = [...parent, step];
  const remove: Patch = hole ? { op: 'remove', ...at(path), hole: true } : { op: 'remove', ...at(path) };
  const forward =
    after === absent
      ? remove
      : setPatch(before === absent && !hole ? 'add' : 'replace', path, written(branch, raw, after));
  return () => {
    const restore =
      before === absent
        ? remove
        : setPatch(after === absent && !hole ? 'add' : 'replace', path, restored(branch, before));
    branch.record(() => [forward, restore]);
  };
}

const NOTHING = (): void => {};

/** An old value for an inverse patch: a link to its node when it is still reachable, else a copy. */
function restored(branch: Branch, stored: unknown): { link: Path } | { value: unknown } {
  if (typeof stored === 'object' && stored !== null) {
    const node = branch.nodeOf(branch.keyOf(stored));
    const path = node === undefined ? undefined : pathTo(node);
    if (path !== undefined) return { link: path };
  }
  return { value: copyOf(branch, stored) };
}

/** Records a change of a whole node (a Date's time, a typed array's elements): `replace` of it, both ways. */
export function recordWhole(node: NodeDraft<NodeState>, before: unknown, after: unknown): void {
  node.branch.record(() => {
    const path = pathTo(node);
    if (path === undefined) return undefined;
    return [
      { op: 'replace', ...at(path), value: after, inPlace: true },
      { op: 'replace', ...at(path), value: before, inPlace: true },
    ];
  });
}

/**
 * Records a splice of the array `node`: `values` (stored) in for `removed` (stored) at `index`; for a
 * typed array, `overwrite`: as many in as out, in place. `hole` is the stored hole. As `recordChild`:
 * call it before the write and what it returns after, when the inverse is made.
 */
export function recordSplice(
  node: NodeDraft<NodeState>,
  index: number,
  removed: readonly unknown[],
  values: readonly unknown[],
  overwrite = false,
  hole?: unknown,
): () => void {
  const branch = node.branch;
  if (!branch.recording) return NOTHING;
  const path = pathTo(node);
  if (path === undefined) return NOTHING;
  const splice = (out: readonly unknown[], put: readonly unknown[]): Patch => {
    // What RFC 6902 can say, it says: one element in is `add`, one out is `remove`, one for one in
    // place is `replace`.
    const element = at([...path, { key: index }]);
    const spliced = spliceValues(branch, put, hole);
    // (A hole in stays a splice: RFC 6902 `add` would put undefined there.)
    if (spliced.links === undefined && put.every((_, k) => k in spliced.values)) {
      if (overwrite && put.length === 1) return { op: 'replace', ...element, value: spliced.values[0] };
      if (!overwrite && out.length === 0 && put.length === 1)
        return { op: 'add', ...element, value: spliced.values[0] };
    }
    if (!overwrite && out.length === 1 && put.length === 0) return { op: 'remove', ...element };
    return { op: 'splice', ...at(path), index, remove: out.length, ...spliced };
  };
  const forward = splice(removed, values);
  return () => {
    const inverse = splice(values, removed);
    branch.record(() => [forward, inverse]);
  };
}
