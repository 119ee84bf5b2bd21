// Fuzz target `image`: bytes framed as an image of one to four segments (layers included: a segment
// that starts with the magic starts one), headers repaired (harness.ts), judged by the oracle; bit 6
// of the frame byte shows objects as records.
import { check, framed, RECORDS } from '../harness.js';

export function fuzz(data: Buffer): void {
  check(framed(data), ((data[0] ?? 0) & RECORDS) !== 0 ? 'record' : 'facade');
}
