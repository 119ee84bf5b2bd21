/**
 * Streams the elements of a top-level JSON array, or the members of a top-level JSON object, out of
 * text that arrives in chunks: a document of many GB is never held whole. The splitter only finds
 * where each element begins and ends (depth, strings, escapes); `JSON.parse` parses each one, so what
 * is accepted is exactly JSON, and errors name the line where the bad element starts.
 *
 * Why by hand: streaming JSON libraries build every value token by token in JavaScript, several times
 * slower than `JSON.parse` on the same bytes; finding boundaries is a small loop.
 */
import { CowshareError } from '../errors.js';

/** An element of the top-level array (key undefined) or a member of the top-level object. */
export interface JsonItem {
  key: string | undefined;
  value: unknown;
  /** The line (from 1) where the element starts. */
  line: number;
}

enum State {
  /** Before the root's `[` or `{`. */
  Start,
  /** Inside the root, before an element, a key, or the closing bracket. */
  BeforeItem,
  /** In an object, after a key, before its `:`. */
  BeforeColon,
  /** In an object, after the `:`, before the value. */
  AfterColon,
  /** Scanning an element's text up to the `,` or closing bracket at depth 0. */
  InValue,
  /** After an element, before `,` or the closing bracket. */
  AfterItem,
  /** After the root: only whitespace may follow. */
  End,
}

/**
 * Feed text with `push` (each call returns the items completed by it) and call `end` at the end of
 * the input. Invariant: `text` holds only what is not yet consumed; `offset` is where `text[0]` is in
 * the input, and `line` is the line of the position `at` has reached.
 */
export class JsonSplitter {
  /** 'array' or 'object' once the root's first character is seen. */
  root: 'array' | 'object' | undefined;
  private state = State.Start;
  private text = '';
  private at = 0;
  private line = 1;
  private depth = 0;
  private inString = false;
  private start = 0;
  private startLine = 1;
  private key: string | undefined;
  /** Characters dropped from the front of the input so far, and where the current line starts. */
  private dropped = 0;
  private lineStart = 0;

  constructor(private readonly name: string) {}

  push(chunk: string): JsonItem[] {
    this.text += chunk;
    const items: JsonItem[] = [];
    this.scan(items);
    // Drop what is consumed: the element being scanned (from `start`) stays.
    const keep = this.state === State.InValue ? this.start : this.at;
    this.text = this.text.slice(keep);
    this.at -= keep;
    this.start -= keep;
    this.dropped += keep;
    if (this.text.length > MAX_ELEMENT) {
      throw this.error(
        `an element longer than ${MAX_ELEMENT / 2 ** 20} MiB of text (an unclosed bracket?)`,
        this.startLine,
      );
    }
    return items;
  }

  /** The end of the input: the root must be closed. */
  end(): void {
    if (this.state === State.Start) throw this.error('the input is empty: expected a JSON array or object');
    // An element that is not a whole value at the end (an unclosed bracket or string) is the problem,
    // and where it starts is what to name: the last line of the input says nothing about it.
    if (this.state === State.InValue) this.parse(this.text.slice(this.start), this.startLine);
    if (this.state !== State.End) throw this.error(`the input ends inside the top-level ${this.root}`);
  }

