// size/heap: image bytes against the V8 heap the same data occupies as live objects. The heap side
// is measured in a fresh child process (bench/heap-probe.ts), so nothing else shares its heap.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { atMost, type BenchCase, MB, Report } from '../harness.js';

const run = promisify(execFile);
// `npm run bench` runs the suite compiled to JavaScript (so it measures what users run); the probe is
// then its compiled sibling. Run from source through tsx, it is the .ts file.
const compiled = import.meta.url.endsWith('.js');
const probe = fileURLToPath(new URL(compiled ? '../heap-probe.js' : '../heap-probe.ts', import.meta.url));

interface Probe {
  heapBytes: number;
  imageBytes: number;
}

export const cases: BenchCase[] = [
  {
    name: 'size/heap',
    async run(ctx) {
      const report = new Report();
      for (const dataset of ['entries', 'docs']) {
        ctx.log(`probing the heap size of ${dataset} in a child process`);
        const args = [...(compiled ? [] : ['--import', 'tsx']), '--expose-gc', probe, dataset, ctx.size];
        const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
        const { heapBytes, imageBytes } = JSON.parse(stdout) as Probe;
        report.add(dataset, 'V8 heap MB', heapBytes / MB).add(dataset, 'image MB', imageBytes / MB);
        report.check(`${dataset}: image / heap`, imageBytes / heapBytes, '×', atMost(0.5));
      }
      return report;
    },
  },
];
