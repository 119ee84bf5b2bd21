// `cowshare pack` through the real binary (bin/cowshare.js, which runs the build in dist/; `npm test`
// builds first) in child processes: JSON arrays and objects, NDJSON (blank lines, CRLF) and CSV (quoted
// cells with commas, quotes and line ends, a BOM, a column named __proto__, --typed), from files and
// from standard input, with and without --key. Each output is opened by the test with openFile and
// compared with an expectation of its own: JSON.parse of the input, or values written out by hand for
// CSV. Malformed and hostile inputs exit 1 naming the line, and leave nothing under the output name and
// no temporary file beside it; bad command lines exit 2 with the usage.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadImage, openFile, toJS, verify } from '../src/node/index.js';
import { assertSameAsClone } from './support/equal.js';

const BIN = new URL('../bin/cowshare.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'cowshare-cli-pack-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirNumber = 0;
/** A fresh directory per case: what it holds afterwards is exactly what the command left. */
function workdir(): string {
  const dir = join(root, `case-${++dirNumber}`);
  mkdirSync(dir);
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cowshare(args: readonly string[], input?: string | Buffer): Run {
  const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] } : { input }),
  });
  return { status, stdout, stderr };
}

/** Writes `content` to `name` in a fresh directory and packs it with `args`; the output is out.cow there. */
function packFile(name: string, content: string | Buffer, ...args: string[]) {
  const dir = workdir();
  const input = join(dir, name);
  const output = join(dir, 'out.cow');
  writeFileSync(input, content);
  return { ...cowshare(['pack', input, '-o', output, ...args]), dir, input, output };
}

/** The packed file, read back whole: verified, then copied out with toJS. */
function packed(output: string): unknown {
  verify(loadImage(output, { backing: 'read' }));
  return toJS(openFile(output));
}

