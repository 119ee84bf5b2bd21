// Deterministic data sets for the benchmark corpus. Every generator takes a seed, so two runs (and a
// parent process and its heap probe) build the same values byte for byte.

export type Size = 'small' | 'full';

const MiB = 2 ** 20;

/** The sizes; `small` is a tenth of each, for quick runs. */
export const SIZES: Record<Size, { entries: number; docs: number; bytes: number }> = {
  full: { entries: 1_000_000, docs: 100_000, bytes: 256 * MiB },
  small: { entries: 100_000, docs: 10_000, bytes: Math.round((256 * MiB) / 10) },
};

/** sfc32: a small, fast PRNG with 128 bits of state; `seed` picks the stream. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

// --- (a) a Map of small records -----------------------------------------------------------------

export interface Entry {
  id: number;
  name: string;
  score: number;
  tags: string[];
}

/** `key:000123`: the key of entry 123. */
export const keyOf = (i: number): string => `key:${String(i).padStart(6, '0')}`;

const FIRST = (
  'Ada|Alan|Grace|Edsger|Barbara|Donald|Frances|Ken|Margaret|Dennis|Radia|Tim|Shafi|Leslie|Sophie|' +
  'John|Katherine|Niklaus|Hedy|Guido|José|Zoë|Łukasz|Søren|Chloé|Ngozi|Hiroshi|Anaïs|Dvořák|Renée'
).split('|');
const LAST = (
  'Lovelace|Turing|Hopper|Dijkstra|Liskov|Knuth|Allen|Thompson|Hamilton|Ritchie|Perlman|Berners-Lee|' +
  'Goldwasser|Lamport|Wilson|McCarthy|Johnson|Wirth|Lamarr|van Rossum|García Márquez|Müller|李|' +
  'Østergaard|Nakamura'
).split('|');
/** ~50 tag words: tags repeat a lot, which is what interning and shared key lists are for. */
const TAGS = (
  'red green blue cyan magenta yellow black white alpha beta gamma delta omega north south east west ' +
  'new old hot cold fast slow big small open closed draft final public private local remote primary ' +
  'backup urgent later stable beta2 legacy mobile desktop web api batch stream cache index archive ' +
  'premium trial'
).split(' ');

/** Data set (a): `n` entries keyed `key:000000` … in key order; names vary in length and script. */
export function makeEntries(n: number, seed = 1): Map<string, Entry> {
  const rng = new Rng(seed);
  const map = new Map<string, Entry>();
  for (let i = 0; i < n; i++) map.set(keyOf(i), makeEntry(rng, i));
  return map;
}

/** Entry `i` of data set (a), from the generator's next numbers: `makeEntries`, one at a time. */
export function makeEntry(rng: Rng, i: number): Entry {
  const tags = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(TAGS));
  // A numeric suffix makes most names unique, as user names are, so interning can't shrink them.
  // `join` gives a flat string, as JSON.parse or a database driver would (a template literal
  // would leave a rope of cons strings, which would inflate the heap side of size/heap).
  const name = [rng.pick(FIRST), rng.pick(LAST), rng.int(100_000)].join(' ');
  return { id: i, name, score: rng.float() * 1000, tags };
}

/**
 * A random-order lookup sequence of `count` keys out of `n`. The strings are built afresh, so they
 * are not the Map's own key objects (a real lookup key comes from elsewhere too).
 */
export function makeLookupKeys(n: number, count: number, seed = 2): string[] {
  const rng = new Rng(seed);
  const keys: string[] = new Array(count);
  for (let i = 0; i < count; i++) keys[i] = `key:${String(rng.int(n)).padStart(6, '0')}`;
  return keys;
}

// --- (b) nested JSON-like documents -------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const KINDS = ['user', 'order', 'event', 'invoice', 'shipment', 'review'];
const STATUSES = ['pending', 'active', 'done', 'failed', 'archived'];
const SOURCES = ['web', 'ios', 'android', 'import', 'partner-api'];
const SIZE_LETTERS = ['S', 'M', 'L', 'XL'];
const WORDS = TAGS.concat(FIRST.map((w) => w.toLowerCase()));

function sentence(rng: Rng, words: number): string {
  return Array.from({ length: words }, () => rng.pick(WORDS)).join(' ');
}

/** A chain of nested sections: depth ≤ `depth`, each with a few leaf fields and sometimes a list. */
function section(rng: Rng, depth: number): Json {
  const node: { [key: string]: Json } = {
    level: depth,
    label: rng.pick(WORDS),
    weight: Math.round(rng.float() * 1e4) / 100,
    visible: rng.float() < 0.7,
  };
  if (rng.float() < 0.3) node.notes = [sentence(rng, 3), sentence(rng, 5)];
  if (depth > 1 && rng.float() < 0.8) node.child = section(rng, depth - 1);
  return node;
}

/** One document: a few scalar fields, repeated enum-like strings, arrays of records, ≤ 10 levels. */
function makeDoc(rng: Rng, i: number): Json {
  // Array.from sizes arrays exactly, as JSON.parse does (push would leave spare capacity).
  const items = Array.from({ length: rng.int(5) }, () => ({
    sku: `SKU-${rng.int(5000)}`,
    qty: 1 + rng.int(9),
    price: Math.round(rng.float() * 100_000) / 100,
    attrs: { color: rng.pick(TAGS), size: rng.pick(SIZE_LETTERS), gift: rng.float() < 0.1 },
  }));
  return {
    id: i,
    kind: rng.pick(KINDS),
    status: rng.pick(STATUSES),
    active: rng.float() < 0.5,
    created: `2024-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`,
    title: sentence(rng, 2 + rng.int(6)),
    score: rng.float(),
    meta: {
      source: rng.pick(SOURCES),
      version: 1 + rng.int(4),
      flags: [rng.float() < 0.5, rng.float() < 0.5],
    },
    items,
    tree: section(rng, 1 + rng.int(8)),
  };
}

/** Data set (b): `n` documents in an array. */
export function makeDocs(n: number, seed = 3): Json[] {
  const rng = new Rng(seed);
  const docs: Json[] = new Array(n);
  for (let i = 0; i < n; i++) docs[i] = makeDoc(rng, i);
  return docs;
}

// --- (c) a big byte array -----------------------------------------------------------------------

/** Data set (c): `length` pseudo-random bytes. */
export function makeBytes(length: number, seed = 4): Uint8Array {
  const rng = new Rng(seed);
  const bytes = new Uint8Array(length);
  const words = new Uint32Array(bytes.buffer, 0, length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  for (let i = words.length * 4; i < length; i++) bytes[i] = rng.u32() & 0xff;
  return bytes;
}

// --- memoised per run ---------------------------------------------------------------------------

const made = new Map<string, unknown>();

/** Builds a value once per process under `key` (data sets are large; several cases share them). */
export function memo<T>(key: string, make: () => T): T {
  if (!made.has(key)) made.set(key, make());
  return made.get(key) as T;
}

/** Forgets memoised values whose key starts with `prefix`, so that the GC can take them. */
export function forget(prefix: string): void {
  for (const key of made.keys()) if (key.startsWith(prefix)) made.delete(key);
}

export const entries = (size: Size): Map<string, Entry> =>
  memo(`entries:${size}`, () => makeEntries(SIZES[size].entries));
export const docs = (size: Size): Json[] => memo(`docs:${size}`, () => makeDocs(SIZES[size].docs));
export const bytes = (size: Size): Uint8Array => memo(`bytes:${size}`, () => makeBytes(SIZES[size].bytes));
