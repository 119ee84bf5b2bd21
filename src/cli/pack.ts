/**
 * `cowshare pack <input|-> -o out.cow`: streams JSON, NDJSON or CSV into an image file with
 * `ImageFileBuilder`, in memory bounded by one item and one segment plus the root, however large the
 * input. The output appears under its name only when complete (temporary file, fsync, rename).
 */
import { createReadStream, fstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { CowshareError } from '../errors.js';
import { fileError, inFile } from '../node/file-errors.js';
import { ImageFileBuilder } from '../node/image-file-builder.js';
import { type Command, positionalArgs, UsageError } from './command.js';
import { MAX_DEPTH } from './json-stream.js';
import { Input, type InputFormat } from './pack-input.js';
import { bytes, count, duration, ProgressLine } from './progress.js';

const EXTENSIONS: Readonly<Record<string, InputFormat>> = {
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  csv: 'csv',
};

export const pack: Command = {
  name: 'pack',
  summary: 'stream JSON, NDJSON or CSV (of any size) into an image file',
  usage: `Usage: cowshare pack <input|-> -o <out.cow> [--format json|ndjson|csv] [--key FIELD] [--typed]

Reads the input as a stream and writes an image file: memory stays bounded by one record and one
segment, plus what the root needs per record (about 45 bytes), however large the input.

  JSON     a top-level array becomes an array; a top-level object becomes an object
  NDJSON   one JSON value per line (blank lines skipped) becomes an array
  CSV      a header row, then one object per row (cells are strings unless --typed)

With --key FIELD, each record's FIELD (a string or a number) keys a Map of the records instead: a
dictionary that openFile(...).get(key) looks up in O(1). A key that comes again replaces the
earlier record (Map semantics) and is counted.

The format comes from the input's extension (.json, .ndjson, .jsonl, .csv) or --format (needed
for -, standard input). A malformed record or line stops the pack with its line number; nothing
is left under the output name. Values may nest up to ${MAX_DEPTH} levels deep (line and column of the
bracket past that are named); a number beyond the range of a double (1e400, which JSON.parse
reads as Infinity) is refused with its line.

Options:
  -o, --output FILE   the image file to write (required)
  --format F          json, ndjson or csv
  --key FIELD         build a Map keyed by this field of every record
  --typed             CSV: numbers, true/false and empty cells (null) as typed values
  -h, --help          print this help`,
  options: {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    key: { type: 'string' },
    typed: { type: 'boolean' },
  },
  async run(values, { stdout, stderr }, positionals) {
    const [inputPath = ''] = positionalArgs(positionals, ['input']);
    const output = values.output;
    if (typeof output !== 'string' || output === '') throw new UsageError('missing -o <out.cow>');
    const format = formatOf(inputPath, values.format);
    const key = typeof values.key === 'string' ? values.key : undefined;
    const name = inputPath === '-' ? 'standard input' : inputPath;

    const source: Readable =
      inputPath === '-' ? process.stdin : createReadStream(inputPath, { highWaterMark: 1 << 20 });
    const total = inputPath === '-' ? undefined : await sizeOf(source, inputPath);
    const input = new Input(source, format, name, { typed: values.typed === true });
    const line = new ProgressLine(stderr);
    const started = performance.now();
    let builder: ImageFileBuilder | undefined;
    let shown = 0;
    try {
      for await (const batch of input.batches()) {
        builder ??= new ImageFileBuilder(output, key !== undefined ? 'map' : input.root, BUILD);
        for (const item of batch) {
          try {
            if (key !== undefined) builder.set(keyOf(item.value, key, name, item.line), item.value);
            else if (input.root === 'object') builder.set(item.key!, item.value);
            else builder.push(item.value);
          } catch (error) {
            throw atLine(error, item.line);
          }
        }
        if (input.bytes !== shown) {
          // Once per chunk read, not per record: formatting the line costs more than a small record.
          shown = input.bytes;
          line.update(progress(input.bytes, total, builder.size, performance.now() - started));
        }
      }
      builder ??= new ImageFileBuilder(output, key !== undefined ? 'map' : input.root, BUILD);
      const built = await builder.finish();
      const ms = performance.now() - started;
      const replaced =
        built.duplicates > 0 ? `, ${count(built.duplicates)} keys came again (the last record kept)` : '';
      line.clear();
      stdout.write(
        `${output}: ${noun(built.entries, key !== undefined ? 'entry' : 'item')} from ${bytes(input.bytes)} of ${format} ` +
          `in ${duration(ms)} (${bytes((input.bytes / ms) * 1000)}/s): ${bytes(built.bytes)} in ${built.segments} segment${built.segments === 1 ? '' : 's'}${replaced}\n`,
      );
      return 0;
    } catch (error) {
      line.clear();
      builder?.abort();
      // A FILE CowshareError is the builder's, about the output, and names it: the input's name in
      // front ("in.json: out.cow: cannot write") would blame the wrong file.
      if (error instanceof CowshareError && error.code === 'FILE') throw error;
      throw inFile(name, error);
    } finally {
      source.destroy();
    }
  },
};

/**
 * Input parsed from text: a number JSON.parse read as Infinity was out of range, not infinite; and
 * parsed JSON, NDJSON and CSV share no objects, so each entry is a tree, packed without identity table.
 */
const BUILD = { finiteNumbers: true, tree: true };

/** A refusal of a record's value (its path from the root: `$[12].price: …`), with the record's line. */
function atLine(error: unknown, line: number): unknown {
  if (!(error instanceof CowshareError) || (error.code !== 'UNPACKABLE' && error.code !== 'LIMIT'))
    return error;
  if (/^[^:]*: line \d+/.test(error.message)) return error; // keyOf's, which names the line already
  return new CowshareError(error.code, `line ${line}: ${error.message}`);
}

function formatOf(path: string, given: string | boolean | undefined): InputFormat {
  if (given !== undefined) {
    if (given === 'json' || given === 'ndjson' || given === 'csv') return given;
    throw new UsageError(`--format must be json, ndjson or csv, got '${given}'`);
  }
  const format = EXTENSIONS[path.slice(path.lastIndexOf('.') + 1).toLowerCase()];
  if (path === '-' || format === undefined) {
    throw new UsageError(
      `cannot tell the format of ${path === '-' ? 'standard input' : `'${path}'`}: give --format`,
    );
  }
  return format;
}

/** The key of a record for --key: its own property `field`, a string or a finite number. */
function keyOf(value: unknown, field: string, name: string, line: number): string | number {
  const where = `${name}: line ${line}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CowshareError(
      'UNPACKABLE',
      `${where}: --key needs records that are objects, got ${Array.isArray(value) ? 'an array' : String(value === null ? null : typeof value)}`,
    );
  }
  if (!Object.hasOwn(value, field))
    throw new CowshareError('UNPACKABLE', `${where}: the record has no key field '${field}'`);
  const key = (value as Record<string, unknown>)[field];
  if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key;
  throw new CowshareError(
    'UNPACKABLE',
    `${where}: the key field '${field}' is ${key === null ? 'null' : typeof key}; keys must be strings or numbers`,
  );
}

/** The input file's size (for the ETA), or an error naming it when it cannot be opened. */
function sizeOf(source: Readable, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    source.once('error', (error) => reject(fileError(path, error)));
    source.once('open', (fd: number) => resolve(fstatSync(fd).size));
  });
}

const BAR = 24;

/** `  [#########···············] 38%  1.20 GB of 3.14 GB, 4,100,000 records, 160 MB/s, ETA 12.1 s` */
function progress(done: number, total: number | undefined, items: number, ms: number): string {
  const rate = (done / ms) * 1000;
  const parts = [
    `${bytes(done)}${total === undefined ? '' : ` of ${bytes(total)}`}`,
    `${count(items)} records`,
    `${bytes(rate)}/s`,
  ];
  if (total === undefined || total === 0) return `  ${parts.join(', ')}`;
  if (rate > 0) parts.push(`ETA ${duration(((total - done) / rate) * 1000)}`);
  const filled = Math.min(BAR, Math.round((done / total) * BAR));
  const percent = `${Math.floor((100 * done) / total)}%`.padStart(4);
  return `  [${'#'.repeat(filled)}${'·'.repeat(BAR - filled)}] ${percent}  ${parts.join(', ')}`;
}

/** `1 item`, `2 items`, `3 entries`. */
function noun(n: number, singular: string): string {
  const plural = singular.endsWith('y') ? `${singular.slice(0, -1)}ies` : `${singular}s`;
  return `${count(n)} ${n === 1 ? singular : plural}`;
}
