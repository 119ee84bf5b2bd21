#!/usr/bin/env node
// The `cowshare` command. Its subcommands (pack, inspect, get, verify, demo, bench) land with the
// file-image and worker issues; until then it prints what exists.
const usage = `cowshare — build big read-only data once; every thread and process reads it in place

Usage: cowshare <command> [options]

Commands (coming with the next releases):
  pack, inspect, get, verify, demo, bench

Today the library API is ready: import { pack, open, toJS, verify } from 'cowshare'.
`;
const [command] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(usage);
  process.exit(command === undefined ? 2 : 0);
}
process.stderr.write(`cowshare: unknown command '${command}'\n\n${usage}`);
process.exit(2);