/** A plain object built as JSON.parse builds one: `__proto__` is an own data property. */
function record(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/** `items` → `item`, `entries` → `entry`: the summary counts one thing in the singular. */
const singular = (noun: string): string =>
  noun.endsWith('ies') ? `${noun.slice(0, -3)}y` : noun.slice(0, -1);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The summary line on stdout: `<out>: N items from B B of <format> in …: B in S segment(s)[, K keys came again …]`. */
function assertSummary(
  run: Run,
  output: string,
  {
    count,
    noun = 'items',
    bytes,
    format,
    again,
  }: { count: number; noun?: string; bytes: number; format: string; again?: number },
): void {
  assert.equal(run.status, 0, run.stderr);
  const size = bytes >= 1000 ? '[\\d.]+ kB' : `${bytes} B`;
  const tail = again === undefined ? '' : `, ${again} keys came again \\(the last record kept\\)`;
  assert.match(
    run.stdout,
    new RegExp(
      `^${escapeRegExp(output)}: ${count} ${count === 1 ? singular(noun) : noun} from ${size} of ${format} in [\\d.]+ m?s \\([^)]+/s\\): [\\d.]+ [kMG]?B in \\d+ segments?${tail}\\n$`,
    ),
  );
}

/** A failed pack: exit 1, the message on stderr, nothing on stdout, no output and no temporary file. */
function assertRefused(run: Run & { dir: string }, pattern: RegExp, keep: string[] = []): void {
  assert.equal(run.status, 1, `exit ${run.status}: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const last = run.stderr.trimEnd().split('\n').at(-1)!;
  assert.match(last, /^cowshare pack: /);
  assert.match(last, pattern);
  assert.deepEqual(readdirSync(run.dir).sort(), keep.sort(), 'left in the directory');
}

describe('cowshare pack: what is packed is what the input says', () => {
  test('a JSON array: every JSON value, -0, a lone surrogate, __proto__; summary and progress', () => {
    const text = `[
  {"name": "ada", "tags": ["admin"], "__proto__": {"polluted": true}},
  -0, 1e300, 0.1, -12345678901234567890, true, false, null,
  "", "é日本😀", "\\ud800 alone", "tab\\tquote\\"backslash\\\\",
  [], {}, [[[]]], {"a": {"b": {"c": [1, {"d": null}]}}}
]
`;
    const run = packFile('data.json', text);
    assertSummary(run, run.output, { count: 16, bytes: Buffer.byteLength(text), format: 'json' });
    // Progress on stderr (not a terminal: plain lines), with the input's size.
    assert.match(
      run.stderr,
      new RegExp(
        `^ {2}\\[[#·]+\\] +\\d+% {2}${Buffer.byteLength(text)} B of ${Buffer.byteLength(text)} B, \\d+ records, `,
      ),
    );
    assertSameAsClone(packed(run.output), JSON.parse(text));
    assert.deepEqual(readdirSync(run.dir).sort(), ['data.json', 'out.cow']);
  });

  test('a JSON object: keys in JSON.parse order (indices first), a repeated key keeps its place and its last value', () => {
    const text =
      '{"b": 1, "2": "two", "__proto__": {"x": 1}, "1": "one", "b": [3], "01": "name", "": "empty"}';
    const run = packFile('object.JSON', text); // the extension in any case
    const expected = JSON.parse(text);
    assertSummary(run, run.output, { count: 6, bytes: text.length, format: 'json', again: 1 });
    const view = openFile<Record<string, unknown>>(run.output);
    assert.deepEqual(Object.keys(view), ['1', '2', 'b', '__proto__', '01', '']);
    assert.deepEqual(Object.keys(view), Object.keys(expected));
    assert.equal(JSON.stringify(view), JSON.stringify(expected));
    assertSameAsClone(packed(run.output), expected);
    assert.equal(({} as { x?: number }).x, undefined);
  });

  test('an empty array and an empty object', () => {
    assertSameAsClone(packed(packFile('a.json', '[]').output), []);
    assertSameAsClone(packed(packFile('o.json', ' {\n}\n').output), {});
  });

  test('NDJSON: blank lines and whitespace lines skipped, CRLF line ends, no final newline', () => {
    const lines = ['{"a": 1}', '', '  ', '[1, "two", null]', '"text"', '\t', '-0', '{"__proto__": 5}', '3.5'];
    const text = lines.join('\r\n');
    for (const name of ['lines.ndjson', 'lines.jsonl']) {
      const run = packFile(name, text);
      assertSummary(run, run.output, { count: 6, bytes: text.length, format: 'ndjson' });
      const expected = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
      assertSameAsClone(packed(run.output), expected);
    }
  });

  test('NDJSON of a few MB (several chunks and items that straddle them)', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => ({ id: i, text: `line ${i} é`.repeat(8) }));
    const text = `${values.map((v) => JSON.stringify(v)).join('\n')}\n`;
    const run = packFile('big.ndjson', text);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /: 40,000 items from [\d.]+ MB of ndjson/);
    assertSameAsClone(packed(run.output), values);
  });

  // A CSV with a BOM, CRLF line ends, quoted cells holding commas, doubled quotes and line ends,
  // an empty line, and a column named __proto__.
  const csv =
    '\uFEFFname,note,__proto__,n,flag\r\n' +
    '"Ada, Countess","said ""hi""\nthen left",x,1,true\r\n' +
    'Bob,,"{""polluted"":true}",2.50,false\r\n' +
    '\r\n' +
    '"multi\r\nline",plain,,-0,TRUE\r\n' +
    'Eve, spaced ,null,007,\r\n' +
    'Zed,e,1e3,-1.5E-2,0x10\r\n';
  const columns = ['name', 'note', '__proto__', 'n', 'flag'];
  const rows: string[][] = [
    ['Ada, Countess', 'said "hi"\nthen left', 'x', '1', 'true'],
    ['Bob', '', '{"polluted":true}', '2.50', 'false'],
    ['multi\r\nline', 'plain', '', '-0', 'TRUE'],
    ['Eve', ' spaced ', 'null', '007', ''],
    ['Zed', 'e', '1e3', '-1.5E-2', '0x10'],
  ];
  const typedRows: unknown[][] = [
    ['Ada, Countess', 'said "hi"\nthen left', 'x', 1, true],
    ['Bob', null, '{"polluted":true}', 2.5, false],
    ['multi\r\nline', 'plain', null, -0, 'TRUE'],
    ['Eve', ' spaced ', 'null', '007', null],
    ['Zed', 'e', 1000, -0.015, '0x10'],
  ];
  const objects = (table: unknown[][]) => table.map((row) => record(columns.map((c, i) => [c, row[i]])));

  test('CSV: a header, then an object per row; every cell a string', () => {
    const run = packFile('table.csv', csv);
    assertSummary(run, run.output, { count: 5, bytes: Buffer.byteLength(csv), format: 'csv' });
    assertSameAsClone(packed(run.output), objects(rows));
    const first = openFile<Record<string, unknown>[]>(run.output)[0]!;
    assert.deepEqual(Object.keys(first), columns);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('CSV --typed: JSON numbers, true and false, and empty cells as null; everything else stays text', () => {
    const run = packFile('table.csv', csv, '--typed');
    assert.equal(run.status, 0, run.stderr);
    assertSameAsClone(packed(run.output), objects(typedRows));
  });

  test('CSV: a header only, and an empty file, give an empty array', () => {
    assertSameAsClone(packed(packFile('header.csv', 'a,b\r\n').output), []);
    assertSameAsClone(packed(packFile('empty.csv', '').output), []);
    assertSameAsClone(packed(packFile('empty.ndjson', '').output), []);
  });

  test('--key builds a Map: the last record of a key wins, at the first place; the summary counts them', () => {
    const text = [
      '{"id": "a", "v": 1}',
      '{"id": 1, "v": 2}',
      '{"id": "1", "v": 3}', // a string is not the number
      '{"id": "a", "v": 4}',
      '{"id": 2.5, "v": 5}',
      '{"id": -0, "v": 6}', // the key 0, as Map#set makes it
      '{"id": 1, "v": 7}',
      '{"id": 0, "v": 8}',
      '{"v": 9, "id": ""}',
      '',
    ].join('\n');
    const run = packFile('records.ndjson', text, '--key', 'id');
    assertSummary(run, run.output, {
      count: 6,
      noun: 'entries',
      bytes: text.length,
      format: 'ndjson',
      again: 3,
    });
    const expected = new Map<unknown, unknown>([
      ['a', { id: 'a', v: 4 }],
      [1, { id: 1, v: 7 }],
      ['1', { id: '1', v: 3 }],
      [2.5, { id: 2.5, v: 5 }],
      [0, { id: 0, v: 8 }],
      ['', { v: 9, id: '' }],
    ]);
    const view = openFile<ReadonlyMap<unknown, unknown>>(run.output);
    assertSameAsClone(toJS(view), expected);
    assert.ok(Object.is([...view.keys()][4], 0));
    assert.deepEqual(toJS(view.get(1)), { id: 1, v: 7 });
  });

  test('--key over a JSON array, a JSON object (its own keys are dropped) and a typed CSV', () => {
    const array = '[{"k": "x", "n": 1}, {"k": "y", "n": 2}, {"k": "x", "n": 3}]';
    const fromArray = packFile('a.json', array, '--key', 'k');
    assertSummary(fromArray, fromArray.output, {
      count: 2,
      noun: 'entries',
      bytes: array.length,
      format: 'json',
      again: 1,
    });
    assertSameAsClone(
      packed(fromArray.output),
      new Map([
        ['x', { k: 'x', n: 3 }],
        ['y', { k: 'y', n: 2 }],
      ]),
    );
    const object = '{"first": {"k": 10}, "second": {"k": "10"}}';
    assertSameAsClone(
      packed(packFile('o.json', object, '--key', 'k').output),
      new Map<unknown, unknown>([
        [10, { k: 10 }],
        ['10', { k: '10' }],
      ]),
    );
    const table = 'id,name\r\n7,seven\r\n007,leading\r\n7,again\r\n';
    const typed = packFile('t.csv', table, '--key', 'id', '--typed');
    assertSummary(typed, typed.output, {
      count: 2,
      noun: 'entries',
      bytes: table.length,
      format: 'csv',
      again: 1,
    });
    assertSameAsClone(
      packed(typed.output),
      new Map<unknown, unknown>([
        [7, { id: 7, name: 'again' }],
        ['007', { id: '007', name: 'leading' }],
      ]),
    );
  });

  test('standard input with - and --format: every format; progress without a total', () => {
    const cases: [string, string, number, unknown][] = [
      ['json', '[1, {"a": [2]}]', 2, [1, { a: [2] }]],
      ['json', '{"z": 1, "a": 2}', 2, { z: 1, a: 2 }],
      ['ndjson', '1\r\n\r\n"two"\r\n', 2, [1, 'two']],
      ['csv', 'a,b\n1,"x,y"\n', 1, [{ a: '1', b: 'x,y' }]],
    ];
    for (const [format, input, count, expected] of cases) {
      const dir = workdir();
      const output = join(dir, 'stdin.cow');
      const run = cowshare(['pack', '-', '--format', format, '-o', output], input);
      assertSummary(run, output, { count, bytes: input.length, format });
      assert.match(run.stderr, new RegExp(`^ {2}${input.length} B, \\d+ records, `));
      assertSameAsClone(packed(output), expected);
    }
  });

  test('the output replaces an existing file', () => {
    const run = packFile('x.json', '[1]');
    writeFileSync(run.output, 'old');
    assert.equal(cowshare(['pack', run.input, '--output', run.output]).status, 0);
    assertSameAsClone(packed(run.output), [1]);
  });
});

