// The runnable examples run to the end and say what they did: each as a child process, the way its
// npm script runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an example as `npm run example:<name>` does, and waits for it to exit. */
function runExample(name: string, args: string[] = []): Promise<Run> {
  const argv = [
    '--import',
    'tsx',
    '--import',
    './scripts/tsx-in-workers.mjs',
    `examples/${name}/main.ts`,
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      argv,
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

function assertSucceeded(run: Run): void {
  assert.equal(run.code, 0, `the example failed:\n${run.stderr}`);
}

test('worker-threads: two workers look keys up in one shared Map', async () => {
  const run = await runExample('worker-threads');
  assertSucceeded(run);
  for (const line of [
    'worker 0: France → Paris',
    'worker 0: Japan → Tokyo',
    'worker 0: Atlantis → (not in the map)',
    'worker 1: Kenya → Nairobi',
    'worker 1: Norway → Oslo',
  ]) {
    assert.ok(run.stdout.split('\n').includes(line), `missing "${line}" in:\n${run.stdout}`);
  }
  assert.match(run.stdout, /both workers read the same \d+-byte image; nothing was copied/);
});

test('batch-lookups: a pool looks batches up and every result file checks out', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cowshare-example-test-'));
  try {
    const run = await runExample('batch-lookups', ['--entries', '20000', '--threads', '2', '--out', out]);
    assertSucceeded(run);
    assert.match(run.stdout, /built a Map of 20,000 entries/);
    assert.match(run.stdout, /packed it into a [\d.]+ MiB image/);
    assert.match(
      run.stdout,
      /2 worker threads looked up 20,000 keys in 50 batches .*\([\d,]+ found, [\d,]+ not in/,
    );
    assert.match(
      run.stdout,
      /checked 50 files in \d+ ms: 20,000 lines, [1-9][\d,]* spot-checked against the Map/,
    );
    assert.ok(run.stdout.includes(`ok: the results are in ${out}`), run.stdout);
    assert.match(run.stderr, /50\/50 batches/, 'progress on stderr');
    const files = readdirSync(out);
    assert.equal(files.length, 50);
    assert.ok(
      files.every((f) => /^batch-\d{5}\.tsv$/.test(f)),
      'no partial files are left',
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('batch-lookups: a bad option is a usage error (exit code 2)', async () => {
  const run = await runExample('batch-lookups', ['--entries', 'many']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--entries must be a positive integer, got many/);
  assert.match(run.stderr, /usage:/);
});

test('cluster-server: cluster workers answer lookups over HTTP from one mapped image, and from JSON', async () => {
  const data = mkdtempSync(join(tmpdir(), 'cowshare-example-test-'));
  try {
    for (const mode of ['cowshare', 'json']) {
      const args = ['--mode', mode, '--workers', '2', '--entries', '20000', '--data', data];
      const run = await runExample('cluster-server', args);
      assertSucceeded(run);
      assert.match(
        run.stdout,
        new RegExp(`mode ${mode}: 2 workers serving .*20000\\.${mode === 'json' ? 'json' : 'cow'}`),
      );
      assert.match(run.stdout, /checked 2,000 answers over HTTP in \d+ ms: all correct/);
      assert.match(run.stdout, /worker 2: PSS [\d.]+ MiB/);
      assert.match(run.stdout, /workers' memory in all: PSS [\d.]+ MiB/);
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('backtracking-search: the forked and the deep-copied DPLL find the same satisfying assignment', async () => {
  const run = await runExample('backtracking-search', ['--vars', '400', '--ratio', '3.2', '--seed', '7']);
  assertSucceeded(run);
  assert.match(run.stdout, /instance: 400 variables, 1,280 clauses/);
  // The example checks the assignment against every clause itself, and exits non-zero otherwise.
  assert.match(run.stdout, /fork \(cowshare\) +\d+ ms +171 decisions, 1 conflicts; every clause satisfied/);
  assert.match(
    run.stdout,
    /deep copy \(structuredClone\) +\d+ ms +171 decisions, 1 conflicts; every clause satisfied/,
  );
  assert.match(run.stdout, /same assignment both ways/);
});
