// A workerpool worker script for test/handoff.test.ts, run both as a worker thread and as a child
// process. workerpool calls a registered method with the `params` of `pool.exec(name, params)`.
import workerpool from 'workerpool';
import { probe } from './handoff-protocol.js';

workerpool.worker({
  /** Runs the hand-off protocol on each image argument. */
  probe: (...images: unknown[]) => images.map(probe),
  /** What arrived, without opening it: how the transport carried the image. */
  received: (image: { segments?: unknown[] }) => ({
    segments: image.segments?.map((s) => Object.prototype.toString.call(s)),
    json: JSON.stringify(image),
  }),
});
