// What every case shares: the case and report shapes, the two timing loops, the correctness check
// that runs before any timing, and number formatting.

import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { do_not_optimize, measure } from 'mitata';
import type { Image } from '../src/index.js';
import type { Size } from './data.js';

/** A timed unit, as in protobuf-es's corpus: one call of `run()` performs `ops` operations. */
export interface Subject {
  name: string;
  ops: number;
  run: () => unknown;
}

/** A goal a measured figure is held to, e.g. `{ op: '<=', value: 1.5 }` for "within 1.5× of native". */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Measurement {
  subject: string;
  metric: string;
  value: number;
}

/** A figure the issue judges (with its target), or a ratio shown for information (without). */
export interface Verdict {
  label: string;
  value: number;
  unit: string;
  target?: Target;
  met?: boolean;
}

/** The figures one case produced: measurements per subject, then the issue's targets judged on them. */
export class Report {
  readonly measurements: Measurement[] = [];
  readonly verdicts: Verdict[] = [];
  readonly notes: string[] = [];

  add(subject: string, metric: string, value: number): this {
    this.measurements.push({ subject, metric, value });
    return this;
  }

  /** Records `value` (a ratio's unit is `×`) and, when given, judges it against `target`. */
  check(label: string, value: number, unit: string, target?: Target): this {
    if (!target) {
      this.verdicts.push({ label, value, unit });
    } else {
      const met = target.op === '<=' ? value <= target.value : value >= target.value;
      this.verdicts.push({ label, value, unit, target, met });
    }
    return this;
  }

  note(line: string): this {
    this.notes.push(line);
    return this;
  }
}

export interface Context {
  size: Size;
  /** Progress for humans (stderr), never part of the results. */
  log(line: string): void;
}

export interface BenchCase {
  /** `topic/variant`; the runner's regexes match it. */
  name: string;
  /** Only run when a pattern names the case's topic (e.g. `big`), never by default. */
  explicit?: boolean;
  /** Skipped at `--size small`. */
  fullOnly?: boolean;
  run(ctx: Context): Promise<Report>;
}

/** A full, synchronous garbage collection (exposed at run time, so `npm run bench` needs no flag). */
export const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The subjects in the order for `round`: each round starts at the next one, so drift hits all alike. */
function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Per-round figures of several subjects. Subjects are measured back to back within a round, so the
 * ratio of two subjects is taken per round and then the median over rounds: on a loaded machine that
 * is steadier than a ratio of medians, because a load change between rounds hits both alike.
 */
export class Timings implements Iterable<[string, number]> {
  constructor(private readonly rounds: ReadonlyMap<string, readonly number[]>) {}

  /** The median over rounds for `name`. */
  get(name: string): number {
    const values = this.rounds.get(name);
    if (!values) throw new Error(`no timings for ${name}`);
    return median(values);
  }

  /** The median over rounds of `numerator / denominator`. */
  ratio(numerator: string, denominator: string): number {
    const top = this.rounds.get(numerator);
    const bottom = this.rounds.get(denominator);
    if (!top || !bottom) throw new Error(`no timings for ${numerator} or ${denominator}`);
    return median(top.map((value, round) => value / bottom[round]!));
  }

  *[Symbol.iterator](): Iterator<[string, number]> {
    for (const name of this.rounds.keys()) yield [name, this.get(name)];
  }
}

/**
 * Micro timing under mitata: each round measures every subject (mitata's p50 over many calls, at
 * least `minMs` of them), and a round's figure is p50 / ops, in nanoseconds per operation.
 */
export async function nsPerOp(subjects: readonly Subject[], rounds = 7, minMs = 100): Promise<Timings> {
  const perRound = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of rotate(subjects, round)) {
      const stats = await measure(subject.run, { gc, min_cpu_time: minMs * 1e6, min_samples: 8 });
      perRound.get(subject.name)!.push(stats.p50 / subject.ops);
    }
  }
  return new Timings(perRound);
}

/**
 * One-shot timing by hand, for operations too slow to batch (packing a whole data set): after one
 * warm-up call, `reps` rounds of one call per subject, each after a full GC; milliseconds per call.
 */
export function msPerCall(subjects: readonly Subject[], reps: number, warmup = 1): Timings {
  const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let round = -warmup; round < reps; round++) {
    for (const subject of rotate(subjects, Math.max(round, 0))) {
      gc();
      const start = performance.now();
      do_not_optimize(subject.run());
      const elapsed = performance.now() - start;
      if (round >= 0) times.get(subject.name)!.push(elapsed);
    }
  }
  return new Timings(times);
}

