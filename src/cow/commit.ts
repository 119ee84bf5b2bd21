import type { Image } from '../format/image.js';
import { nodeOf } from '../format/node-ref.js';
import { type PackOptions, pack } from '../format/pack.js';
import { packLayer } from '../format/pack-layer.js';
import { replacedBuffers } from './buffer-node.js';
import { draftOf } from './draft-node.js';

/**
 * The state of a draft (or snapshot) as an image. A draft of an opened image becomes a layer on that
 * image (FORMAT.md §7): its segments are the base's, shared, plus new ones that hold only what
 * changed — each base node with a state in the draft, written anew and put in place of the old one by
 * a redirect (a Map, Set or wide object with few changes as those changes over it, a KEYED_DELTA),
 * and every value new to the draft — so its new bytes grow with the changes, not with the base. A
 * draft of a plain value is packed whole, and so is any value that is no draft: `fork` hands
 * primitives, and the built-ins that have no draft (boxed primitives, RegExps, Errors, ArrayBuffers),
 * back as plain values, and `commit(fork(x))` is an image of `x` for every `x`. The image is shared
 * with workers and written to files like any other. A value the draft holds that cannot be packed (a
 * function, a symbol) fails here, with its path.
 */
export function commit(value: unknown, options?: PackOptions): Image {
  const draft = typeof value === 'object' && value !== null ? draftOf(value) : undefined;
  if (draft === undefined) return pack(value, options);
  const branch = draft.branch;
  const reader = branch.reader;
  if (reader === undefined) return pack(value, options);
  const replaced: [number, unknown][] = [];
  branch.overrides.forEach((state, key) => {
    if (typeof key === 'number') {
      // A base node with a state: the draft of it shows its new content.
      const shown = branch.draftAt(key);
      // A Map, Set or wide object with few changes is written as those changes over its base.
      replaced.push([key, draftOf(shown)?.deltaInput?.() ?? shown]);
    } else {
      replaced.push(...replacedBuffers(branch, reader, key, state));
    }
  });
  return packLayer(
    value,
    {
      base: reader.image,
      // A draft of this branch or a view, standing for a node of the base: kept by reference. (A
      // draft of another branch is that branch's value: it is packed.)
      keep(o) {
        const node = draftOf(o);
        const carrier = node === undefined ? o : node.branch === branch ? node.carrier : undefined;
        const ref = carrier === undefined ? undefined : nodeOf(carrier);
        return ref?.reader === reader ? ref.address : undefined;
      },
      replaced,
    },
    options,
  );
}
