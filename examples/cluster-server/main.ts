/**
 * An HTTP server whose cluster workers answer lookups from one image file. Each worker process maps
 * the file (`openFile`): the operating system keeps one copy of its pages for all of them, and a
 * worker is ready as soon as it has mapped it. `--mode json` runs the same server the usual way —
 * every worker parses a JSON file of the same data into its own heap — for comparison.
 *
 * Run: npm run example:cluster-server -- [--mode cowshare|json] [--workers N] [--entries N] [--serve]
 * Without --serve it starts the workers, checks their answers over HTTP, prints the memory of every
 * worker (PSS: shared pages divided among the processes that map them), and stops.
 */
import cluster from 'node:cluster';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFile, writeImage } from '../../src/node/index.js';
import { processMemory } from '../../src/node/memory.js';

interface Entry {
  readonly id: number;
  readonly word: string;
  readonly score: number;
  readonly tags: readonly string[];
}

/** The dictionary's entry for key `i`: the same in every process, and what the answers are checked against. */
function entryOf(i: number): Entry {
  return {
    id: i,
    word: `word-${i.toString(36)}`,
    score: (i * 7919) % 1000,
    tags: i % 3 === 0 ? ['common'] : ['rare', `group-${i % 17}`],
  };
}

function keyOf(i: number): string {
  return `key-${i}`;
}

/** What a worker tells the primary once it listens. */
interface Ready {
  type: 'ready';
  loadMs: number;
  port: number;
}

const USAGE = `usage: npm run example:cluster-server -- [options]
  --mode M      cowshare (map one image file) or json (JSON.parse per worker); default cowshare
  --workers N   cluster workers (default: the available cores)
  --entries N   dictionary entries (default 1000000)
  --port P      port (default: any free port)
  --data DIR    where the data files are written once and reused (default: the OS temp dir)
  --serve       keep serving until Ctrl-C instead of checking and stopping`;

if (cluster.isPrimary) await primary();
else await worker();

async function primary(): Promise<void> {
  const options = parseOptions();
  const files = await dataFiles(options.data, options.entries, options.mode);
  console.log(`mode ${options.mode}: ${options.workers} workers serving ${files[options.mode]}`);

  const started = performance.now();
  const workers = Array.from({ length: options.workers }, () =>
    cluster.fork({
      CLUSTER_MODE: options.mode,
      CLUSTER_FILE: files[options.mode],
      CLUSTER_PORT: String(options.port),
    }),
  );
  const ready = await Promise.all(
    workers.map(
      (w) => new Promise<Ready>((resolve) => w.on('message', (m: Ready) => m.type === 'ready' && resolve(m))),
    ),
  );
  const port = ready[0]!.port;
  console.log(
    `all workers answer after ${ms(performance.now() - started)}; each loaded the data in ` +
      `${ready.map((r) => ms(r.loadMs)).join(', ')}`,
  );

  if (options.serve) {
    console.log(`try: curl http://127.0.0.1:${port}/lookup?key=key-42`);
    return;
  }
  try {
    await check(port, options.entries);
    let total = 0;
    for (const [i, w] of workers.entries()) {
      const { pss, rss } = processMemory(w.process.pid!);
      total += pss ?? rss;
      console.log(`worker ${i + 1}: PSS ${mb(pss ?? Number.NaN)}, RSS ${mb(rss)}`);
    }
    console.log(`workers' memory in all: PSS ${mb(total)}`);
  } finally {
    for (const w of workers) w.kill();
  }
}

/** Asks the server for a sample of keys (and one missing key) and checks every answer. */
async function check(port: number, entries: number): Promise<void> {
  const requests = 2_000;
  const started = performance.now();
  for (let n = 0; n < requests; n++) {
    const i = (n * 104_729) % entries;
    const response = await fetch(`http://127.0.0.1:${port}/lookup?key=${keyOf(i)}`);
    const answer = JSON.stringify(await response.json());
    if (response.status !== 200 || answer !== JSON.stringify(entryOf(i))) {
      throw new Error(`${keyOf(i)}: the server answered ${response.status} ${answer}`);
    }
  }
  const missing = await fetch(`http://127.0.0.1:${port}/lookup?key=nope`);
  if (missing.status !== 404) throw new Error(`a missing key gave ${missing.status}`);
  console.log(
    `checked ${requests.toLocaleString('en-US')} answers over HTTP in ${ms(performance.now() - started)}: all correct`,
  );
}

async function worker(): Promise<void> {
  const { CLUSTER_MODE: mode, CLUSTER_FILE: file, CLUSTER_PORT: port } = process.env;
  const started = performance.now();
  // The only line that differs between the two modes: map the image, or parse the JSON.
  const dictionary: ReadonlyMap<string, Entry> =
    mode === 'cowshare'
      ? openFile<Map<string, Entry>>(file!)
      : new Map(Object.entries(JSON.parse(readFileSync(file!, 'utf8')) as Record<string, Entry>));
  const loadMs = performance.now() - started;

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const entry = url.pathname === '/lookup' ? dictionary.get(url.searchParams.get('key') ?? '') : undefined;
    response.writeHead(entry ? 200 : 404, { 'content-type': 'application/json' });
    // A view serialises like the plain object it was packed from.
    response.end(JSON.stringify(entry ?? { error: 'no such key' }));
  });
  // With port 0, cluster gives every worker the same free port.
  server.listen(Number(port), '127.0.0.1', () => {
    const ready: Ready = { type: 'ready', loadMs, port: (server.address() as AddressInfo).port };
    process.send!(ready);
  });
}

/** Writes the data once per size and mode in `dir`, and reuses it afterwards. */
async function dataFiles(
  dir: string,
  entries: number,
  mode: 'cowshare' | 'json',
): Promise<Record<'cowshare' | 'json', string>> {
  mkdirSync(dir, { recursive: true });
  const files = { cowshare: join(dir, `${entries}.cow`), json: join(dir, `${entries}.json`) };
  if (existsSync(files[mode])) return files;
  const started = performance.now();
  if (mode === 'cowshare') {
    const dictionary = new Map<string, Entry>();
    for (let i = 0; i < entries; i++) dictionary.set(keyOf(i), entryOf(i));
    await writeImage(files.cowshare, dictionary);
  } else {
    const dictionary: Record<string, Entry> = {};
    for (let i = 0; i < entries; i++) dictionary[keyOf(i)] = entryOf(i);
    writeFileSync(files.json, JSON.stringify(dictionary));
  }
  console.log(`wrote ${files[mode]} in ${ms(performance.now() - started)} (reused by later runs)`);
  return files;
}

interface Options {
  mode: 'cowshare' | 'json';
  workers: number;
  entries: number;
  port: number;
  serve: boolean;
  data: string;
}

function parseOptions(): Options {
  try {
    const { values } = parseArgs({
      options: {
        mode: { type: 'string', default: 'cowshare' },
        workers: { type: 'string', default: String(availableParallelism()) },
        entries: { type: 'string', default: '1000000' },
        port: { type: 'string', default: '0' },
        serve: { type: 'boolean', default: false },
        data: { type: 'string', default: join(tmpdir(), 'cowshare-cluster-server') },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (values.mode !== 'cowshare' && values.mode !== 'json')
      throw new Error(`--mode must be cowshare or json, got ${values.mode}`);
    return {
      mode: values.mode,
      workers: positiveInteger('--workers', values.workers),
      entries: positiveInteger('--entries', values.entries),
      port: Number(values.port),
      serve: values.serve,
      data: values.data,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    process.exit(2);
  }
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${text}`);
  return value;
}

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

function mb(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}
