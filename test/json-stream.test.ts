// JsonSplitter (src/cli/json-stream.ts), the streaming reader behind `cowshare pack` of JSON: generated
// arrays and objects, written with random whitespace and line ends and cut into random chunks (1-character
// chunks, cuts inside escapes, backslash runs and keys), give the items of JSON.parse of the whole text,
// each with the line where it starts, counted by the test as it writes the text. Hostile and malformed
// inputs are refused with a CowshareError `<name>: line N: …` naming the line of the fault, the same
// however the text is cut.
// COWSHARE_FC_SEED=<n> replays a failing run; COWSHARE_FC_RUNS=<factor> scales the run counts.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type JsonItem, JsonSplitter } from '../src/cli/json-stream.js';
import { Input } from '../src/cli/pack-input.js';
import { CowshareError } from '../src/errors.js';
import { params } from './support/runs.js';

/** Feeds `chunks` to a new splitter and ends it: every item, in order, and the root it saw. */
function split(chunks: readonly string[], name = 'input.json'): { items: JsonItem[]; root: unknown } {
  const splitter = new JsonSplitter(name);
  const items: JsonItem[] = [];
  for (const chunk of chunks) items.push(...splitter.push(chunk));
  splitter.end();
  return { items, root: splitter.root };
}

/** `text` cut before each of `cuts` (positions in code units; out-of-range and repeated ones ignored). */
function cut(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(text.slice(from, c)); // empty chunks too: push('') must be harmless
    from = c;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const oneByOne = (text: string): string[] => [...text.split('')];

/** The characters that matter to the splitter, and others, as units of generated strings. */
const nastyUnit = fc.constantFrom(
  '\\',
  '\\',
  '"',
  '"',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '\n',
  '\r',
  '\t',
  'a',
  ' ',
  'é',
  '\u2028',
  '\uFEFF',
  '\uD800', // lone surrogates: JSON.stringify writes them as \ud800
  '\uDC00',
  '😀',
);
const jsonArb = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3, stringUnit: nastyUnit }),
  fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
);

/** Whitespace JSON allows between tokens, newlines and CRLF included. */
const spaceArb = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r\n'), maxLength: 4 });
/** Whitespace without a line end: between a key, its colon and its value. */
const inlineSpaceArb = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 });

/** How an element is written: compact, indented with spaces or tabs, and with CRLF line ends. */
const styleArb = fc.record({
  indent: fc.constantFrom<string | number>(0, 1, 2, '\t', ' \t'),
  crlf: fc.boolean(),
});

function serialize(value: unknown, style: { indent: string | number; crlf: boolean }): string {
  const text = JSON.stringify(value, null, style.indent);
  // JSON.stringify escapes every line end inside strings, so each raw \n is between tokens.
  return style.crlf ? text.replaceAll('\n', '\r\n') : text;
}

const newlines = (text: string): number => text.split('\n').length - 1;

/**
 * A document written piece by piece, with the line where each item starts counted as it is written
 * (independently of the splitter): the root's elements or members, separated by random whitespace.
 */
interface Document {
  text: string;
  object: boolean;
  /** The line where each item starts. */
  lines: number[];
  /** An array: JSON.parse of the whole text. An object: its members in text order, as [key, value]. */
  expected: unknown;
}

const documentArb: fc.Arbitrary<Document> = fc
  .record({
    object: fc.boolean(),
    bom: fc.boolean(),
    members: fc.array(
      fc.record({
        key: fc.oneof(
          fc.string({ maxLength: 5 }),
          fc.string({ unit: nastyUnit, maxLength: 6 }),
          fc.constantFrom('__proto__', 'constructor', '', '1', '0', 'a', 'a'),
        ),
        value: jsonArb,
        style: styleArb,
        before: spaceArb,
        after: spaceArb,
        colon: fc.tuple(inlineSpaceArb, inlineSpaceArb),
      }),
      { maxLength: 12 },
    ),
    open: spaceArb,
    close: spaceArb,
  })
  .map(({ object, bom, members, open, close }) => {
    let text = `${bom ? '\uFEFF' : ''}${open}${object ? '{' : '['}`;
    const lines: number[] = [];
    members.forEach((m, i) => {
      if (i > 0) text += ',';
      text += m.before;
      if (object) text += `${JSON.stringify(m.key)}${m.colon[0]}:${m.colon[1]}`;
      lines.push(newlines(text) + 1);
      text += serialize(m.value, m.style) + m.after;
    });
    text += `${object ? '}' : ']'}${close}`;
    const expected = object
      ? members.map((m) => [m.key, JSON.parse(JSON.stringify(m.value))])
      : JSON.parse(withoutBom(text));
    return { text, object, lines, expected };
  });

