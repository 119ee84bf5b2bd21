/**
 * Who may change a node of a persistent structure in place: the epoch that made it. A draft writes in
 * one epoch; nodes of its epoch are its own and change in place, any other node is shared (with a
 * snapshot, a sibling fork or the base) and is copied once, into the draft's epoch, on the first write
 * through it. A snapshot ends its draft's epoch — the draft goes on in a new one — so nothing a
 * snapshot can reach changes again. (Clojure's transients and Immutable.js's ownerID work the same
 * way; KLEE's copy-on-write object states count references instead.)
 *
 * An epoch is only an identity: compared with `===`, never read.
 */
export class Epoch {
  /** A brand, so that a plain object is not an Epoch to the type checker. */
  declare private readonly epoch: never;
}
