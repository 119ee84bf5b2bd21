// fast-check run settings shared by the property tests: COWSHARE_FC_RUNS=<factor> scales every run
// count, COWSHARE_FC_SEED=<n> replays a failing run, and the failing error is part of the report.
import type fc from 'fast-check';

const factor = Number(process.env.COWSHARE_FC_RUNS ?? 1);
const seed = process.env.COWSHARE_FC_SEED === undefined ? undefined : Number(process.env.COWSHARE_FC_SEED);

export function params(numRuns: number): fc.Parameters<unknown> {
  const base = { numRuns: Math.max(1, Math.round(numRuns * factor)), includeErrorInReport: true };
  return seed === undefined ? base : { ...base, seed };
}
