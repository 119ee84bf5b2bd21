/**
 * The task each pool worker runs (main.ts): look one batch of keys up in the shared dictionary and
 * write one line per key to a file of its own. The dictionary was opened once when the worker started;
 * a task only reads it.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SharedData } from '../../src/node/index.js';

export interface Entry {
  id: number;
  gloss: string;
  score: number;
  tags: string[];
}

/** The pool's shared data: the dictionary, by key. */
export type Data = { dict: Map<string, Entry> };

export interface Batch {
  /** The batch's number: it names the output file. */
  index: number;
  keys: string[];
  /** The output directory. */
  out: string;
}

export interface BatchResult {
  index: number;
  file: string;
  found: number;
  missing: number;
}

/** The output line for a key: `key \t id \t gloss \t score` when found, `key \t -` when not. */
export function lineOf(key: string, entry: Pick<Entry, 'id' | 'gloss' | 'score'> | undefined): string {
  return entry === undefined ? `${key}\t-` : `${key}\t${entry.id}\t${entry.gloss}\t${entry.score}`;
}

export default function lookupBatch({ index, keys, out }: Batch, { dict }: SharedData<Data>): BatchResult {
  const lines: string[] = [];
  let found = 0;
  for (const key of keys) {
    const entry = dict.get(key);
    if (entry !== undefined) found++;
    lines.push(lineOf(key, entry));
  }
  const file = join(out, `batch-${String(index).padStart(5, '0')}.tsv`);
  // Written whole, then renamed: a task retried after its worker died never leaves half a file.
  writeFileSync(`${file}.partial`, `${lines.join('\n')}\n`);
  renameSync(`${file}.partial`, file);
  return { index, file, found, missing: keys.length - found };
}
