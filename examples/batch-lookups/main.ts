/**
 * The classic case: a parent builds a big dictionary once, and a pool of worker threads looks batches
 * of keys up in it. The dictionary is packed into one image that every worker reads in place — no
 * worker gets a copy — and each task writes its results to a file of its own (lookup-batch.ts).
 * Run: npm run example:batch-lookups -- [--entries N] [--batches N] [--threads N] [--out DIR]
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Image, Pool, type Progress, pack } from '../../src/node/index.js';
import type lookupBatch from './lookup-batch.js';
import { type Batch, type BatchResult, type Entry, lineOf } from './lookup-batch.js';

const USAGE = `usage: npm run example:batch-lookups -- [options]
  --entries N   entries in the dictionary (default 1000000)
  --batches N   tasks; together they look up as many keys as there are entries (default 50)
  --threads N   worker threads (default: the available cores)
  --out DIR     where the result files go (default: a new directory under the OS temp dir)`;

/** Every `SPOT_CHECK_EVERY`-th line of every result file is checked against the original Map. */
const SPOT_CHECK_EVERY = 101;
const TAGS = ['noun', 'verb', 'adjective'];
/** One syllable per hexadecimal digit: see `wordOf`. */
const SYLLABLES = 'ka lo mi ne ru sa ti vo be da fu gi ho ju pe zy'.split(' ');
/** When the last progress line was written (milliseconds since the first task started). */
let lastProgress = 0;

const options = parseOptions();
const out = options.out ?? mkdtempSync(join(tmpdir(), 'cowshare-batch-lookups-'));
mkdirSync(out, { recursive: true });

let started = performance.now();
const dict = new Map<string, Entry>();
for (let i = 0; i < options.entries; i++) {
  dict.set(wordOf(i), {
    id: i,
    gloss: `meaning ${i}`,
    score: ((i * 7919) % 1000) / 10,
    tags: [TAGS[i % 3]!],
  });
}
console.log(`built a Map of ${count(dict.size)} entries in ${ms(started)}`);

// Pack once. (`shared: { dict }` would pack it too; packing here shows what it costs.)
started = performance.now();
const image: Image = pack(dict);
const bytes = image.segments.reduce((sum, s) => sum + s.byteLength, 0);
console.log(`packed it into a ${(bytes / 2 ** 20).toFixed(1)} MiB image in ${ms(started)}`);

// Every worker receives the image once, at start-up, and opens it in O(1): the memory is shared.
const pool = new Pool<typeof lookupBatch>({
  worker: new URL('./lookup-batch.ts', import.meta.url),
  shared: { dict: image },
  ...(options.threads === undefined ? {} : { threads: options.threads }),
});

const keysPerBatch = Math.ceil(options.entries / options.batches);
const results: BatchResult[] = [];
started = performance.now();
try {
  for await (const result of pool.map(batches(), { onProgress: showProgress })) results.push(result);
} finally {
  await pool.close();
}
const lookedUp = results.reduce((sum, r) => sum + r.found + r.missing, 0);
const found = results.reduce((sum, r) => sum + r.found, 0);
console.log(
  `${pool.threads} worker threads looked up ${count(lookedUp)} keys in ${results.length} batches in ${ms(started)}` +
    ` (${count(found)} found, ${count(lookedUp - found)} not in the dictionary)`,
);

// Check the files: one line per key of its batch, in order, and a sample of lines against the Map itself.
started = performance.now();
let lines = 0;
let checked = 0;
for (const { index, file } of results) {
  const keys = keysOf(index);
  const fileLines = readFileSync(file, 'utf8').split('\n');
  if (fileLines.pop() !== '' || fileLines.length !== keys.length) {
    throw new Error(`${file}: expected ${keys.length} lines, found ${fileLines.length}`);
  }
  for (let i = index % SPOT_CHECK_EVERY; i < keys.length; i += SPOT_CHECK_EVERY) {
    const key = keys[i]!;
    if (fileLines[i] !== lineOf(key, dict.get(key))) {
      throw new Error(
        `${file}, line ${i + 1}: ${fileLines[i]} does not match the dictionary's entry for ${key}`,
      );
    }
    checked++;
  }
  lines += fileLines.length;
}
console.log(
  `checked ${results.length} files in ${ms(started)}: ${count(lines)} lines, ${count(checked)} spot-checked against the Map`,
);
console.log(`ok: the results are in ${out}`);

// --- helpers --------------------------------------------------------------------------------------

interface Options {
  entries: number;
  batches: number;
  threads: number | undefined;
  out: string | undefined;
}

function parseOptions(): Options {
  try {
    const { values } = parseArgs({
      options: {
        entries: { type: 'string', default: '1000000' },
        batches: { type: 'string', default: '50' },
        threads: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return {
      entries: positiveInteger('--entries', values.entries),
      batches: positiveInteger('--batches', values.batches),
      threads: values.threads === undefined ? undefined : positiveInteger('--threads', values.threads),
      out: values.out,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    process.exit(2);
  }
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${text}`);
  }
  return value;
}

/** The dictionary's i-th word: i in base 16, a syllable per digit, so distinct numbers give distinct words. */
function wordOf(i: number): string {
  let word = '';
  for (const digit of i.toString(16)) word += SYLLABLES[Number.parseInt(digit, 16)];
  return word;
}

/** The tasks, made as the pool asks for them: the keys of all batches never exist at once. */
function* batches(): Generator<Batch> {
  for (let index = 0; index < options.batches; index++) yield { index, keys: keysOf(index), out };
}

/**
 * The keys of one batch, the same on every call: scattered over the dictionary, with about one in
 * eleven past its end (words it does not have).
 */
function keysOf(index: number): string[] {
  const span = options.entries + Math.ceil(options.entries / 10);
  const keys: string[] = [];
  for (let j = 0; j < keysPerBatch; j++) {
    const n = index * keysPerBatch + j;
    if (n >= options.entries) break;
    keys.push(wordOf((Math.imul(n, 0x9e3779b1) >>> 0) % span));
  }
  return keys;
}

/** Progress on stderr: a line redrawn in place on a terminal, otherwise a line every two seconds. */
function showProgress({ done, elapsedMs, rate }: Progress): void {
  const line = `  ${done}/${options.batches} batches, ${rate.toFixed(1)} batches/s`;
  if (process.stderr.isTTY) {
    process.stderr.write(`\r${line}${done === options.batches ? '\n' : ''}`);
  } else if (done === options.batches || elapsedMs - lastProgress >= 2000) {
    lastProgress = elapsedMs;
    process.stderr.write(`${line}\n`);
  }
}

function ms(since: number): string {
  return `${(performance.now() - since).toFixed(0)} ms`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
