// The `cowshare` command from source, in child processes: exit codes, usage, and `demo` end to end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

const CLI = new URL('./support/cli.ts', import.meta.url).pathname;

function cowshare(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', './scripts/tsx-in-workers.mjs', CLI, ...args],
    { encoding: 'utf8', timeout: 120_000 },
  );
  return { status, stdout, stderr };
}

describe('cowshare command', () => {
  test('no command: usage on stderr, exit 2; --help: usage on stdout, exit 0', () => {
    const none = cowshare();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /Usage: cowshare <command>/);
    const help = cowshare('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /demo\s+share a synthetic dictionary/);
  });

  test('unknown command and unknown option: exit 2 with the reason and the usage', () => {
    const unknown = cowshare('frobnicate');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const option = cowshare('demo', '--entires', '5');
    assert.equal(option.status, 2);
    assert.match(option.stderr, /--entires/);
    assert.match(option.stderr, /Usage: cowshare demo/);
  });

  test('demo refuses bad numbers with exit 2', () => {
    for (const bad of ['0', '-3', '1.5', 'many', '1e3', '']) {
      const result = cowshare('demo', `--workers=${bad}`);
      assert.equal(result.status, 2, bad);
      assert.match(result.stderr, /--workers must be an integer from 1 to 256/, bad);
    }
    const huge = cowshare('demo', '--entries', '99999999999');
    assert.equal(huge.status, 2);
  });

  test('demo --help', () => {
    const result = cowshare('demo', '--help');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--entries N/);
  });

  test('demo --json: both modes give the same answers as a native Map', async () => {
    const { buildDictionary, combine, lookUp } = await import('../src/cli/demo-data.js');
    const entries = 30_000;
    const lookups = 50_000;
    const result = cowshare(
      'demo',
      '--entries',
      `${entries}`,
      '--workers',
      '2',
      '--lookups',
      `${lookups}`,
      '--json',
    );
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      sameAnswers: boolean;
      results: { mode: string; answer: { found: number; checksum: number }; readyMs: number; rss: number }[];
    };
    assert.equal(report.sameAnswers, true);
    assert.deepEqual(
      report.results.map((r) => r.mode),
      ['workerData', 'cowshare'],
    );
    // The expected answer, computed here with a native Map in the same batches the demo uses.
    const dictionary = buildDictionary(entries);
    const batches = [];
    for (let seed = 1; seed <= lookups; seed += 20_000) {
      batches.push(lookUp(dictionary, { entries, seed, count: Math.min(20_000, lookups - seed + 1) }));
    }
    const expected = combine(batches);
    for (const r of report.results) {
      assert.deepEqual(r.answer, expected, r.mode);
      assert.ok(r.rss > 0 && r.readyMs > 0, r.mode);
    }
    assert.match(result.stderr, /cowshare image: ready in/);
  });

  test('demo prints the table with ratios', () => {
    const result = cowshare('demo', '--entries', '5000', '--workers', '1', '--lookups', '5000');
    assert.equal(result.status, 0, result.stderr);
    for (const row of ['pack', 'workers ready', 'memory (RSS)', 'memory (PSS)', 'lookups per second']) {
      assert.match(result.stdout, new RegExp(`^${row.replace(/[()]/g, '\\$&')}\\s`, 'm'), row);
    }
    assert.match(result.stdout, /Both found [\d,]+ of 5,000 keys with the same checksum/);
  });
});
