// Fuzz target `layer`: a sound base image (byte 0, bits 0–5, picks one of BASES; bit 6 shows objects
// as records) under a fuzzed layer — the
// bytes after byte 0, framed as the layer's own segments (harness.ts), its header repaired to name
// the base — judged by the oracle. The base stays sound, so mutations stay in the layer: its
// KEYED_DELTAs, ARRAY_DELTAs, redirect table and replaced nodes.
import { check, framed, RECORDS } from '../harness.js';
import { BASES } from '../images.js';

export function fuzz(data: Buffer): void {
  if (data.length === 0) return;
  const base = BASES[(data[0]! & ~RECORDS) % BASES.length]!;
  check(framed(data.subarray(1), base), (data[0]! & RECORDS) !== 0 ? 'record' : 'facade');
}
