// The child of files/pack-ndjson: packs an NDJSON file into a Map-rooted image file keyed by `key`,
// one of two ways, then prints {ms, peakRss} as its last line of stdout. Each run is a fresh process,
// so its peak RSS (getrusage's maxrss) is its own.
//   stream  `cowshare pack <input> -o <output> --key key`: the CLI's own code (src/cli/main.ts)
//   memory  the usual way: parse every line into one Map, then writeImage: the input's data whole in the heap
import { openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { main } from '../../src/cli/main.js';
import { writeImage } from '../../src/node/index.js';

const [mode, input, output] = process.argv.slice(2) as ['stream' | 'memory', string, string];
const started = performance.now();
if (mode === 'stream') {
  const code = await main(['pack', input, '-o', output, '--key', 'key'], {
    stdout: process.stderr,
    stderr: process.stderr,
  });
  if (code !== 0) throw new Error(`cowshare pack exited with ${code}`);
} else {
  const map = new Map<string, unknown>();
  // Lines in 16 MiB pieces: a 1 GB file is longer than V8's longest string.
  const fd = openSync(input, 'r');
  const chunk = Buffer.alloc(1 << 24);
  const decoder = new TextDecoder();
  let rest = '';
  for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
    const lines = (rest + decoder.decode(chunk.subarray(0, read), { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      const record = JSON.parse(line) as { key: string };
      map.set(record.key, record);
    }
  }
  if (rest !== '') {
    const record = JSON.parse(rest) as { key: string };
    map.set(record.key, record);
  }
  await writeImage(output, map);
}
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
