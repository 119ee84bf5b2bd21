// `cowshare inspect`, `get` and `verify` on real image files, through the real binary (bin/cowshare.js,
// which runs the build in dist/; `npm test` builds first) in child processes: output checked against
// values the test computes itself, exit codes 0 / 1 / 2, bad arguments and bad files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeImage } from '../src/node/index.js';

const BIN = new URL('../bin/cowshare.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cowshare-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cowshare(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status, stdout, stderr };
}

/** The value of the test file, and the JSON `get` must print for it (written out by hand). */
const value = () => ({
  users: [
    { name: 'ada', tags: ['admin'] },
    { name: 'bob', tags: [] },
  ],
  'a.b': { c: 1 },
  map: new Map<unknown, unknown>([
    ['k', 1],
    [2, 'two'],
  ]),
  words: new Map([['x/y', { '~': true }]]),
  big: 2n ** 70n,
  when: new Date(0),
  pattern: /x+/g,
  set: new Set([1, 'one']),
  bytes: Uint8Array.of(1, 2, 3),
  nothing: undefined,
  proto: JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
});
const expectedJson = {
  users: [
    { name: 'ada', tags: ['admin'] },
    { name: 'bob', tags: [] },
  ],
  'a.b': { c: 1 },
  map: [
    ['k', 1],
    [2, 'two'],
  ],
  words: { 'x/y': { '~': true } },
  big: '1180591620717411303424',
  when: '1970-01-01T00:00:00.000Z',
  pattern: '/x+/g',
  set: [1, 'one'],
  bytes: [1, 2, 3],
  nothing: null,
  proto: JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
};

const file = join(dir, 'data.cow');
const ready = writeImage(file, value());

