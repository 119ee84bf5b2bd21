import { arrayDraft } from './array-draft.js';
import type { Branch } from './branch.js';
import { dataViewDraft } from './data-view-draft.js';
import { dateDraft } from './date-draft.js';
import { mapDraft, setDraft } from './keyed-draft.js';
import type { ContainerKind } from './kind.js';
import type { NodeKey } from './node-key.js';
import { objectDraft } from './object-draft.js';
import { typedArrayDraft } from './typed-array-draft.js';

/** The draft (or, in a frozen branch, the snapshot facade) of one node of kind `kind`. */
export function makeDraft(branch: Branch, kind: ContainerKind, carrier: object, key: NodeKey): object {
  switch (kind) {
    case 'object':
      return objectDraft(branch, carrier, key);
    case 'array':
      return arrayDraft(branch, carrier, key);
    case 'map':
      return mapDraft(branch, carrier, key);
    case 'set':
      return setDraft(branch, carrier, key);
    case 'date':
      return dateDraft(branch, carrier, key);
    case 'bytes':
      return carrier instanceof DataView
        ? dataViewDraft(branch, carrier, key)
        : typedArrayDraft(branch, carrier, key);
  }
}