// --- correctness --------------------------------------------------------------------------------

export class BenchCheckError extends Error {
  override name = 'BenchCheckError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new BenchCheckError(message);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

/** Indices 0 … n-1 when n ≤ limit, else `limit` of them spread evenly, always with the last one. */
function sampleIndices(n: number, limit: number): number[] {
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  const step = n / limit;
  const out = Array.from({ length: limit - 1 }, (_, i) => Math.floor(i * step));
  out.push(n - 1);
  return out;
}

/**
 * Throws unless `actual` (a cowshare view or a peer's decoded copy) reads as `expected` does:
 * primitives by `Object.is`, containers through their public read API only (so a view is exercised
 * as a user would). Containers longer than `limit` are compared on an even sample of `limit` items.
 */
export function assertSame(actual: unknown, expected: unknown, path = '$', limit = 1000): void {
  if (typeof expected !== 'object' || expected === null) {
    assert(Object.is(actual, expected), `${path}: expected ${show(expected)}, got ${show(actual)}`);
    return;
  }
  assert(typeof actual === 'object' && actual !== null, `${path}: expected an object, got ${show(actual)}`);
  if (ArrayBuffer.isView(expected)) {
    const want = expected as Uint8Array;
    const got = actual as Uint8Array;
    // instanceof, not constructor equality: msgpackr gives a Buffer (a Uint8Array subclass) back.
    const type = want.constructor as new () => Uint8Array;
    assert(got instanceof type, `${path}: expected ${show(want)}, got ${show(got)}`);
    assert(got.length === want.length, `${path}: length ${got.length}, expected ${want.length}`);
    for (const i of sampleIndices(want.length, limit * 16)) {
      assert(got[i] === want[i], `${path}[${i}]: expected ${want[i]}, got ${got[i]}`);
    }
  } else if (expected instanceof Map) {
    const got = actual as ReadonlyMap<unknown, unknown>;
    assert(got.size === expected.size, `${path}: size ${got.size}, expected ${expected.size}`);
    const keys = [...expected.keys()];
    for (const i of sampleIndices(keys.length, limit)) {
      const key = keys[i];
      assert(got.has(key), `${path}: missing key ${show(key)}`);
      assertSame(got.get(key), expected.get(key), `${path}.get(${show(key)})`, limit);
    }
  } else if (Array.isArray(expected)) {
    const got = actual as readonly unknown[];
    assert(got.length === expected.length, `${path}: length ${got.length}, expected ${expected.length}`);
    for (const i of sampleIndices(expected.length, limit))
      assertSame(got[i], expected[i], `${path}[${i}]`, limit);
  } else {
    const want = Object.keys(expected);
    const got = Object.keys(actual);
    assert(
      got.length === want.length && want.every((key, i) => got[i] === key),
      `${path}: keys ${show(got.join(','))}, expected ${show(want.join(','))}`,
    );
    for (const i of sampleIndices(want.length, limit)) {
      const key = want[i]!;
      assertSame(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
        limit,
      );
    }
  }
}

export const imageBytes = (image: Image): number => image.segments.reduce((sum, s) => sum + s.byteLength, 0);

// --- formatting ---------------------------------------------------------------------------------

/** Three significant digits, thousands grouped: 0.0123, 4.56, 789, 12,345. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const digits = magnitude === 0 || magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  const rounded = magnitude !== 0 && magnitude < 0.001 ? value.toPrecision(2) : value.toFixed(digits);
  return rounded.includes('e')
    ? rounded
    : Number(rounded).toLocaleString('en-US', { maximumFractionDigits: digits });
}

export const formatVerdict = (v: Verdict): string =>
  `${formatNumber(v.value)}${v.unit === '×' ? '×' : ` ${v.unit}`}`;

export const formatTarget = (v: Verdict): string =>
  v.target
    ? `${v.target.op === '<=' ? '≤' : '≥'} ${formatNumber(v.target.value)}${v.unit === '×' ? '×' : ` ${v.unit}`}`
    : '—';

export const atMost = (value: number): Target => ({ op: '<=', value });
export const atLeast = (value: number): Target => ({ op: '>=', value });

export const MB = 1e6;
export const MiB = 2 ** 20;