describe('cowshare get', () => {
  test('the whole root, and its parts by dotted path, brackets and JSON pointer', async () => {
    await ready;
    const whole = cowshare('get', file);
    assert.equal(whole.status, 0, whole.stderr);
    assert.deepEqual(JSON.parse(whole.stdout), expectedJson);
    const cases: [string, unknown][] = [
      ['users.1.name', 'bob'],
      ['users[1].name', 'bob'],
      ['users.0.tags', ['admin']],
      ['/a.b/c', 1],
      ['/words/x~1y/~0', true],
      ['map.k', 1],
      ['map.2', 'two'], // a numeric step tries the number key
      ['bytes.2', 3],
      ['proto.__proto__.polluted', true], // a key named __proto__ is data
    ];
    for (const [path, expected] of cases) {
      const result = cowshare('get', file, path);
      assert.equal(result.status, 0, `${path}: ${result.stderr}`);
      assert.deepEqual(JSON.parse(result.stdout), expected, path);
    }
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('--compact prints one line; the default is indented', async () => {
    await ready;
    assert.equal(cowshare('get', file, 'users.0', '--compact').stdout, '{"name":"ada","tags":["admin"]}\n');
    assert.match(cowshare('get', file, 'users.0').stdout, /^\{\n {2}"name": "ada",/);
  });

  test('a path that does not exist: exit 1, naming the deepest part that does', async () => {
    await ready;
    const cases: [string, RegExp][] = [
      ['nope', /'nope' does not exist: the root has no key 'nope'/],
      ['users.2', /'users' \(an array of 2\) has no index 2/],
      ['users.0.name.first', /'users.0.name' is string, which has no 'first'/],
      ['users.length', /has no index length/],
      ['users.0.constructor', /'users.0' has no key 'constructor'/], // never a prototype's property
      ['map.nope', /'map' \(a Map of 2\) has no key 'nope'/],
      ['set.0', /'set' is a Set/],
      ['/a.b/d', /'a.b' has no key 'd'/],
    ];
    for (const [path, pattern] of cases) {
      const result = cowshare('get', file, path);
      assert.equal(result.status, 1, path);
      assert.match(result.stderr, pattern, path);
      assert.equal(result.stdout, '', path);
    }
  });

  test('bad arguments exit 2 with the usage', () => {
    for (const args of [[], [file, 'a', 'b'], [file, 'a..b'], [file, '--depth=3']]) {
      const result = cowshare('get', ...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /Usage: cowshare get/, args.join(' '));
    }
  });

  test('a cycle cannot be printed as JSON: exit 1 naming where', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = { back: cyclic };
    const path = join(dir, 'cycle.cow');
    await writeImage(path, cyclic);
    const result = cowshare('get', path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /\$\.self\.back: a cycle, which JSON cannot show/);
    assert.deepEqual(JSON.parse(cowshare('get', path, 'name').stdout), 'loop');
  });
});

describe('cowshare verify', () => {
  test('a sound file: exit 0; a damaged one: exit 1 with the problem and the file', async () => {
    await ready;
    const sound = cowshare('verify', file);
    assert.equal(sound.status, 0, sound.stderr);
    assert.match(sound.stdout, /data\.cow: sound \(.* in 1 segment, checked in/);
    const json = JSON.parse(cowshare('verify', file, '--json').stdout);
    assert.deepEqual(
      { ...json, ms: 0 },
      { file, ok: true, bytes: readFileSync(file).length, segments: 1, ms: 0 },
    );

    const damaged = join(dir, 'damaged.cow');
    const bytes = readFileSync(file);
    bytes.fill(0, 72, bytes.length - 8); // zero every slot after the header: references to nothing
    writeFileSync(damaged, bytes);
    const bad = cowshare('verify', damaged);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^cowshare verify: .*damaged\.cow: /);
    const badJson = JSON.parse(cowshare('verify', damaged, '--json').stdout);
    assert.equal(badJson.ok, false);
    assert.equal(badJson.code, 'CORRUPT');
  });

  test('missing, truncated and non-image files: exit 1 with a clear message', async () => {
    await ready;
    const truncated = join(dir, 'truncated.cow');
    writeFileSync(truncated, readFileSync(file).subarray(0, 100));
    const json = join(dir, 'input.json');
    writeFileSync(json, '{"a": 1}');
    const fifo = join(dir, 'fifo.cow');
    execFileSync('mkfifo', [fifo]); // with no writer: opening it to read would wait for one
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.cow'), /missing\.cow: cannot open: no such file/],
      [truncated, /truncated\.cow: truncated: the image records/],
      [json, /input\.json: not a cowshare image \(it looks like JSON/],
      [dir, /is a directory/],
      [fifo, /fifo\.cow: not a regular file/],
    ];
    for (const [path, pattern] of cases) {
      for (const command of ['verify', 'inspect', 'get']) {
        const result = cowshare(command, path);
        assert.equal(result.status, 1, `${command} ${path}`);
        assert.match(result.stderr, pattern, `${command} ${path}`);
      }
    }
  });

  test('bad arguments exit 2', () => {
    assert.equal(cowshare('verify').status, 2);
    assert.equal(cowshare('verify', 'a', 'b').status, 2);
    assert.equal(cowshare('verify', '--fast', 'a').status, 2);
  });
});

describe('cowshare inspect', () => {
  test('counts nodes, shapes and interning as the test computes them', async () => {
    // 300 records of one shape; 10 distinct names, each used 30 times; 300 distinct ids as numbers.
    const records = Array.from({ length: 300 }, (_, i) => ({ id: i + 0.5, name: `name ${i % 10}` }));
    const path = join(dir, 'records.cow');
    await writeImage(path, records);
    const result = cowshare('inspect', path, '--json');
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.bytes, readFileSync(path).length);
    assert.equal(report.format, '1.0');
    assert.deepEqual(report.root, { type: 'Array', size: 300 });
    assert.deepEqual(report.nodes, { OBJECT: 300, FLOAT64: 300, STRING_ASCII: 10, ARRAY: 1 });
    assert.equal(report.shapes, 1);
    // "name N" is 6 ASCII bytes: a 4-byte header and 8 bytes of characters and padding.
    assert.deepEqual(report.strings, { nodes: 10, bytes: 120, references: 300, bytesWithoutInterning: 3600 });

    const text = cowshare('inspect', path);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^root {6}Array, 300 items$/m);
    assert.match(text.stdout, /^strings {3}10 stored for 300 references: 120 B, 3\.60 kB without interning/m);
  });

  test('the root of a Map and of an object: type, size and first keys', async () => {
    await ready;
    const report = JSON.parse(cowshare('inspect', file, '--json').stdout);
    assert.deepEqual(report.root, {
      type: 'Object',
      size: 11,
      keys: ['users', 'a.b', 'map', 'words', 'big', 'when', 'pattern', 'set'],
    });
    const mapPath = join(dir, 'map.cow');
    await writeImage(mapPath, new Map(Array.from({ length: 20 }, (_, i) => [`key${i}`, i])));
    const map = JSON.parse(cowshare('inspect', mapPath, '--json').stdout);
    assert.deepEqual(map.root, {
      type: 'Map',
      size: 20,
      keys: Array.from({ length: 8 }, (_, i) => `key${i}`),
    });
  });
});
