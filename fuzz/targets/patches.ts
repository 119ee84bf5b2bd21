// Fuzz target `patches`: the bytes as JSON text of a list of patches, applied with `applyPatches` to
// a fork of a plain JSON document and to a fork of an image's view (byte 0 picks). A patch list ends
// applied, or refused with the TypeError that names the patch — whose cause is the rule it broke (a
// plain Error), a RangeError the engine gives natively (an array length), or a draft's own refusal.
// Any other exception inside is a Finding, and so is a change to the base.
import { applyPatches, CowshareError, open, pack, toJS } from '../../src/index.js';
import { describe, Finding, sameAs } from '../harness.js';

const document = () => ({ a: 1, list: [1, 2, { b: 'c' }], nested: { deep: { x: null } }, '': 0, 'a/b': 2 });
const image = pack({
  ...document(),
  map: new Map<unknown, unknown>([
    ['k', 1],
    [2, [3]],
  ]),
  set: new Set(['m', 4]),
  when: new Date(0),
  bytes: new Uint8Array([1, 2]),
});
const BASES = [() => document(), () => open(image)];
const MAX_COPIES = 6;

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  let list: unknown;
  try {
    list = JSON.parse(data.subarray(1).toString('utf8'));
  } catch {
    return;
  }
  // Each `copy` may double the document (a copy of the root into it): 2^n for n of them, by the RFC's
  // own semantics (docs/patches.md). A few are as interesting as many.
  if (
    Array.isArray(list) &&
    list.filter((p) => (p as { op?: unknown } | null)?.op === 'copy').length > MAX_COPIES
  )
    return;
  const base = BASES[data[0]! % BASES.length]!();
  const before = structuredClone(toJS(base));
  try {
    toJS(applyPatches(base, list as never));
  } catch (error) {
    if (!(error instanceof TypeError) || !error.message.startsWith('cowshare: ')) {
      throw new Finding(`applyPatches threw ${describe(error)}`, { cause: error });
    }
    const cause = error.cause;
    const fine =
      cause === undefined ||
      (cause instanceof Error && cause.constructor === Error) ||
      cause instanceof RangeError ||
      cause instanceof CowshareError ||
      (cause instanceof TypeError && cause.message.startsWith('cowshare: '));
    if (!fine) throw new Finding(`applyPatches failed inside with ${describe(cause)}`, { cause });
  }
  sameAs('the base after applyPatches', toJS(base), before);
}
