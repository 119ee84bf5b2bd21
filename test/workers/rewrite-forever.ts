// A child process for test/files.test.ts: rewrites the image file argv[2] with writeImage forever,
// alternating two versions, and prints a line after each write, until the test kills it (SIGKILL).
// The images are packed once, so that the kill lands in writing, syncing or renaming, not in packing.
import { pack, writeImage } from '../../src/node/index.js';

const [path] = process.argv.slice(2) as [string];
const images = ['A', 'B'].map((tag) =>
  pack([tag, ...Array.from({ length: 200_000 }, (_, i) => `${tag}${i}`)]),
);
for (let n = 0; ; n++) {
  await writeImage(path, images[n % 2]);
  process.stdout.write(`${n}\n`);
}