describe('cowshare pack: bad input exits 1 naming the line, and leaves nothing behind', () => {
  /** Lines of good NDJSON, enough that the output file is being written when the bad one comes. */
  const good = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i}` }));

  test('a malformed NDJSON line N: exit 1 with "line N"; no output, no .tmp; an older output stays', () => {
    for (const [bad, message] of [
      ['{"id": 1,}', /JSON/],
      ['{"id": 1} {"id": 2}', /JSON/],
      ["{'id': 1}", /JSON/],
      ['[1, 2', /JSON/],
    ] as const) {
      const lines = [...good.slice(0, 3000), bad, ...good.slice(3000)];
      const run = packFile('data.ndjson', `${lines.join('\n')}\n`);
      assertRefused(run, new RegExp(`data\\.ndjson: line 3001: .*${message.source}`), ['data.ndjson']);
    }
    // With CRLF and blank lines, the count is of lines as an editor shows them.
    const crlf = packFile('crlf.ndjson', '1\r\n\r\n2\r\n   \r\nnope\r\n3\r\n');
    assertRefused(crlf, /crlf\.ndjson: line 5: /, ['crlf.ndjson']);

    const dir = workdir();
    const input = join(dir, 'in.ndjson');
    const output = join(dir, 'out.cow');
    writeFileSync(input, `${good.join('\n')}\nnot json\n`);
    writeFileSync(output, 'the old output');
    assertRefused({ ...cowshare(['pack', input, '-o', output]), dir }, /line 5001: /, [
      'in.ndjson',
      'out.cow',
    ]);
    assert.equal(readFileSync(output, 'utf8'), 'the old output');
  });

  test('malformed JSON: the line where the bad element starts', () => {
    const cases: [string, RegExp][] = [
      ['[\n{"a": 1},\n{"a": tru},\n{"a": 3}\n]', /line 3: .*JSON/],
      ['[\n{"a": 1},\n{"a": [1, 2},\n{"a": 3}\n]\n', /line 3: .*JSON/], // an unclosed bracket swallows the rest
      ['[\n1,\n2,\n]', /line 4: expected a value/],
      ['[\n1,\n2\n', /line 4: the input ends inside the top-level array/],
      ['{\n"a": 1,\nb: 2}', /line 3: expected a key/],
      ['\n\n42', /line 3: expected a JSON array or object at the top level/],
      ['{"a":1}\n{"a":2}\n', /line 2: unexpected text after the top-level object/],
      ['', /line 1: the input is empty/],
    ];
    for (const [text, pattern] of cases) {
      const run = packFile('bad.json', `${text}`);
      assertRefused(run, new RegExp(`bad\\.json: ${pattern.source}`), ['bad.json']);
    }
    // Bad elements after many good ones: the output was being written, and is removed.
    const many = `[\n${good.join(',\n')},\n{"id": 5000, "text": "unterminated}\n]\n`;
    assertRefused(packFile('many.json', many), /many\.json: line 5002: /, ['many.json']);
  });

  test('nesting past 1000 levels: one line naming the line and column, in JSON and NDJSON', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // A value of 10^6 levels (JSON.parse reads it; packing it would overflow the stack).
    const deep = nested(1_000_000);
    for (const [name, content] of [
      ['deep.ndjson', `1\n  ${deep}\n`],
      ['deep.json', `[1,\n  ${deep}]`],
    ] as const) {
      const run = packFile(name, content);
      assertRefused(
        run,
        new RegExp(`${escapeRegExp(name)}: line 2, column 1003: nested deeper than 1000 levels$`),
        [name],
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
    // A string full of brackets nests nothing.
    const text = JSON.stringify('['.repeat(5000));
    // 1000 levels are packed: the root is one, the element 999 more.
    for (const [name, content] of [
      ['ok.json', `[${nested(999)}, ${text}]`],
      ['ok.ndjson', `${nested(1000)}\n${text}\n`],
    ] as const) {
      const run = packFile(name, content);
      assert.equal(run.status, 0, run.stderr);
      assertSameAsClone(
        packed(run.output),
        name.endsWith('.ndjson')
          ? content
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l))
          : JSON.parse(content),
      );
    }
    assert.match(cowshare(['pack', '--help']).stdout, /nest up to 1000 levels/);
  });

  test('a number beyond the range of a double (JSON.parse reads 1e400 as Infinity) is refused with its line', () => {
    const cases: [string, string, RegExp][] = [
      [
        'big.ndjson',
        '{"a": 1}\n{"a": [2, 1e400]}\n',
        /big\.ndjson: line 2: \$\[1\]\.a\[1\]: Infinity: a number out of range/,
      ],
      [
        'big.json',
        '[\n{"a": 1},\n{"b": -1e999}\n]',
        /big\.json: line 3: \$\[1\]\.b: -Infinity: a number out of range/,
      ],
      ['big.csv', 'x,y\n1,2\n3,1e400\n', /big\.csv: line 3: \$\[1\]\.y: Infinity: a number out of range/],
    ];
    for (const [name, content, pattern] of cases) {
      assertRefused(packFile(name, content, ...(name.endsWith('.csv') ? ['--typed'] : [])), pattern, [name]);
    }
    // Without --typed a CSV cell is text; 1e308 is in range.
    assert.equal(packFile('text.csv', 'x\n1e400\n').status, 0);
    const run = packFile('fine.ndjson', '1e308\n-1e-400\n');
    assert.equal(run.status, 0, run.stderr);
    assertSameAsClone(packed(run.output), [1e308, -0]);
  });

  test('CSV: a row with the wrong number of cells, a header with a column twice', () => {
    const long = `id,name\n${Array.from({ length: 3000 }, (_, i) => `${i},n${i}`).join('\n')}\n3000,x,extra\n`;
    assertRefused(
      packFile('long.csv', long),
      /long\.csv: .*Invalid Record Length: expect 2, got 3 on line 3002/,
      ['long.csv'],
    );
    assertRefused(packFile('short.csv', 'a,b,c\n1,2,3\n4,5\n'), /short\.csv: .*on line 3/, ['short.csv']);
    assertRefused(
      packFile('dup.csv', 'a,b,a\n1,2,3\n'),
      /dup\.csv: line 1: the column 'a' appears twice in the header/,
      ['dup.csv'],
    );
    assertRefused(packFile('quote.csv', 'a,b\n"open,2\n'), /quote\.csv: /, ['quote.csv']);
  });

  test('invalid UTF-8 is refused in every format, not replaced', () => {
    const bad = Buffer.from([0xff, 0xfe, 0xc3]);
    const cases: [string, Buffer][] = [
      ['bad.json', Buffer.concat([Buffer.from('["ok", "x'), bad, Buffer.from('"]')])],
      ['bad.ndjson', Buffer.concat([Buffer.from('"ok"\n"x'), bad, Buffer.from('"\n')])],
      ['bad.csv', Buffer.concat([Buffer.from('a,b\nok,x'), bad, Buffer.from('\n')])],
      // A character cut short by the end of the input.
      ['cut.ndjson', Buffer.concat([Buffer.from('"ok"\n"'), Buffer.from([0xe6, 0x97])])],
    ];
    for (const [name, bytes] of cases) {
      assertRefused(packFile(name, bytes), new RegExp(`${escapeRegExp(name)}: not valid UTF-8 text`), [name]);
    }
  });

  test('--key: a record without the field, with an object, null or boolean key, or not an object', () => {
    const cases: [string, RegExp][] = [
      ['{"id": "a"}\n{"name": "b"}', /line 2: the record has no key field 'id'/],
      [
        '{"id": "a"}\n\n{"id": {"x": 1}}',
        /line 3: the key field 'id' is object; keys must be strings or numbers/,
      ],
      ['{"id": null}', /line 1: the key field 'id' is null/],
      ['{"id": true}', /line 1: the key field 'id' is boolean/],
      ['{"id": [1]}', /line 1: the key field 'id' is object/],
      ['{"id": 1}\n[1, 2]', /line 2: --key needs records that are objects, got an array/],
      ['{"id": 1}\n7', /line 2: --key needs records that are objects, got number/],
      ['null', /line 1: --key needs records that are objects, got null/],
      // Inherited properties are not fields.
      ['{"id": 1}\n{"toString": 1}', /line 2: the record has no key field 'id'/],
    ];
    for (const [text, pattern] of cases) {
      assertRefused(
        packFile('keys.ndjson', text, '--key', 'id'),
        new RegExp(`keys\\.ndjson: ${pattern.source}`),
        ['keys.ndjson'],
      );
    }
    assertRefused(
      packFile('proto.ndjson', '{"a": 1}', '--key', 'constructor'),
      /line 1: the record has no key field 'constructor'/,
      ['proto.ndjson'],
    );
  });

  test('a missing input file, a directory, an output directory that does not exist: exit 1 naming the file', () => {
    const dir = workdir();
    const missing = cowshare(['pack', join(dir, 'missing.json'), '-o', join(dir, 'out.cow')]);
    assertRefused({ ...missing, dir }, /missing\.json: cannot open: no such file$/);
    mkdirSync(join(dir, 'folder.json'));
    const folder = cowshare(['pack', join(dir, 'folder.json'), '-o', join(dir, 'out.cow')]);
    assertRefused({ ...folder, dir }, /folder\.json: .*is a directory/, ['folder.json']);
    const input = join(dir, 'in.json');
    writeFileSync(input, '[1, 2]');
    const nowhere = cowshare(['pack', input, '-o', join(dir, 'nope', 'out.cow')]);
    // The output is named, and only it: the input is not what failed.
    assertRefused({ ...nowhere, dir }, /^cowshare pack: \S*nope\/out\.cow: cannot write: no such file$/, [
      'folder.json',
      'in.json',
    ]);
  });

  test('bad command lines exit 2 with the usage, and touch nothing', () => {
    const dir = workdir();
    const input = join(dir, 'data.txt');
    const json = join(dir, 'data.json');
    writeFileSync(input, '[1]');
    writeFileSync(json, '[1]');
    const out = join(dir, 'out.cow');
    const cases: [string[], RegExp][] = [
      [[input, '-o', out], /cannot tell the format of '.*data\.txt': give --format/],
      [['-', '-o', out], /cannot tell the format of standard input: give --format/],
      [[json], /missing -o <out\.cow>/],
      [[json, '-o', ''], /missing -o <out\.cow>/],
      [[json, '-o', out, '--format', 'yaml'], /--format must be json, ndjson or csv, got 'yaml'/],
      [[json, 'extra', '-o', out], /unexpected argument 'extra'/],
      [['-o', out], /missing <input>/],
      [[json, '-o', out, '--fast'], /Unknown option '--fast'/],
      [[json, '-o', out, '--key'], /argument missing/],
    ];
    for (const [args, pattern] of cases) {
      const run = cowshare(['pack', ...args]);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, pattern, args.join(' '));
      assert.match(run.stderr, /Usage: cowshare pack <input\|-> -o <out\.cow>/, args.join(' '));
    }
    assert.deepEqual(readdirSync(dir).sort(), ['data.json', 'data.txt']);
    const help = cowshare(['pack', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: cowshare pack/);
  });
});