  private scan(items: JsonItem[]): void {
    const text = this.text;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (this.state === State.InValue) {
        if (!this.scanValue(text, items)) return;
        continue;
      }
      if (c === NEWLINE) this.newLine(this.at);
      if (isSpace(c)) {
        this.at++;
        continue;
      }
      switch (this.state) {
        case State.Start:
          if (c === BOM && this.at === 0) break;
          if (c === OPEN_BRACKET) this.root = 'array';
          else if (c === OPEN_BRACE) this.root = 'object';
          else
            throw this.error(
              'expected a JSON array or object at the top level (one value per line is --format ndjson)',
            );
          this.state = State.BeforeItem;
          break;
        case State.BeforeItem:
          // `[]` and `{}` may close at once; after a comma a value must come (`[1,]` is refused).
          if (c === (this.root === 'array' ? CLOSE_BRACKET : CLOSE_BRACE) && this.count === 0) {
            this.state = State.End;
            break;
          }
          if (this.root === 'object') {
            if (c !== QUOTE) throw this.error('expected a key (a string in double quotes)');
            const end = stringEnd(text, this.at + 1);
            if (end < 0) return; // the key goes on in the next chunk: scanned again from its quote
            this.key = this.parse(text.slice(this.at, end + 1), this.line) as string;
            this.at = end + 1;
            this.state = State.BeforeColon;
            continue;
          }
          this.beginValue();
          continue;
        case State.BeforeColon:
          if (c !== COLON) throw this.error(`expected ':' after the key ${JSON.stringify(this.key)}`);
          this.state = State.AfterColon;
          break;
        case State.AfterColon:
          this.beginValue();
          continue;
        case State.AfterItem:
          if (c === COMMA) this.state = State.BeforeItem;
          else if (c === (this.root === 'array' ? CLOSE_BRACKET : CLOSE_BRACE)) this.state = State.End;
          else throw this.error(`expected ',' or '${this.root === 'array' ? ']' : '}'}'`);
          break;
        case State.End:
          throw this.error(`unexpected text after the top-level ${this.root}`);
      }
      this.at++;
    }
  }

  /** Items completed so far. */
  private count = 0;

  private beginValue(): void {
    this.state = State.InValue;
    this.start = this.at;
    this.startLine = this.line;
    this.depth = 0;
    this.inString = false;
  }

  /**
   * Advances through an element's text; at its end (a `,` or closing bracket at depth 0) parses it and
   * returns true. Returns false when the chunk ends first.
   */
  private scanValue(text: string, items: JsonItem[]): boolean {
    let at = this.at;
    while (at < text.length) {
      if (this.inString) {
        const end = stringEnd(text, at);
        if (end < 0) {
          // Resume where a trailing run of backslashes starts: the next quote's escaping depends on it.
          at = text.length;
          while (at > this.at && text.charCodeAt(at - 1) === BACKSLASH) at--;
          break;
        }
        at = end + 1;
        this.inString = false;
        continue;
      }
      // Jump to the next character that matters outside strings (a regular expression search is
      // several times faster than a loop over every character).
      STRUCTURE.lastIndex = at;
      if (STRUCTURE.exec(text) === null) {
        at = text.length;
        break;
      }
      at = STRUCTURE.lastIndex - 1;
      const c = text.charCodeAt(at);
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
        if (++this.depth > MAX_DEPTH) {
          const column = this.dropped + at - this.lineStart + 1;
          throw this.error(`nested deeper than ${MAX_DEPTH} levels`, this.line, column);
        }
      } else if (c === NEWLINE) this.newLine(at);
      else if (this.depth > 0) {
        if (c !== COMMA) this.depth--;
      } else {
        this.at = at;
        const value = this.parse(text.slice(this.start, at), this.startLine);
        items.push({ key: this.key, value, line: this.startLine });
        this.count++;
        this.state = State.AfterItem;
        return true;
      }
      at++;
    }
    this.at = at;
    return false;
  }

  /** A newline at `at` of the text held. */
  private newLine(at: number): void {
    this.line++;
    this.lineStart = this.dropped + at + 1;
  }

  private parse(text: string, line: number): unknown {
    if (text.trim() === '') throw this.error('expected a value', line);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw this.error((error as Error).message, line);
    }
  }

  private error(problem: string, line = this.line, column?: number): CowshareError {
    const where = column === undefined ? `line ${line}` : `line ${line}, column ${column}`;
    return new CowshareError('UNPACKABLE', `${this.name}: ${where}: ${problem}`);
  }
}

/** The index of the quote that closes a string whose content starts at `from`, or -1 if not in `text`. */
function stringEnd(text: string, from: number): number {
  for (let at = from; ; ) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return -1;
    // The quote is escaped when an odd number of backslashes precede it.
    let slashes = 0;
    while (quote - 1 - slashes >= from && text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/**
 * How deep a value in the input may nest: `pack` walks values recursively, and this is well within
 * what the stack allows wherever it runs (some thousands of levels), with room to spare.
 */
export const MAX_DEPTH = 1000;

/**
 * The index in `text` (one JSON value) of the bracket that opens level MAX_DEPTH + 1, or -1. A text
 * shorter than MAX_DEPTH characters cannot nest that deep, and is not scanned.
 */
export function tooDeepAt(text: string): number {
  if (text.length <= MAX_DEPTH) return -1;
  let depth = 0;
  for (let at = 0; ; ) {
    STRUCTURE.lastIndex = at;
    if (STRUCTURE.exec(text) === null) return -1;
    at = STRUCTURE.lastIndex - 1;
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = stringEnd(text, at + 1);
      if (at < 0) return -1; // not JSON: JSON.parse has said so
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > MAX_DEPTH) return at;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
    at++;
  }
}

/** The characters that matter in an element's text outside strings. */
const STRUCTURE = /["[\]{},\n]/g;

/** Longest element text held: far above any real record, far below V8's string limit. */
const MAX_ELEMENT = 2 ** 28;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = 0xfeff;
