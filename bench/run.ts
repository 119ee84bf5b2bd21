// The benchmark runner: selects named cases by regex, runs each (correctness check first, then
// timing), prints a table per case and a summary of the issue's targets. See bench/README.md.

import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cases as big } from './cases/big.js';
import { cases as cow } from './cases/cow.js';
import { cases as files } from './cases/files.js';
import { cases as get } from './cases/get.js';
import { cases as iterate } from './cases/iterate.js';
import { cases as keyed } from './cases/keyed.js';
import { cases as open } from './cases/open.js';
import { cases as pack } from './cases/pack.js';
import { cases as packNdjson } from './cases/pack-ndjson.js';
import { cases as size } from './cases/size.js';
import { cases as verify } from './cases/verify.js';
import { cases as workers } from './cases/workers.js';
import type { Size } from './data.js';
import {
  type BenchCase,
  formatNumber,
  formatTarget,
  formatVerdict,
  type Report,
  type Verdict,
} from './harness.js';

const CASES: BenchCase[] = [
  ...pack,
  ...size,
  ...get,
  ...keyed,
  ...iterate,
  ...open,
  ...verify,
  ...workers,
  ...files,
  ...packNdjson,
  ...cow,
  ...big,
];

const usage = `USAGE: npm run bench -- [regex...] [--size small|full] [--json]

Runs the benchmark cases whose names match any of the regular expressions (unanchored); with none,
every case except the explicit ones. Each case checks its results before it times anything.

  npm run bench                        # every default case, small data (1/10 of the issue's sizes)
  npm run bench -- '^get/' --size full # the lookup cases on the issue's sizes
  npm run bench -- '^workers/'         # 1/2/4 worker threads on a 50 MB dictionary (2 GB: --size full)
  npm run bench -- '^files/'           # image files: start-up, PSS of 4 processes, get vs lmdb-js
  npm run bench -- big                 # big/5GiB runs only when a pattern names its topic
  npm run bench -- files/5GiB          # files/5GiB only when a pattern names it (5GiB)

Options:
  --size small|full  data size (default small)
  --json             print the results as JSON on stdout (progress goes to stderr)
  --list             list the case names and exit
  -h, --help         print this help and exit

Cases:
${CASES.map((c) => `  ${c.name}${c.explicit ? '  (explicit only)' : c.fullOnly ? '  (--size full only)' : ''}`).join('\n')}
`;

