// A child process for test/files.test.ts: opens the image file argv[2] (a packed Uint8Array) with the
// backing argv[3], reads one byte of every 4096-byte page, prints {sum, pssBefore} as one JSON line, and
// then lives, holding its view, until it is killed: the parent reads its PSS meanwhile.
import { type Backing, openFile } from '../../src/node/index.js';
import { processMemory } from '../../src/node/memory.js';

const [path, backing] = process.argv.slice(2) as [string, Backing];
const pssBefore = processMemory().pss!;
const bytes = openFile<Uint8Array>(path, { backing });
let sum = 0;
for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i]!;
process.stdout.write(`${JSON.stringify({ sum, pssBefore })}\n`);
setInterval(() => bytes.length, 60_000);
