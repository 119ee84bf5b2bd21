/**
 * The demo's workload: a synthetic dictionary and the lookups run against it. Everything is a pure
 * function of its arguments (a hash of the index, no random state), so the parent, each child process
 * and every worker build the same keys and data, and two runs give the same answers.
 */
import { fmix32 } from '../format/hash.js';
import type { Shared } from '../view/shared.js';

/** One dictionary entry: the small record a lookup table typically holds. */
export interface Entry {
  id: number;
  word: string;
  frequency: number;
  score: number;
  tags: string[];
}

/** What lookups need of a dictionary: a native Map and a cowshare view of one both fit. */
export type Dictionary = Pick<ReadonlyMap<string, Shared<Entry>>, 'get'>;

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'po', 're', 'si', 'ta', 'vo', 'ze', 'qua', 'shi', 'bru', 'den'];
const TAGS = ['noun', 'verb', 'adjective', 'adverb', 'rare', 'common', 'archaic', 'loan', 'slang', 'formal'];

/** The key of entry `i`: distinct for every i. */
export function keyOf(i: number): string {
  let word = '';
  for (let h = fmix32(i), n = 3 + (h % 3); n > 0; n--, h = fmix32(h)) {
    word += SYLLABLES[h % SYLLABLES.length];
  }
  return `${word}-${i.toString(36)}`;
}

export function entryOf(i: number): Entry {
  const h = fmix32(i ^ 0x5bd1e995);
  return {
    id: i,
    word: keyOf(i),
    frequency: h % 100_000,
    score: (h % 10_000) / 100,
    tags: [TAGS[h % TAGS.length] as string, TAGS[(h >>> 8) % TAGS.length] as string],
  };
}

/** Builds the dictionary; `onProgress(done)` is called every 65,536 entries. */
export function buildDictionary(entries: number, onProgress?: (done: number) => void): Map<string, Entry> {
  const dictionary = new Map<string, Entry>();
  for (let i = 0; i < entries; i++) {
    dictionary.set(keyOf(i), entryOf(i));
    if ((i & 0xffff) === 0xffff) onProgress?.(i + 1);
  }
  return dictionary;
}

/** A batch of lookups: `count` keys drawn from `seed`, about one in eleven missing from the dictionary. */
export interface LookupBatch {
  entries: number;
  seed: number;
  count: number;
}

/** What a batch found: how many keys hit and a checksum of the fields read, to compare runs. */
export interface LookupAnswer {
  found: number;
  checksum: number;
}

/**
 * Runs a batch against any Map-like dictionary — a native Map or a cowshare view — reading three
 * fields of every entry found, so that both sides do the same work.
 */
export function lookUp(dictionary: Dictionary, batch: LookupBatch): LookupAnswer {
  const range = Math.ceil(batch.entries * 1.1);
  let found = 0;
  let checksum = 0;
  for (let j = 0; j < batch.count; j++) {
    const entry = dictionary.get(keyOf(fmix32(batch.seed + j) % range));
    if (entry === undefined) continue;
    found++;
    checksum =
      (Math.imul(checksum, 31) + entry.frequency + entry.tags.length + Math.round(entry.score * 100)) | 0;
  }
  return { found, checksum };
}

/** Combines batch answers in batch order. */
export function combine(answers: Iterable<LookupAnswer>): LookupAnswer {
  let found = 0;
  let checksum = 0;
  for (const answer of answers) {
    found += answer.found;
    checksum = (Math.imul(checksum, 1_000_003) + answer.checksum) | 0;
  }
  return { found, checksum };
}

/**
 * A task of the demo's pools. `ready` proves a worker can answer (one lookup), then holds it at a
 * barrier until all `workers` have arrived, so that the probes land on distinct workers and the last
 * one to return marks the moment all workers are ready.
 */
export type DemoTask =
  | { kind: 'ready'; barrier: Int32Array; workers: number; entries: number }
  | { kind: 'lookups'; batch: LookupBatch };

/** How long a ready probe waits for the others before giving up (a worker that never starts). */
const BARRIER_TIMEOUT_MS = 120_000;

export function answerTask(task: DemoTask, dictionary: Dictionary): LookupAnswer {
  if (task.kind === 'lookups') return lookUp(dictionary, task.batch);
  const answer = lookUp(dictionary, { entries: task.entries, seed: 0, count: 1 });
  const { barrier, workers } = task;
  const deadline = performance.now() + BARRIER_TIMEOUT_MS;
  for (let arrived = Atomics.add(barrier, 0, 1) + 1; arrived < workers; arrived = Atomics.load(barrier, 0)) {
    if (performance.now() > deadline) throw new Error(`only ${arrived} of ${workers} workers became ready`);
    Atomics.wait(barrier, 0, arrived, 100);
  }
  Atomics.notify(barrier, 0);
  return answer;
}
