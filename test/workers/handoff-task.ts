// A task module for piscina and tinypool in test/handoff.test.ts: the task argument is an image (or an
// array of images), handed over by the pool's own message; the task runs the hand-off protocol on it.
import { type Probe, probe } from './handoff-protocol.js';

export default function handoffTask(images: unknown): Probe[] {
  return (Array.isArray(images) ? images : [images]).map(probe);
}
