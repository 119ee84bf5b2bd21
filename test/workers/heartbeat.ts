// A pool task module for the tests: beats — adds 1 to `beats[slot]` and notifies it — every millisecond
// for as long as its worker runs, until `beats[STOP]` is set. A worker that was ended stops beating;
// one that is still running, whatever the pool believes, does not.
export const STOP = 0;

export default function heartbeat({ beats, slot }: { beats: Int32Array; slot: number }): number {
  for (let n = 1; ; n++) {
    Atomics.add(beats, slot, 1);
    Atomics.notify(beats, slot);
    if (Atomics.wait(beats, STOP, 0, 1) !== 'timed-out') return n;
  }
}
