// `npm run fuzz -- [target…] [--minutes N | --seconds N | --runs N] [--ci] [--jobs N]`: coverage-guided fuzzing
// with Jazzer.js (libFuzzer) of the targets in fuzz/targets/ (docs/fuzzing.md says what each one
// checks). Builds them with tsc into .fuzz-build/, runs each on its committed corpus
// (fuzz/corpus/<target>/, read only) plus a working corpus in .fuzz-work/<target>/ where new inputs
// go, and prints per target the executions run, the coverage reached (libFuzzer's `cov` and `ft`) and
// the findings, which libFuzzer writes to .fuzz-work/findings/. Exits 1 on any finding.
//
// `--ci`: what .ci/run runs. Every target, two at a time (the machine's two cores), on the committed
// corpus only, for a fixed number of executions (CI_RUNS: about a minute each here) from a fixed
// seed: a CI run is reproducible, so it fails only on a finding that a run here would find too.
//
// The runtime: Jazzer.js 4's prebuilt addon needs glibc 2.38 and libstdc++ 13 (GLIBCXX_3.4.32), newer
// than Debian 12's, and building it from source downloads LLVM from GitHub, which this network does
// not reach. So where the addon cannot load, the fuzzer runs under the C and C++ runtime of Debian 13
// (libc6, libstdc++6, libgcc-s1 from deb.debian.org, unpacked into .fuzz-runtime/ — never installed
// into the system): its own dynamic loader starts node with those libraries. Node, the mmap addon and
// everything else run on them unchanged (glibc is backward compatible).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const TARGETS = ['image', 'layer', 'file', 'patches', 'json', 'ndjson', 'csv'];
/** Targets whose fuzz function is synchronous (far faster under Jazzer.js); the others are async. */
const SYNC = new Set(['image', 'layer', 'file', 'patches', 'json']);
/** Executions per target in CI (about 60 s each on the development machine), and its seed. */
const CI_RUNS = {
  image: 60_000,
  layer: 36_000,
  file: 40_000,
  patches: 300_000,
  json: 300_000,
  ndjson: 150_000,
  csv: 100_000,
};
const CI_SEED = 1;
/** Per input: a hang past this is a finding. */
const TIMEOUT_MS = 10_000;
/** Longest input: the largest seeds (multi-segment images) are some kB. */
const MAX_LEN = 65_536;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    ci: { type: 'boolean' },
    jobs: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run fuzz -- [target…] [--minutes N | --seconds N | --runs N] [--seed N] [--jobs N] [--ci]\n' +
      `Targets: ${TARGETS.join(', ')} (default: all). --ci: a fixed budget each from a fixed seed, two at a time.\n`,
  );
  process.exit(0);
}
const targets = positionals.length > 0 ? positionals : TARGETS;
for (const t of targets) {
  if (!TARGETS.includes(t)) {
    process.stderr.write(`fuzz: unknown target '${t}' (targets: ${TARGETS.join(', ')})\n`);
    process.exit(2);
  }
}
const runs = values.runs === undefined ? undefined : Number(values.runs);
// A time limit, or none when a number of runs is the limit (0: libFuzzer's "no limit"). In CI, a
// cap far above the runs' time, for a slow machine.
const seconds = values.ci
  ? 300
  : values.seconds
    ? Number(values.seconds)
    : values.minutes
      ? Number(values.minutes) * 60
      : runs === undefined
        ? 60
        : 0;
const jobs = Number(values.jobs ?? (values.ci ? 2 : 1));

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.fuzz.json'], {
  cwd: root,
  stdio: 'inherit',
});
const launcher = runtime();
const work = join(root, '.fuzz-work');
const findings = join(work, 'findings');
mkdirSync(findings, { recursive: true });

const results = [];
const queue = [...targets];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, () => worker()));
async function worker() {
  for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
    results.push(await fuzz(target));
  }
}

process.stdout.write('\ntarget    executions   exec/s   cov      ft  corpus  findings\n');
for (const r of results.sort((a, b) => TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target))) {
  process.stdout.write(
    `${r.target.padEnd(8)} ${String(r.runs).padStart(11)} ${String(r.rate).padStart(8)} ${String(r.cov).padStart(5)} ${String(r.ft).padStart(7)} ${String(r.corpus).padStart(7)}  ${r.findings.length === 0 ? 0 : r.findings.join(' ')}\n`,
  );
}
const failed = results.filter((r) => r.findings.length > 0 || r.status !== 0);
if (failed.length > 0) {
  for (const r of failed) process.stderr.write(`\n--- ${r.target} (exit ${r.status}) ---\n${r.tail}\n`);
  process.exit(1);
}

