// Runs every test file through node:test with tsx. Node 20's test runner does not expand globs,
// so the files are listed here: the *.test.ts files under test/.
//
// Before the tests: the build (test/cli-files.test.ts runs the real bin/cowshare.js, which runs dist/).
// After them: test/files.test.ts once more with COWSHARE_NATIVE=0, so that every file-image test passes
// on the read-into-memory backing as well as on mmap.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const run = (command, args, env = {}) =>
  spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .sort();
const testArgs = (list) => [
  '--import',
  'tsx',
  '--import',
  './scripts/tsx-in-workers.mjs',
  '--test',
  ...process.argv.slice(2),
  ...list,
];

const build = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
if (build !== 0) process.exit(build);
const all = run(process.execPath, testArgs(files));
const fallback = run(process.execPath, testArgs([join('test', 'files.test.ts')]), { COWSHARE_NATIVE: '0' });
process.exit(all || fallback);
