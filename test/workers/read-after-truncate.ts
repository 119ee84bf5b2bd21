// A child process for test/files.test.ts: opens the image file argv[2] (a packed array of strings) with
// the backing argv[3], says "open", waits for a line on standard input (the parent truncates the file
// meanwhile), then reads every element and says "read N". Under mmap that read touches lost pages.
import { once } from 'node:events';
import { type Backing, openFile } from '../../src/node/index.js';

const [path, backing] = process.argv.slice(2) as [string, Backing];
const view = openFile<string[]>(path, { backing });
process.stdout.write('open\n');
await once(process.stdin, 'data');
let characters = 0;
for (const s of view) characters += s.length;
process.stdout.write(`read ${characters}\n`);
process.exit(0);
