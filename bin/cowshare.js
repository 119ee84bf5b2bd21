#!/usr/bin/env node
// The `cowshare` command: a thin launcher for the built CLI (src/cli/main.ts → dist/cli/main.js).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('cowshare: the package is not built; run `npm run build` (npm install does it)\n');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
