/**
 * `cowshare demo`: the main job on a built-in default. Builds a synthetic dictionary and runs the same
 * lookups in N workers twice — the dictionary sent the usual way (`workerData`, a structured clone per
 * worker) and as one shared cowshare image — each in a fresh process (demo-run.ts), then checks that
 * both gave the same answers and prints what each cost.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { siblingModule } from '../node/sibling.js';
import { type Command, integerOption } from './command.js';
import type { DemoMessage, DemoRunOptions, ModeResult } from './demo-run.js';
import { bytes, count, duration, ProgressLine } from './progress.js';

const DEFAULTS = { entries: 500_000, workers: 4, lookups: 2_000_000 };

export const demo: Command = {
  name: 'demo',
  summary: 'share a synthetic dictionary with N workers: the usual way against cowshare',
  usage: `Usage: cowshare demo [--entries N] [--workers N] [--lookups N] [--json]

Builds a dictionary of N entries (small records keyed by words), then runs the same lookups in
N worker threads twice, each time in a fresh process: with the dictionary sent the usual way
(workerData: a structured clone per worker) and with one cowshare image every worker shares.
Checks that both give the same answers and prints pack time, time until all workers answer,
process memory (RSS and PSS), lookups per second, and cowshare's ratio for each.

Options:
  --entries N   dictionary entries (default ${count(DEFAULTS.entries)})
  --workers N   worker threads (default ${DEFAULTS.workers}; this machine has ${availableParallelism()} cores)
  --lookups N   lookups per mode (default ${count(DEFAULTS.lookups)})
  --json        print the results as JSON on stdout
  -h, --help    print this help`,
  options: {
    entries: { type: 'string' },
    workers: { type: 'string' },
    lookups: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, { stdout, stderr }) {
    const options = {
      entries: integerOption(values.entries, 'entries', DEFAULTS.entries, 1, 50_000_000),
      workers: integerOption(values.workers, 'workers', DEFAULTS.workers, 1, 256),
      lookups: integerOption(values.lookups, 'lookups', DEFAULTS.lookups, 1, 1e10),
    };
    const line = new ProgressLine(stderr);
    stderr.write(
      `cowshare demo: ${count(options.entries)} entries, ${options.workers} workers, ` +
        `${count(options.lookups)} lookups per mode\n`,
    );
    const results: ModeResult[] = [];
    for (const mode of ['workerData', 'cowshare'] as const) {
      const label = mode === 'cowshare' ? 'cowshare image' : 'workerData clone';
      const result = await runChild({ ...options, mode }, (text, step) =>
        line.update(`  ${label}: ${text}`, step),
      );
      line.done(`  ${label}: ready in ${duration(result.readyMs)}, lookups in ${duration(result.lookupMs)}`);
      results.push(result);
    }
    const [usual, shared] = results as [ModeResult, ModeResult];
    const same =
      usual.answer.found === shared.answer.found && usual.answer.checksum === shared.answer.checksum;
    if (values.json) {
      stdout.write(`${JSON.stringify({ ...options, sameAnswers: same, results }, null, 2)}\n`);
    } else {
      stdout.write(table(options.lookups, usual, shared));
      stdout.write(
        same
          ? `\nBoth found ${count(usual.answer.found)} of ${count(options.lookups)} keys with the same checksum.\n`
          : `\nThe answers differ: ${JSON.stringify(usual.answer)} against ${JSON.stringify(shared.answer)}.\n`,
      );
    }
    if (!same) stderr.write('cowshare demo: the two modes gave different answers\n');
    return same ? 0 : 1;
  },
};

/** Runs one mode in a fresh process; its progress goes to `onProgress`. */
function runChild(
  options: DemoRunOptions,
  onProgress: (text: string, step: boolean) => void,
): Promise<ModeResult> {
  const script = siblingModule(import.meta.url, 'demo-run');
  const child = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: ModeResult | undefined;
    child.on('message', (message: DemoMessage) => {
      if (message.type === 'progress') onProgress(message.text, message.step);
      else result = message.result;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`the ${options.mode} run failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** The comparison table: a row per figure, the usual way, cowshare, and cowshare's ratio. */
function table(lookups: number, usual: ModeResult, shared: ModeResult): string {
  const rows = [['', 'workerData clone', 'cowshare image', 'cowshare ÷ clone']];
  const add = (
    label: string,
    a: number | undefined,
    b: number | undefined,
    format: (n: number) => string,
  ): void => {
    const ratio = a !== undefined && b !== undefined && a > 0 ? `${(b / a).toPrecision(2)}×` : '';
    rows.push([label, a === undefined ? 'n/a' : format(a), b === undefined ? 'n/a' : format(b), ratio]);
  };
  const rate = (r: ModeResult): number => (lookups * 1000) / r.lookupMs;
  add('pack', undefined, shared.packMs, duration);
  add('workers ready', usual.readyMs, shared.readyMs, duration);
  add('memory (RSS)', usual.rss, shared.rss, bytes);
  add('memory (PSS)', usual.pss, shared.pss, bytes);
  add('peak RSS', usual.peakRss, shared.peakRss, bytes);
  add('lookups per second', rate(usual), rate(shared), count);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
      .join('   ');
  return `\n${rows.map(line).join('\n')}\n`;
}