const withoutBom = (text: string): string => text.replace(/^\uFEFF/, '');

describe('JsonSplitter: what it splits is what JSON.parse reads', () => {
  test('random documents cut into random chunks give the elements of JSON.parse, with their lines', () => {
    fc.assert(
      fc.property(
        documentArb,
        fc.oneof(
          fc.array(fc.nat(), { maxLength: 12 }),
          fc.constant('one by one' as const),
          fc.constant('whole' as const),
        ),
        (document, cuts) => {
          const chunks =
            cuts === 'whole'
              ? [document.text]
              : cuts === 'one by one'
                ? oneByOne(document.text)
                : cut(document.text, cuts);
          const { items, root } = split(chunks);
          assert.equal(root, document.object ? 'object' : 'array');
          if (document.object) {
            // Each member in text order (a repeated key comes again), key and value as JSON.parse reads them.
            assert.deepStrictEqual(
              items.map((item) => [item.key, item.value]),
              document.expected,
            );
          } else {
            // JSON.parse of the whole text, element by element.
            assert.deepStrictEqual(
              items.map((item) => item.value),
              document.expected,
            );
            assert.ok(items.every((item) => item.key === undefined));
          }
          assert.deepEqual(
            items.map((item) => item.line),
            document.lines,
          );
        },
      ),
      params(1500),
    );
  });

  test('an object document agrees with JSON.parse of it: last value wins where keys repeat', () => {
    fc.assert(
      fc.property(documentArb, fc.array(fc.nat(), { maxLength: 8 }), (document, cuts) => {
        if (!document.object) return;
        const { items } = split(cut(document.text, cuts));
        // Rebuilt as JSON.parse builds an object: a repeated key keeps its first place and its last value.
        const rebuilt: Record<string, unknown> = {};
        for (const { key, value } of items) {
          Object.defineProperty(rebuilt, key!, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        }
        const parsed = JSON.parse(withoutBom(document.text));
        assert.deepStrictEqual(rebuilt, parsed);
        assert.deepEqual(Object.keys(rebuilt), Object.keys(parsed));
      }),
      params(800),
    );
  });

  test('escapes cut anywhere: quotes and runs of backslashes inside values and keys', () => {
    // Runs of 1 to 6 backslashes before a quote: an odd run escapes it, an even one does not.
    const strings = Array.from({ length: 6 }, (_, n) => `${'\\'.repeat(n + 1)}"x${'\\'.repeat(n)}`);
    const array = JSON.stringify(strings.map((s) => [s, { [s]: s }]));
    const object = JSON.stringify(Object.fromEntries(strings.map((s) => [s, [s, `${s}]`, `${s}}`]])));
    for (const text of [array, object]) {
      const expected = JSON.parse(text);
      const values = (items: JsonItem[]) =>
        Array.isArray(expected)
          ? items.map((i) => i.value)
          : Object.fromEntries(items.map((i) => [i.key, i.value]));
      assert.deepStrictEqual(values(split(oneByOne(text)).items), expected);
      for (let at = 0; at <= text.length; at++) {
        for (const width of [1, 2, 3]) {
          const chunks = [text.slice(0, at), text.slice(at, at + width), text.slice(at + width)];
          assert.deepStrictEqual(values(split(chunks).items), expected, `cut at ${at}, ${width}`);
        }
      }
    }
  });

  test('[] and {} (with whitespace, a BOM, CRLF) give no items and say which root', () => {
    for (const [text, root] of [
      ['[]', 'array'],
      ['{}', 'object'],
      ['\uFEFF[ ]', 'array'],
      ['\uFEFF{\r\n}\r\n', 'object'],
      ['\n\t [\n\n]\n\n', 'array'],
    ] as const) {
      for (const chunks of [[text], oneByOne(text)]) {
        assert.deepEqual(split(chunks), { items: [], root }, JSON.stringify(text));
      }
    }
  });

  test('a BOM at the start is skipped; items keep their lines', () => {
    const text = '\uFEFF[\r\n  {"a": 1},\r\n\r\n  "two",\r\n  [3]\r\n]';
    assert.deepStrictEqual(split([text]).items, [
      { key: undefined, value: { a: 1 }, line: 2 },
      { key: undefined, value: 'two', line: 4 },
      { key: undefined, value: [3], line: 5 },
    ]);
    const object = '{\n"a":\t1,\n\n"b" :{"c":\n[1,\n2]},"__proto__": {"x": 1}\n}';
    const items = split(oneByOne(object)).items;
    assert.deepStrictEqual(
      items.map(({ key, line }) => [key, line]),
      [
        ['a', 2],
        ['b', 4],
        ['__proto__', 6],
      ],
    );
    // __proto__ is data, as JSON.parse reads it, and nothing is polluted.
    assert.deepStrictEqual(items[2]!.value, { x: 1 });
    assert.equal(({} as { x?: number }).x, undefined);
  });

  test('a repeated key comes out twice, in order', () => {
    assert.deepStrictEqual(
      split(['{"a": 1, "b": 2, "a": 3}']).items.map((i) => [i.key, i.value]),
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ],
    );
  });

  test('items come out as soon as they are complete, before the end', () => {
    const splitter = new JsonSplitter('x');
    assert.deepEqual(splitter.push('[1, {"a"'), [{ key: undefined, value: 1, line: 1 }]);
    assert.deepEqual(splitter.push(': [2]}'), []); // the closing ',' or ']' is not seen yet
    assert.deepEqual(splitter.push(']'), [{ key: undefined, value: { a: [2] }, line: 1 }]);
    splitter.end();
  });

  test('an element of a few MB across many chunks', () => {
    const big = { words: Array.from({ length: 200_000 }, (_, i) => `w${i}\\"`) };
    const text = `[1, ${JSON.stringify(big)}, 2]`;
    const chunks = Array.from({ length: Math.ceil(text.length / 65_536) }, (_, i) =>
      text.slice(i * 65_536, (i + 1) * 65_536),
    );
    assert.deepStrictEqual(
      split(chunks).items.map((i) => i.value),
      [1, big, 2],
    );
  });
});

