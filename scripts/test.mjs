// Runs every test file through node:test with tsx. Node 20's test runner does not expand globs,
// so the files are listed here: the *.test.ts files under test/.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .sort();
const args = [
  '--import',
  'tsx',
  '--import',
  './scripts/tsx-in-workers.mjs',
  '--test',
  ...process.argv.slice(2),
  ...files,
];
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(status ?? 1);