/** Runs one target; resolves with its statistics, parsed from libFuzzer's output. */
function fuzz(target) {
  const committed = join(root, 'fuzz', 'corpus', target);
  const own = join(work, target);
  // In CI the working corpus starts empty: only the committed corpus is the starting point.
  if (values.ci) rmSync(own, { recursive: true, force: true });
  mkdirSync(own, { recursive: true });
  const jazzer = createRequire(join(root, 'package.json')).resolve('@jazzer.js/core/dist/cli.js');
  const args = [
    jazzer,
    join(root, '.fuzz-build', 'fuzz', 'targets', `${target}.js`),
    own,
    committed,
    '--includes',
    join(root, '.fuzz-build', 'src/'),
    '--excludes',
    'node_modules',
    '--timeout',
    String(TIMEOUT_MS),
    ...(SYNC.has(target) ? ['--sync'] : []),
    '--',
    `-max_total_time=${seconds}`,
    ...(values.ci
      ? [`-runs=${CI_RUNS[target]}`, `-seed=${CI_SEED}`]
      : runs === undefined
        ? []
        : [`-runs=${runs}`]),
    `-max_len=${MAX_LEN}`,
    `-artifact_prefix=${findings}/${target}-`,
    '-print_final_stats=1',
  ];
  const before = new Set(readdirSync(findings));
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(launcher.command, [...launcher.args, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...launcher.env },
    });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-6000);
    };
    /** libFuzzer's last status line: `#1234 NEW cov: 10 ft: 20 corp: 5/1kb …`. */
    const lastStatus = () => [...tail.matchAll(/#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/g)].at(-1);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const progress = setInterval(() => {
      const now = lastStatus();
      if (now) process.stderr.write(`${target}: ${now[1]} executions, cov ${now[2]}, ft ${now[3]}\n`);
    }, 30_000);
    child.on('exit', (status) => {
      clearInterval(progress);
      const last = lastStatus();
      const executions = Math.max(
        Number(/stat::number_of_executed_units:\s+(\d+)/.exec(tail)?.[1] ?? 0),
        Number(last?.[1] ?? 0),
      );
      // libFuzzer also keeps slow inputs (slow-unit-*, within the timeout): not findings.
      const made = readdirSync(findings).filter(
        (f) => !before.has(f) && f.startsWith(`${target}-`) && !f.includes('slow-unit-'),
      );
      done({
        target,
        status: status ?? 1,
        runs: executions,
        // Over the whole run, start-up and corpus loading included (libFuzzer's own average is not
        // always in the output's tail).
        rate: Math.round(executions / ((performance.now() - started) / 1000)),
        cov: Number(last?.[2] ?? 0),
        ft: Number(last?.[3] ?? 0),
        corpus: Number(last?.[4] ?? 0),
        findings: made,
        tail,
      });
    });
  });
}

/**
 * How to start node so that Jazzer.js's addon loads: plainly where it can, else under Debian 13's C
 * and C++ runtime (see the top of this file), fetched once into .fuzz-runtime/.
 */
function runtime() {
  const probe = spawnSync(process.execPath, ['-e', "require('@jazzer.js/fuzzer')"], { cwd: root });
  if (probe.status === 0) return { command: process.execPath, args: [], env: {} };
  const dir = join(root, '.fuzz-runtime');
  const lib = join(dir, 'root', 'usr', 'lib', 'x86_64-linux-gnu');
  const loader = join(lib, 'ld-linux-x86-64.so.2');
  if (!existsSync(loader)) {
    if (process.arch !== 'x64' || process.platform !== 'linux') {
      process.stderr.write("fuzz: Jazzer.js's addon does not load here, and no runtime for it is known\n");
      process.exit(1);
    }
    process.stderr.write(
      'fuzz: fetching the C and C++ runtime of Debian 13 for Jazzer.js into .fuzz-runtime/\n',
    );
    const apt = join(dir, 'apt');
    for (const d of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(apt, d), { recursive: true });
    writeFileSync(
      join(apt, 'sources.list'),
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n',
    );
    const options = [
      `Dir::Etc::SourceList=${join(apt, 'sources.list')}`,
      'Dir::Etc::SourceParts=/dev/null',
      `Dir::State::Lists=${join(apt, 'lists')}`,
      `Dir::Cache=${join(apt, 'cache')}`,
      'Dir::State::status=/dev/null',
      'APT::Sandbox::User=root',
    ].flatMap((o) => ['-o', o]);
    const debs = join(dir, 'debs');
    mkdirSync(debs, { recursive: true });
    execFileSync('apt-get', [...options, 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', [...options, 'download', 'libc6', 'libstdc++6', 'libgcc-s1'], {
      cwd: debs,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (const deb of readdirSync(debs)) execFileSync('dpkg-deb', ['-x', join(debs, deb), join(dir, 'root')]);
  }
  return { command: loader, args: ['--library-path', lib, process.execPath], env: {} };
}