describe('JsonSplitter: malformed and hostile input is refused, naming the line', () => {
  /** Input, the line the error must name, and what the message must say. */
  const cases: [string, number, RegExp][] = [
    ['[1,]', 1, /expected a value/],
    ['[\n1,\n]', 3, /expected a value/],
    ['[\n  1,\n  ,2]', 3, /expected a value/],
    ['[1 2]', 1, /JSON/],
    ['[\n1,\n2 3\n]', 3, /JSON/],
    ['{"a" 1}', 1, /expected ':' after the key "a"/],
    ['{\n\n"a" 1}', 3, /expected ':' after the key "a"/],
    ['{a:1}', 1, /expected a key \(a string in double quotes\)/],
    ['{\n"a": 1,\nb: 2}', 3, /expected a key/],
    ['{"a": 1,}', 1, /expected a key/],
    ['{"a":}', 1, /expected a value/],
    ['{"a\\x": 1}', 1, /JSON/], // a bad escape in a key
    ['[', 1, /the input ends inside the top-level array/],
    ['[\n\n', 3, /the input ends inside the top-level array/],
    ['[\n 1,\n 2\n', 4, /the input ends inside the top-level array/], // the elements are whole
    ['{"a": 1', 1, /the input ends inside the top-level object/],
    ['{\n"a"', 2, /the input ends inside the top-level object/],
    ['{"ab', 1, /the input ends inside the top-level object/], // an unterminated key
    ['', 1, /the input is empty: expected a JSON array or object/],
    ['\uFEFF', 1, /the input is empty/],
    ['42', 1, /expected a JSON array or object at the top level/],
    ['\n\n"text"', 3, /expected a JSON array or object at the top level/],
    ['{"a":1}\n{"b":2}\n', 2, /unexpected text after the top-level object/], // NDJSON given as JSON
    ['[1] x', 1, /unexpected text after the top-level array/],
    ['[1]\n\n]', 3, /unexpected text after the top-level array/],
    ['[1}', 1, /expected ',' or '\]'/],
    ['{"a": 1]', 1, /expected ',' or '\}'/],
    // An unterminated string: the element it is in starts on line 2.
    ['[\n"abc\n\n', 2, /JSON/],
    ['[1,\n"abc\\"]', 2, /JSON/],
    // An unclosed bracket inside an element swallows the rest: the line is where that element starts.
    ['[\n{"a": 1},\n{"b": [1, 2},\n{"c": 3}\n]\n', 3, /JSON/],
    ['[\n  [1, 2,\n  3\n', 2, /JSON/],
    ['{"x": 1,\n "y": {"z": [\n}\n', 2, /JSON/],
    // Brackets that close the wrong way round inside an element are JSON.parse's to refuse.
    ['[\n[1}\n]', 2, /JSON/],
    ['[tru]', 1, /JSON/],
    ['[NaN]', 1, /JSON/],
    ["['a']", 1, /JSON/],
    ['[1,\u00a02]', 1, /JSON/], // a no-break space is not JSON whitespace
  ];

  for (const [text, line, pattern] of cases) {
    test(`${JSON.stringify(text)}: line ${line}`, () => {
      let first: string | undefined;
      for (const chunks of [[text], oneByOne(text), cut(text, [1, 3, 5])]) {
        assert.throws(
          () => split(chunks, 'data.json'),
          (error: unknown) => {
            assert.ok(error instanceof CowshareError, `expected a CowshareError, got ${String(error)}`);
            assert.equal(error.code, 'UNPACKABLE');
            assert.ok(error.message.startsWith(`data.json: line ${line}: `), error.message);
            assert.match(error.message, pattern);
            // However the text is cut, the same error.
            first ??= error.message;
            assert.equal(error.message, first);
            return true;
          },
        );
      }
    });
  }

  test('an error in a value names its line even deep into a long document', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `  {"id": ${i}, "name": "n\\"${i}"}`);
    lines[4321] = '  {"id": 4321, "name": "bad" "x"}';
    const text = `[\n${lines.join(',\n')}\n]\n`;
    const chunks = cut(
      text,
      Array.from({ length: 200 }, (_, i) => i * 997),
    );
    assert.throws(
      () => split(chunks),
      (error: unknown) => error instanceof CowshareError && /^input\.json: line 4323: /.test(error.message),
    );
  });

  test('whitespace-only input is empty, not a crash', () => {
    assert.throws(() => split([' \r\n\t ']), /the input is empty/);
  });

  test('after an error, items already given stay as they were', () => {
    const splitter = new JsonSplitter('x');
    assert.deepEqual(
      splitter.push('[1, 2, ').map((i) => i.value),
      [1, 2],
    );
    assert.throws(() => splitter.push(']'), /line 1: expected a value/);
  });
});

