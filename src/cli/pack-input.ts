/**
 * The inputs of `cowshare pack`, read as streams of items with their line numbers: JSON (a top-level
 * array's elements or object's members, json-stream.ts), NDJSON (a value per line) and CSV (a header
 * row, then a record per row, by csv-parse). Nothing holds more than one item and one chunk.
 */
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { CowshareError } from '../errors.js';
import { type JsonItem, JsonSplitter, MAX_DEPTH, tooDeepAt } from './json-stream.js';

export type InputFormat = 'json' | 'ndjson' | 'csv';

export interface InputOptions {
  /** CSV: numbers, booleans and empty cells as JSON would have them, instead of strings. */
  typed?: boolean;
}

/**
 * Reads one input; `root` says what its items make (known after the first chunk for JSON). Items come
 * in batches, a chunk's worth for JSON and NDJSON: a step of an async generator costs about as much as
 * parsing a small record, so one per item would slow a pack by a tenth.
 */
export class Input {
  /** Bytes read so far, for progress. */
  bytes = 0;
  root: 'array' | 'object' = 'array';

  constructor(
    private readonly source: Readable,
    private readonly format: InputFormat,
    private readonly name: string,
    private readonly options: InputOptions = {},
  ) {}

  batches(): AsyncGenerator<JsonItem[]> {
    if (this.format === 'csv') return this.csv();
    return this.format === 'json' ? this.json() : this.ndjson();
  }

  private async *json(): AsyncGenerator<JsonItem[]> {
    const splitter = new JsonSplitter(this.name);
    for await (const text of this.text()) {
      const items = splitter.push(text);
      if (splitter.root) this.root = splitter.root;
      if (items.length > 0) yield items;
    }
    splitter.end();
  }

  private async *ndjson(): AsyncGenerator<JsonItem[]> {
    let rest = '';
    let line = 0;
    const parseLine = (text: string): JsonItem | undefined => {
      line++;
      if (text.trim() === '') return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CowshareError('UNPACKABLE', `${this.name}: line ${line}: ${(error as Error).message}`);
      }
      const deep = tooDeepAt(text);
      if (deep >= 0) {
        throw new CowshareError(
          'UNPACKABLE',
          `${this.name}: line ${line}, column ${deep + 1}: nested deeper than ${MAX_DEPTH} levels`,
        );
      }
      return { key: undefined, value, line };
    };
    for await (const text of this.text()) {
      const lines = (rest + text).split('\n');
      rest = lines.pop()!;
      const items: JsonItem[] = [];
      for (const text of lines) {
        const item = parseLine(text);
        if (item) items.push(item);
      }
      if (items.length > 0) yield items;
    }
    const last = parseLine(rest);
    if (last) yield [last];
  }

  /** A batch per record: csv-parse hands records out one at a time. */
  private async *csv(): AsyncGenerator<JsonItem[]> {
    const parser = parse({ bom: true, skip_empty_lines: true, info: true });
    // The parser reads text decoded by `text()`, not the bytes: csv-parse would decode invalid UTF-8
    // as U+FFFD without a word, and the packed data would differ from the input.
    const text = Readable.from(this.text(), { objectMode: false });
    text.on('error', (error) => parser.destroy(error));
    text.pipe(parser);
    let header: string[] | undefined;
    try {
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { lines: number };
      }>) {
        if (header === undefined) {
          header = record;
          const twice = header.find((name, i) => header!.indexOf(name) !== i);
          if (twice !== undefined) {
            throw new CowshareError(
              'UNPACKABLE',
              `${this.name}: line 1: the column '${twice}' appears twice in the header`,
            );
          }
          continue;
        }
        // fromEntries defines properties: a column named __proto__ is data, like any other.
        const value = Object.fromEntries(header.map((name, i) => [name, this.cell(record[i]!)]));
        yield [{ key: undefined, value, line: info.lines }];
      }
    } catch (error) {
      // csv-parse's refusals (codes CSV_… and some without the prefix, such as INVALID_OPENING_QUOTE)
      // name the line in their messages ("Invalid Record Length: … on line 5"). Ours, and system
      // errors (a directory, a read failure: pack names the file), pass unchanged.
      if (error instanceof CsvError)
        throw new CowshareError('UNPACKABLE', `${this.name}: ${(error as Error).message}`);
      throw error;
    }
  }

  private cell(text: string): unknown {
    if (!this.options.typed) return text;
    if (text === '') return null;
    if (text === 'true' || text === 'false') return text === 'true';
    return JSON_NUMBER.test(text) ? Number(text) : text;
  }

  /**
   * The input as text, decoded as UTF-8 across chunk boundaries; invalid UTF-8 is an error. Bytes
   * are counted here, as they are read: a 'data' listener would put the source in flowing mode and
   * take chunks that arrive before the reading starts (a source in memory loses its first chunk).
   */
  private async *text(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      for await (const chunk of this.source) {
        this.bytes += (chunk as Buffer).length;
        yield decoder.decode(chunk as Buffer, { stream: true });
      }
      yield decoder.decode();
    } catch (error) {
      if (error instanceof TypeError) {
        throw new CowshareError('UNPACKABLE', `${this.name}: not valid UTF-8 text (near byte ${this.bytes})`);
      }
      throw error;
    }
  }
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
