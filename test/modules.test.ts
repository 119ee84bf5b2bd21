// Every module loads alone, in a fresh process: none needs another to be imported first (no
// module-level setter for another module to run; docs/ARCHITECTURE.md). Run on the build in dist/,
// which `npm test` makes first, so that a process costs a plain node start, not a TypeScript load.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Modules that are the script of a worker thread: they read `workerData` as they load. */
const WORKER_SCRIPTS = new Set(['cli/demo-clone-task.ts', 'node/pool-worker.ts']);

/** Runs `source` as an ES module in a fresh node process (in the repository); its stdout. */
function run(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', source],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

test('every module of the build can be imported first, alone', async () => {
  // The modules of src/ (dist/ may hold stale ones), as built.
  const modules = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !WORKER_SCRIPTS.has(f))
    .map((f) => f.replace(/\.ts$/, '.js'))
    .sort();
  // Two at a time: the machine's cores.
  const queue = [...modules];
  const failures: string[] = [];
  await Promise.all(
    [0, 1].map(async () => {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        const url = new URL(`dist/${m}`, new URL('..', import.meta.url)).href;
        await run(`await import(${JSON.stringify(url)});`).catch((error: Error) =>
          failures.push(`${m}: ${error.message}`),
        );
      }
    }),
  );
  assert.deepEqual(failures, []);
});

test('the patch side alone (cow/apply-patches) records plain copies, not live drafts', async () => {
  // What a module-level copier left unset gave: the patch value was the live draft, so a later
  // write changed a patch already taken. Here apply-patches and fork are all that is imported.
  const out = await run(`
    const { applyPatches, patches } = await import('./dist/cow/apply-patches.js');
    const { fork } = await import('./dist/cow/fork.js');
    const base = { list: [1, 2], tags: new Set(['a']) };
    const draft = fork(base, { patches: true });
    draft.added = { n: 1, when: new Date(0), bytes: new Uint8Array([7]) };
    const taken = patches(draft).patches;
    draft.added.n = 2;
    const value = taken[0].value;
    const after = applyPatches(base, taken);
    console.log(JSON.stringify({
      ops: taken.map((p) => p.op + ' ' + p.path),
      n: value.n,
      plain: Object.getPrototypeOf(value) === Object.prototype && value.when instanceof Date &&
        ArrayBuffer.isView(value.bytes) && structuredClone(value).n === 1,
      applied: { n: after.added.n, bytes: [...after.added.bytes], time: after.added.when.getTime() },
      base: 'added' in base,
    }));
  `);
  assert.deepEqual(JSON.parse(out), {
    ops: ['add /added'],
    n: 1,
    plain: true,
    applied: { n: 1, bytes: [7], time: 0 },
    base: false,
  });
});