const { values: flags, positionals: patterns } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    json: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});
if (flags.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (flags.size !== 'small' && flags.size !== 'full') {
  process.stderr.write(`--size must be small or full, not ${flags.size}\n\n${usage}`);
  process.exit(2);
}
const sizeFlag: Size = flags.size;
const regexes = patterns.map((p) => new RegExp(p));

/**
 * What a pattern must contain, besides matching, to select an explicit case: its topic when all of the
 * topic's cases are explicit (`big` for big/5GiB), else its variant (`5GiB` for files/5GiB), so that
 * `^files/` runs the topic's default cases only.
 */
function explicitName(c: BenchCase): string {
  const [topic = '', variant = ''] = c.name.split('/');
  const topicIsExplicit = CASES.every((o) => !o.name.startsWith(`${topic}/`) || o.explicit);
  return topicIsExplicit ? topic : variant;
}

const isSelected = (c: BenchCase): boolean =>
  regexes.length === 0
    ? !c.explicit
    : patterns.some((p, i) => regexes[i]!.test(c.name) && (!c.explicit || p.includes(explicitName(c))));

const selected = CASES.filter(isSelected);
if (flags.list) {
  for (const c of selected) process.stdout.write(`${c.name}\n`);
  process.exit(0);
}
if (selected.length === 0) {
  process.stderr.write(`no cases match ${patterns.map((p) => JSON.stringify(p)).join(', ')}\n`);
  process.exit(2);
}

/** Human-readable output goes to stdout, or to stderr when stdout carries JSON. */
const out = (line = ''): void => {
  (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
};

/** Aligned columns; `align` has one letter per column, `l` or `r` (default: first left, rest right). */
function table(rows: string[][], align = 'l'): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const left = (col: number): boolean => (align[col] ?? 'r') === 'l';
  return rows.map((row) =>
    row
      .map((cell, col) => (left(col) ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The measurements as a subjects × metrics table. */
function measurementTable(report: Report): string[] {
  const subjects = [...new Set(report.measurements.map((m) => m.subject))];
  const metrics = [...new Set(report.measurements.map((m) => m.metric))];
  const rows = subjects.map((subject) => [
    subject,
    ...metrics.map((metric) => {
      const m = report.measurements.find((x) => x.subject === subject && x.metric === metric);
      return m ? formatNumber(m.value) : '';
    }),
  ]);
  return table([['', ...metrics], ...rows]);
}

const status = (v: Verdict): string => (v.met === undefined ? '' : v.met ? 'met' : 'MISSED');

function verdictRows(verdicts: readonly Verdict[], prefix?: string): string[][] {
  return verdicts.map((v) => [
    ...(prefix === undefined ? [] : [prefix]),
    v.label,
    formatVerdict(v),
    formatTarget(v),
    status(v),
  ]);
}

interface Outcome {
  name: string;
  seconds: number;
  skipped?: string;
  error?: string;
  report?: Report;
}

const started = performance.now();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${formatNumber(totalmem() / 2 ** 30)} GiB`;
out(`cowshare bench — Node ${process.version}, ${machine}, --size ${sizeFlag}`);

const outcomes: Outcome[] = [];
for (const c of selected) {
  out();
  out(`── ${c.name} ${'─'.repeat(Math.max(3, 60 - c.name.length))}`);
  if (c.fullOnly && sizeFlag !== 'full') {
    out('  skipped: runs with --size full only');
    outcomes.push({ name: c.name, seconds: 0, skipped: 'needs --size full' });
    continue;
  }
  const caseStart = performance.now();
  const ctx = { size: sizeFlag, log: (line: string) => process.stderr.write(`  · ${line}\n`) };
  try {
    const report = await c.run(ctx);
    const seconds = (performance.now() - caseStart) / 1e3;
    outcomes.push({ name: c.name, seconds, report });
    for (const line of measurementTable(report)) out(`  ${line}`);
    out();
    for (const line of table(verdictRows(report.verdicts), 'lrrl')) out(`  ${line}`);
    for (const note of report.notes) out(`  note: ${note}`);
    out(`  (${seconds.toFixed(1)} s)`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    outcomes.push({ name: c.name, seconds: (performance.now() - caseStart) / 1e3, error: message });
    out(`  FAILED: ${message}`);
  }
}

const totalSeconds = (performance.now() - started) / 1e3;
const judged = outcomes.flatMap((o) => (o.report ? verdictRows(o.report.verdicts, o.name) : []));
out();
out(`── summary (${totalSeconds.toFixed(0)} s) ${'─'.repeat(47)}`);
if (judged.length > 0)
  for (const line of table([['case', 'ratio / figure', 'value', 'target', ''], ...judged], 'llrrl'))
    out(`  ${line}`);
const failed = outcomes.filter((o) => o.error);
for (const o of failed) out(`  FAILED ${o.name}: ${o.error?.split('\n')[0]}`);

if (flags.json) {
  const json = {
    node: process.version,
    machine,
    size: sizeFlag,
    date: new Date().toISOString(),
    seconds: totalSeconds,
    cases: outcomes.map((o) => ({
      name: o.name,
      seconds: o.seconds,
      ...(o.skipped === undefined ? {} : { skipped: o.skipped }),
      ...(o.error === undefined ? {} : { error: o.error }),
      ...(o.report
        ? { measurements: o.report.measurements, verdicts: o.report.verdicts, notes: o.report.notes }
        : {}),
    })),
  };
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}
process.exitCode = failed.length > 0 ? 1 : 0;