describe('Input: every format, from any readable stream', () => {
  test('a stream whose data is there before reading starts loses none of it, and its bytes are counted', async () => {
    const texts = { json: '[{"a": 1}, 2]', ndjson: '{"a": 1}\n2\n', csv: 'a,b\n1,2\n3,4\n' } as const;
    const expected = {
      json: [{ a: 1 }, 2],
      ndjson: [{ a: 1 }, 2],
      csv: [
        { a: '1', b: '2' },
        { a: '3', b: '4' },
      ],
    };
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      const bytes = Buffer.from(texts[format]);
      for (const source of [
        Readable.from([bytes]),
        Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]),
      ]) {
        const input = new Input(source, format, 'input');
        const values: unknown[] = [];
        for await (const batch of input.batches()) for (const item of batch) values.push(item.value);
        assert.deepEqual(values, expected[format], format);
        assert.equal(input.bytes, bytes.length, format);
      }
    }
  });
});

test('Input: every refusal of csv-parse is a CowshareError naming the input and the line', async () => {
  for (const text of ['a,b\nx"y,1\n', 'a,b\n"open,2\n', 'a,b\n1,2,3\n', 'a,b\n"x"y,1\n']) {
    const input = new Input(Readable.from([Buffer.from(text)]), 'csv', 'in.csv');
    await assert.rejects(
      (async () => {
        for await (const _ of input.batches());
      })(),
      (error: unknown) =>
        error instanceof CowshareError &&
        error.code === 'UNPACKABLE' &&
        /^in\.csv: .*line 2/.test(error.message),
      JSON.stringify(text),
    );
  }
});
